import Testing
@testable import SpikeKit

/// Current-based LIF neurons (`NeuronModel.currentBasedLIF`): i^t = α_i·i^{t−1} + I^t,
/// v^t = λ·u^{t−1} + i^t. Checked by hand on one neuron, against the dense reference on random networks
/// (every layer kind, both orderings, both resets, both encodings, 20 seeds) and across 1, 2 and 4
/// threads, whether the threads take whole samples or share one.
@Suite struct CurrentBasedNeuronTests {
    static let seeds: [UInt64] = Array(1...20)

    /// The network with every population current-based, α_i drawn from the seed in [0.2, 0.8].
    static func currentBased(_ network: SpikingNetwork, seed: UInt64) -> SpikingNetwork {
        let decay = 0.2 + 0.6 * Float(seed % 7) / 6
        return network.mapNeurons { _, p in
            var q = p
            q.model = .currentBasedLIF
            q.currentDecay = decay
            return q
        }
    }

    @Test func oneNeuronByHand() {
        // θ = 1, λ = 0.5, α_i = 0.5, soft reset, immediate ordering; input 1 at step 0 only.
        // i: 1, 0.5, 0.25, 0.125; v = λ·u + i: 1 (≤ θ), 1.0 → u 1.0; step 2: 0.5 + 0.25 ... by the equations:
        let p = NeuronParameters(threshold: 0.9, leak: 0.5, reset: .subtract, model: .currentBasedLIF, currentDecay: 0.5)
        let dynamics = NeuronDynamics(neurons: p, ordering: .immediate)
        var u: Float = 0, i: Float = 0
        var fired: [Bool] = [], membranes: [Float] = [], currents: [Float] = []
        for input: Float in [1, 0, 0, 0] {
            let (v, fires) = dynamics.update(previous: u, input: input, synaptic: &i)
            u = v
            fired.append(fires); membranes.append(u); currents.append(i)
        }
        // Step 0: i = 1, v = 1 > 0.9 → spike, u = 0.1. Step 1: i = 0.5, v = 0.05 + 0.5 = 0.55.
        // Step 2: i = 0.25, v = 0.275 + 0.25 = 0.525. Step 3: i = 0.125, v = 0.2625 + 0.125 = 0.3875.
        #expect(currents == [1, 0.5, 0.25, 0.125])
        #expect(fired == [true, false, false, false])
        let expected: [Float] = [1 - 0.9, 0.5 * (1 - 0.9) + 0.5, 0.5 * (0.5 * (1 - 0.9) + 0.5) + 0.25,
                                 0.5 * (0.5 * (0.5 * (1 - 0.9) + 0.5) + 0.25) + 0.125]
        #expect(membranes == expected, "membranes \(membranes), expected \(expected)")
        // With α_i = 0 the model is IF/LIF, bit for bit.
        let lif = NeuronDynamics(neurons: NeuronParameters(threshold: 0.9, leak: 0.5), ordering: .delayed)
        let zeroDecay = NeuronDynamics(neurons: NeuronParameters(threshold: 0.9, leak: 0.5, model: .currentBasedLIF),
                                       ordering: .delayed)
        var a: Float = 0.3, b: Float = 0.3, none: Float = 0, synaptic: Float = 0
        for input: Float in [0.7, -0.2, 1.3, 0.1, 0] {
            a = lif.update(previous: a, input: input, synaptic: &none).membrane
            b = zeroDecay.update(previous: b, input: input, synaptic: &synaptic).membrane
            #expect(a.bitPattern == b.bitPattern)
        }
    }

    /// The synaptic current changes what the network does (so the comparisons above exercise it).
    @Test func synapticCurrentChangesTheSpikes() throws {
        let input = FeatureShape(height: 3, width: 4, channels: 2)
        let plain = RandomSpikingNetworks.mlp(seed: 3, inputs: input, leak: 1, reset: .subtract)
        let images = RandomSpikingNetworks.images(3, input, seed: 3, lower: 0)
        let options = SimulationOptions(timeSteps: 12, encoding: .direct, ordering: .immediate, seed: 3, threads: 1)
        let a = try EventScheduler(network: plain).run(images: images, options: options)
        let b = try EventScheduler(network: Self.currentBased(plain, seed: 3)).run(images: images, options: options)
        #expect(a.spikes != b.spikes)
    }

