import Foundation
import Testing
@testable import SpikeKit

/// The runner's saved spiking networks and spike traces: what it writes, and that `--resume` loads
/// the converted (and fine-tuned) network instead of recomputing it. Serialized because a run sets
/// the process-wide thread count.
@Suite(.serialized) struct SpikingNetworkCheckpointRunnerTests {
    typealias T = ConfigTestSupport

    static let silent = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })

    func run(_ json: String, output: URL, resume: Bool = false) throws -> RunReport {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let config = try T.decode(json, name: "snn")
        let options = RunOptions(output: output.path, threads: 2, resume: resume)
        return try ExperimentRunner(config: config, configURL: nil, options: options, progress: Self.silent).run().0
    }

    /// The tiny config with an extra `output` section.
    static func json(output: String) -> String {
        String(T.tinyRunJSON.trimmingCharacters(in: .whitespacesAndNewlines).dropLast()) + ", \"output\": \(output)}"
    }

    /// A low-latency run with a fine-tune reports the trained thresholds and leaks next to the
    /// converted ones, and saves the fine-tuned network (with its half-charged initial membranes).
    @Test func lowLatencyFineTuneReportsTrainedThresholdsAndLeaks() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = #"""
            {"data": {"trainLimit": 128, "testLimit": 20}, "model": {"architecture": "mlp", "activation": "clipped-relu"},
             "training": {"epochs": 1, "batchSize": 64},
             "conversion": {"recipe": "low-latency", "calibrationImages": 32, "fineTuneEpochs": 1, "fineTuneLearningRate": 0.01},
             "simulation": {"timeSteps": [2], "ordering": "immediate", "initialMembrane": 0.5, "testLimit": 20}}
            """#
        let output = folder.appendingPathComponent("run")
        let report = try run(json, output: output)
        let layers = try #require(report.conversion?.layers)
        #expect(layers.count == 2)
        for layer in layers {
            let tuned = try #require(layer.fineTunedThreshold, "\(layer.name) has no fine-tuned threshold")
            #expect(tuned != layer.threshold, "\(layer.name): the threshold did not move")
            #expect((layer.fineTunedLeak ?? 0) > 0 && (layer.fineTunedLeak ?? 2) <= 1)
        }
        let (saved, _) = try SpikingNetworkCheckpoint.load(from: output.appendingPathComponent(RunFiles.convertedSNN))
        let neurons = saved.populationNeurons.compactMap { $0 }
        #expect(neurons.map { Double($0.threshold) } == layers.compactMap(\.fineTunedThreshold))
        #expect(neurons.allSatisfy { $0.initialMembrane == 0.5 })
    }

    @Test func runSavesBothNetworksWithTheirMetadata() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("run")
        let report = try run(T.tinyRunJSON, output: output)
        let (converted, metadata) = try SpikingNetworkCheckpoint.load(from: output.appendingPathComponent(RunFiles.convertedSNN))
        #expect(metadata["stage"] == "conversion" && metadata["recipe"] == "threshold-balancing")
        #expect(metadata["encoding"] == "direct" && metadata["ordering"] == "delayed" && metadata["timeSteps"] == "4")
        #expect(metadata["dataset"] == "fashion-mnist")
        let normalization = try JSONDecoder().decode(Normalization.self, from: Data((metadata["normalization"] ?? "").utf8))
        #expect(normalization == .symmetric)
        let statistics = try JSONDecoder().decode(RunReport.Conversion.self, from: Data((metadata["conversion"] ?? "").utf8))
        #expect(statistics == report.conversion)
        #expect(converted.populations.dropLast().map(\.name) == report.conversion?.layers.map(\.name))
        var thresholds: [Double] = []
        _ = converted.mapNeurons { thresholds.append(Double($1.threshold)); return $1 }
        #expect(thresholds == report.conversion?.layers.map(\.threshold))

        let (tuned, stdbMetadata) = try SpikingNetworkCheckpoint.load(from: output.appendingPathComponent(RunFiles.fineTunedSNN))
        #expect(stdbMetadata["stage"] == "stdb" && stdbMetadata["epochs"] == "1" && stdbMetadata["timeSteps"] == "4")
        #expect(tuned.synapses.map(\.weights) != converted.synapses.map(\.weights), "STDB changed no weight")
    }

    @Test func noConvertedNetworkWhenSaveCheckpointsIsOff() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("run")
        _ = try run(Self.json(output: #"{"saveCheckpoints": false}"#), output: output)
        for name in [RunFiles.convertedSNN, RunFiles.spikeTraceAER] {
            #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "\(name)")
        }
        // The trained networks are what --resume continues from, so they are always saved.
        for name in [RunFiles.annCheckpoint, RunFiles.fineTunedSNN] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "\(name)")
        }
    }

    @Test func resumeLoadsTheSavedNetworksInsteadOfRecomputing() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("run")
        let first = try run(T.tinyRunJSON, output: output)
        let resumed = try run(T.tinyRunJSON, output: output, resume: true)
        #expect(resumed.conversion == first.conversion)
        #expect(resumed.simulations == first.simulations)
        #expect(resumed.stdb == first.stdb)

        // Doubled thresholds in the saved converted network (and no fine-tuned one): a resumed run
        // simulates the saved network, so it spikes less, and keeps the recorded statistics.
        let url = output.appendingPathComponent(RunFiles.convertedSNN)
        let (network, metadata) = try SpikingNetworkCheckpoint.load(from: url)
        let raised = network.mapNeurons { _, p in NeuronParameters(threshold: p.threshold * 2, leak: p.leak, reset: p.reset) }
        try SpikingNetworkCheckpoint.save(raised, to: url, metadata: metadata)
        try FileManager.default.removeItem(at: output.appendingPathComponent(RunFiles.fineTunedSNN))
        let changed = try run(T.tinyRunJSON, output: output, resume: true)
        #expect(changed.conversion == first.conversion)
        let before = first.simulations.filter { $0.stage == .conversion }.map(\.spikesPerImage)
        let after = changed.simulations.filter { $0.stage == .conversion }.map(\.spikesPerImage)
        #expect(before.count == 2 && after.count == 2)
        for (b, a) in zip(before, after) { #expect(a < b, "spikes per image \(a) with doubled thresholds, \(b) before") }
        // The fine-tuned network was recomputed from the saved converted one, and saved again.
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(RunFiles.fineTunedSNN).path))

        // A saved network without its statistics cannot stand in for the conversion stage.
        try SpikingNetworkCheckpoint.save(raised, to: url, metadata: ["stage": "conversion"])
        #expect(throws: SpikeKitError.checkpoint(path: url.path, reason: "metadata 'conversion' (the conversion statistics) is missing or unreadable")) {
            _ = try run(T.tinyRunJSON, output: output, resume: true)
        }
    }

    @Test func spikeTraceHoldsTheFirstTestImagesAtTheLargestT() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("run")
        _ = try run(Self.json(output: #"{"spikeTrace": 3}"#), output: output)
        let trace = try SpikeTrace.read(from: output.appendingPathComponent(RunFiles.spikeTraceAER))
        #expect(trace.images == 3 && trace.timeSteps == 4 && trace.encoding == "direct" && trace.ordering == "delayed")
        let (network, _) = try SpikingNetworkCheckpoint.load(from: output.appendingPathComponent(RunFiles.convertedSNN))
        #expect(trace.populations.map(\.name) == ["input"] + network.populations.dropLast().map(\.name))
        #expect(!trace.events.isEmpty && trace.events.allSatisfy { $0.population > 0 })
        // The same three images simulated again give the same spike counts.
        let data = try DatasetLoader.load(name: "fashion-mnist", trainLimit: 100, testLimit: 20, seed: 1)
        let record = try EventScheduler(network: network).run(
            images: data.test.makeBatch(indices: 0..<3).images,
            options: SimulationOptions(timeSteps: 4, encoding: .direct, ordering: .delayed, seed: 1))
        let counts = trace.eventCounts()
        for p in 0..<record.populationNames.count - 1 {
            #expect((0..<4).map { t in counts.reduce(0) { $0 + $1[p + 1][t] } } == record.spikes[p].map { Int($0) })
        }
        let csv = try String(contentsOf: output.appendingPathComponent(RunFiles.spikeTraceCSV), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == trace.events.count + 1)
    }
}
