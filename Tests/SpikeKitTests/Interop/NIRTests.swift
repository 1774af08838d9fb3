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
            ("grouped and depthwise conv, LIF", R.grouped(seed: 3, input: image, leak: 0.9, reset: .subtract, bias: true)),
        ]
    }

    /// The same networks with current-based LIF neurons (NIR's CubaLIF): with and without a membrane
    /// leak, and α_i = 0, where the exported τ_syn is dt.
    static func currentBasedNetworks() -> [(String, SpikingNetwork)] {
        zip(networks() + [networks()[0]], [Float(0.6), 0.3, 0.85, 0]).map { entry, decay in
            (entry.0 + ", cuba-lif α_i = \(decay)", BenchmarkNetworks.withNeurons(entry.1, model: .currentBasedLIF, currentDecay: decay))
        }
    }

    /// Networks with a residual block: identity, per-channel scaled identity (as data-norm leaves it)
    /// and projection shortcuts, IF, LIF and cuba-lif neurons.
    static func residualNetworks() -> [(String, SpikingNetwork)] {
        let image = FeatureShape(height: 9, width: 8, channels: 2)
        let identity = R.convolutional(seed: 4, input: image, leak: 1, reset: .subtract, maxPool: false, residual: true,
                                       projectionShortcut: false)
        let scaled = SpikingNetwork(inputShape: identity.inputShape, layers: identity.layers.map { layer in
            guard case .residual(var block) = layer else { return layer }
            let shape = block.shortcut.inputShape
            block.shortcut = Synapse.identity(name: block.shortcut.name, shape: shape,
                                              channelScale: (0..<shape.channels).map { 0.5 + Float($0) / 8 })
            return .residual(block)
        })
        return [
            ("residual, identity shortcut, IF", identity),
            ("residual, scaled identity shortcut, IF", scaled),
            ("residual, projection shortcut with bias, LIF", R.convolutional(seed: 7, input: image, leak: 0.9, reset: .zero, maxPool: false,
                                                                             residual: true, projectionShortcut: true, bias: true)),
            ("residual, identity shortcut, cuba-lif", BenchmarkNetworks.withNeurons(identity, model: .currentBasedLIF, currentDecay: 0.4)),
        ]
    }

    /// Export, write, read, import: a network with the same layers that simulates the same spikes.
    @Test(arguments: [false, true])
    func roundTripIsLossless(sumPool: Bool) throws {
        for (label, network) in Self.networks() + Self.currentBasedNetworks() + Self.residualNetworks() {
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

    /// A cuba-lif population becomes CubaLIF with per-step gains 1 (snnTorch's `Synaptic` export
    /// convention), and its synaptic current changes what it simulates (so the round trip tests it).
    @Test func exportsCurrentBasedLIF() throws {
        let (_, network) = Self.currentBasedNetworks()[1]  // IF membrane (λ = 1), α_i = 0.3
        let (graph, warnings) = try NIRExport().export(network, context: .init(encoding: .direct, ordering: .immediate))
        guard case .currentBasedLIF(let tauSyn, let tauMem, let r, let vLeak, let vThreshold, let vReset, let wIn)? = graph.nodes["conv1_cubalif"] else {
            Issue.record("conv1_cubalif is not a CubaLIF node: \(graph.nodes.keys.sorted())"); return
        }
        let dt = 1e-4, theta = try #require(network.populationNeurons[0]).threshold
        #expect(tauSyn.uniformValue == dt / (1 - Double(Float(0.3))))
        #expect(wIn.uniformValue == tauSyn.uniformValue.map { $0 / dt })
        // No membrane leak: τ_mem = 2³⁰·dt and r = 2³⁰, so r·dt/τ_mem = 1 and 1 − dt/τ_mem is 1 in 32 bits.
        #expect(tauMem.uniformValue == dt * 1_073_741_824 && r.uniformValue == 1_073_741_824)
        #expect(Float(1 - dt / tauMem.values[0]) == 1)
        #expect(vLeak.uniformValue == 0 && vReset.uniformValue == 0 && vThreshold.uniformValue == Double(theta))
        #expect(graph.nodeMetadata["conv1_cubalif"]?["spikekit_current_decay"] == .number(Double(Float(0.3))))
        #expect(graph.nodeMetadata["conv1_cubalif"]?["spikekit_leak"] == .number(1))
        #expect(warnings.contains { $0.hasPrefix("'conv1_cubalif': SpikeKit resets by subtraction") })

        let images = R.images(3, network.inputShape, seed: 11)
        let options = SimulationOptions(timeSteps: 12, encoding: .direct, ordering: .immediate, threads: 1)
        let cuba = try EventScheduler(network: network).run(images: images, options: options)
        let plain = try EventScheduler(network: Self.networks()[1].1).run(images: images, options: options)
        #expect(cuba.spikes != plain.spikes)
    }

    /// A residual block is two branches from the block's input that NIR sums at the second population.
    @Test func exportsResidualBlocksAsBranches() throws {
        let all = Self.residualNetworks()
        let (identity, _) = try NIRExport().export(all[0].1)
        #expect(Set(identity.edges.filter { $0.target == "block_if" }) == [NIREdge("block_conv2", "block_if"), NIREdge("conv2_if", "block_if")])
        #expect(Set(identity.edges.filter { $0.source == "conv2_if" }) == [NIREdge("conv2_if", "block_conv1"), NIREdge("conv2_if", "block_if")])
        #expect(identity.nodeMetadata["block_if"]?["spikekit_block"] == .string("block"))
        let (scaled, _) = try NIRExport().export(all[1].1)
        guard case .scale(let s)? = scaled.nodes["block_shortcut"] else { Issue.record("no Scale on the scaled shortcut"); return }
        #expect(s.shape.count == 3 && s.values.first == 0.5)
        #expect(scaled.edges.contains(NIREdge("block_shortcut", "block_if")))
        let (projection, _) = try NIRExport().export(all[2].1)
        guard case .conv2d(let w, _, let stride, _, _, _, _)? = projection.nodes["block_shortcut"] else { Issue.record("no Conv2d shortcut"); return }
        #expect(w.shape[2...] == [1, 1] && stride == [2, 2])
        #expect(projection.edges.contains(NIREdge("block_shortcut", "block_lif")))
        // A residual sum is only taken at a population.
        var wrong = identity
        wrong.nodes["block_if"] = .scale(.filled(1, shape: [17, 3, 3]))
        let error = try #require(throws: SpikeKitError.self) { try NIRImport().network(from: wrong, path: "r.nir") }
        #expect(error.description == "checkpoint r.nir: NIR node 'conv2_if': it feeds 2 nodes (block_conv1, block_if); only chains "
                + "and residual blocks (two branches that join at a population) are supported")
    }

    /// The conv net with CubaLIF neurons that `Scripts/make_nir_fixtures.py` wrote with the nir package
    /// (dt = 10⁻⁴ s): the parameters worked out by hand in the script.
    @Test func importsNIRPackageCubaLIF() throws {
        let url = HDF5ReaderTests.fixtures.appendingPathComponent("nir-conv-cubalif.nir")
        let graph = try NIRGraph.read(contentsOf: url)
        let (network, notes) = try NIRImport().network(from: graph, path: url.path)
        #expect(network.inputShape == FeatureShape(height: 5, width: 5, channels: 1))
        #expect(network.layers.map(\.name) == ["conv", "flat", "fc", "output"])
        let cuba1 = try #require(network.populationNeurons[0]), cuba2 = try #require(network.populationNeurons[1])
        #expect(cuba1.model == .currentBasedLIF && cuba1.reset == .zero && cuba1.threshold == 4 && cuba1.initialMembrane == 0)
        #expect(abs(cuba1.currentDecay - 0.5) < 1e-6 && abs(cuba1.leak - 0.9) < 1e-6)
        #expect(cuba2.model == .currentBasedLIF && cuba2.currentDecay == 0 && abs(cuba2.leak - 0.8) < 1e-6 && cuba2.threshold == 0.5)
        // The gain (w_in·dt/τ_syn)·(r·dt/τ_mem) is 1.5 in channel 0 and 3 in channel 1, folded into the
        // convolution's weights; cuba2's gain is 1, so fc keeps its weights and bias.
        guard case .conv2d(let convW, _, _, _, _, _, _)? = graph.nodes["conv"], case .affine(let fcW, let fcB)? = graph.nodes["fc"] else {
            Issue.record("unexpected conv / fc nodes"); return
        }
        let folded = network.synapses[0].pytorchWeights()
        for (k, w) in convW.values.enumerated() {
            #expect(abs(Double(folded[k]) - w * (k < 9 ? 1.5 : 3)) < 1e-6 * max(1, abs(w)), "conv weight \(k)")
        }
        #expect(network.synapses[1].pytorchWeights() == fcW.values.map { Float($0) })
        #expect(network.synapses[1].bias == fcB.values.map { Float($0) })
        #expect(notes.contains { $0.hasPrefix("'cuba1': the input gain w_in·r·dt²/(τ_syn·τ_mem) = 1.5") })
    }

    /// CubaLIF nodes SpikeKit cannot simulate are refused with the node and the parameter.
    @Test func refusesCubaLIFItCannotSimulate() throws {
        let graph = try NIRGraph.read(contentsOf: HDF5ReaderTests.fixtures.appendingPathComponent("nir-conv-cubalif.nir"))
        guard case .currentBasedLIF(let tauSyn, let tauMem, let r, let vLeak, let vThreshold, let vReset, let wIn)? = graph.nodes["cuba2"] else {
            Issue.record("cuba2 is not CubaLIF"); return
        }
        func refusal(_ node: NIRNode) throws -> String {
            var g = graph
            g.nodes["cuba2"] = node
            return try #require(throws: SpikeKitError.self) { try NIRImport().network(from: g, path: "c.nir") }.description
        }
        let short = NIRArray.filled(5e-5, shape: tauSyn.shape)
        #expect(try refusal(.currentBasedLIF(tauSyn: short, tauMem: tauMem, r: r, vLeak: vLeak, vThreshold: vThreshold, vReset: vReset, wIn: wIn))
                == "checkpoint c.nir: NIR node 'cuba2': tau_syn = 5e-05 s with dt = 0.0001 s gives the current decay 1 − dt/τ_syn = -1.0, "
                + "outside [0, 1) (τ_syn must be at least dt); is the time step right?")
        let mixed = NIRArray(shape: [3], values: [5e-4, 5e-4, 1e-3])
        #expect(try refusal(.currentBasedLIF(tauSyn: tauSyn, tauMem: mixed, r: r, vLeak: vLeak, vThreshold: vThreshold, vReset: vReset, wIn: wIn))
                == "checkpoint c.nir: NIR node 'cuba2': tau_mem must be one positive value for the population (SpikeKit has one leak per layer)")
        #expect(try refusal(.currentBasedLIF(tauSyn: tauSyn, tauMem: tauMem, r: r, vLeak: .filled(0.1, shape: [3]), vThreshold: vThreshold,
                                             vReset: vReset, wIn: wIn))
                == "checkpoint c.nir: NIR node 'cuba2': v_leak must be 0 (SpikeKit leaks towards 0)")
        #expect(try refusal(.currentBasedLIF(tauSyn: tauSyn, tauMem: tauMem, r: r, vLeak: vLeak, vThreshold: vThreshold,
                                             vReset: .filled(0.2, shape: [3]), wIn: wIn))
                == "checkpoint c.nir: NIR node 'cuba2': v_reset must be 0 (reset to zero); other reset potentials are not supported "
                + "(a network simulated with reset by subtraction, as Sinabs and snnTorch do, imports with model.nirReset \"subtract\")")
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
        // The CubaLIF follows a Scale, not a synapse.
        #expect(error.description == "checkpoint g.nir: NIR node 'cuba': neurons must follow a synapse (Conv2d, Linear or Affine)")

        var delay = graph
        delay.nodes["cuba"] = .other(type: "Delay")
        let unknown = try #require(throws: SpikeKitError.self) { try NIRImport().network(from: delay, path: "g.nir") }
        #expect(unknown.description.hasPrefix("checkpoint g.nir: NIR node 'cuba': type 'Delay' is not supported (supported: Input, Output,"))

        var branching = graph
        branching.edges.append(NIREdge("affine", "output"))
        let branch = try #require(throws: SpikeKitError.self) { try NIRImport().network(from: branching, path: "g.nir") }
        #expect(branch.description == "checkpoint g.nir: NIR node 'affine': it feeds 2 nodes (lif, output); only chains and residual "
                + "blocks (two branches that join at a population) are supported")

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

