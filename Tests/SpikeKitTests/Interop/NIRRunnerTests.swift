import Foundation
import Testing
@testable import SpikeKit

/// NIR in a run: `output.nir` writes the final network as `network.nir`, and `model.nir` simulates a
/// NIR graph with no ANN; the two give the same spikes. Serialized because a run sets the
/// process-wide thread count.
@Suite(.serialized) struct NIRRunnerTests {
    typealias T = ConfigTestSupport

    func run(_ json: String, output: URL) throws -> RunReport {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let config = try T.decode(json, name: "nir")
        let options = RunOptions(output: output.path, threads: 2, resume: false)
        let progress = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })
        return try ExperimentRunner(config: config, configURL: nil, options: options, progress: progress).run().0
    }

    @Test func outputNIRThenModelNIRSimulateTheSameNetwork() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = folder.appendingPathComponent("first")
        let report = try run(#"""
            {"data": {"trainLimit": 100, "testLimit": 20}, "model": {"architecture": "mlp"},
             "training": {"epochs": 1, "batchSize": 50}, "conversion": {"calibrationImages": 10, "balancingSteps": 8},
             "simulation": {"timeSteps": [4], "testLimit": 20, "ordering": "immediate"}, "output": {"nir": true}}
            """#, output: first)
        let nir = first.appendingPathComponent(RunFiles.nirGraph)
        let graph = try NIRGraph.read(contentsOf: nir)
        #expect(graph.metadata["spikekit_ordering"] == .string("immediate"))
        let (converted, _) = try SpikingNetworkCheckpoint.load(from: first.appendingPathComponent(RunFiles.convertedSNN))
        let (imported, _) = try NIRImport().network(from: graph, path: nir.path)
        #expect(imported.synapses.map { $0.pytorchWeights() } == converted.synapses.map { $0.pytorchWeights() })

        let second = folder.appendingPathComponent("second")
        let again = try run(#"{"data": {"testLimit": 20}, "model": {"nir": "\#(nir.path)"}, "simulation": {"timeSteps": [4], "testLimit": 20, "ordering": "immediate"}}"#,
                            output: second)
        #expect(again.ann == nil)
        #expect(again.simulations.map(\.testAccuracy) == report.simulations.map(\.testAccuracy))
        #expect(again.simulations.first?.layers.map(\.spikesPerImage) == report.simulations.first?.layers.map(\.spikesPerImage))
    }

    @Test func modelNIRIsCheckedWithTheConfig() throws {
        let error = try #require(throws: SpikeKitError.self) {
            try T.decode(#"{"model": {"nir": "/nonexistent/net.nir"}, "training": {}}"#, name: "nir")
        }
        #expect(error.description.contains("model.nir: /nonexistent/net.nir does not exist"))
        #expect(error.description.contains("training: model.nir gives the spiking network, so there is nothing to train"))

        let reset = try #require(throws: SpikeKitError.self) {
            try T.decode(#"{"model": {"nirReset": "subtract"}, "training": {}}"#, name: "nir")
        }
        #expect(reset.description.contains("model.nirReset: applies only to a NIR graph (model.nir, or a .nir conversion.checkpoint)"))
        let wrong = try #require(throws: SpikeKitError.self) {
            try T.decode(#"{"model": {"nirReset": "zero"}, "training": {}}"#, name: "nir")
        }
        #expect(wrong.description.contains("model.nirReset"), "\(wrong.description)")
    }
}
