import Foundation
import Testing
@testable import SpikeKit

/// Results that are probably wrong are said out loud: near-chance ANNs, saturated Poisson input, an
/// output layer that decides nothing, an STDB run that learned nothing.
@Suite(.serialized) struct RunDiagnosticsTests {
    typealias T = ConfigTestSupport

    @Test func annNearChance() {
        #expect(RunDiagnostics.annNearChance(accuracy: 0.27, classes: 10, imported: true) == nil)
        let imported = RunDiagnostics.annNearChance(accuracy: 0.11, classes: 10, imported: true)
        #expect(imported?.contains("data.normalization") == true && imported?.contains("11.00 %") == true)
        #expect(RunDiagnostics.annNearChance(accuracy: 0.11, classes: 10, imported: false)?.contains("learningRate") == true)
    }

    @Test func poissonRange() {
        #expect(RunDiagnostics.poissonRange(lowest: -1, highest: 1, normalization: "half normalization") == nil)
        #expect(RunDiagnostics.poissonRange(lowest: 0, highest: 1, normalization: "none") == nil)
        let wide = RunDiagnostics.poissonRange(lowest: -1.99, highest: 2.13, normalization: "dataset normalization")
        #expect(wide?.contains("[-1.99, 2.13]") == true && wide?.contains("\"half\"") == true)
    }

    @Test func stdbThatLowersAccuracy() {
        // The CIFAR-10 VGG5 short run: converted 76.10 %, after one STDB epoch 65.75 % at T = 75.
        let worse = RunDiagnostics.stdbLoweredAccuracy(converted: 0.761, tuned: 0.6575, timeSteps: 75, learningRate: 2e-4, images: 5000)
        #expect(worse?.contains("from 76.10 % (converted) to 65.75 %") == true && worse?.contains("stdb.learningRate (now 0.0002)") == true)
        #expect(RunDiagnostics.stdbLoweredAccuracy(converted: 0.761, tuned: 0.755, timeSteps: 75, learningRate: 2e-4, images: 5000) == nil)
    }

    @Test func silentOutputCountsTies() {
        let outputs = Tensor(shape: [3, 2], scalars: [0, 0, 1, 2, 0.5, 0.5])
        let record = SimulationRecord(timeSteps: 4, samples: 3, populationNames: ["out"], populationSizes: [2],
                                      spikes: [[0, 0, 0, 0]], neuronUpdates: [[0, 0, 0, 0]], maxInputCurrent: [0],
                                      synapseNames: ["fc"], synapticOps: [[0, 0, 0, 0]], outputs: [4: outputs],
                                      lastSpike: nil, raster: nil)
        #expect(RunDiagnostics.silentOutputImages(record, steps: 4) == 2)
        let warning = RunDiagnostics.silentOutput(record, steps: 4, ordering: .delayed, stage: "the converted SNN")
        #expect(warning?.contains("2 of 3") == true && warning?.contains("immediate ordering") == true)
        #expect(RunDiagnostics.stdbLearnedNothing(trainLoss: log(10), classes: 10))
        #expect(!RunDiagnostics.stdbLearnedNothing(trainLoss: 2.2, classes: 10))
    }

    /// A delayed-ordering MLP at T = 1 cannot carry a spike to its output (each layer adds a step):
    /// the report says so instead of printing a tie-broken accuracy.
    @Test func aRunReportsItsSilentOutputLayer() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = try T.decode(#"""
            {"data": {"trainLimit": 100, "testLimit": 20}, "model": {"architecture": "mlp"},
             "training": {"epochs": 1, "batchSize": 50},
             "conversion": {"calibrationImages": 10, "balancingSteps": 8},
             "simulation": {"timeSteps": [1, 8], "testLimit": 20, "ordering": "delayed", "encoding": "poisson"}}
            """#, name: "silent")
        config.data.normalization = .named(.dataset)
        config.output.directory = folder.appendingPathComponent("results").path
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let quiet = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })
        let (report, _) = try ExperimentRunner(config: config, configURL: nil, options: RunOptions(), progress: quiet,
                                               startDate: Date(timeIntervalSince1970: 0)).run()
        let warnings = report.warnings ?? []
        #expect(warnings.contains { $0.contains("at T = 1") && $0.contains("output layer") }, "warnings: \(warnings)")
        #expect(!warnings.contains { $0.contains("at T = 8") }, "warnings: \(warnings)")
        #expect(!warnings.contains { $0.contains("Poisson input") }, "fashion-mnist's dataset normalization is [−1, 1]: \(warnings)")
    }
}
