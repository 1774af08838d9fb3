import Foundation
import Testing
@testable import SpikeKit

/// NIR export and import: SpikeKit → NIR → SpikeKit is lossless (same weights, same spikes at every
/// step), graphs the `nir` package wrote import as documented, and unsupported graphs are refused
/// by node name.
@Suite struct NIRTests {
    typealias R = RandomSpikingNetworks

    static func networks() -> [(String, SpikingNetwork)] {
        let image = FeatureShape(height: 9, width: 8, channels: 2)
        return [
            ("mlp, leak, zero reset", R.mlp(seed: 5, inputs: FeatureShape(height: 3, width: 4, channels: 2), leak: 0.9, reset: .zero, bias: true)),
            ("conv, average pool, IF", R.convolutional(seed: 3, input: image, leak: 1, reset: .subtract, maxPool: false,
                                                      residual: false, projectionShortcut: false)),
            ("conv with bias, LIF", R.convolutional(seed: 6, input: image, leak: 0.85, reset: .subtract, maxPool: false,
                                                   residual: false, projectionShortcut: false, bias: true)),
        ]
    }

    /// Export, write, read, import: a network with the same layers that simulates the same spikes.
    @Test(arguments: [false, true])
    func roundTripIsLossless(sumPool: Bool) throws {
        for (label, network) in Self.networks() {
            let (graph, _) = try NIRExport(sumPoolWithScale: sumPool).export(network, context: .init(encoding: .direct, ordering: .immediate))
            let bytes = try HDF5Writer(compressionLevel: 4).encode(graph.encode())
            let read = try NIRGraph.decode(try HDF5Reader.parse(bytes, path: "rt.nir"), path: "rt.nir")
            #expect(read == graph, "\(label)")
            let (back, _) = try NIRImport().network(from: read, path: "rt.nir")
            #expect(back.layers.map(\.name) == network.layers.map(\.name), "\(label)")
            #expect(back.populationNeurons == network.populationNeurons, "\(label)")
            #expect(back.synapses.map { $0.pytorchWeights() } == network.synapses.map { $0.pytorchWeights() }, "\(label)")
            #expect(back.synapses.map(\.bias) == network.synapses.map(\.bias), "\(label)")
            let images = R.images(3, network.inputShape, seed: 11)
            for ordering in [SpikeOrdering.immediate, .delayed] {
                let options = SimulationOptions(timeSteps: 12, encoding: .direct, ordering: ordering, threads: 1,
                                                captureEventsForSamples: 3)
                let a = try EventScheduler(network: network).run(images: images, options: options)
                let b = try EventScheduler(network: back).run(images: images, options: options)
                #expect(a.spikes == b.spikes && a.outputs == b.outputs, "\(label), \(ordering)")
                #expect(a.events?.count == b.events?.count && a.events?.count ?? 0 > 0, "\(label)")
            }
        }
    }

    @Test func exportWarnsWhereNIRCannotSay() throws {
        let network = R.convolutional(seed: 3, input: FeatureShape(height: 9, width: 8, channels: 2), leak: 1, reset: .subtract,
                                      maxPool: false, residual: false, projectionShortcut: false)
        let (graph, warnings) = try NIRExport().export(network, context: .init(encoding: .poisson, ordering: .delayed))
        #expect(graph.nodeMetadata["conv1_if"]?["spikekit_reset"] == .string("subtract"))
        #expect(graph.metadata["spikekit_ordering"] == .string("delayed"))
        #expect(warnings.contains { $0.hasPrefix("'conv1_if': SpikeKit resets by subtraction") })
        #expect(warnings.contains { $0.contains("delayed ordering") })
        #expect(warnings.contains { $0.contains("Poisson input") })
        #expect(graph.edges.first == NIREdge("input", "conv1"))
        #expect(graph.nodes["pool1"] == .avgPool2d(kernel: [3, 3], stride: [2, 2], padding: [0, 0]))

        let maxPooled = R.convolutional(seed: 3, input: FeatureShape(height: 9, width: 8, channels: 2), leak: 1, reset: .subtract,
                                        maxPool: true, residual: false, projectionShortcut: false)
        let error = try #require(throws: SpikeKitError.self) { try NIRExport().export(maxPooled) }
        #expect(error.description.hasPrefix("layer 'pool1': max pooling of spikes (gating) has no NIR node"))
    }

