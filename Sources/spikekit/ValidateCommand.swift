import Foundation
import SpikeKit

/// `spikekit validate CONFIG`: checks a config and summarises what it would run.
enum ValidateCommand {
    static func run(_ command: ParsedCommand) throws {
        guard let path = command.argument("CONFIG") else {
            throw CommandLineUsageError("Missing argument CONFIG", path: command.path)
        }
        let (config, url) = try ConfigFileError.loadConfig(path, command: command)
        // A sweep section is checked too, with every point's config.
        var sweep: SweepPlan?
        do {
            sweep = try SweepPlan.loadIfPresent(from: url)
        } catch SpikeKitError.config(let problems) {
            throw ConfigFileError(path: path, problems: problems)
        }
        try Output.result("\(path) is valid\n\(config.summary())\n" + (sweep.map { $0.summary + "\n" } ?? ""))
    }
}
