import Foundation
import Testing
@testable import SpikeKit

/// Training-level behaviour: determinism across thread counts, dropout masks, the schedule, loss
/// decrease, and numerical failures.
@Suite struct STDBTrainerTests {
    /// Two classes of 4×4 images: a bright left or right half, with noise.
    static func halves(count: Int, seed: UInt64) -> Dataset {
        var g = SeededGenerator(seed: seed)
        var images: [Float] = [], labels: [Int32] = []
        for n in 0..<count {
            let label = Int32(n % 2)
            for y in 0..<4 { for x in 0..<4 {
                let bright = (x < 2) == (label == 0)
                images.append((bright ? 0.8 : -0.6) + 0.3 * (g.nextUniform() - 0.5) + 0 * Float(y))
            } }
            labels.append(label)
        }
        return Dataset(name: "halves", images: images, labels: labels, channels: 1, height: 4, width: 4, classCount: 2)
    }

    static func smallNetwork(seed: UInt64, dropout: Float) -> SpikingNetwork {
        var g = SeededGenerator(seed: seed)
        let input = FeatureShape(height: 4, width: 4, channels: 1)
        let l1 = Synapse.linear(name: "fc1", inputShape: input, outputs: 12,
                                pytorchWeights: STDBTestSupport.weights(12 * 16, fanIn: 16, gain: 1.5, &g))
        let l2 = Synapse.linear(name: "fc2", inputShape: .flat(12), outputs: 2,
                                pytorchWeights: STDBTestSupport.weights(24, fanIn: 12, gain: 0.3, &g))
        return SpikingNetwork(inputShape: input, layers: [
            .flatten(name: "flatten", input: input),
            .synaptic(l1, neurons: NeuronParameters(threshold: 0.5), inputDropout: 0),
            .synaptic(l2, neurons: nil, inputDropout: dropout),
        ])
    }

