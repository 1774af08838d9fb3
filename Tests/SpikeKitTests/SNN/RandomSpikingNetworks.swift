@testable import SpikeKit

/// Builders of small random spiking networks for the simulator tests.
enum RandomSpikingNetworks {
    static func weights(_ count: Int, fanIn: Int, gain: Float, _ g: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in g.nextNormal(standardDeviation: gain / Float(fanIn).squareRoot()) }
    }

    /// A random threshold; about half the layers also start from a partly charged membrane (ρ in
    /// (0, 0.5)), the rest from an empty one.
    static func neurons(_ g: inout SeededGenerator, leak: Float, reset: ResetMode) -> NeuronParameters {
        let u = g.nextUniform()
        return NeuronParameters(threshold: 0.3 + 0.7 * u, leak: leak, reset: reset, initialMembrane: u > 0.5 ? u - 0.5 : 0)
    }

    /// Linear → IF → linear → IF → linear (output).
    static func mlp(seed: UInt64, inputs: FeatureShape, leak: Float, reset: ResetMode, bias: Bool = false) -> SpikingNetwork {
        var g = SeededGenerator(seed: seed)
        let h1 = 7 + Int(seed % 13), h2 = 17 + Int(seed % 5)
        let l1 = Synapse.linear(name: "fc1", inputShape: inputs, outputs: h1,
                                pytorchWeights: weights(h1 * inputs.count, fanIn: inputs.count, gain: 2, &g),
                                bias: bias ? (0..<h1).map { _ in 0.1 * g.nextNormal() } : nil)
        let l2 = Synapse.linear(name: "fc2", inputShape: .flat(h1), outputs: h2,
                                pytorchWeights: weights(h2 * h1, fanIn: h1, gain: 2, &g))
        let l3 = Synapse.linear(name: "fc3", inputShape: .flat(h2), outputs: 5,
                                pytorchWeights: weights(5 * h2, fanIn: h2, gain: 1, &g))
        return SpikingNetwork(inputShape: inputs, layers: [
            .flatten(name: "flatten", input: inputs),
            .synaptic(l1, neurons: neurons(&g, leak: leak, reset: reset), inputDropout: 0),
            .synaptic(l2, neurons: neurons(&g, leak: leak, reset: reset), inputDropout: 0),
            .synaptic(l3, neurons: nil, inputDropout: 0),
        ])
    }

    /// conv(pad, stride) → IF → pool → conv → IF → [residual block] → flatten → linear (output).
    static func convolutional(seed: UInt64, input: FeatureShape, leak: Float, reset: ResetMode, maxPool: Bool,
                              residual: Bool, projectionShortcut: Bool, bias: Bool = false) -> SpikingNetwork {
        var g = SeededGenerator(seed: seed &+ 1000)
        let c1 = 3 + Int(seed % 4), c2 = 16 + Int(seed % 3)
        let stride1 = seed % 3 == 0 ? 2 : 1
        let g1 = ConvolutionGeometry(inChannels: input.channels, outChannels: c1, inputHeight: input.height,
                                     inputWidth: input.width, kernelHeight: 3, kernelWidth: 3, stride: stride1, padding: 1)
        let conv1 = Synapse.convolution(name: "conv1", geometry: g1,
                                        pytorchWeights: weights(c1 * input.channels * 9, fanIn: input.channels * 9, gain: 2.5, &g),
                                        bias: bias ? (0..<c1).map { _ in 0.05 * g.nextNormal() } : nil)
        var layers: [SpikingLayer] = [.synaptic(conv1, neurons: neurons(&g, leak: leak, reset: reset), inputDropout: 0)]
        var shape = conv1.outputShape
        let poolKernel = seed % 2 == 0 ? 2 : 3, poolStride = seed % 4 == 1 ? 1 : 2
        layers.append(maxPool ? .maxPool(name: "pool1", input: shape, kernel: poolKernel, stride: poolStride)
                              : .averagePool(name: "pool1", input: shape, kernel: poolKernel, stride: poolStride))
        shape = layers.last!.outputShape
        let g2 = ConvolutionGeometry(inChannels: c1, outChannels: c2, inputHeight: shape.height, inputWidth: shape.width,
                                     kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let conv2 = Synapse.convolution(name: "conv2", geometry: g2,
                                        pytorchWeights: weights(c2 * c1 * 9, fanIn: c1 * 9, gain: 3, &g))
        layers.append(.synaptic(conv2, neurons: neurons(&g, leak: leak, reset: reset), inputDropout: 0))
        shape = conv2.outputShape
        if residual {
            let block = residualBlock(input: shape, outChannels: projectionShortcut ? c2 + 4 : c2,
                                      projection: projectionShortcut, stride: projectionShortcut ? 2 : 1,
                                      neurons: { neurons(&$0, leak: leak, reset: reset) }, &g)
            layers.append(.residual(block))
            shape = block.conv2.outputShape
        }
        layers.append(.flatten(name: "flatten", input: shape))
        let fc = Synapse.linear(name: "fc", inputShape: shape, outputs: 4,
                                pytorchWeights: weights(4 * shape.count, fanIn: shape.count, gain: 1, &g))
        layers.append(.synaptic(fc, neurons: nil, inputDropout: 0))
        return SpikingNetwork(inputShape: input, layers: layers)
    }

    /// Grouped convolutions and padded pooling: conv 3×3 in 2 groups (stride 1 or 2) → IF → average
    /// pool (padding 0 or 1) → depthwise 3×3 (one group per channel) → IF → [max pool 3×3, padding 1]
    /// → conv 1×1 or 3×3 in 4 groups → IF → flatten → linear (output). `input.channels` must be even.
    static func grouped(seed: UInt64, input: FeatureShape, leak: Float, reset: ResetMode, bias: Bool = false) -> SpikingNetwork {
        var g = SeededGenerator(seed: seed &+ 3000)
        var layers: [SpikingLayer] = []
        var shape = input
        func conv(_ name: String, out: Int, kernel: Int, stride: Int, groups: Int, gain: Float) {
            let geometry = ConvolutionGeometry(inChannels: shape.channels, outChannels: out, inputHeight: shape.height,
                                               inputWidth: shape.width, kernelHeight: kernel, kernelWidth: kernel,
                                               stride: stride, padding: kernel / 2, groups: groups)
            let fanIn = geometry.inChannelsPerGroup * kernel * kernel
            let synapse = Synapse.convolution(name: name, geometry: geometry,
                                              pytorchWeights: weights(out * fanIn, fanIn: fanIn, gain: gain, &g),
                                              bias: bias ? (0..<out).map { _ in 0.05 * g.nextNormal() } : nil)
            layers.append(.synaptic(synapse, neurons: neurons(&g, leak: leak, reset: reset), inputDropout: 0))
            shape = synapse.outputShape
        }
        conv("conv1", out: 8, kernel: 3, stride: seed % 3 == 0 ? 2 : 1, groups: 2, gain: 3)
        layers.append(.averagePool(name: "pool1", input: shape, kernel: 2, stride: seed % 4 == 1 ? 1 : 2, padding: Int(seed % 2)))
        shape = layers.last!.outputShape
        conv("depthwise", out: 8, kernel: 3, stride: 1, groups: 8, gain: 3)
        if seed % 3 == 1 {
            layers.append(.maxPool(name: "pool2", input: shape, kernel: 3, stride: 1 + Int(seed % 2), padding: 1))
            shape = layers.last!.outputShape
        }
        conv("conv2", out: 16 + 4 * Int(seed % 2), kernel: seed % 2 == 0 ? 1 : 3, stride: 1, groups: 4, gain: 3)
        layers.append(.flatten(name: "flatten", input: shape))
        let fc = Synapse.linear(name: "fc", inputShape: shape, outputs: 4,
                                pytorchWeights: weights(4 * shape.count, fanIn: shape.count, gain: 1, &g))
        layers.append(.synaptic(fc, neurons: nil, inputDropout: 0))
        return SpikingNetwork(inputShape: input, layers: layers)
    }

    /// A residual block on `input` with random weights: 3×3 conv1 (stride `stride`), 3×3 conv2, and an
    /// identity or 1×1 projection shortcut. Draws conv1, conv2, shortcut weights, then both neurons.
    static func residualBlock(input shape: FeatureShape, outChannels outC: Int, projection: Bool, stride: Int,
                              neurons: (inout SeededGenerator) -> NeuronParameters,
                              _ g: inout SeededGenerator) -> ResidualBlock {
        let c = shape.channels
        let gb1 = ConvolutionGeometry(inChannels: c, outChannels: outC, inputHeight: shape.height, inputWidth: shape.width,
                                      kernelHeight: 3, kernelWidth: 3, stride: stride, padding: 1)
        let b1 = Synapse.convolution(name: "block.conv1", geometry: gb1,
                                     pytorchWeights: weights(outC * c * 9, fanIn: c * 9, gain: 3, &g))
        let gb2 = ConvolutionGeometry(inChannels: outC, outChannels: outC, inputHeight: b1.outputShape.height,
                                      inputWidth: b1.outputShape.width, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let b2 = Synapse.convolution(name: "block.conv2", geometry: gb2,
                                     pytorchWeights: weights(outC * outC * 9, fanIn: outC * 9, gain: 3, &g))
        let shortcut: Synapse
        if projection {
            let gs = ConvolutionGeometry(inChannels: c, outChannels: outC, inputHeight: shape.height, inputWidth: shape.width,
                                         kernelHeight: 1, kernelWidth: 1, stride: stride, padding: 0)
            shortcut = Synapse.convolution(name: "block.shortcut", geometry: gs,
                                           pytorchWeights: weights(outC * c, fanIn: c, gain: 1.5, &g))
        } else {
            shortcut = Synapse.identity(name: "block.shortcut", shape: shape)
        }
        let neurons1 = neurons(&g), neurons2 = neurons(&g)
        return ResidualBlock(name: "block", conv1: b1, neurons1: neurons1, conv2: b2, shortcut: shortcut, neurons2: neurons2)
    }

    /// Random images `[n, c, h, w]` with values in [lower, 1].
    static func images(_ n: Int, _ shape: FeatureShape, seed: UInt64, lower: Float = -1) -> Tensor {
        var g = SeededGenerator(seed: seed &+ 77)
        let count = n * shape.count
        return Tensor(shape: [n, shape.channels, shape.height, shape.width],
                      scalars: (0..<count).map { _ in lower + (1 - lower) * g.nextUniform() })
    }
}
