import Foundation
import Testing
@testable import SpikeKit

/// Sum pooling (`sumPool`): in the ANN the window's sum, k² times its average, with the gradient to
/// match; at conversion an average pool whose k² moves into the next weight layer's weights (a
/// convolution, a linear layer, or both halves of a residual block's input: conv1 and the shortcut).
@Suite struct SumPoolingTests {
    static func spec(sum: Bool) -> ArchitectureSpec {
        let pool: LayerSpec = sum ? .sumPool(kernel: 2, stride: 2) : .avgPool(kernel: 2, stride: 2)
        return ArchitectureSpec(name: "pools", layers: [
            .conv(outChannels: 4, kernel: 3, padding: 1), .relu, pool,
            .residual(outChannels: 4, stride: 1), pool,
            .conv(outChannels: 6, kernel: 1), .batchNorm, .relu, pool,
            .flatten, .linear(outputs: 8), .relu, .linear(outputs: 3),
        ])
    }

    @Test func forwardIsTheWindowSumAndGradientsMatchFiniteDifferences() throws {
        let x = ANNTestSupport.random([2, 3, 6, 6], seed: 11)
        var context = ForwardContext(training: false)
        let sum = AvgPool2D(name: "s", kernel: 3, stride: 3, sum: true).forward(x, context: &context)
        let mean = AvgPool2D(name: "a", kernel: 3, stride: 3).forward(x, context: &context)
        #expect(zip(sum.scalars, mean.scalars).allSatisfy { $0 == $1 * 9 })
        // A window summed by hand: sample 0, channel 0, the top-left 3×3.
        let direct = (0..<3).flatMap { y in (0..<3).map { x.scalars[y * 6 + $0] } }.reduce(0, +)
        #expect(abs(sum.scalars[0] - direct) < 1e-5)
        ANNTestSupport.checkGradients(of: AvgPool2D(name: "pool", kernel: 2, sum: true),
                                      input: ANNTestSupport.random([2, 3, 6, 6], seed: 7), step: 2.5e-3)
    }

    @Test func specDecodesAndNamesThePool() throws {
        let json = #"{"name": "s", "layers": [{"type": "conv", "outChannels": 2, "kernel": 3}, {"type": "sumPool", "kernel": 2, "name": "sp"}]}"#
        let decoded = try JSONDecoder().decode(ArchitectureSpec.self, from: Data(json.utf8))
        #expect(decoded.layers.last == .sumPool(kernel: 2, stride: 2))
        #expect(decoded.layerNames.last == "sp")
        let again = try JSONDecoder().decode(ArchitectureSpec.self, from: try JSONEncoder().encode(decoded))
        #expect(again == decoded)
    }

    /// The same weights with sum and with average pooling: after each sum pool the next weights are
    /// ×4 (the residual block's conv1 and its identity shortcut, the 1×1 convolution through its
    /// folded batch-norm, the linear layer), everything else is the same; converted, both spike alike;
    /// event-driven equals the dense reference.
    @Test func conversionFoldsTheWindowSizeIntoTheNextWeights() throws {
        let sumANN = try Network(spec: Self.spec(sum: true), inputShape: [1, 8, 8], seed: 5)
        let avgANN = try Network(spec: Self.spec(sum: false), inputShape: [1, 8, 8], seed: 5)
        let (sumSNN, _) = try SpikingNetworkBuilder.build(from: sumANN)
        let (avgSNN, _) = try SpikingNetworkBuilder.build(from: avgANN)
        #expect(sumSNN.layers.map(\.name) == avgSNN.layers.map(\.name))
        let scaled = Set(["block1.conv1", "block1.shortcut", "conv2", "fc1"])
        for (s, a) in zip(sumSNN.synapses, avgSNN.synapses) {
            let aWeights = a.connectivity == .identity && a.weights.isEmpty ? [Float](repeating: 1, count: a.inputShape.channels) : a.weights
            let factor: Float = scaled.contains(s.name) ? 4 : 1
            #expect(s.weights == aWeights.map { $0 * factor }, "\(s.name)")
            #expect(s.bias == a.bias, "\(s.name): biases are not inputs and keep their values")
        }
        #expect(Set(sumSNN.synapses.map(\.name)).isSuperset(of: scaled))

        // The networks differ by a factor 4 per sum pool ahead of each layer (ReLU, the untrained
        // batch-norm and the bias-free layers are homogeneous), so after data-based normalisation the
        // sum-pool SNN must spike exactly as the average-pool one, with outputs 4³ = 64 times larger —
        // which holds only if every factor went into the right weights.
        var generator = SeededGenerator(seed: 3)
        let images = Tensor(shape: [4, 1, 8, 8], scalars: (0..<256).map { _ in generator.nextUniform() })
        func converted(_ ann: Network) throws -> (network: SpikingNetwork, record: SimulationRecord) {
            let network = try ANNToSNNConverter.convert(ann, recipe: .dataNormalization(DataNormalization(percentile: 100)),
                                                        calibration: images).network
            return (network, try EventScheduler(network: network).run(
                images: images, options: SimulationOptions(timeSteps: 64, encoding: .direct, ordering: .immediate, checkpoints: [64])))
        }
        let (sumNetwork, sumRun) = try converted(sumANN)
        let (_, avgRun) = try converted(avgANN)
        #expect(sumRun.spikes == avgRun.spikes && sumRun.spikes.joined().reduce(0, +) > 0)
        let (sumOut, avgOut) = (try #require(sumRun.outputs[64]), try #require(avgRun.outputs[64]))
        let sumLogits = sumANN.forward(images, training: false).scalars, avgLogits = avgANN.forward(images, training: false).scalars
        for i in sumLogits.indices {
            #expect(abs(sumLogits[i] - 64 * avgLogits[i]) <= 1e-5 * abs(sumLogits[i]) + 1e-6, "ANN logit \(i)")
            #expect(abs(sumOut.scalars[i] - 64 * avgOut.scalars[i]) <= 1e-5 * abs(sumOut.scalars[i]) + 1e-6, "SNN output \(i)")
        }

        for ordering in [SpikeOrdering.immediate, .delayed] {
            try CurrentBasedNeuronTests.compare(sumNetwork, images: images, encoding: .direct, ordering: ordering, seed: 9,
                                                context: "sum pooling, \(ordering)")
        }
    }
}