/// Graphs written by another tool, simulated by that tool and by SpikeKit: the conv net with IF
/// neurons and sum pooling (`nir-conv-if-sumpool.nir`), the conv net with CubaLIF neurons
/// (`nir-conv-cubalif.nir`) and a residual block (`nir-residual-if.nir`), written by the nir package
/// and run in Norse (and snnTorch) by `Scripts/nir_compare.py`, whose inputs and spikes are in the
/// `norse-*.json` and `snntorch-*.json` files.
@Suite struct NIRNorseTests {
    struct NorseRun: Decodable {
        var timeSteps: Int
        var inputs: [[Float]]
        /// Population → sample → step → the population's spikes (0/1) in channels-first order.
        var spikes: [String: [[[Int]]]]
    }

    /// Each simulator's spikes as (sample, step, population, channels-first neuron index).
    func spikes(graph graphFile: String, norse: String, populations: [String], importer: NIRImport = NIRImport(),
                changing change: (inout NIRGraph) -> Void = { _ in }) throws -> (ours: Set<[Int]>, theirs: Set<[Int]>) {
        let fixtures = HDF5ReaderTests.fixtures
        let run = try JSONDecoder().decode(NorseRun.self, from: Data(contentsOf: fixtures.appendingPathComponent(norse)))
        var graph = try NIRGraph.read(contentsOf: fixtures.appendingPathComponent(graphFile))
        change(&graph)
        let (network, _) = try importer.network(from: graph, path: graphFile)
        let samples = run.inputs.count
        let input = network.inputShape
        let images = Tensor(shape: [samples, input.channels, input.height, input.width], scalars: run.inputs.flatMap { $0 })
        let options = SimulationOptions(timeSteps: run.timeSteps, encoding: .direct, ordering: .immediate, threads: 1,
                                        captureEventsForSamples: samples)
        let record = try EventScheduler(network: network).run(images: images, options: options)
        var ours = Set<[Int]>()
        let shapes = network.populations.map(\.shape)
        for e in record.events ?? [] where e.population >= 0 {
            let s = shapes[Int(e.population)]
            let hwc = Int(e.neuron), c = hwc % s.channels, position = hwc / s.channels
            ours.insert([Int(e.sample), Int(e.step), Int(e.population), c * s.positions + position])
        }
        var theirs = Set<[Int]>()
        for (population, name) in populations.enumerated() {
            let perSample = try #require(run.spikes[name])
            for (n, steps) in perSample.enumerated() {
                for (t, spikes) in steps.enumerated() {
                    for (i, z) in spikes.enumerated() where z != 0 { theirs.insert([n, t, population, i]) }
                }
            }
        }
        return (ours, theirs)
    }

