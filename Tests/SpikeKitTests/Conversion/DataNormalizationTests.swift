import Testing
@testable import SpikeKit

@Suite struct DataNormalizationTests {
    @Test func nearestRankPercentile() {
        let values = (1...100).map(Float.init)
        #expect(DataNormalization.percentile(values, 100) == 100)
        #expect(DataNormalization.percentile(values, 99) == 99)
        #expect(DataNormalization.percentile(values, 50) == 50)
        #expect(DataNormalization.percentile(values, 0.5) == 1)
        #expect(DataNormalization.percentile([], 99) == 0)
    }

    @Test func layerAndChannelScales() {
        // 2 samples × 2 channels × 3 positions.
        let acts: [Float] = [1, 2, 3, 10, 0, 0,
                             4, 0, 0, 0, 20, 5]
        let layer = DataNormalization(percentile: 100).scales(activations: acts, channels: 2, positions: 3)
        #expect(layer == [20])
        let channel = DataNormalization(percentile: 100, channelWise: true).scales(activations: acts, channels: 2, positions: 3)
        #expect(channel == [4, 20])
        let silent = DataNormalization(percentile: 100).scales(activations: [0, 0], channels: 1, positions: 2)
        #expect(silent == [1])
    }

    @Test func weightsScaledByRatioOfLambdas() {
        // fc1 (2→2) → IF → fc2 (2→1) output; λ1 = 4: W1 ← W1·1/4, W2 ← W2·4/1, θ = 1.
        let fc1 = Synapse.linear(name: "fc1", inputShape: .flat(2), outputs: 2, pytorchWeights: [1, 2, 3, 4])
        let fc2 = Synapse.linear(name: "fc2", inputShape: .flat(2), outputs: 1, pytorchWeights: [0.5, -1])
        let net = SpikingNetwork(inputShape: .flat(2), layers: [
            .synaptic(fc1, neurons: NeuronParameters(threshold: 7), inputDropout: 0),
            .synaptic(fc2, neurons: nil, inputDropout: 0),
        ])
        let normalized = DataNormalization().normalize(net, scales: [[4]])
        guard case .synaptic(let s1, let n1, _) = normalized.layers[0], case .synaptic(let s2, _, _) = normalized.layers[1] else {
            Issue.record("layers changed kind"); return
        }
        #expect(s1.pytorchWeights() == [0.25, 0.5, 0.75, 1])
        #expect(s2.pytorchWeights() == [2, -4])
        #expect(n1?.threshold == 1)
    }

    @Test func channelWiseConvolutionScaling() {
        let g = ConvolutionGeometry(inChannels: 2, outChannels: 2, inputHeight: 3, inputWidth: 3, kernelHeight: 1, kernelWidth: 1)
        let conv = Synapse.convolution(name: "c", geometry: g, pytorchWeights: [1, 1, 1, 1])   // [out][in]
        let scaled = conv.rescaled(inputScale: [2, 3], outputScale: [4, 8])
        // w(in → out) · in/out: out0: (2/4, 3/4), out1: (2/8, 3/8).
        #expect(scaled.pytorchWeights() == [0.5, 0.75, 0.25, 0.375])
        let identity = Synapse.identity(name: "id", shape: FeatureShape(height: 2, width: 2, channels: 2))
        // A rescaled identity stays one-to-one, with the ratio as one weight per channel.
        let scaledIdentity = identity.rescaled(inputScale: [2], outputScale: [4, 8])
        #expect(scaledIdentity.connectivity == .identity)
        #expect(scaledIdentity.weights == [0.5, 0.25])
        #expect(scaledIdentity.rescaled(inputScale: [2], outputScale: [1]).weights == [1, 0.5])
        #expect(identity.rescaled(inputScale: [3], outputScale: [3]).weights.isEmpty)
    }

    @Test func normalizedNetworkMatchesScaledThresholdsInSimulation() throws {
        // Weights W_l·λ_{l−1}/λ_l with θ = 1 must give exactly the spikes of θ_l = λ_l/λ_{l−1} with the
        // original weights (DESIGN §4) when the λ are powers of two (no rounding in either form), also
        // with a partly charged initial membrane (u⁰ = ρ·θ scales with θ).
        let input = FeatureShape(height: 6, width: 6, channels: 1)
        let net = RandomSpikingNetworks.convolutional(seed: 3, input: input, leak: 1, reset: .subtract, maxPool: false,
                                                      residual: false, projectionShortcut: false)
        let lambdas: [Float] = [2, 4]
        let withThresholds = net.mapNeurons { i, p in
            var q = p
            q.threshold = lambdas[i] / (i == 0 ? 1 : lambdas[i - 1])
            return q
        }
        let normalized = DataNormalization().normalize(net, scales: lambdas.map { [$0] })
        let images = RandomSpikingNetworks.images(2, input, seed: 3, lower: 0)
        let options = SimulationOptions(timeSteps: 12, encoding: .direct)
        let a = try EventScheduler(network: withThresholds).run(images: images, options: options)
        let b = try EventScheduler(network: normalized).run(images: images, options: options)
        #expect(a.spikes == b.spikes)
        #expect(a.spikes.dropLast().allSatisfy { $0.reduce(0, +) > 0 }, "every spiking layer fires: \(a.spikes)")
    }
}
