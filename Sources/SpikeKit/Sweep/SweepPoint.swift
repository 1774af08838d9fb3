import Foundation

/// One run of a sweep: its index (the Slurm array index), its folder name, the values it sets and
/// the config it runs (the base config with those values and the name `<base name>-<folder name>`).
public struct SweepPoint: Equatable, Sendable {
    public var index: Int
    /// A name made of the values only, so adding values to a sweep never renames earlier points:
    /// `scale-0.5_timeSteps-8` (the key path's last component, or the whole path where two swept
    /// paths end alike; `_` between keys).
    public var name: String
    /// Key path → value, in key-path order.
    public var values: [(keyPath: String, value: JSONValue)]
    public var config: ExperimentConfig

    public static func == (a: SweepPoint, b: SweepPoint) -> Bool {
        a.index == b.index && a.name == b.name && a.config == b.config
            && a.values.map(\.keyPath) == b.values.map(\.keyPath) && a.values.map(\.value) == b.values.map(\.value)
    }

    /// The folder name of a point setting `values`, labelling each key as `labels` says.
    static func folderName(_ values: [(keyPath: String, value: JSONValue)], labels: [String: String]) -> String {
        values.map { "\(labels[$0.keyPath] ?? $0.keyPath)-\(valueText($0.value))" }.joined(separator: "_")
    }

    /// The label of each key path: its last component unless another swept path ends the same way.
    static func labels(for keyPaths: [String]) -> [String: String] {
        let last = { (path: String) in path.split(separator: ".").last.map(String.init) ?? path }
        var labels: [String: String] = [:]
        for path in keyPaths {
            let clash = keyPaths.contains { $0 != path && last($0) == last(path) }
            labels[path] = clash ? path : last(path)
        }
        return labels
    }

    /// A value as it appears in a folder name: numbers as written (`0.5`, `8`), names as they are,
    /// lists joined with `-`, objects by their `name` member or a short hash; other characters
    /// than letters, digits, `.` and `-` become `-` (the name is part of the point's run name).
    static func valueText(_ value: JSONValue) -> String {
        let text: String
        switch value {
        case .null: text = "null"
        case .bool(let flag): text = flag ? "true" : "false"
        case .integer(let integer): text = String(integer)
        case .number(let number): text = JSONValue.formatShort(number)
        case .string(let string): text = string
        case .array(let elements): text = elements.map(valueText).joined(separator: "-")
        case .object(let members):
            if case .string(let name)? = members["name"] {
                text = name
            } else {
                text = "object-" + String(fnv1a(value.serialized(pretty: false)).prefix(8))
            }
        }
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || ".-".unicodeScalars.contains(scalar)) ? scalar : "-"
        }))
        return cleaned.isEmpty ? "empty" : cleaned
    }

    /// FNV-1a 64 as 16 hex digits (the hash `ExperimentConfig.configHash` uses).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
