import Foundation
import SpikeKit

/// Parses the command line, runs the command and turns every error into a message and an exit status.
enum SpikeKitTool {
    static func main(_ arguments: [String]) -> Int32 {
        let root = SpikeKitCommands.root()
        do {
            switch try CommandLineParser.parse(arguments, root: root) {
            case .version:
                try Output.result(spikeKitVersion + "\n")
            case .help(let spec, let path):
                try Output.result(spec.helpText(path: path))
            case .command(let command):
                try dispatch(command)
            }
            return 0
        } catch let error as CommandLineUsageError {
            Output.error("error: \(error.message)\n\(error.helpHint)\n")
            return error.exitCode
        } catch let error as ConfigFileError {
            Output.error("error: \(error.description)\n")
            return 64
        } catch let error as SpikeKitError {
            Output.error("error: \(error.description)\n")
            return error.exitCode
        } catch {
            Output.error("error: \(error)\n")
            return 1
        }
    }

    private static func dispatch(_ command: ParsedCommand) throws {
        switch command.path.dropFirst().first {
        case "run": try RunCommand.run(command)
        case "validate": try ValidateCommand.run(command)
        case "config": try ConfigCommand.run(command)
        case "bench": try BenchCommand.run(command, benchmarks: BenchmarkRegistry.all)
        case "import": try ImportCommand.run(command)
        case "report": try ReportCommand.run(command)
        case "energy": try EnergyCommand.run(command)
        case "export": try ExportCommand.run(command)
        case "hardware": try HardwareCommand.run(command)
        case "sweep": try SweepCommand.run(command)
        case "collect": try CollectCommand.run(command)
        default: throw CommandLineUsageError("Unknown command '\(command.commandName)'.", path: command.path)
        }
    }
}

/// Standard output carries results only; everything else goes to standard error.
/// A full disk or a closed pipe on standard output is a runtime failure (exit 1, with the reason);
/// standard error is written on a best-effort basis.
enum Output {
    static func result(_ text: String) throws {
        do {
            try FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
        } catch {
            throw SpikeKitError.io(path: "standard output", reason: "cannot write the results (\(systemErrorReason(error)))")
        }
    }

    static func error(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}

/// Config problems found in a file, reported with the file's path.
struct ConfigFileError: Error, CustomStringConvertible {
    var path: String
    var problems: [ConfigProblem]

    var description: String {
        // A problem with the whole file (not JSON) has no key path to show.
        func text(_ problem: ConfigProblem) -> String { problem.keyPath.isEmpty ? problem.message : problem.description }
        if problems.count == 1 { return "\(path): \(text(problems[0]))" }
        return "\(path) has \(problems.count) problems:\n" + problems.map { "  - \(text($0))" }.joined(separator: "\n")
    }

    /// Loads a config file, attaching its path to config problems. A path that names no file is a
    /// usage error of `command`.
    static func loadConfig(_ path: String, command: ParsedCommand) throws -> (ExperimentConfig, URL) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            let what = isDirectory.boolValue ? "is a folder, not a config file" : "does not exist"
            throw CommandLineUsageError("The config file '\(path)' \(what)", path: command.path)
        }
        do {
            return (try ExperimentConfig.load(from: url), url)
        } catch SpikeKitError.config(let problems) {
            throw ConfigFileError(path: path, problems: problems)
        }
    }
}
