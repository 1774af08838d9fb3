import Foundation

/// Writes a mapped network in SANA-FE's formats (`sanafe` 2.x, Boyle et al. 2025), so its
/// simulator runs exactly what SpikeKit priced: `arch.yaml` (the chip: mesh, tiles, cores, the
/// per-event energy and latency of `HardwareDescription`), `network.yaml` (neuron groups, edges and
/// the core of every neuron, from `HardwareMapping`) and `inputs.json` (per exported image, the
/// constant current of the direct-input layer, set as the neurons' `bias`).
///
/// Translation: every population is a group of `leaky_integrate_fire` neurons (SANA-FE's
/// Loihi-style compartment: u ← λ·u + bias + input; spike when u > θ; soft or hard reset), the
/// output accumulator a group whose threshold is never reached. Dense projections are `dense`
/// edges (weights in [source][target] order, SpikeKit's own linear layout); convolutions (with
/// their padding, and any average pool folded in as weights w/k²) are `sparse` edges listing every
/// (source, target) pair — SANA-FE's `conv2d` has no padding. Target groups of convolutions use the
/// architecture's convolution synapse unit, the rest the dense one. SANA-FE rounds membranes to
/// 1/64 each step, so each population's weights, bias and threshold are multiplied by one factor
/// 2^16/θ (threshold 65,536): the same spikes, at a resolution finer than the float engine needs.
/// Direct input needs no input group (its current is the bias); Poisson input is not exported.
public enum SANAFEExport {
    public static let architectureFile = "arch.yaml"
    public static let networkFile = "network.yaml"
    public static let inputsFile = "inputs.json"

    /// The architecture YAML of `hardware`.
    public static func architectureYAML(_ hardware: HardwareDescription, chips: Int) -> String {
        let e = hardware.energy, l = hardware.latency
        func pj(_ v: Double) -> String { String(format: "%.6g", v * 1e-12) }
        func ns(_ v: Double) -> String { String(format: "%.6g", v * 1e-9) }
        let tiles = hardware.meshWidth * hardware.meshHeight * max(chips, 1)
        let sync = hardware.stepBarrierSeconds.map { "\($0.minimumTiles): \(String(format: "%.6g", $0.seconds))" }
            .joined(separator: ", ")
        return """
        # Written by SpikeKit from the '\(hardware.name)' hardware description.
        # Sources: \(hardware.source)
        architecture:
          name: \(hardware.name)_chip
          attributes:
            topology: mesh
            width: \(hardware.meshWidth * max(chips, 1))
            height: \(hardware.meshHeight)
            link_buffer_size: \(hardware.linkBufferMessages ?? 1_000_000)
            sync_model: table
            latency_sync: { \(sync.isEmpty ? "1: 0.0" : sync) }
          tile:
            - name: tile[0..\(tiles - 1)]
              attributes:
                energy_north_hop: \(pj(e.hopNorthSouth))
                latency_north_hop: \(ns(l.hopNorthSouth))
                energy_east_hop: \(pj(e.hopEastWest))
                latency_east_hop: \(ns(l.hopEastWest))
                energy_south_hop: \(pj(e.hopNorthSouth))
                latency_south_hop: \(ns(l.hopNorthSouth))
                energy_west_hop: \(pj(e.hopEastWest))
                latency_west_hop: \(ns(l.hopEastWest))
              core:
                - name: core[0..\(hardware.coresPerTile - 1)]
                  attributes:
                    buffer_position: soma
                    buffer_inside_unit: false
                    max_neurons_supported: \(hardware.core.neurons ?? 1_048_576)
                  axon_in:
                    - name: axon_in
                      attributes:
                        energy_message_in: \(pj(e.messageIn))
                        latency_message_in: \(ns(l.messageIn))
                  soma:
                    - name: lif
                      attributes:
                        model: leaky_integrate_fire
                        energy_access_neuron: \(pj(e.neuronAccess))
                        latency_access_neuron: \(ns(l.neuronAccess))
                        energy_update_neuron: \(pj(e.neuronUpdate))
                        latency_update_neuron: \(ns(l.neuronUpdate))
                        energy_spike_out: \(pj(e.spikeOut))
                        latency_spike_out: \(ns(l.spikeOut))
                  dendrite:
                    - name: dendrites
                      attributes:
                        model: accumulator
                        energy_update: 0.0
                        latency_update: 0.0
                  synapse:
                    - name: dense_synapse
                      attributes:
                        model: current_based
                        energy_process_spike: \(pj(e.synapticEventDense))
                        latency_process_spike: \(ns(l.synapticEventDense))
                    - name: conv_synapse
                      attributes:
                        model: current_based
                        energy_process_spike: \(pj(e.synapticEventConvolution))
                        latency_process_spike: \(ns(l.synapticEventConvolution))
                  axon_out:
                    - name: axon_out
                      attributes:
                        energy_message_out: \(pj(e.messageOut))
                        latency_message_out: \(ns(l.messageOut))

        """
    }