    /// The two spike sets are equal; on failure, the first five spikes only one side has.
    func expectSameSpikes(_ ours: Set<[Int]>, _ theirs: Set<[Int]>, tool: String,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        let onlyOurs = ours.subtracting(theirs).sorted { $0.lexicographicallyPrecedes($1) }.prefix(5)
        let onlyTheirs = theirs.subtracting(ours).sorted { $0.lexicographicallyPrecedes($1) }.prefix(5)
        let difference = "\(ours.count) SpikeKit spikes, \(theirs.count) \(tool) spikes; only SpikeKit: \(Array(onlyOurs)), "
            + "only \(tool): \(Array(onlyTheirs)) (sample, step, population, neuron)"
        #expect(onlyOurs.isEmpty && onlyTheirs.isEmpty, "\(difference)", sourceLocation: sourceLocation)
    }

    @Test func matchesNorseSpikeForSpike() throws {
        let (ours, theirs) = try spikes(graph: "nir-conv-if-sumpool.nir", norse: "norse-conv-if-sumpool.json", populations: ["if1", "if2"])
        #expect(theirs.count > 50, "the Norse run has too few spikes to test anything")
        #expect(ours == theirs)
    }

    /// A conv net exported by Sinabs itself (`sinabs.to_nir`: Conv2d with padding and bias → IAF →
    /// SumPool2d → Conv2d → IAF → Linear → IAF) and simulated by Sinabs with its subtracting reset and
    /// one spike per step (`Scripts/sinabs_fixture.py`). NIR's IF node cannot say "subtract", so the
    /// graph alone imports with reset to zero and differs; `model.nirReset: "subtract"` matches.
    @Test func matchesSinabsSpikeForSpike() throws {
        let populations = ["iaf1", "iaf2", "iaf3"]
        let (ours, theirs) = try spikes(graph: "sinabs-conv-iaf-sumpool.nir", norse: "sinabs-conv-iaf-sumpool.json",
                                        populations: populations, importer: NIRImport(reset: .subtract))
        for p in populations.indices {
            #expect(theirs.filter { $0[2] == p }.count > 50, "the Sinabs run has too few spikes in \(populations[p]) to test anything")
        }
        expectSameSpikes(ours, theirs, tool: "Sinabs")
        let (asGraphSays, _) = try spikes(graph: "sinabs-conv-iaf-sumpool.nir", norse: "sinabs-conv-iaf-sumpool.json",
                                          populations: populations)
        #expect(asGraphSays != theirs, "reset to zero should not reproduce Sinabs's subtracting reset")
    }

