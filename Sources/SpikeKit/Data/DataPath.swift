import Foundation

/// Turns a data directory as written in a config or on the command line into an absolute URL.
///
/// `$NAME` and `${NAME}` are replaced by the environment variable's value (an unset variable is an
/// error, not an empty string, so a typo cannot silently point somewhere else); `$$` is a literal
/// `$`; a leading `~` or `~/` means the home directory. A relative result is resolved against
/// `relativeTo` (the folder of the config file) or, without one, the current directory.
public enum DataPath {
    public static func resolve(_ text: String, relativeTo base: URL? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        var path = try expandVariables(text, environment: environment)
        if path == "~" || path.hasPrefix("~/") {
            let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
            path = home + path.dropFirst()
        }
        guard !path.isEmpty else {
            throw SpikeKitError.usage("data directory '\(text)' is empty after expanding environment variables")
        }
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
        let root = base ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        return root.appendingPathComponent(path).standardizedFileURL
    }

    /// Replaces `$NAME` / `${NAME}` with environment values.
    static func expandVariables(_ text: String, environment: [String: String]) throws -> String {
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest.index(after: dollar)
            var name: Substring
            if after < rest.endIndex && rest[after] == "$" {
                result += "$"
                rest = rest[rest.index(after: after)...]
                continue
            } else if after < rest.endIndex && rest[after] == "{" {
                guard let close = rest[after...].firstIndex(of: "}") else {
                    throw SpikeKitError.usage("data directory '\(text)': '${' without a closing '}'")
                }
                name = rest[rest.index(after: after)..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest[after...].firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") || !$0.isASCII } ?? rest.endIndex
                name = rest[after..<end]
                rest = rest[end...]
            }
            guard !name.isEmpty else {
                throw SpikeKitError.usage("data directory '\(text)': '$' must be followed by a variable name "
                                              + "(write $$ for a literal '$')")
            }
            guard let value = environment[String(name)] else {
                throw SpikeKitError.usage("data directory '\(text)' uses the environment variable \(name), which is not set")
            }
            result += value
        }
        result += rest
        return result
    }
}
