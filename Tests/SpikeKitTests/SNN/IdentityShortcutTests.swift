import Foundation
import Testing
@testable import SpikeKit

/// A residual block's identity shortcut stays a one-to-one connection when a recipe rescales it
/// (data-norm, low-latency): one synaptic operation per event, simulated identically by both
/// simulators, saved and loaded as one weight per channel, and left alone by STDB. (It used to become a
/// dense C×C 1×1 convolution, which multiplied the shortcut's operations by C and let STDB train the
/// zero off-diagonal.)
@Suite struct IdentityShortcutTests {
    static func rescaledResidualNetwork(seed: UInt64) -> SpikingNetwork {
        let input = FeatureShape(height: 8, width: 8, channels: 1)
        let net = RandomSpikingNetworks.convolutional(seed: seed, input: input, leak: 1, reset: .subtract, maxPool: false,
                                                      residual: true, projectionShortcut: false)
        // Per-channel current scales for every population, as data-norm would produce.
        let scales = net.populations.enumerated().map { p, population in
            (0..<population.shape.channels).map { c in Float(1 + (c + p) % 3) * 0.5 }
        }
        return net.rescaled(spikeValues: scales, currentScales: scales)
    }

    static func shortcut(_ net: SpikingNetwork) -> Synapse? {
        for case .residual(let block) in net.layers { return block.shortcut }
        return nil
    }

    @Test func rescaledShortcutStaysOneToOne() throws {
        for seed: UInt64 in [2, 4, 6] {
            let net = Self.rescaledResidualNetwork(seed: seed)
            let shortcut = try #require(Self.shortcut(net))
            #expect(shortcut.connectivity == .identity)
            #expect(shortcut.weights.count == shortcut.inputShape.channels)
            #expect(shortcut.weights.contains { $0 != 1 }, "the test network should rescale its shortcut")
            let input = net.inputShape
            let images = RandomSpikingNetworks.images(2, input, seed: seed, lower: 0)
            let options = SimulationOptions(timeSteps: 10, encoding: .direct, ordering: .immediate, seed: seed,
                                            checkpoints: [10], recordLastSpike: true, threads: 2)
            let event = try EventScheduler(network: net).run(images: images, options: options)
            let dense = try DenseReferenceSimulator(network: net).run(images: images, options: options)
            expectIdentical(event, dense, "rescaled identity shortcut, seed \(seed)")
            // One operation per input event: the shortcut's operations equal the spikes of the
            // population that feeds the block.
            let s = try #require(net.synapses.firstIndex { $0.name == shortcut.name })
            let feeding = try #require(event.populationNames.firstIndex(of: "conv2"))
            let ops = event.synapticOps[s].reduce(0, +)
            let spikes = event.spikes[feeding].reduce(0, +)
            #expect(ops == spikes, "shortcut ops \(ops) vs \(spikes) input spikes")
            #expect(spikes > 0, "nothing reached the shortcut: the test would prove nothing")
        }
    }

    @Test func rescaledShortcutSurvivesACheckpoint() throws {
        let net = Self.rescaledResidualNetwork(seed: 4)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("identity-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SpikingNetworkCheckpoint.save(net, to: url)
        let loaded = try SpikingNetworkCheckpoint.load(from: url)
        let a = try #require(Self.shortcut(net)), b = try #require(Self.shortcut(loaded.network))
        #expect(b.connectivity == .identity && b.weights == a.weights)
    }
}
