import Foundation

/// How a path written in a config becomes a path on disk.
///
/// `$NAME` and `${NAME}` are replaced by the environment variable's value (an unset variable is a
/// problem, never an empty string, so a typo cannot silently point somewhere else); `$$` is a
/// literal `$`; a leading `~` or `~/` is the home directory. A relative result is taken relative to
/// `base` (the config file's folder for `data.directory` and `model.checkpoint`), or left relative
/// when `base` is nil (`output.directory`, which is relative to the current directory at run time).
enum ConfigPath {
    enum Failure: Error, Equatable {
        case unsetVariable(String)
        case unclosedBrace
        case missingName
        case empty
    }

    static func resolve(_ text: String, base: URL?, environment: [String: String]) -> Result<String, Failure> {
        var path: String
        switch expandVariables(text, environment: environment) {
        case .success(let expanded): path = expanded
        case .failure(let failure): return .failure(failure)
        }
        if path == "~" || path.hasPrefix("~/") {
            let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
            path = home + path.dropFirst()
        }
        guard !path.isEmpty else { return .failure(.empty) }
        if path.hasPrefix("/") { return .success(URL(fileURLWithPath: path).standardizedFileURL.path) }
        guard let base else { return .success(path) }
        return .success(base.appendingPathComponent(path).standardizedFileURL.path)
    }

    static func expandVariables(_ text: String, environment: [String: String]) -> Result<String, Failure> {
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest.index(after: dollar)
            let name: Substring
            if after < rest.endIndex && rest[after] == "$" {
                result += "$"
                rest = rest[rest.index(after: after)...]
                continue
            } else if after < rest.endIndex && rest[after] == "{" {
                guard let close = rest[after...].firstIndex(of: "}") else { return .failure(.unclosedBrace) }
                name = rest[rest.index(after: after)..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest[after...].firstIndex { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_")) } ?? rest.endIndex
                name = rest[after..<end]
                rest = rest[end...]
            }
            guard !name.isEmpty else { return .failure(.missingName) }
            guard let value = environment[String(name)] else { return .failure(.unsetVariable(String(name))) }
            result += value
        }
        result += rest
        return .success(result)
    }

    static func message(for failure: Failure, in text: String) -> String {
        switch failure {
        case .unsetVariable(let name): return "\"\(text)\" uses the environment variable \(name), which is not set"
        case .unclosedBrace: return "\"\(text)\" has '${' without a closing '}'"
        case .missingName: return "\"\(text)\" has a '$' not followed by a variable name (write $$ for a literal '$')"
        case .empty: return "the path is empty"
        }
    }
}
