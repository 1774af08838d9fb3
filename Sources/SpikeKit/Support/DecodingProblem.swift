import Foundation

/// Where a `JSONDecoder` failure is and what it says, for messages that name the key path the
/// user wrote (`layers[2].kernel`), so every JSON reader reports decoding problems the same way.
struct DecodingProblem {
    /// The key path of the problem relative to the decoded value ("" at its top level).
    var keyPath: String
    var message: String

    init(_ error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            let joined = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return joined.hasPrefix(".") ? String(joined.dropFirst()) : joined
        }
        switch error {
        case .keyNotFound(let key, let context):
            keyPath = path(context.codingPath)
            message = "missing key '\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            keyPath = path(context.codingPath)
            message = "expected \(DecodingProblem.phrase(for: type))"
        case .valueNotFound(let type, let context):
            keyPath = path(context.codingPath)
            message = "expected \(DecodingProblem.phrase(for: type)), not null"
        case .dataCorrupted(let context):
            keyPath = path(context.codingPath)
            message = context.debugDescription
        @unknown default:
            keyPath = ""
            message = "\(error)"
        }
    }

    /// "message at key.path", or the message alone at the top level.
    var description: String { keyPath.isEmpty ? message : "\(message) at \(keyPath)" }

    private static func phrase(for type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is Float.Type, is Double.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default: return "a value of type \(type)"
        }
    }
}
