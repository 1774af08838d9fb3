import CZlib

/// HDF5's deflate filter (filter id 1): each chunk is one zlib stream (RFC 1950, not gzip), as the
/// HDF5 library's `H5Z_filter_deflate` writes with `compress2`. The decoded size of a chunk is known
/// from the dataset's chunk shape, so decompression writes into a buffer of exactly that size and a
/// stream that decodes to more or fewer bytes is an error (no buffer grows with the input).
enum HDF5Deflate {
    /// Inflates `input` into exactly `expectedSize` bytes; `failure` builds the error from zlib's reason.
    static func decompress(_ input: [UInt8], expectedSize: Int,
                           failure: (String) -> SpikeKitError) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: expectedSize)
        // One extra byte: a stream that decodes to more than expected fills it and is caught below.
        output.append(0)
        var produced = uLongf(output.count)
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { src in
                uncompress(out.baseAddress, &produced, src.baseAddress, uLong(src.count))
            }
        }
        switch status {
        case Z_OK:
            guard Int(produced) == expectedSize else {
                throw failure("it decodes to \(produced) bytes, expected \(expectedSize)")
            }
            output.removeLast()
            return output
        case Z_BUF_ERROR:
            // Either the stream is truncated or it holds more than expected.
            throw failure(Int(produced) > expectedSize ? "it decodes to more than the expected \(expectedSize) bytes"
                                                       : "the stream is truncated")
        case Z_MEM_ERROR: throw failure("out of memory")
        default: throw failure("zlib status \(status)")
        }
    }

    /// Compresses `input` into one zlib stream at `level` (0-9).
    static func compress(_ input: [UInt8], level: Int) throws -> [UInt8] {
        var size = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { src in
                compress2(out.baseAddress, &size, src.baseAddress, uLong(src.count), Int32(max(0, min(9, level))))
            }
        }
        guard status == Z_OK else { throw SpikeKitError.runtime("zlib could not compress an HDF5 chunk (status \(status))") }
        output.removeLast(output.count - Int(size))
        return output
    }
}

/// HDF5's shuffle filter (filter id 2): the bytes of `n` elements of size `s` are stored as s planes of
/// n bytes (all first bytes, then all second bytes, …), which deflate compresses better. Trailing
/// bytes that do not make a whole element are left in place, as the HDF5 library does.
enum HDF5Shuffle {
    static func unshuffle(_ data: [UInt8], elementSize s: Int) -> [UInt8] {
        guard s > 1, data.count >= s else { return data }
        let n = data.count / s
        var out = data
        for e in 0..<n { for b in 0..<s { out[e * s + b] = data[b * n + e] } }
        return out
    }
}