    @Test func oneTrainingStepIsIdenticalForAnyThreadCount() throws {
        let input = FeatureShape(height: 6, width: 6, channels: 2)
        let network = STDBTestSupport.convolutional(seed: 4, input: input, kind: .residualProjection, leak: 0.95, reset: .subtract)
        let images = STDBTestSupport.images(11, input, seed: 4)
        let labels: [Int32] = (0..<11).map { Int32($0 % 3) }
        var results: [[[UInt32]]] = []
        // The last run also sums the linear weight gradients in waves of 3 samples, which cut groups
        // (samples 0–1, 2–4, 5–7, 8–10) in the middle and start new ones inside a wave.
        for (threads, wave) in [(1, 0), (2, 0), (3, 0), (2, 3)] {
            let settings = STDBSettings(timeSteps: 6, learningRate: 1e-2, encoding: .poisson, gradientChunks: 4, threads: threads)
            let session = try STDBSession(network: network, settings: settings, seed: 8)
            if wave > 0 { session.waveCapacity = wave }
            for step in 0..<2 {
                try session.trainBatch(images: images, labels: labels, indices: Array(100..<111), epoch: 0, step: step,
                                       learningRate: settings.learningRate)
            }
            results.append(session.model.plan.synapses.map { $0.weights.map(\.bitPattern) + ($0.bias ?? []).map(\.bitPattern) })
        }
        #expect(results[0] == results[1] && results[0] == results[2], "weights after training differ between thread counts")
        #expect(results[0] == results[3], "weights after training depend on the wave size")
        #expect(results[0] != network.synapses.map { $0.weights.map(\.bitPattern) + ($0.bias ?? []).map(\.bitPattern) },
                "training changed nothing: the comparison would prove nothing")
    }

    @Test func dropoutMasksAreFixedOverTheStepsOfASample() throws {
        let network = Self.smallNetwork(seed: 2, dropout: 0.5)
        let settings = STDBSettings(timeSteps: 12, encoding: .poisson, threads: 1)
        let model = try STDBModel(network: network, settings: settings)
        let workspace = STDBWorkspace(model: model)
        let data = Self.halves(count: 2, seed: 1)
        let image = InputEncoder.imageHWC(data.makeBatch(indices: [0]).images, sample: 0)
        var masks: [[Float]] = []
        for epoch in [0, 0, 1] {
            workspace.forward(model, image: image, streams: .init(encoderSeed: 5, sampleIndex: 7, dropout: (9, epoch)))
            let mask = workspace.masks[1]
            masks.append(mask)
            let spikes = workspace.spikeTrains(0, model: model)
            let channel = model.layout.synapseInputChannel[1]
            var delivered = 0
            for t in 0..<12 {
                let segment = workspace.trace.segment(channel: channel, step: t)
                let events = (0..<segment.count).map { workspace.trace.indices[segment.start + $0] }
                let values = (0..<segment.count).map { workspace.trace.values[segment.valueStart + $0] }
                #expect(events == spikes[t].filter { mask[Int($0)] != 0 }, "step \(t): delivered events are not the kept spikes")
                #expect(values.allSatisfy { $0 == 2 }, "kept events must carry 1/(1 − p) = 2")
                delivered += events.count
            }
            #expect(delivered > 0, "no events delivered: the check would prove nothing")
        }
        #expect(masks[0] == masks[1], "the same sample and epoch must get the same mask")
        #expect(masks[0] != masks[2], "another epoch should draw another mask")
        let kept = masks[0].filter { $0 != 0 }.count
        #expect(kept > 0 && kept < 12, "a 0.5 mask over 12 inputs kept \(kept)")
    }

    @Test func learningRateSchedule() {
        let settings = STDBSettings(epochs: 10, learningRate: 1e-4, milestones: [0.6, 0.8, 0.9], lrFactor: 5)
        let rates = (0..<10).map { settings.learningRate(epoch: $0) }
        for e in 0..<6 { #expect(rates[e] == 1e-4) }
        #expect(abs(rates[6] - 2e-5) < 1e-18 && abs(rates[7] - 2e-5) < 1e-18)
        #expect(abs(rates[8] - 4e-6) < 1e-18)
        #expect(abs(rates[9] - 8e-7) < 1e-18)
    }

    @Test func gradientGroupsDependOnTheNetworkNotTheThreads() {
        let automatic = STDBSettings(threads: 64)
        #expect(automatic.chunkCount(parameters: 200_000) == 8)
        #expect(automatic.chunkCount(parameters: 32 << 20) == 4, "8 buffers of 128 MiB exceed the 512 MiB budget")
        // At least two groups, so two cores share every batch even of a 50 M-parameter VGG5.
        #expect(automatic.chunkCount(parameters: 50_000_000) == 2)
        #expect(automatic.chunkCount(parameters: 200 << 20) == 2)
        for threads in [1, 2, 8] { #expect(STDBSettings(threads: threads).chunkCount(parameters: 50_000_000) == 2) }
        #expect(STDBSettings(gradientChunks: 3, threads: 1).chunkCount(parameters: 200 << 20) == 3)
    }

    @Test func settingsFromTheConfigSection() {
        var config = STDBConfig()
        config.surrogate = .linear
        config.gamma = 0.5
        config.encoding = .poisson
        config.lossOverTime = .mean
        let settings = STDBSettings(config: config, ordering: .immediate, threads: 3)
        #expect(settings.surrogate == .linear(gamma: 0.5))
        #expect(settings.encoding == .poisson && settings.ordering == .immediate && settings.threads == 3)
        #expect(settings.lossOverTime == .mean && settings.timeSteps == config.timeSteps && settings.amsgrad)
        let defaults = STDBSettings(config: STDBConfig(), ordering: .delayed)
        #expect(defaults.surrogate == .stdb(alpha: 0.3, beta: 0.01, maxDeltaT: 100))
        #expect(defaults.learningRate == 1e-4 && defaults.weightDecay == 5e-4 && defaults.batchSize == 64)
    }

    @Test func trainingDecreasesTheLoss() throws {
        let train = Self.halves(count: 96, seed: 3), test = Self.halves(count: 40, seed: 4)
        let network = Self.smallNetwork(seed: 5, dropout: 0.1)
        for ordering in SpikeOrdering.allCases {
            let settings = STDBSettings(timeSteps: 8, epochs: 6, batchSize: 16, learningRate: 3e-3, ordering: ordering,
                                        gradientChunks: 4, threads: 2)
            var progressCalls = 0
            let (trained, epochs) = try STDBTrainer.fit(network: network, data: DatasetSplit(train: train, test: test),
                                                        settings: settings, seed: 11) { _ in progressCalls += 1 }
            #expect(epochs.count == 6 && progressCalls == 36)
            #expect(epochs.last!.trainLoss < 0.7 * epochs.first!.trainLoss,
                    "\(ordering): loss went from \(epochs.first!.trainLoss) to \(epochs.last!.trainLoss)")
            let before = try STDBTrainer.evaluate(network: network, dataset: test, settings: settings, seed: 11)
            let after = try STDBTrainer.evaluate(network: trained, dataset: test, settings: settings, seed: 11)
            #expect(after >= before && after >= 0.9, "\(ordering): test accuracy \(before) → \(after)")
            #expect(epochs.last!.testAccuracy == after)
            #expect(epochs[5].learningRate < epochs[0].learningRate)
        }
    }

    @Test func nonFiniteLossNamesTheLayerEpochAndStep() throws {
        var network = Self.smallNetwork(seed: 5, dropout: 0)
        var synapses = network.synapses
        synapses[1].weights = synapses[1].weights.map { $0 * 1e38 }
        network = network.replacingSynapses(synapses)
        let data = Self.halves(count: 8, seed: 3)
        let settings = STDBSettings(timeSteps: 8, epochs: 1, batchSize: 4, threads: 1)
        #expect {
            _ = try STDBTrainer.fit(network: network, data: DatasetSplit(train: data, test: data), settings: settings, seed: 1)
        } throws: { error in
            guard let error = error as? SpikeKitError, case .numerical(let message) = error else { return false }
            return message.contains("'fc2'") && message.contains("epoch 1") && message.contains("step ")
        }
    }

    @Test func mismatchedDataIsRefused() throws {
        let network = Self.smallNetwork(seed: 5, dropout: 0)
        let data = Dataset(name: "wrong", images: [Float](repeating: 0, count: 2 * 25), labels: [0, 1], channels: 1,
                           height: 5, width: 5, classCount: 2)
        #expect(throws: SpikeKitError.self) {
            _ = try STDBTrainer.fit(network: network, data: DatasetSplit(train: data, test: data), settings: STDBSettings(), seed: 1)
        }
        #expect(throws: SpikeKitError.self) {
            _ = try STDBSession(network: network, settings: STDBSettings(timeSteps: 0), seed: 1)
        }
    }
}

@Suite struct STDBBenchmarkTests {
    @Test func reportsThroughputAndPeakMemory() throws {
        let data = STDBTrainerTests.halves(count: 20, seed: 1)
        let batch = data.makeBatch(indices: 0..<20)
        let report = try STDBBenchmark.run(network: STDBTrainerTests.smallNetwork(seed: 1, dropout: 0.2), images: batch.images,
                                           labels: batch.labels, timeSteps: 4, batchSize: 8, threads: 2)
        #expect(report.imagesPerSecond > 0 && report.imagesPerSecond.isFinite)
        #expect(report.peakMemoryBytes > 1 << 20, "peak RSS \(report.peakMemoryBytes) bytes is implausibly small")
        #expect(report.images == 12 && report.meanLoss.isFinite && report.meanLoss > 0)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"imagesPerSecond\"") && json.contains("\"peakMemoryBytes\""))
        #expect(throws: SpikeKitError.self) {
            _ = try STDBBenchmark.run(network: STDBTrainerTests.smallNetwork(seed: 1, dropout: 0), images: batch.images,
                                      labels: batch.labels, timeSteps: 4, batchSize: 64)
        }
    }
}