    /// Thresholds that differ between neurons (per channel after the convolution, per neuron after the
    /// linear layer), with each neuron's incoming weights scaled by its θ: the same network as the one
    /// Norse ran. The ratios are powers of two, so the folded import is exact and the spikes identical.
    @Test func foldsPerNeuronThresholds() throws {
        let channelThresholds: [Double] = [1, 0.5, 2, 1], neuronThresholds: [Double] = [1, 2, 4]
        let perNeuron: (inout NIRGraph) -> Void = { graph in
            guard case .conv2d(let w, let b, let stride, let padding, let dilation, let groups, let shape)? = graph.nodes["conv"],
                  case .linear(let fc)? = graph.nodes["fc"],
                  case .integrateAndFire(let r1, let v1, let reset1)? = graph.nodes["if1"],
                  case .integrateAndFire(let r2, _, let reset2)? = graph.nodes["if2"] else { return }
            let perChannel = w.values.count / channelThresholds.count, positions = v1.values.count / channelThresholds.count
            graph.nodes["conv"] = .conv2d(weight: NIRArray(shape: w.shape, values: w.values.indices.map { w.values[$0] * channelThresholds[$0 / perChannel] }),
                                          bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups, inputShape: shape)
            graph.nodes["if1"] = .integrateAndFire(r: r1, vThreshold: NIRArray(shape: v1.shape, values: v1.values.indices.map {
                channelThresholds[$0 / positions]
            }), vReset: reset1)
            let inputs = fc.values.count / neuronThresholds.count
            graph.nodes["fc"] = .linear(weight: NIRArray(shape: fc.shape, values: fc.values.indices.map { fc.values[$0] * neuronThresholds[$0 / inputs] }))
            graph.nodes["if2"] = .integrateAndFire(r: r2, vThreshold: NIRArray(shape: [3], values: neuronThresholds), vReset: reset2)
        }
        let (ours, theirs) = try spikes(graph: "nir-conv-if-sumpool.nir", norse: "norse-conv-if-sumpool.json",
                                        populations: ["if1", "if2"], changing: perNeuron)
        #expect(theirs.count > 50)
        expectSameSpikes(ours, theirs, tool: "Norse")

        var graph = try NIRGraph.read(contentsOf: HDF5ReaderTests.fixtures.appendingPathComponent("nir-conv-if-sumpool.nir"))
        perNeuron(&graph)
        let (network, notes) = try NIRImport().network(from: graph, path: "g.nir")
        #expect(network.populationNeurons.map { $0?.threshold } == [2, 4, nil])
        #expect(notes.contains("'if2': v_threshold differs between neurons (1.0 to 4.0); each neuron's input is scaled by 4.0/θ_i in 'fc' and the population fires at θ = 4.0"))

        // A threshold that differs between positions of one channel cannot be folded into shared weights.
        guard case .integrateAndFire(let r1, let v1, let reset1)? = graph.nodes["if1"] else { Issue.record("if1 is not IF"); return }
        var varying = v1.values
        varying[1] = 3
        graph.nodes["if1"] = .integrateAndFire(r: r1, vThreshold: NIRArray(shape: v1.shape, values: varying), vReset: reset1)
        let error = try #require(throws: SpikeKitError.self) { try NIRImport().network(from: graph, path: "g.nir") }
        #expect(error.description == "checkpoint g.nir: NIR node 'if1': v_threshold differs between positions of channel 0; after a "
                + "convolution, whose weights are shared over positions, it may differ by channel only")
    }

    /// Norse runs CubaLIF as w_in·S → LIBoxCell (τ_syn) → ·r → LIFBoxCell (τ_mem), with dt = 10⁻⁴ s.
    @Test func matchesNorseCubaLIF() throws {
        let (ours, theirs) = try spikes(graph: "nir-conv-cubalif.nir", norse: "norse-conv-cubalif.json", populations: ["cuba1", "cuba2"])
        #expect(theirs.count > 50 && theirs.contains { $0[2] == 1 }, "the Norse run has too few spikes to test anything")
        expectSameSpikes(ours, theirs, tool: "Norse")
    }

    /// snnTorch 1.0.0 runs CubaLIF as `Synaptic` (α = 1 − dt/τ_syn, β = 1 − dt/τ_mem, the threshold divided
    /// by the gain w_in·dt/τ_syn) and only with r = τ_mem/dt, so `Scripts/nir_compare.py` ran the CubaLIF conv
    /// net with cuba1's r set to 10 in both channels; the same change here.
    @Test func matchesSnnTorchCubaLIF() throws {
        let (ours, theirs) = try spikes(graph: "nir-conv-cubalif.nir", norse: "snntorch-conv-cubalif-r10.json",
                                        populations: ["cuba1", "cuba2"]) { graph in
            guard case .currentBasedLIF(let tauSyn, let tauMem, let r, let vLeak, let vThreshold, let vReset, let wIn)? = graph.nodes["cuba1"] else { return }
            graph.nodes["cuba1"] = .currentBasedLIF(tauSyn: tauSyn, tauMem: tauMem, r: .filled(10, shape: r.shape), vLeak: vLeak,
                                                    vThreshold: vThreshold, vReset: vReset, wIn: wIn)
        }
        #expect(theirs.count > 50 && theirs.contains { $0[2] == 1 }, "the snnTorch run has too few spikes to test anything")
        expectSameSpikes(ours, theirs, tool: "snnTorch")
    }

    /// A residual block written by the nir package (if0 feeds conv_a → if_a → conv_b and, as the identity
    /// shortcut, if_b directly), run in Norse, whose graph module sums the two inputs of if_b.
    @Test func matchesNorseResidual() throws {
        let graph = try NIRGraph.read(contentsOf: HDF5ReaderTests.fixtures.appendingPathComponent("nir-residual-if.nir"))
        let (network, _) = try NIRImport().network(from: graph, path: "nir-residual-if.nir")
        #expect(network.layers.map(\.name) == ["conv", "if_b", "flat", "fc", "output"])
        guard case .residual(let block) = network.layers[1] else { Issue.record("no residual block"); return }
        #expect(block.conv1.name == "conv_a" && block.conv2.name == "conv_b" && block.shortcut.connectivity == .identity)
        let (ours, theirs) = try spikes(graph: "nir-residual-if.nir", norse: "norse-residual-if.json",
                                        populations: ["if0", "if_a", "if_b", "if_out"])
        #expect(theirs.count > 50 && theirs.contains { $0[2] == 2 }, "the Norse run has too few spikes to test anything")
        expectSameSpikes(ours, theirs, tool: "Norse")
    }
}
