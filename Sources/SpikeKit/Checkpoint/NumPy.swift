import Foundation

/// Reading and writing NumPy `.npy` files holding one float array.
///
/// Format (NumPy's `format.py`): the magic `\x93NUMPY`, a major and minor version byte, the header
/// length (2 bytes little-endian in version 1, 4 bytes in versions 2 and 3), and an ASCII (v1, v2)
/// or UTF-8 (v3) header: a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`, padded with spaces and a newline.
/// The data follow in C order.
///
/// Reading accepts little-endian float32 (`<f4`) and float64 (`<f8`, rounded to float32), C order
/// only, and checks that the data length is exactly the shape's element count times the item size;
/// anything else throws `SpikeKitError.checkpoint(path:reason:)` saying what is wrong. Writing uses
/// version 1 and `<f4`, with the header padded so the data start at a multiple of 64 bytes.
public enum NumPy {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]   // \x93NUMPY

    /// Reads the float32 or float64 array in the `.npy` file at `url` as a tensor.
    public static func read(from url: URL) throws -> Tensor {
        try decode(FileContents.read(url), path: url.path)
    }

    /// Decodes the bytes of a float32 or float64 `.npy` file; `path` names it in errors.
    public static func decode(_ data: Data, path: String) throws -> Tensor {
        let array = try decodeArray(data, path: path)
        guard !array.dtype.isInteger else {
            throw SpikeKitError.checkpoint(path: path, reason: "unsupported dtype '\(array.dtype.rawValue)' for real values "
                                           + "(SpikeKit reads little-endian float32 '<f4' and float64 '<f8' here)")
        }
        return Tensor(shape: array.shape, scalars: try array.floats())
    }

    /// Reads the array in the `.npy` file at `url`, of any dtype `NumPyArray` knows.
    public static func readArray(from url: URL) throws -> NumPyArray {
        try decodeArray(FileContents.read(url), path: url.path)
    }

    /// Decodes the bytes of a `.npy` file (versions 1.0–3.0, C order) without converting its
    /// elements; every length is checked against the file's size before use.
    public static func decodeArray(_ data: Data, path: String) throws -> NumPyArray {
        func fail(_ reason: String) -> SpikeKitError { .checkpoint(path: path, reason: reason) }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a NumPy .npy file (missing the \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("the file ends inside its header length") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported .npy format version \(major).\(bytes[7]) (SpikeKit reads 1.0, 2.0 and 3.0)")
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= data.count else {
            throw fail("the header length \(headerLength) runs past the end of the \(data.count)-byte file")
        }
        let headerBytes = data.subdata(in: data.startIndex + headerStart ..< data.startIndex + dataStart)
        guard let header = String(data: headerBytes, encoding: major == 3 ? .utf8 : .ascii) else {
            throw fail("the header is not \(major == 3 ? "UTF-8" : "ASCII") text")
        }
        let fields: NumPyHeader
        do {
            fields = try NumPyHeader.parse(header)
        } catch let error as NumPyHeader.ParseError {
            throw fail("malformed header \(header.trimmingCharacters(in: .whitespacesAndNewlines).debugDescription): \(error.message)")
        }
        guard !fields.fortranOrder else {
            throw fail("the array is stored in Fortran order; save it with numpy.ascontiguousarray first")
        }
        guard let dtype = NumPyArray.DType(rawValue: fields.descr) else {
            throw fail("unsupported dtype '\(fields.descr)' (SpikeKit reads little-endian "
                       + NumPyArray.DType.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")")
        }
        let (count, overflow) = fields.shape.reduce((1, false)) { partial, extent in
            let product = partial.0.multipliedReportingOverflow(by: extent)
            return (product.partialValue, partial.1 || product.overflow)
        }
        let available = data.count - dataStart
        let (needed, tooMany) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, !tooMany, needed == available else {
            throw fail("shape \(fields.shape) of '\(fields.descr)' needs \(overflow || tooMany ? "too many" : String(needed)) data bytes, but the file has \(available)")
        }
        return NumPyArray(path: path, dtype: dtype, shape: fields.shape, data: data, offset: dataStart)
    }

    /// Writes `tensor` to `url` atomically as a version-1 `<f4` `.npy` file.
    public static func write(_ tensor: Tensor, to url: URL) throws {
        try AtomicFile.write(encode(tensor), to: url)
    }

    /// The bytes of a version-1 `<f4` `.npy` file holding `tensor`.
    public static func encode(_ tensor: Tensor) -> Data {
        let shape: String
        switch tensor.shape.count {
        case 0: shape = "()"
        case 1: shape = "(\(tensor.shape[0]),)"
        default: shape = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        // Magic (6) + version (2) + length (2) + header + newline, padded with spaces to 64 bytes.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic + [1, 0])
        let length = header.utf8.count
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(Data(header.utf8))
        data.append(ByteConversion.littleEndianBytes(tensor.scalars))
        return data
    }
}

/// The three fields of a `.npy` header, parsed from its Python dict literal.
struct NumPyHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    struct ParseError: Error {
        var message: String
    }

    /// Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`: string keys; values that
    /// are strings, `True`/`False`, or tuples of non-negative integers (an `L` suffix is allowed, as
    /// old Python 2 files have). Extra keys are refused; all three keys are required.
    static func parse(_ text: String) throws -> NumPyHeader {
        var scanner = Scanner(Array(text.unicodeScalars))
        var descr: String?, fortran: Bool?, shape: [Int]?
        try scanner.expect("{")
        while true {
            scanner.skipSpaces()
            if scanner.consume("}") { break }
            let key = try scanner.string()
            try scanner.expect(":")
            switch key {
            case "descr": descr = try scanner.string()
            case "fortran_order": fortran = try scanner.boolean()
            case "shape": shape = try scanner.tuple()
            default: throw ParseError(message: "unexpected key '\(key)'")
            }
            scanner.skipSpaces()
            if scanner.consume(",") { continue }
            try scanner.expect("}")
            break
        }
        scanner.skipSpaces()
        guard scanner.atEnd else { throw ParseError(message: "text after the closing brace") }
        guard let descr else { throw ParseError(message: "no 'descr' key") }
        guard let fortran else { throw ParseError(message: "no 'fortran_order' key") }
        guard let shape else { throw ParseError(message: "no 'shape' key") }
        return NumPyHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var position = 0
        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var atEnd: Bool { position >= scalars.count }

        mutating func skipSpaces() {
            while position < scalars.count, [" ", "\t", "\n", "\r"].contains(scalars[position]) { position += 1 }
        }

        mutating func consume(_ symbol: Unicode.Scalar) -> Bool {
            skipSpaces()
            guard position < scalars.count, scalars[position] == symbol else { return false }
            position += 1
            return true
        }

        mutating func expect(_ symbol: Unicode.Scalar) throws {
            guard consume(symbol) else { throw ParseError(message: "expected '\(symbol)' at character \(position)") }
        }

        mutating func string() throws -> String {
            skipSpaces()
            guard position < scalars.count, scalars[position] == "'" || scalars[position] == "\"" else {
                throw ParseError(message: "expected a quoted string at character \(position)")
            }
            let quote = scalars[position]
            position += 1
            var result = String.UnicodeScalarView()
            while position < scalars.count, scalars[position] != quote {
                result.append(scalars[position])
                position += 1
            }
            guard position < scalars.count else { throw ParseError(message: "unterminated string") }
            position += 1
            return String(result)
        }

        mutating func boolean() throws -> Bool {
            skipSpaces()
            for (word, value) in [("True", true), ("False", false)] {
                let letters = Array(word.unicodeScalars)
                if position + letters.count <= scalars.count, Array(scalars[position..<(position + letters.count)]) == letters {
                    position += letters.count
                    return value
                }
            }
            throw ParseError(message: "expected True or False at character \(position)")
        }

        mutating func tuple() throws -> [Int] {
            try expect("(")
            var values: [Int] = []
            while true {
                skipSpaces()
                if consume(")") { return values }
                var digits = ""
                while position < scalars.count, ("0"..."9").contains(scalars[position]) {
                    digits.unicodeScalars.append(scalars[position])
                    position += 1
                }
                guard let value = Int(digits) else { throw ParseError(message: "expected a non-negative integer at character \(position)") }
                if position < scalars.count, scalars[position] == "L" { position += 1 }
                values.append(value)
                skipSpaces()
                if consume(",") { continue }
                try expect(")")
                return values
            }
        }
    }
}
