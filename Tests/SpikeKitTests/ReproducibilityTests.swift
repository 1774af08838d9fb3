import Foundation
import Testing
@testable import SpikeKit

/// The same config and seed give bit-identical results whatever the thread count: training,
/// conversion, simulation counts, STDB and energy. Serialized because a run sets the process-wide
/// thread count.
@Suite(.serialized) struct ReproducibilityTests {
    @Test func reportsAreIdenticalWithOneTwoAndFourThreads() throws {
        let folder = try ConfigTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try ConfigTestSupport.decode(ConfigTestSupport.tinyRunJSON, name: "repro")
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var reports: [RunReport] = []
        for threads in [1, 2, 4] {
            let options = RunOptions(output: folder.appendingPathComponent("t\(threads)").path, threads: threads, quiet: true)
            let silent = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })
            var (report, _) = try ExperimentRunner(config: config, configURL: nil, options: options, progress: silent).run()
            #expect(report.threads == threads)
            report.threads = 0
            reports.append(report)
        }
        #expect(!reports[0].simulations.isEmpty && reports[0].stdb != nil)
        #expect(reports[0] == reports[1], "1 vs 2 threads")
        #expect(reports[0] == reports[2], "1 vs 4 threads")
        // Byte for byte: the reports as JSON, every count and accuracy at full precision.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = try reports.map { try encoder.encode($0) }
        #expect(bytes[0] == bytes[1] && bytes[0] == bytes[2])
    }
}
