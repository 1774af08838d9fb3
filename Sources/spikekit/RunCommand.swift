import Foundation
import SpikeKit

/// `spikekit run CONFIG`: runs the experiment and prints its results table and folder.
enum RunCommand {
    static func run(_ command: ParsedCommand) throws {
        guard let path = command.argument("CONFIG") else {
            throw CommandLineUsageError("Missing argument CONFIG", path: command.path)
        }
        let (config, url) = try ConfigFileError.loadConfig(path, command: command)
        let options = RunOptions(output: command.string("output"), threads: command.integer("threads"),
                                 resume: command.flag("resume"), quiet: command.flag("quiet"))
        let runner = ExperimentRunner(config: config, configURL: url, options: options)
        let (report, directory) = try runner.run()
        try Output.result(report.summaryTable())
        try Output.result("results: \(directory.path)\n")
    }
}
