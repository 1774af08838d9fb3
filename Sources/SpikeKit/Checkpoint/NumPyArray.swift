import Foundation

/// The elements of a `.npy` file as stored (`NumPy.decodeArray`): its dtype, shape, and the file's
/// bytes with the offset of the first element. It converts on request, to floats (weights, float
/// images), bytes (uint8 images) or integers (labels), so a reader refuses a dtype it cannot use
/// with the file's name instead of guessing.
public struct NumPyArray: Sendable {
    /// The little-endian dtypes SpikeKit reads, by their `descr` (`|u1` has no byte order).
    public enum DType: String, CaseIterable, Sendable {
        case float32 = "<f4"
        case float64 = "<f8"
        case uint8 = "|u1"
        case int8 = "|i1"
        case int16 = "<i2"
        case int32 = "<i4"
        case int64 = "<i8"
        case uint16 = "<u2"
        case uint32 = "<u4"
        case uint64 = "<u8"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .uint8, .int8: return 1
            case .int16, .uint16: return 2
            case .float32, .int32, .uint32: return 4
            case .float64, .int64, .uint64: return 8
            }
        }

        public var isInteger: Bool { self != .float32 && self != .float64 }
        /// The name NumPy users know (`numpy.uint8`).
        public var name: String { String(describing: self) }
    }

    /// The file, for messages.
    public let path: String
    public let dtype: DType
    public let shape: [Int]
    let data: Data
    let offset: Int

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The elements as floats (float32 exactly; float64 rounded; integers converted).
    public func floats() throws -> [Float] {
        switch dtype {
        case .float32: return ByteConversion.floats(fromFloat32: data, offset: offset, count: count)
        case .float64: return ByteConversion.floats(fromFloat64: data, offset: offset, count: count)
        default: return try integers().map(Float.init)
        }
    }

    /// The elements of a uint8 array.
    public func bytes() throws -> [UInt8] {
        guard dtype == .uint8 else {
            throw SpikeKitError.checkpoint(path: path, reason: "expected uint8 ('|u1') elements, got \(dtype.name) ('\(dtype.rawValue)')")
        }
        return [UInt8](data[(data.startIndex + offset)..<(data.startIndex + offset + count)])
    }

    /// The elements of an integer array; an element outside Int's range (a uint64 above 2^63 − 1)
    /// is refused with its index.
    public func integers() throws -> [Int] {
        guard dtype.isInteger else {
            throw SpikeKitError.checkpoint(path: path, reason: "expected integer elements, got \(dtype.name) ('\(dtype.rawValue)')")
        }
        let size = dtype.size
        var result = [Int](repeating: 0, count: count)
        try data.withUnsafeBytes { raw in
            let base = raw.baseAddress.map { $0 + offset }
            guard let base else { return }
            for k in 0..<count {
                let p = base + k * size
                switch dtype {
                case .uint8: result[k] = Int(p.load(as: UInt8.self))
                case .int8: result[k] = Int(p.load(as: Int8.self))
                case .int16: result[k] = Int(Int16(littleEndian: p.loadUnaligned(as: Int16.self)))
                case .uint16: result[k] = Int(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
                case .int32: result[k] = Int(Int32(littleEndian: p.loadUnaligned(as: Int32.self)))
                case .uint32: result[k] = Int(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
                case .int64: result[k] = Int(Int64(littleEndian: p.loadUnaligned(as: Int64.self)))
                case .uint64:
                    let value = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
                    guard let exact = Int(exactly: value) else {
                        throw SpikeKitError.checkpoint(path: path, reason: "element \(k) (\(value)) is too large")
                    }
                    result[k] = exact
                case .float32, .float64: break
                }
            }
        }
        return result
    }
}
