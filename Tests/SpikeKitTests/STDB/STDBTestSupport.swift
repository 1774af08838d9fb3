import Testing
@testable import SpikeKit

/// Tiny networks, images and helpers shared by the STDB tests.
enum STDBTestSupport {
    static func weights(_ count: Int, fanIn: Int, gain: Float, _ g: inout SeededGenerator) -> [Float] {
        RandomSpikingNetworks.weights(count, fanIn: fanIn, gain: gain, &g)
    }

    /// A random threshold; about half the layers also start from a partly charged membrane.
    static func neurons(_ g: inout SeededGenerator, leak: Float, reset: ResetMode) -> NeuronParameters {
        let u = g.nextUniform()
        return NeuronParameters(threshold: 0.4 + 0.6 * u, leak: leak, reset: reset, initialMembrane: u > 0.5 ? u - 0.5 : 0)
    }

    /// flatten → linear (bias, input dropout) → IF → linear (dropout) → IF → linear (bias, output).
    static func mlp(seed: UInt64, input: FeatureShape, leak: Float, reset: ResetMode, dropout: Float) -> SpikingNetwork {
        var g = SeededGenerator(seed: seed)
        let h1 = 5, h2 = 4, classes = 3
        let l1 = Synapse.linear(name: "fc1", inputShape: input, outputs: h1,
                                pytorchWeights: weights(h1 * input.count, fanIn: input.count, gain: 2.5, &g),
                                bias: (0..<h1).map { _ in 0.1 * g.nextNormal() })
        let l2 = Synapse.linear(name: "fc2", inputShape: .flat(h1), outputs: h2,
                                pytorchWeights: weights(h2 * h1, fanIn: h1, gain: 2.5, &g))
        let l3 = Synapse.linear(name: "fc3", inputShape: .flat(h2), outputs: classes,
                                pytorchWeights: weights(classes * h2, fanIn: h2, gain: 1.5, &g),
                                bias: (0..<classes).map { _ in 0.1 * g.nextNormal() })
        return SpikingNetwork(inputShape: input, layers: [
            .flatten(name: "flatten", input: input),
            .synaptic(l1, neurons: neurons(&g, leak: leak, reset: reset), inputDropout: dropout),
            .synaptic(l2, neurons: neurons(&g, leak: leak, reset: reset), inputDropout: dropout),
            .synaptic(l3, neurons: nil, inputDropout: 0),
        ])
    }

    enum ConvolutionKind: CaseIterable { case averagePool, maxPool, residualIdentity, residualProjection, grouped, paddedPools }

    /// conv (bias) → IF → [avg pool | max pool | residual block | depthwise conv → IF] → conv → IF →
    /// flatten → linear (output). `grouped`: conv1 and conv2 in 2 channel groups, around a depthwise
    /// 3×3 convolution (one group per channel). `paddedPools`: average pool 3×3 stride 1 padding 1,
    /// then max pool 3×3 stride 1 padding 1.
    static func convolutional(seed: UInt64, input: FeatureShape, kind: ConvolutionKind, leak: Float,
                              reset: ResetMode) -> SpikingNetwork {
        var g = SeededGenerator(seed: seed &+ 500)
        let grouped = kind == .grouped
        let c1 = grouped ? 4 : 3, c2 = 2, groups = grouped ? 2 : 1
        let g1 = ConvolutionGeometry(inChannels: input.channels, outChannels: c1, inputHeight: input.height,
                                     inputWidth: input.width, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1,
                                     groups: groups)
        let fanIn1 = g1.inChannelsPerGroup * 9
        let conv1 = Synapse.convolution(name: "conv1", geometry: g1,
                                        pytorchWeights: weights(c1 * fanIn1, fanIn: fanIn1, gain: 3, &g),
                                        bias: (0..<c1).map { _ in 0.05 * g.nextNormal() })
        var layers: [SpikingLayer] = [.synaptic(conv1, neurons: neurons(&g, leak: leak, reset: reset), inputDropout: 0)]
        var shape = conv1.outputShape
        switch kind {
        case .averagePool:
            layers.append(.averagePool(name: "pool", input: shape, kernel: 2, stride: 1))
        case .maxPool:
            layers.append(.maxPool(name: "pool", input: shape, kernel: 2, stride: 2))
        case .residualIdentity, .residualProjection:
            let projection = kind == .residualProjection
            layers.append(.residual(RandomSpikingNetworks.residualBlock(
                input: shape, outChannels: projection ? c1 + 1 : c1, projection: projection, stride: projection ? 2 : 1,
                neurons: { neurons(&$0, leak: leak, reset: reset) }, &g)))
        case .paddedPools:
            layers.append(.averagePool(name: "pool", input: shape, kernel: 3, stride: 1, padding: 1))
            layers.append(.maxPool(name: "pool2", input: layers.last!.outputShape, kernel: 3, stride: 1, padding: 1))
        case .grouped:
            let gd = ConvolutionGeometry(inChannels: c1, outChannels: c1, inputHeight: shape.height, inputWidth: shape.width,
                                         kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1, groups: c1)
            let depthwise = Synapse.convolution(name: "depthwise", geometry: gd, pytorchWeights: weights(c1 * 9, fanIn: 9, gain: 3, &g),
                                                bias: (0..<c1).map { _ in 0.05 * g.nextNormal() })
            layers.append(.synaptic(depthwise, neurons: neurons(&g, leak: leak, reset: reset), inputDropout: 0))
        }
        shape = layers.last!.outputShape
        let g2 = ConvolutionGeometry(inChannels: shape.channels, outChannels: c2, inputHeight: shape.height,
                                     inputWidth: shape.width, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1,
                                     groups: groups)
        let fanIn2 = g2.inChannelsPerGroup * 9
        let conv2 = Synapse.convolution(name: "conv2", geometry: g2,
                                        pytorchWeights: weights(c2 * fanIn2, fanIn: fanIn2, gain: 3, &g))
        layers.append(.synaptic(conv2, neurons: neurons(&g, leak: leak, reset: reset), inputDropout: 0))
        shape = conv2.outputShape
        layers.append(.flatten(name: "flatten", input: shape))
        let fc = Synapse.linear(name: "fc", inputShape: shape, outputs: 3,
                                pytorchWeights: weights(3 * shape.count, fanIn: shape.count, gain: 1.5, &g))
        layers.append(.synaptic(fc, neurons: nil, inputDropout: 0.2))
        return SpikingNetwork(inputShape: input, layers: layers)
    }

