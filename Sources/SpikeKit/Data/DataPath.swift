import Foundation

/// Turns a data directory as written in a config or on the command line into an absolute URL, with
/// the rules of `ConfigPath`.
///
/// `$NAME` and `${NAME}` are replaced by the environment variable's value (an unset variable is an
/// error, not an empty string, so a typo cannot silently point somewhere else); `$$` is a literal
/// `$`; a leading `~` or `~/` means the home directory. A relative result is resolved against
/// `relativeTo` (the folder of the config file) or, without one, the current directory.
public enum DataPath {
    public static func resolve(_ text: String, relativeTo base: URL? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let root = base ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        switch ConfigPath.resolve(text, base: root, environment: environment) {
        case .success(let path):
            return URL(fileURLWithPath: path).standardizedFileURL
        case .failure(let failure):
            throw SpikeKitError.usage("data directory " + ConfigPath.message(for: failure, in: text))
        }
    }
}
