import Foundation

/// Reading and writing the safetensors format (Hugging Face): named tensors in one file.
///
/// Layout: an 8-byte little-endian unsigned header length N; N bytes of a UTF-8 JSON object (padded
/// with spaces to a multiple of 8 here, so data starts aligned); then the data. Each header entry
/// maps a tensor name to `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}`, offsets
/// relative to the start of the data; the optional `"__metadata__"` entry is a string-to-string map.
/// SpikeKit writes F32 little-endian and reads F32, F64 and I64 (converted to F32; I64 for the
/// integer buffers a PyTorch `state_dict` carries, such as `num_batches_tracked`).
///
/// Every read validates before trusting anything: the header length fits the file, the header is
/// a JSON object of well-formed entries, each dtype is supported, each shape's element count times
/// the dtype's size equals its byte range, ranges lie inside the data and do not overlap. A problem
/// throws `SpikeKitError.checkpoint(path:reason:)` naming the tensor. Writes go through
/// `AtomicFile`, so a crash never leaves half a checkpoint.
public enum Safetensors {
    /// The tensors of a file in data order, and its metadata.
    public struct Contents: Sendable {
        public var tensors: [(name: String, tensor: Tensor)]
        public var metadata: [String: String]

        public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
            self.tensors = tensors
            self.metadata = metadata
        }

