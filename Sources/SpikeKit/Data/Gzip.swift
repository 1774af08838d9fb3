import CZlib

/// gzip (RFC 1952) decompression and compression in memory, through the system zlib.
///
/// `decompress` accepts a file made of several gzip members one after another (what `cat a.gz b.gz`
/// produces; `gunzip` accepts it too) and returns their contents joined. Anything after the last
/// member that is not another member, even zero padding, is an error: a data file with stray bytes
/// is more likely damaged than padded. Every failure is a `SpikeKitError.dataFile` naming the file
/// and the **compressed** byte offset at which zlib stopped: the end of the file for a truncated
/// stream, the first stray byte for trailing garbage, and for damaged data the position zlib had
/// read up to, which can be a few bytes past the damage (or as far as the CRC in the trailer, when
/// the damage still decodes).
///
/// zlib is a C library, so this file opens the byte buffers with `withUnsafe…` closures around each
/// zlib call; nothing outside it sees a pointer. `inflateInit2` and `deflateInit2` are C macros,
/// which Swift cannot call, so the code calls their expansions (`inflateInit2_` with the header's
/// version and `z_stream` size). Window bits 15 + 32 let inflate detect the gzip header itself;
/// 15 + 16 makes deflate write a gzip header and trailer.
public enum Gzip {
    /// Whether `bytes` starts with the gzip magic number 1f 8b (the extension of a file is not trusted).
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses a whole gzip file held in memory. `path` is used only in error messages.
    public static func decompress(_ input: [UInt8], path: String) throws -> [UInt8] {
        // zlib's state points back at its z_stream, so the stream needs one fixed address for its
        // whole life: allocate it rather than rely on where Swift keeps a local variable.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        guard inflateInit2_(stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw SpikeKitError.dataFile(path: path, offset: nil, reason: "zlib could not start inflating (out of memory?)")
        }
        defer { inflateEnd(stream) }

        // The last 4 bytes of a member hold its uncompressed size modulo 2^32 (RFC 1952 ISIZE): a good
        // first guess for the output size; the buffer still grows if the guess is wrong.
        var output = [UInt8](repeating: 0, count: max(1 << 16, sizeHint(input)))
        var produced = 0
        var position = 0
        while true {
            if produced == output.count {
                output.append(contentsOf: repeatElement(0, count: output.count))
            }
            let inputChunk = min(input.count - position, Int(UInt32.max))
            let outputChunk = min(output.count - produced, Int(UInt32.max))
            let status = input.withUnsafeBufferPointer { inBuffer in
                output.withUnsafeMutableBufferPointer { outBuffer in
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress.map { $0 + position })
                    stream.pointee.avail_in = uInt(inputChunk)
                    stream.pointee.next_out = outBuffer.baseAddress.map { $0 + produced }
                    stream.pointee.avail_out = uInt(outputChunk)
                    let status = inflate(stream, Z_NO_FLUSH)
                    stream.pointee.next_in = nil
                    stream.pointee.next_out = nil
                    return status
                }
            }
            position += inputChunk - Int(stream.pointee.avail_in)
            produced += outputChunk - Int(stream.pointee.avail_out)

            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                if position == input.count {
                    output.removeLast(output.count - produced)
                    return output
                }
                let rest = Array(input[position..<min(input.count, position + 2)])
                guard isCompressed(rest) else {
                    throw SpikeKitError.dataFile(
                        path: path, offset: position,
                        reason: "\(input.count - position) unexpected bytes after the end of the gzip data "
                            + "(offset in the compressed file)")
                }
                // Another gzip member follows: start it afresh and append its contents.
                inflateReset(stream)
            case Z_BUF_ERROR where position == input.count:
                throw SpikeKitError.dataFile(
                    path: path, offset: input.count,
                    reason: "gzip data is truncated: the file ends before the end of the compressed stream "
                        + "(offset in the compressed file)")
            case Z_BUF_ERROR:
                continue // No room to write: the loop grows the output buffer.
            default:
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw SpikeKitError.dataFile(
                    path: path, offset: position,
                    reason: "corrupt gzip data (\(detail)) (offset in the compressed file)")
            }
        }
    }

    /// Compresses `input` into a single gzip member (zero timestamp, no file name, so equal inputs
    /// give equal files). `level` is zlib's 0 (store) to 9 (smallest).
    public static func compress(_ input: [UInt8], level: Int = 6) throws -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        guard deflateInit2_(stream, Int32(max(0, min(9, level))), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw SpikeKitError.runtime("zlib could not start compressing (out of memory?)")
        }
        defer { deflateEnd(stream) }

        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(input.count))) + 64)
        var produced = 0
        var position = 0
        while true {
            if produced == output.count {
                output.append(contentsOf: repeatElement(0, count: output.count))
            }
            let inputChunk = min(input.count - position, Int(UInt32.max))
            let outputChunk = min(output.count - produced, Int(UInt32.max))
            let flush = position + inputChunk == input.count ? Z_FINISH : Z_NO_FLUSH
            let status = input.withUnsafeBufferPointer { inBuffer in
                output.withUnsafeMutableBufferPointer { outBuffer in
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress.map { $0 + position })
                    stream.pointee.avail_in = uInt(inputChunk)
                    stream.pointee.next_out = outBuffer.baseAddress.map { $0 + produced }
                    stream.pointee.avail_out = uInt(outputChunk)
                    let status = deflate(stream, flush)
                    stream.pointee.next_in = nil
                    stream.pointee.next_out = nil
                    return status
                }
            }
            position += inputChunk - Int(stream.pointee.avail_in)
            produced += outputChunk - Int(stream.pointee.avail_out)
            switch status {
            case Z_STREAM_END:
                output.removeLast(output.count - produced)
                return output
            case Z_OK, Z_BUF_ERROR:
                continue
            default:
                throw SpikeKitError.runtime("zlib failed while compressing (status \(status))")
            }
        }
    }

    /// The ISIZE field of the last member, capped by deflate's maximum ratio (about 1032:1) so that a
    /// damaged or truncated trailer cannot make us allocate gigabytes up front.
    private static func sizeHint(_ input: [UInt8]) -> Int {
        guard input.count >= 18 else { return 0 }
        let n = input.count
        let size = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        return min(size, n * 1032, 1 << 30)
    }
}