    /// SANA-FE group names are identifiers: SpikeKit's layer names with anything else replaced by `_`.
    public static func groupName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
    }

    /// The per-population factor that puts its threshold at 2^16.
    static func factors(_ network: SpikingNetwork) -> [Double] {
        network.populationNeurons.map { neurons in neurons.map { 65_536 / Double($0.threshold) } ?? 1 }
    }

    /// The network YAML: groups, edges and mapping.
    public static func networkYAML(mapping: HardwareMapping, network: SpikingNetwork) throws -> String {
        let graph = mapping.graph
        let neurons = network.populationNeurons
        let factor = factors(network)
        var out = "# Written by SpikeKit: the network as mapped onto '\(mapping.hardware.name)' (\(mapping.cores.count) cores).\n"
        out += "network:\n  name: spikekit\n  groups:\n"
        for (p, population) in graph.populations.enumerated() {
            let convolutionTarget = graph.onChipProjections(into: p).contains { graph.projections[$0].isConvolution }
            var attributes = ["soma_hw_name: lif", "synapse_hw_name: \(convolutionTarget ? "conv_synapse" : "dense_synapse")",
                              "log_spikes: true"]
            if let n = neurons[p] {
                attributes += ["threshold: \(fmt(65_536))", "reset_mode: \(n.reset == .subtract ? "soft" : "hard")",
                               "reset: 0.0", "leak_decay: \(fmt(Double(n.leak)))"]
            } else {
                attributes += ["threshold: 1.0e+30", "reset_mode: none"]
            }
            out += "    - name: \(groupName(population.name))\n      attributes: [\(attributes.joined(separator: ", "))]\n"
            var initial = ""
            if let n = neurons[p], n.initialMembrane > 0 {
                initial = "potential: \(fmt(Double(n.initialPotential) * factor[p]))"
            }
            out += "      neurons:\n        - 0..\(population.shape.count - 1): [\(initial)]\n"
        }
        out += "  edges:\n"
        for projection in graph.projections where !projection.isOffChipCurrent {
            guard let source = projection.source else {
                throw SpikeKitError.model(layer: projection.synapse.name, reason: "Poisson input is not exported to SANA-FE; use direct encoding")
            }
            let s = projection.synapse
            let f = factor[projection.target]
            let from = groupName(graph.populations[source].name), to = groupName(graph.populations[projection.target].name)
            let sourceCount = graph.populations[source].shape.count
            if case .linear = s.connectivity, projection.pools.isEmpty {
                out += "    - \(from) -> \(to): [type: dense, weight: ["
                out += s.weights.map { fmt(Double($0) * f) }.joined(separator: ", ")
                out += "]]\n"
                continue
            }
            // Every (source neuron, target) pair with its weight, pooling folded in.
            var pairs: [String] = [], weights: [String] = []
            let poolScale = 1 / Double(projection.poolingFactor)
            for neuron in 0..<sourceCount {
                for input in projection.synapseInputs(ofSource: neuron) {
                    s.forEachTarget(ofInput: input) { target, weight in
                        pairs.append("[\(neuron), \(target)]")
                        weights.append(fmt(Double(weight) * poolScale * f))
                    }
                }
            }
            out += "    - \(from) -> \(to): [type: sparse, source_target_pairs: [\(pairs.joined(separator: ", "))], "
            out += "weight: [\(weights.joined(separator: ", "))]]\n"
        }
        out += "mappings:\n"
        for core in mapping.cores {
            let name = groupName(graph.populations[core.population].name)
            let globalTile = globalTileIndex(core, hardware: mapping.hardware, chips: mapping.chips)
            out += "  - \(name).\(core.neurons.lowerBound)..\(core.neurons.upperBound - 1): [core: \(globalTile).\(core.slot)]\n"
        }
        return out
    }

    /// The tile index SANA-FE gives core `core`'s tile on a mesh `chips` chips wide.
    static func globalTileIndex(_ core: HardwareMapping.Core, hardware: HardwareDescription, chips: Int) -> Int {
        // SANA-FE's mesh (arch.cpp): x = id / height, y = id % height, so id = x · height + y.
        let x = core.chip * hardware.meshWidth + core.x
        return x * hardware.meshHeight + core.y
    }

    static func fmt(_ v: Double) -> String { String(format: "%.9g", v) }

    /// Writes the three files into `directory` for the first images of `images` (direct input).
    public static func write(mapping: HardwareMapping, network: SpikingNetwork, images: Tensor, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(architectureYAML(mapping.hardware, chips: mapping.chips),
                             to: directory.appendingPathComponent(architectureFile))
        try AtomicFile.write(try networkYAML(mapping: mapping, network: network), to: directory.appendingPathComponent(networkFile))
        // Direct-input currents per image, scaled like their population.
        guard let first = mapping.graph.projections.first(where: \.isOffChipCurrent) else { return }
        let factor = factors(network)[first.target]
        var currents: [[Double]] = []
        for n in 0..<(images.shape.first ?? 0) {
            let current = InputEncoder.directCurrent(imageHWC: InputEncoder.imageHWC(images, sample: n), synapse: first.synapse)
            currents.append(current.map { Double($0) * factor })
        }
        let json: [String: Any] = ["group": groupName(mapping.graph.populations[first.target].name), "bias": currents]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: json), to: directory.appendingPathComponent(inputsFile))
    }
}