        /// The tensor called `name`, if present.
        public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }

        /// The tensors by name.
        public var dictionary: [String: Tensor] {
            Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Headers above this size are refused (the format's own reference limit is 100 MB).
    static let maximumHeaderLength = 100_000_000

    /// Writes `contents` to `url` atomically.
    public static func write(_ contents: Contents, to url: URL) throws {
        try AtomicFile.write(encode(contents), to: url)
    }

    /// The bytes of a safetensors file holding `contents`, tensors in the given order.
    public static func encode(_ contents: Contents) -> Data {
        let names = contents.tensors.map(\.name)
        precondition(Set(names).count == names.count, "Safetensors.encode: duplicate tensor names in \(names)")
        precondition(!names.contains("__metadata__"), "Safetensors.encode: '__metadata__' is not a tensor name")
        var header = "{"
        var entries: [String] = []
        if !contents.metadata.isEmpty {
            let pairs = contents.metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(contents.metadata[$0] ?? ""))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in contents.tensors {
            let end = offset + tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += entries.joined(separator: ",") + "}"
        var headerBytes = Data(header.utf8)
        // Pad with spaces (valid JSON whitespace) so the data starts on an 8-byte boundary.
        let padding = (8 - headerBytes.count % 8) % 8
        headerBytes.append(contentsOf: [UInt8](repeating: 0x20, count: padding))
        var data = Data()
        data.reserveCapacity(8 + headerBytes.count + offset)
        var length = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(headerBytes)
        for (_, tensor) in contents.tensors { data.append(ByteConversion.littleEndianBytes(tensor.scalars)) }
        return data
    }

    /// Reads and validates the file at `url`.
    public static func read(from url: URL) throws -> Contents {
        try decode(FileContents.read(url), path: url.path)
    }

    /// Validates and decodes the bytes of a safetensors file; `path` names it in errors.
    public static func decode(_ data: Data, path: String) throws -> Contents {
        func fail(_ reason: String) -> SpikeKitError { .checkpoint(path: path, reason: reason) }
        guard data.count >= 8 else {
            throw fail("the file has \(data.count) bytes, too short for the 8-byte header length of a safetensors file")
        }
        let bytes = [UInt8](data.prefix(8))
        let headerLength = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail("the header length \(headerLength) exceeds the \(data.count - 8) bytes after it (truncated file, or not safetensors)")
        }
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw fail("the header length \(headerLength) is above the \(maximumHeaderLength)-byte limit")
        }
        let dataStart = 8 + Int(headerLength)
        let headerData = data.subdata(in: data.startIndex + 8 ..< data.startIndex + dataStart)
        let header: [String: HeaderEntry]
        do {
            header = try JSONDecoder().decode([String: HeaderEntry].self, from: headerData)
        } catch {
            throw fail("the header is not a JSON object of tensor entries (\(error.localizedDescription))")
        }
        var metadata: [String: String] = [:]
        if let entry = header["__metadata__"] {
            guard let map = entry.metadata else { throw fail("'__metadata__' is not an object of strings") }
            metadata = map
        }
        let dataLength = data.count - dataStart
        var entries: [(name: String, dtype: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, entry) in header.sorted(by: { $0.key < $1.key }) where name != "__metadata__" {
            guard entry.isObject else { throw fail("tensor '\(name)': the entry is not an object") }
            guard let dtype = entry.dtype else { throw fail("tensor '\(name)': missing or non-string 'dtype'") }
            guard let shape = entry.shape, shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(name)': 'shape' is not a list of non-negative integers")
            }
            guard let offsets = entry.offsets, offsets.count == 2 else {
                throw fail("tensor '\(name)': 'data_offsets' is not a pair of integers")
            }
            let size: Int
            switch dtype {
            case "F32": size = 4
            case "F64", "I64": size = 8
            default: throw fail("tensor '\(name)': unsupported dtype '\(dtype)' (SpikeKit reads F32, F64 and I64; save the state_dict as float32)")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] lie outside the \(dataLength) data bytes (truncated file?)")
            }
            let (elements, overflow) = shape.reduce((1, false)) { partial, extent in
                let product = partial.0.multipliedReportingOverflow(by: extent)
                return (product.partialValue, partial.1 || product.overflow)
            }
            let (bytes, tooMany) = elements.multipliedReportingOverflow(by: size)
            guard !overflow, !tooMany, bytes == end - begin else {
                throw fail("tensor '\(name)': shape \(shape) of \(dtype) needs \(overflow || tooMany ? "too many" : String(bytes)) bytes, but data_offsets [\(begin), \(end)] hold \(end - begin)")
            }
            entries.append((name, dtype, shape, begin, end))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        for (previous, next) in zip(entries, entries.dropFirst()) where next.begin < previous.end && next.end > next.begin {
            throw fail("tensors '\(previous.name)' and '\(next.name)' overlap (data_offsets [\(previous.begin), \(previous.end)] and [\(next.begin), \(next.end)])")
        }
        let tensors = entries.map { entry -> (name: String, tensor: Tensor) in
            let count = entry.shape.reduce(1, *)
            let offset = dataStart + entry.begin
            let scalars: [Float]
            switch entry.dtype {
            case "F32": scalars = ByteConversion.floats(fromFloat32: data, offset: offset, count: count)
            case "F64": scalars = ByteConversion.floats(fromFloat64: data, offset: offset, count: count)
            default: scalars = ByteConversion.floats(fromInt64: data, offset: offset, count: count)
            }
            return (entry.name, Tensor(shape: entry.shape, scalars: scalars))
        }
        return Contents(tensors: tensors, metadata: metadata)
    }

    /// One value of the header object, decoded leniently so validation can say what is wrong:
    /// a tensor entry's fields (nil where missing or mistyped), or the metadata map.
    private struct HeaderEntry: Decodable {
        var isObject = false
        var dtype: String?
        var shape: [Int]?
        var offsets: [Int]?
        var metadata: [String: String]?

        private enum Keys: String, CodingKey {
            case dtype, shape
            case offsets = "data_offsets"
        }

        init(from decoder: any Decoder) throws {
            if let map = try? decoder.singleValueContainer().decode([String: String].self) {
                metadata = map
            }
            guard let container = try? decoder.container(keyedBy: Keys.self) else { return }
            isObject = true
            dtype = try? container.decode(String.self, forKey: .dtype)
            shape = try? container.decode([Int].self, forKey: .shape)
            offsets = try? container.decode([Int].self, forKey: .offsets)
        }
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
