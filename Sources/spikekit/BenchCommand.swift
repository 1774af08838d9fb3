import Foundation
import SpikeKit

/// `spikekit bench <benchmark>`: runs one registered benchmark and prints its report.
enum BenchCommand {
    static func run(_ command: ParsedCommand, benchmarks: [Benchmark]) throws {
        guard let name = command.path.dropFirst(2).first, let benchmark = benchmarks.first(where: { $0.name == name }) else {
            throw CommandLineUsageError("Unknown benchmark '\(command.commandName)'.", path: Array(command.path.prefix(2)))
        }
        if let threads = command.integer("threads") { Parallel.threadCount = threads > 0 ? threads : Parallel.coreCount }
        let output = try benchmark.run(command)
        try Output.result(command.flag("json") ? output.json : output.text)
    }
}
