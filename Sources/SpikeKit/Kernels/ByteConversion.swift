import Foundation

/// Conversions between `Float` arrays and the little-endian bytes of checkpoint and NumPy files.
///
/// Values are read with unaligned loads (a tensor's data may start at any byte offset of a file) and
/// byte-swapped from little-endian, so files are portable between hosts of either byte order.
enum ByteConversion {
    /// The float32 values as little-endian bytes.
    static func littleEndianBytes(_ values: [Float]) -> Data {
        var data = Data(count: values.count * 4)
        data.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            for (i, value) in values.enumerated() {
                base.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
        return data
    }

    /// `count` little-endian float32 values starting at byte `offset` of `data`.
    /// The caller has checked that `offset + 4·count` bytes exist.
    static func floats(fromFloat32 data: Data, offset: Int, count: Int) -> [Float] {
        floats(data, offset: offset, count: count, word: UInt32.self, name: "float32") { Float(bitPattern: $0) }
    }

    /// Little-endian int64 values read as floats (exact up to 2^24; for integer buffers such as a
    /// PyTorch batch-norm's `num_batches_tracked`).
    static func floats(fromInt64 data: Data, offset: Int, count: Int) -> [Float] {
        floats(data, offset: offset, count: count, word: UInt64.self, name: "int64") { Float(Int64(bitPattern: $0)) }
    }

    /// `count` little-endian float64 values starting at byte `offset`, rounded to float32.
    static func floats(fromFloat64 data: Data, offset: Int, count: Int) -> [Float] {
        floats(data, offset: offset, count: count, word: UInt64.self, name: "float64") { Float(Double(bitPattern: $0)) }
    }

    /// `count` little-endian words of type `Word` from byte `offset`, each turned into a Float by `convert`.
    @inline(__always)
    private static func floats<Word: FixedWidthInteger>(_ data: Data, offset: Int, count: Int, word: Word.Type, name: String,
                                                        _ convert: (Word) -> Float) -> [Float] {
        let size = MemoryLayout<Word>.size
        precondition(offset >= 0 && count >= 0 && offset + size * count <= data.count,
                     "ByteConversion: \(count) \(name) values at \(offset) exceed \(data.count) bytes")
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                guard let base = raw.baseAddress, let target = out.baseAddress else { return }
                for i in 0..<count {
                    target[i] = convert(Word(littleEndian: base.loadUnaligned(fromByteOffset: offset + size * i, as: Word.self)))
                }
            }
            initialized = count
        }
    }
}
