import Foundation
import Testing
@testable import SpikeKit

/// Without fine-tuning, a low-latency run fits α and β for each simulated T (Datta & Beerel fit
/// per T), so every T is simulated as if it had been the conversion's own target.
@Suite struct LowLatencyPerTimeStepTests {
    static func report(steps: [Int], fitted: Int, folder: URL) throws -> RunReport {
        var config = try ConfigTestSupport.decode(#"""
            {"data": {"trainLimit": 200, "testLimit": 50}, "model": {"architecture": "mlp"},
             "training": {"epochs": 1, "batchSize": 50},
             "conversion": {"recipe": "low-latency", "calibrationImages": 32, "fineTuneEpochs": 0, "fineTuneTimeSteps": \#(fitted)},
             "simulation": {"timeSteps": \#(steps)}}
            """#)
        config.output.directory = folder.path
        let quiet = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })
        return try ExperimentRunner(config: config, configURL: nil, options: RunOptions(), progress: quiet).run().0
    }

    @Test func eachTimeStepGetsTheFitOfARunThatTargetsIt() throws {
        let folder = TemporaryDirectory()
        let both = try Self.report(steps: [1, 2], fitted: 2, folder: folder.url.appendingPathComponent("both"))
        let one = try Self.report(steps: [1], fitted: 1, folder: folder.url.appendingPathComponent("one"))
        let two = try Self.report(steps: [2], fitted: 2, folder: folder.url.appendingPathComponent("two"))
        func entry(_ report: RunReport, _ t: Int) -> RunReport.Simulation? { report.simulations.first { $0.timeSteps == t } }
        #expect(entry(both, 1)?.testAccuracy == entry(one, 1)?.testAccuracy)
        #expect(entry(both, 1)?.layers.map(\.spikesPerImage) == entry(one, 1)?.layers.map(\.spikesPerImage))
        #expect(entry(both, 2)?.layers.map(\.spikesPerImage) == entry(two, 2)?.layers.map(\.spikesPerImage))
        // The T = 1 fit is not the T = 2 fit: its thresholds give other spike counts at T = 1.
        #expect(one.conversion?.layers.map(\.alpha) != two.conversion?.layers.map(\.alpha))
    }
}
