import Testing
@testable import SpikeKit

@Suite struct ThresholdBalancingTests {
    /// fc1 (2→2) → IF → fc2 (2→2) → IF → fc3 (2→1) output, direct input x = (1, 0.5) as a 1×1×2 image.
    static func handSizedNetwork() -> SpikingNetwork {
        let input = FeatureShape.flat(2)
        let fc1 = Synapse.linear(name: "fc1", inputShape: input, outputs: 2, pytorchWeights: [1, 2, 0.5, -1])
        let fc2 = Synapse.linear(name: "fc2", inputShape: .flat(2), outputs: 2, pytorchWeights: [1.5, 3, -1, 0.25])
        let fc3 = Synapse.linear(name: "fc3", inputShape: .flat(2), outputs: 1, pytorchWeights: [1, 1])
        let placeholder = NeuronParameters(threshold: 1)
        return SpikingNetwork(inputShape: input, layers: [
            .synaptic(fc1, neurons: placeholder, inputDropout: 0),
            .synaptic(fc2, neurons: placeholder, inputDropout: 0),
            .synaptic(fc3, neurons: nil, inputDropout: 0),
        ])
    }

    @Test(arguments: SpikeOrdering.allCases)
    func handComputedThresholds(ordering: SpikeOrdering) throws {
        // Layer 1 current: W1·x = (1·1 + 2·0.5, 0.5·1 − 1·0.5) = (2, 0)  →  max 2.
        // With θ1 = 2 neuron 0 (current 2 each step) spikes from step 1 (immediate) or 2 (delayed)
        // on; neuron 1 never. Layer 2 current when neuron 0 spikes: (1.5, −1)  →  max 1.5.
        let images = Tensor(shape: [1, 2, 1, 1], scalars: [1, 0.5])
        let balancing = ThresholdBalancing(timeSteps: 10, scale: 0.7, encoding: .direct, ordering: ordering)
        let (balanced, maxima) = try balancing.balance(network: Self.handSizedNetwork(), calibration: images)
        #expect(maxima == [2, 1.5])
        let thresholds = balanced.populations.indices.dropLast().map { index -> Float in
            var found: Float = 0
            _ = balanced.mapNeurons { i, p in if i == index { found = p.threshold }; return p }
            return found
        }
        #expect(thresholds == [2 * 0.7, 1.5 * 0.7])
    }

    @Test(arguments: SpikeOrdering.allCases)
    func biasesAreDividedByTheThresholdsBeforeThem(ordering: SpikeOrdering) throws {
        // The hand-sized network with biases b1 = (0.5, 0), b2 = (1, 0), b3 = (0.3).
        // Layer 1 current: W1·x + b1 = (2.5, 0) → θ1 = 2.5. A layer-1 spike stands for 2.5 of
        // activation, so b2 is counted in those units: b2/2.5 = (0.4, 0); layer 2 current when
        // neuron 0 spikes: (1.5 + 0.4, −1) → θ2 = 1.9. The output's bias: 0.3/(2.5·1.9).
        var network = Self.handSizedNetwork()
        let biases: [[Float]] = [[0.5, 0], [1, 0], [0.3]]
        for (i, bias) in biases.enumerated() {
            if case .synaptic(var s, let neurons, let dropout) = network.layers[i] {
                s.bias = bias
                network.layers[i] = .synaptic(s, neurons: neurons, inputDropout: dropout)
            }
        }
        let images = Tensor(shape: [1, 2, 1, 1], scalars: [1, 0.5])
        let balancing = ThresholdBalancing(timeSteps: 10, scale: 0.5, encoding: .direct, ordering: ordering)
        let (balanced, maxima) = try balancing.balance(network: network, calibration: images)
        #expect(maxima.count == 2 && abs(maxima[0] - 2.5) < 1e-6 && abs(maxima[1] - 1.9) < 1e-6, "\(maxima)")
        let converted = balanced.layers.compactMap { layer -> [Float]? in
            if case .synaptic(let s, _, _) = layer { return s.bias }
            return nil
        }
        // After scaling, spikes stand for θ·0.5 of activation: 1.25, then 1.25·0.95.
        #expect(converted[0] == [0.5, 0])
        #expect(abs(converted[1][0] - 1 / 1.25) < 1e-6 && converted[1][1] == 0)
        #expect(abs(converted[2][0] - 0.3 / (1.25 * 0.95)) < 1e-6)
    }

    @Test func silentLayerIsRefusedWithItsName() throws {
        let images = Tensor(shape: [1, 2, 1, 1], scalars: [-1, 0])   // fc1 current (−1, −0.5): never positive
        let balancing = ThresholdBalancing(timeSteps: 5, encoding: .direct)
        #expect {
            try balancing.balance(network: Self.handSizedNetwork(), calibration: images)
        } throws: { error in
            "\(error)".contains("fc1")
        }
    }
}
