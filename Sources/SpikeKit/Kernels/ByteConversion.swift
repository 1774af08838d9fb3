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
        precondition(offset >= 0 && count >= 0 && offset + 4 * count <= data.count,
                     "ByteConversion: \(count) float32 values at \(offset) exceed \(data.count) bytes")
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                guard let base = raw.baseAddress, let target = out.baseAddress else { return }
                for i in 0..<count {
                    let bits = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self))
                    target[i] = Float(bitPattern: bits)
                }
            }
            initialized = count
        }
    }

    /// Little-endian int64 values read as floats (exact up to 2^24; for integer buffers such as a
    /// PyTorch batch-norm's `num_batches_tracked`).
    static func floats(fromInt64 data: Data, offset: Int, count: Int) -> [Float] {
        precondition(offset >= 0 && count >= 0 && offset + 8 * count <= data.count,
                     "ByteConversion: \(count) int64 values at \(offset) exceed \(data.count) bytes")
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                guard let base = raw.baseAddress, let target = out.baseAddress else { return }
                for i in 0..<count {
                    target[i] = Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 8 * i, as: Int64.self)))
                }
            }
            initialized = count
        }
    }

    /// `count` little-endian float64 values starting at byte `offset`, rounded to float32.
    static func floats(fromFloat64 data: Data, offset: Int, count: Int) -> [Float] {
        precondition(offset >= 0 && count >= 0 && offset + 8 * count <= data.count,
                     "ByteConversion: \(count) float64 values at \(offset) exceed \(data.count) bytes")
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                guard let base = raw.baseAddress, let target = out.baseAddress else { return }
                for i in 0..<count {
                    let bits = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 8 * i, as: UInt64.self))
                    target[i] = Float(Double(bitPattern: bits))
                }
            }
            initialized = count
        }
    }
}