    @Test(arguments: seeds)
    func mlpMatchesDenseReference(seed: UInt64) throws {
        let input = FeatureShape(height: 3, width: 4, channels: 2)
        for ordering in SpikeOrdering.allCases {
            for (leak, reset) in [(Float(1), ResetMode.subtract), (0.8, .zero)] {
                for encoding in InputEncoding.allCases {
                    let net = Self.currentBased(RandomSpikingNetworks.mlp(seed: seed, inputs: input, leak: leak, reset: reset,
                                                                          bias: seed % 5 == 0), seed: seed)
                    let images = RandomSpikingNetworks.images(3, input, seed: seed, lower: encoding == .poisson ? -1 : 0)
                    try Self.compare(net, images: images, encoding: encoding, ordering: ordering, seed: seed,
                                     context: "cuba mlp seed \(seed) \(ordering) λ=\(leak) \(reset) \(encoding)")
                }
            }
        }
    }

    @Test(arguments: seeds)
    func convolutionalMatchesDenseReference(seed: UInt64) throws {
        let input = FeatureShape(height: 9 + Int(seed % 3), width: 8, channels: 1 + Int(seed % 2))
        for ordering in SpikeOrdering.allCases {
            for encoding in InputEncoding.allCases {
                let net = Self.currentBased(RandomSpikingNetworks.convolutional(
                    seed: seed, input: input, leak: seed % 2 == 0 ? 1 : 0.85, reset: seed % 3 == 0 ? .zero : .subtract,
                    maxPool: seed % 4 == 3, residual: seed % 3 != 1, projectionShortcut: seed % 2 == 1, bias: seed % 7 == 0),
                    seed: seed)
                let images = RandomSpikingNetworks.images(2, input, seed: seed, lower: encoding == .poisson ? -1 : 0)
                try Self.compare(net, images: images, encoding: encoding, ordering: ordering, seed: seed,
                                 context: "cuba conv seed \(seed) \(ordering) \(encoding)")
            }
        }
    }

    /// Event-driven (with and without records, so the fused pooling paths run too) against the dense
    /// reference, on 1, 2 and 4 threads, and with the threads sharing each sample.
    static func compare(_ net: SpikingNetwork, images: Tensor, encoding: InputEncoding, ordering: SpikeOrdering,
                        seed: UInt64, context: String) throws {
        let recorded = SimulationOptions(timeSteps: 12, encoding: encoding, ordering: ordering, seed: seed,
                                         checkpoints: [1, 12], recordLastSpike: true, recordMaxInputCurrent: true, threads: 1)
        let dense = try DenseReferenceSimulator(network: net).run(images: images, options: recorded)
        #expect(dense.spikes.dropLast().joined().reduce(0, +) > 0, "no spikes at all (\(context)): the test would prove nothing")
        for threads in [1, 2, 4] {
            var options = recorded
            options.threads = threads
            expectIdentical(try EventScheduler(network: net).run(images: images, options: options), dense,
                            "\(context), \(threads) threads")
            var plain = SimulationOptions(timeSteps: 12, encoding: encoding, ordering: ordering, seed: seed,
                                          checkpoints: [1, 12], threads: threads)
            let fused = try EventScheduler(network: net).run(images: images, options: plain)
            #expect(fused.spikes == dense.spikes && fused.outputs[12]?.scalars == dense.outputs[12]?.scalars,
                    "\(context), \(threads) threads without records")
            // One image shared by the threads (every population split into bands).
            plain.minimumNeuronsPerBlock = 0
            let single = images.slice(0..<1)
            let shared = try EventScheduler(network: net).run(images: single, options: plain)
            let alone = try DenseReferenceSimulator(network: net).run(images: single, options: plain)
            #expect(shared.spikes == alone.spikes && shared.outputs[12]?.scalars == alone.outputs[12]?.scalars,
                    "\(context), one image shared by \(threads) threads")
        }
    }
}