    /// Random images `[n, c, h, w]` with values in [lower, 1].
    static func images(_ n: Int, _ shape: FeatureShape, seed: UInt64, lower: Float = -1) -> Tensor {
        var g = SeededGenerator(seed: seed &+ 77)
        return Tensor(shape: [n, shape.channels, shape.height, shape.width],
                      scalars: (0..<(n * shape.count)).map { _ in lower + (1 - lower) * g.nextUniform() })
    }

    /// The network with synapse `s`'s weight `i` (or bias element, when `bias`) changed by `delta`.
    static func perturbed(_ network: SpikingNetwork, synapse s: Int, element i: Int, bias: Bool, by delta: Float) -> SpikingNetwork {
        var synapses = network.synapses
        if bias { synapses[s].bias?[i] += delta } else { synapses[s].weights[i] += delta }
        return network.replacingSynapses(synapses)
    }

    /// Loss and gradients of a batch with no optimizer step (the loss summed over samples, gradients
    /// of that sum), plus every sample's hard spike trains.
    static func evaluate(_ network: SpikingNetwork, settings: STDBSettings, images: Tensor, labels: [Int32],
                         epoch: Int = 0, training: Bool = true, seed: UInt64 = 3) throws
        -> (loss: Double, weights: [[Float]], bias: [[Float]], spikes: [[[[Int32]]]]) {
        let session = try STDBSession(network: network, settings: settings, seed: seed)
        let indices = Array(0..<labels.count).map { $0 + 10 }
        let g = session.gradients(images: images, labels: labels, indices: indices, epoch: epoch, training: training, scale: 1)
        // Spike trains of every sample, from a separate forward pass with the same streams.
        let workspace = STDBWorkspace(model: session.model)
        var spikes: [[[[Int32]]]] = []
        for n in 0..<labels.count {
            let streams = STDBWorkspace.SampleStreams(encoderSeed: session.encoderSeed(epoch: epoch), sampleIndex: indices[n],
                                                      dropout: training ? (seed, epoch) : nil)
            workspace.forward(session.model, image: InputEncoder.imageHWC(images, sample: n), streams: streams)
            spikes.append(session.model.plan.populationShapes.indices.map { workspace.spikeTrains($0, model: session.model) })
        }
        return (g.loss, g.weights, g.bias, spikes)
    }
}

/// Checks |observed − expected| ≤ absolute + relative·max(|observed|, |expected|) and prints both
/// values and the error against the tolerance on failure.
func expectClose(_ observed: Double, _ expected: Double, relative: Double, absolute: Double, _ context: @autoclosure () -> String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let error = abs(observed - expected)
    let tolerance = absolute + relative * max(abs(observed), abs(expected))
    #expect(error <= tolerance,
            "\(context()): observed \(observed), expected \(expected), error \(error) > tolerance \(tolerance)",
            sourceLocation: sourceLocation)
}
