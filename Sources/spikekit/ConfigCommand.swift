import Foundation
import SpikeKit

/// `spikekit config --schema`: prints the config schema as Markdown.
enum ConfigCommand {
    static func run(_ command: ParsedCommand) throws {
        guard command.flag("schema") else {
            throw CommandLineUsageError("Missing option '--schema'", path: command.path)
        }
        try Output.result(ConfigSchema.markdown())
    }
}
