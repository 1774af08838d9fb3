import Foundation

/// Reading a whole user file (memory-mapped where safe), with the one error every reader gives when
/// it cannot: `SpikeKitError.io` naming the file and the system's reason.
enum FileContents {
    static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SpikeKitError.io(path: url.path, reason: "cannot read (\(error.localizedDescription))")
        }
    }
}
