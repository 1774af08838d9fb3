import Testing
@testable import SpikeKit

/// The backward pass leaves out the input gradients of inputs fed only by neurons that never spiked
/// (their surrogate is zero at every step, so nothing reads them). These tests prove that exact: the
/// weight and bias gradients are the same bits with and without the shortcut, on networks where some
/// neurons are silent, with the input straight from a population and through average and max pooling.
@Suite struct STDBUnreadInputGradientTests {
    enum Feed: String, CaseIterable, CustomStringConvertible {
        case population, averagePool, maxPool
        var description: String { rawValue }
    }

    /// conv (bias) → IF → [pool] → flatten → linear → IF → linear (output).
    static func network(feed: Feed, seed: UInt64) -> SpikingNetwork {
        var g = SeededGenerator(seed: seed)
        let input = FeatureShape(height: 6, width: 6, channels: 2)
        let geometry = ConvolutionGeometry(inChannels: 2, outChannels: 4, inputHeight: 6, inputWidth: 6,
                                           kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let conv = Synapse.convolution(name: "conv", geometry: geometry,
                                       pytorchWeights: STDBTestSupport.weights(4 * 2 * 9, fanIn: 18, gain: 2.5, &g),
                                       bias: (0..<4).map { _ in 0.05 * g.nextNormal() })
        var layers: [SpikingLayer] = [.synaptic(conv, neurons: STDBTestSupport.neurons(&g, leak: 1, reset: .subtract),
                                                inputDropout: 0)]
        var shape = conv.outputShape
        switch feed {
        case .population: break
        case .averagePool: layers.append(.averagePool(name: "pool", input: shape, kernel: 2, stride: 2))
        case .maxPool: layers.append(.maxPool(name: "pool", input: shape, kernel: 2, stride: 2))
        }
        shape = layers.last!.outputShape
        layers.append(.flatten(name: "flatten", input: shape))
        let hidden = Synapse.linear(name: "fc1", inputShape: shape, outputs: 7,
                                    pytorchWeights: STDBTestSupport.weights(7 * shape.count, fanIn: shape.count, gain: 2.5, &g))
        layers.append(.synaptic(hidden, neurons: STDBTestSupport.neurons(&g, leak: 1, reset: .subtract), inputDropout: 0))
        let output = Synapse.linear(name: "fc2", inputShape: .flat(7), outputs: 3,
                                    pytorchWeights: STDBTestSupport.weights(21, fanIn: 7, gain: 1.5, &g))
        layers.append(.synaptic(output, neurons: nil, inputDropout: 0))
        return SpikingNetwork(inputShape: input, layers: layers)
    }

    /// (synapse, element) of the first value that differs, or nil when every bit agrees.
    static func firstDifference(_ a: [[Float]], _ b: [[Float]]) -> [Int]? {
        for s in a.indices {
            if let i = a[s].indices.first(where: { a[s][$0].bitPattern != b[s][$0].bitPattern }) { return [s, i] }
        }
        return a.count == b.count ? nil : [a.count]
    }

    @Test(arguments: Feed.allCases, [InputEncoding.direct, .poisson])
    func weightGradientsAreTheSameBits(feed: Feed, encoding: InputEncoding) throws {
        let network = Self.network(feed: feed, seed: 41)
        let images = STDBTestSupport.images(6, network.inputShape, seed: 5)
        let labels: [Int32] = [0, 1, 2, 0, 1, 2]
        var settings = STDBSettings(timeSteps: 12, batchSize: 6, encoding: encoding, gradientChunks: 2, threads: 2)
        let skipping = try STDBTestSupport.evaluate(network, settings: settings, images: images, labels: labels)
        settings.skipsUnreadInputGradients = false
        let full = try STDBTestSupport.evaluate(network, settings: settings, images: images, labels: labels)
        #expect(Self.firstDifference(skipping.weights, full.weights) == nil, "weight gradients differ")
        #expect(Self.firstDifference(skipping.bias, full.bias) == nil, "bias gradients differ")
        #expect(skipping.weights.contains { $0.contains { $0 != 0 } }, "no gradient at all: the test proves nothing")
        // Some convolution neurons must stay silent in some sample, or nothing was left out.
        let silent = skipping.spikes.contains { sample in
            let trains = sample[0]
            let fired = Set(trains.flatMap { $0 })
            return fired.count < network.synapses[0].outputShape.count
        }
        #expect(silent, "every neuron spiked in every sample: nothing was left out")
    }
}
