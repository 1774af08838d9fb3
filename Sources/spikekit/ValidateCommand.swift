import Foundation
import SpikeKit

/// `spikekit validate CONFIG`: checks a config and summarises what it would run.
enum ValidateCommand {
    static func run(_ command: ParsedCommand) throws {
        guard let path = command.argument("CONFIG") else {
            throw CommandLineUsageError("Missing argument CONFIG", path: command.path)
        }
        let (config, _) = try ConfigFileError.loadConfig(path, command: command)
        try Output.result("\(path) is valid\n\(config.summary())\n")
    }
}