    /// The conv net with IF neurons and sum pooling that `Scripts/make_nir_fixtures.py` wrote with the nir package.
    @Test func importsNIRPackageConvNet() throws {
        let url = HDF5ReaderTests.fixtures.appendingPathComponent("nir-conv-if-sumpool.nir")
        let graph = try NIRGraph.read(contentsOf: url)
        let (network, notes) = try NIRImport().network(from: graph, path: url.path)
        #expect(network.inputShape == FeatureShape(height: 6, width: 6, channels: 1))
        #expect(network.layers.map(\.name) == ["conv", "pool", "flat", "fc", "output"])
        #expect(network.populationNeurons == [NeuronParameters(threshold: 1, leak: 1, reset: .zero),
                                              NeuronParameters(threshold: 1, leak: 1, reset: .zero), nil])
        #expect(notes.contains { $0.contains("identity output layer 'output'") })
        // Sum pooling: the average pool's 1/4 comes back as ×4 in the next weights.
        let fc = try #require(graph.nodes["fc"])
        guard case .linear(let w) = fc else { Issue.record("fc is not Linear"); return }
        #expect(network.synapses[1].pytorchWeights() == w.values.map { Float($0) * 4 })
    }

    @Test func refusesUnsupportedGraphsByName() throws {
        let url = HDF5ReaderTests.fixtures.appendingPathComponent("nir-affine-lif-cuba.nir")
        let graph = try NIRGraph.read(contentsOf: url)
        let error = try #require(throws: SpikeKitError.self) { try NIRImport().network(from: graph, path: "g.nir") }
        #expect(error.description == "checkpoint g.nir: NIR node 'cuba': CubaLIF neurons are not yet supported by SpikeKit (only IF, LIF and Threshold)")

        var delay = graph
        delay.nodes["cuba"] = .other(type: "Delay")
        let unknown = try #require(throws: SpikeKitError.self) { try NIRImport().network(from: delay, path: "g.nir") }
        #expect(unknown.description.hasPrefix("checkpoint g.nir: NIR node 'cuba': type 'Delay' is not supported (supported: Input, Output,"))

        var branching = graph
        branching.edges.append(NIREdge("affine", "output"))
        let branch = try #require(throws: SpikeKitError.self) { try NIRImport().network(from: branching, path: "g.nir") }
        #expect(branch.description == "checkpoint g.nir: NIR node 'affine': it feeds 2 nodes (lif, output); only chains are supported")

        // Without the CubaLIF: Affine → LIF (τ = 0.02 s, dt = 10⁻⁴ s) → Scale → Output.
        var lif = graph
        lif.nodes["cuba"] = nil
        lif.edges = [NIREdge("input", "affine"), NIREdge("affine", "lif"), NIREdge("lif", "scale"), NIREdge("scale", "output")]
        let (network, _) = try NIRImport().network(from: lif, path: "g.nir")
        #expect(network.populationNeurons.first??.leak == Float(1 - 1e-4 / 0.02))
        #expect(network.populationNeurons.first??.threshold == 0.5)
        // The input gain r·dt/τ = 1·10⁻⁴/0.02 is folded into the affine weights.
        #expect(abs(network.synapses[0].pytorchWeights()[0] - 0.5 * 0.005) < 1e-9)
        // The Scale of 2 becomes the identity output layer's weights.
        #expect(network.synapses[1].pytorchWeights() == [2, 0, 0, 2])
    }
}

/// A graph written by another tool, simulated by that tool and by SpikeKit: the conv net with IF
/// neurons and sum pooling (`nir-conv-if-sumpool.nir`, written by the nir package) run in Norse by
/// `Scripts/nir_compare.py`, whose inputs and spikes are in `norse-conv-if-sumpool.json`.
@Suite struct NIRNorseTests {
    struct NorseRun: Decodable {
        var timeSteps: Int
        var inputs: [[Float]]
        /// Population → sample → step → the population's spikes (0/1) in channels-first order.
        var spikes: [String: [[[Int]]]]
    }

    @Test func matchesNorseSpikeForSpike() throws {
        let fixtures = HDF5ReaderTests.fixtures
        let run = try JSONDecoder().decode(NorseRun.self, from: Data(contentsOf: fixtures.appendingPathComponent("norse-conv-if-sumpool.json")))
        let graph = try NIRGraph.read(contentsOf: fixtures.appendingPathComponent("nir-conv-if-sumpool.nir"))
        let (network, _) = try NIRImport().network(from: graph, path: "nir-conv-if-sumpool.nir")
        let samples = run.inputs.count
        let images = Tensor(shape: [samples, 1, 6, 6], scalars: run.inputs.flatMap { $0 })
        let options = SimulationOptions(timeSteps: run.timeSteps, encoding: .direct, ordering: .immediate, threads: 1,
                                        captureEventsForSamples: samples)
        let record = try EventScheduler(network: network).run(images: images, options: options)
        // SpikeKit's events as (sample, step, population, channels-first neuron index).
        var ours = Set<[Int]>()
        let shapes = network.populations.map(\.shape)
        for e in record.events ?? [] where e.population >= 0 {
            let s = shapes[Int(e.population)]
            let hwc = Int(e.neuron), c = hwc % s.channels, position = hwc / s.channels
            ours.insert([Int(e.sample), Int(e.step), Int(e.population), c * s.positions + position])
        }
        var theirs = Set<[Int]>()
        for (population, name) in [(0, "if1"), (1, "if2")] {
            let perSample = try #require(run.spikes[name])
            for (n, steps) in perSample.enumerated() {
                for (t, spikes) in steps.enumerated() {
                    for (i, z) in spikes.enumerated() where z != 0 { theirs.insert([n, t, population, i]) }
                }
            }
        }
        #expect(theirs.count > 50, "the Norse run has too few spikes to test anything")
        #expect(ours == theirs)
    }
}
