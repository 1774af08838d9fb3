import Foundation
import SpikeKit

/// `spikekit run CONFIG`: runs the experiment and prints its results table and folder.
///
/// As one rank of several (`mpirun -np N spikekit run CONFIG`, `DataParallel`), every rank runs the
/// whole pipeline on the same data and STDB divides each batch among the ranks; rank 0 alone writes
/// the run folder and prints. The other ranks write into a scratch folder of their own, removed at
/// the end; with `--resume` they start from a copy of rank 0's `--output` folder.
enum RunCommand {
    static func run(_ command: ParsedCommand) throws {
        guard let path = command.argument("CONFIG") else {
            throw CommandLineUsageError("Missing argument CONFIG", path: command.path)
        }
        let (config, url) = try ConfigFileError.loadConfig(path, command: command)
        var options = RunOptions(output: command.string("output"), threads: command.integer("threads"),
                                 resume: command.flag("resume"), quiet: command.flag("quiet"))
        var scratch: URL?
        if let communicator = DataParallel.communicator, communicator.size > 1 {
            if options.resume && options.output == nil {
                throw SpikeKitError.usage("--resume with several MPI ranks needs --output <dir> (the run folder rank 0 continues)")
            }
            if communicator.rank > 0 {
                let folder = FileManager.default.temporaryDirectory
                    .appendingPathComponent("spikekit-rank\(communicator.rank)-\(getpid())-\(UUID().uuidString)")
                if options.resume, let output = options.output {
                    do {
                        try FileManager.default.copyItem(at: URL(fileURLWithPath: output), to: folder)
                    } catch {
                        throw SpikeKitError.io(path: output, reason: "rank \(communicator.rank) cannot copy the run folder to resume from it (\(error))")
                    }
                }
                scratch = folder
                options.output = folder.path
                options.quiet = true
            }
            // Rank 0 changes its folder only after every rank has copied it.
            communicator.barrier()
        }
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        let runner = ExperimentRunner(config: config, configURL: url, options: options)
        let (report, directory) = try runner.run()
        guard DataParallel.rank == 0 else { return }
        try Output.result(report.summaryTable())
        try Output.result("results: \(directory.path)\n")
    }
}
