import Foundation
import SpikeKit

/// `spikekit sweep CONFIG`: lists, runs or schedules the points of the config's sweep section.
enum SweepCommand {
    static func run(_ command: ParsedCommand) throws {
        guard let path = command.argument("CONFIG") else {
            throw CommandLineUsageError("Missing argument CONFIG", path: command.path)
        }
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw CommandLineUsageError("The config file '\(path)' \(isDirectory.boolValue ? "is a folder, not a config file" : "does not exist")",
                                        path: command.path)
        }
        let plan: SweepPlan
        do {
            plan = try SweepPlan.load(from: url, output: command.string("output"))
        } catch SpikeKitError.config(let problems) {
            throw ConfigFileError(path: path, problems: problems)
        }
        let threads = command.integer("threads")
        let quiet = command.flag("quiet")
        let modes = [command.flag("list"), command.string("task") != nil, command.string("jobs") != nil && !command.flag("slurm"),
                     command.flag("slurm")].filter { $0 }.count
        guard modes <= 1 else {
            throw CommandLineUsageError("Choose one of --list, --task, --jobs and --slurm (--jobs goes with --slurm as its limit)", path: command.path)
        }
        if command.flag("list") {
            try Output.result(listing(plan))
        } else if command.flag("slurm") {
            let script = try plan.writeSlurmScript(executable: executableURL(), maxConcurrent: command.integer("jobs"),
                                                   workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            try Output.result("\(plan.points.count) points; submit with:\n  sbatch \(script.path)\n")
        } else if let jobs = command.integer("jobs") {
            let failures = try plan.runAll(jobs: jobs, threads: threads, executable: executableURL(), progress: ProgressReporter(quiet: quiet))
            guard failures.isEmpty else {
                throw SpikeKitError.runtime("\(failures.count) of \(plan.points.count) points failed: "
                                            + failures.map { "\($0.point) (see \($0.log.path))" }.joined(separator: ", "))
            }
            try Output.result("sweep: \(plan.points.count) points finished in \(plan.directory.path)\n"
                              + "collect with: spikekit collect \(plan.directory.path)\n")
        } else {
            let index: Int
            if let task = command.integer("task") {
                index = task
            } else if let text = ProcessInfo.processInfo.environment["SLURM_ARRAY_TASK_ID"] {
                guard let task = Int(text), task >= 0 else {
                    throw SpikeKitError.usage("SLURM_ARRAY_TASK_ID is \"\(text)\", not a point index")
                }
                index = task
            } else {
                throw CommandLineUsageError("Choose --list, --task <n>, --jobs <k> or --slurm (or set SLURM_ARRAY_TASK_ID)", path: command.path)
            }
            let point = try plan.point(index)
            let folder = plan.pointDirectory(point).path
            switch try plan.runPoint(index, threads: threads, quiet: quiet) {
            case .ran: try Output.result("point \(index) (\(point.name)) finished: \(folder)\n")
            case .skipped: try Output.result("point \(index) (\(point.name)) had finished before: \(folder)\n")
            case .busy: throw SpikeKitError.runtime("point \(index) (\(point.name)) is being run by another process (\(folder))")
            }
        }
    }

    /// One line per point: index, status, folder, values.
    static func listing(_ plan: SweepPlan) -> String {
        var out = "\(plan.points.count) points of sweep \(plan.base.name) in \(plan.directory.path)\n"
        let width = max(5, plan.points.map(\.name.count).max() ?? 0)
        out += "index  status    " + "point".padding(toLength: width, withPad: " ", startingAt: 0) + "  values\n"
        for point in plan.points {
            let values = point.values.map { "\($0.keyPath)=\($0.value.serialized(pretty: false))" }.joined(separator: " ")
            out += String(point.index).padding(toLength: 7, withPad: " ", startingAt: 0)
                + plan.status(of: point).rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                + point.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + values + "\n"
        }
        return out
    }

    /// This executable, for the processes of `--jobs` and the lines of the Slurm script.
    static func executableURL() -> URL {
        let proc = URL(fileURLWithPath: "/proc/self/exe")
        if FileManager.default.fileExists(atPath: proc.path), let target = try? FileManager.default.destinationOfSymbolicLink(atPath: proc.path) {
            return URL(fileURLWithPath: target)
        }
        if let path = Bundle.main.executablePath { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }
}
