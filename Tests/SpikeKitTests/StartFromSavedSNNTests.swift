import Foundation
import Testing
@testable import SpikeKit

/// A run can start from a converted network saved by an earlier run (`conversion.checkpoint`): it
/// skips the ANN and the conversion and simulates exactly what the first run simulated.
@Suite(.serialized) struct StartFromSavedSNNTests {
    @Test func runStartsFromASavedConvertedNetwork() throws {
        let folder = try ConfigTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let silent = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })
        let first = try ConfigTestSupport.decode(ConfigTestSupport.tinyRunJSON, name: "first")
        let (report, directory) = try ExperimentRunner(
            config: first, configURL: nil, options: RunOptions(output: folder.appendingPathComponent("a").path),
            progress: silent).run()
        let checkpoint = directory.appendingPathComponent(RunFiles.convertedSNN).path
        let json = """
            {"data": {"trainLimit": 100, "testLimit": 20}, "model": {"architecture": "mlp"},
             "conversion": {"checkpoint": "\(checkpoint)"},
             "simulation": {"timeSteps": [2, 4], "testLimit": 20}, "energy": {}}
            """
        let second = try ConfigTestSupport.decode(json, name: "second")
        let (again, _) = try ExperimentRunner(
            config: second, configURL: nil, options: RunOptions(output: folder.appendingPathComponent("b").path),
            progress: silent).run()
        #expect(again.ann == nil)
        #expect(again.conversion == report.conversion)
        let conversionRuns = report.simulations.filter { $0.stage == .conversion }
        #expect(!conversionRuns.isEmpty && again.simulations == conversionRuns)

        var missing = second
        missing.conversion?.checkpoint = folder.appendingPathComponent("nope.safetensors").path
        #expect(throws: SpikeKitError.self) { try missing.validate() }
    }
}
