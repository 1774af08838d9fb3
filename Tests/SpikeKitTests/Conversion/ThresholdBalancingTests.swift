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
