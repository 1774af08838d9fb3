import Foundation

/// A JSON document as a plain Swift value: what a config file is read into before it is checked
/// key by key, and what the effective config is built from before it is written back out.
///
/// Integers and other numbers are kept apart (`10` is `.integer`, `10.5` and `1e3` are `.number`) so
/// that "expected a positive integer, got 2.5" can be said. The writer sorts object keys and prints
/// numbers in Swift's shortest round-tripping form, so the same value always gives the same bytes
/// (the config hash depends on that).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `data` with `JSONSerialization`. On malformed input the error names the line and
    /// column of the problem when Foundation reports a character offset.
    public static func parse(_ data: Data) throws -> JSONValue {
        let any: Any
        do {
            any = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw JSONParseError(message: describeParseError(error, data: data))
        }
        return JSONValue(foundation: any)
    }

    /// Converts what `JSONSerialization` returns. Booleans come back as `NSNumber`s; they are told
    /// apart by their class (`NSNumber(value: true)`'s class), not by `as? Bool`, which also accepts 0 and 1.
    init(foundation value: Any) {
        switch value {
        case is NSNull:
            self = .null
        case let number as NSNumber:
            if type(of: number) == JSONValue.booleanClass {
                self = .bool(number.boolValue)
            } else if JSONValue.isIntegerType(number),
                      String(cString: number.objCType) != "Q" || number.uint64Value <= UInt64(Int.max) {
                self = .integer(number.intValue)
            } else {
                self = .number(number.doubleValue)
            }
        case let string as String:
            self = .string(string)
        case let array as [Any]:
            self = .array(array.map(JSONValue.init(foundation:)))
        case let object as [String: Any]:
            self = .object(object.mapValues(JSONValue.init(foundation:)))
        default:
            self = .string(String(describing: value))
        }
    }

    private static let booleanClass: AnyClass = type(of: NSNumber(value: true))

    private static func isIntegerType(_ number: NSNumber) -> Bool {
        switch String(cString: number.objCType) {
        case "c", "C", "s", "S", "i", "I", "l", "L", "q", "Q": return true
        default: return false
        }
    }

    private static func describeParseError(_ error: any Error, data: Data) -> String {
        let detail = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
        if data.isEmpty || data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            return "not valid JSON: the file is empty"
        }
        // Foundation says "... around character 15." / "around line 3, column 5": turn a character
        // offset into a line and column, which is what an editor shows.
        if let range = detail.range(of: #"character (\d+)"#, options: .regularExpression),
           let offset = Int(detail[range].dropFirst("character ".count)) {
            let (line, column) = lineAndColumn(ofCharacter: offset, in: data)
            var reason = detail.components(separatedBy: " around ").first ?? detail
            if reason.hasSuffix(".") { reason.removeLast() }
            return "not valid JSON: \(reason.prefix(1).lowercased() + reason.dropFirst()) at line \(line), column \(column)"
        }
        var reason = detail
        if reason.hasSuffix(".") { reason.removeLast() }
        return "not valid JSON: \(reason.prefix(1).lowercased() + reason.dropFirst())"
    }

    /// The 1-based line and column of the `offset`-th character (0-based) of UTF-8 `data`.
    static func lineAndColumn(ofCharacter offset: Int, in data: Data) -> (line: Int, column: Int) {
        let text = String(decoding: data, as: UTF8.self)
        var line = 1, column = 1, index = 0
        for character in text.unicodeScalars {
            if index >= offset { break }
            if character == "\n" { line += 1; column = 1 } else { column += 1 }
            index += 1
        }
        return (line, column)
    }

    /// A short description of the value for messages: strings quoted, containers by kind.
    public var shortDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return String(value)
        case .number(let value): return JSONValue.format(value)
        case .string(let value): return "\"\(value)\""
        case .array(let values): return values.isEmpty ? "an empty list" : "a list"
        case .object: return "an object"
        }
    }

    /// The value as text with sorted keys: indented two spaces per level when `pretty`, else compact.
    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? "" : nil)
        return out
    }

    private func write(into out: inout String, indent: String?) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value): out += String(value)
        case .number(let value): out += JSONValue.format(value)
        case .string(let value): out += JSONValue.quote(value)
        case .array(let values):
            if values.isEmpty { out += "[]"; return }
            // Lists of scalars stay on one line ([16, 32, 64]); lists of containers get one per line.
            let scalars = values.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            if indent == nil || scalars {
                out += "["
                for (i, value) in values.enumerated() {
                    if i > 0 { out += indent == nil ? "," : ", " }
                    value.write(into: &out, indent: indent)
                }
                out += "]"
            } else if let indent {
                let inner = indent + "  "
                out += "[\n"
                for (i, value) in values.enumerated() {
                    out += inner
                    value.write(into: &out, indent: inner)
                    out += i + 1 < values.count ? ",\n" : "\n"
                }
                out += indent + "]"
            }
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            let keys = members.keys.sorted()
            if let indent {
                let inner = indent + "  "
                out += "{\n"
                for (i, key) in keys.enumerated() {
                    out += inner + JSONValue.quote(key) + ": "
                    members[key]!.write(into: &out, indent: inner)
                    out += i + 1 < keys.count ? ",\n" : "\n"
                }
                out += indent + "}"
            } else {
                out += "{"
                for (i, key) in keys.enumerated() {
                    if i > 0 { out += "," }
                    out += JSONValue.quote(key) + ":"
                    members[key]!.write(into: &out, indent: nil)
                }
                out += "}"
            }
        }
    }

    /// Swift's shortest representation that reads back to the same `Double` (`0.001`, `1e-05`);
    /// non-finite values, which JSON cannot hold, are written as `null`.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        return "\(value)"
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Raised by `JSONValue.parse` for text that is not JSON; `message` names the line and column.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
