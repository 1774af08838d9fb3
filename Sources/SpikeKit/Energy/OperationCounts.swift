/// Exact activity of one weight layer of a simulated network, per image, over the first T steps.
///
/// Synaptic operations are counted by the simulator (the fan-out of every delivered event), never
/// estimated from spike rates. ANN MACs are those of the same layer in the ANN (DESIGN §6):
/// k²·H_out·W_out·C_in·C_out for a convolution, n_in·n_out for a linear layer.
public struct LayerOperationCounts: Codable, Sendable, Equatable {
    /// The weight layer's name.
    public var name: String
    /// Neurons of the population this layer feeds (for the output layer, the classes).
    public var neurons: Int
    /// Spikes that population emitted per image (0 for the output layer).
    public var spikesPerImage: Double
    /// ζ = spikes / (neurons · T).
    public var spikeRate: Double
    /// Synaptic operations (accumulates) per image.
    public var synapticOpsPerImage: Double
    /// Multiply-accumulates of the equivalent ANN layer per image.
    public var annMACsPerImage: Double
    /// Membrane updates the event-driven simulator performed per image (touched neurons only).
    public var neuronUpdatesPerImage: Double
    /// Whether this layer receives the analog image (direct encoding): it then performs `annMACsPerImage`
    /// MACs instead of synaptic operations.
    public var receivesDirectInput: Bool
}

/// Activity of a whole simulation at one T.
public struct OperationCounts: Codable, Sendable, Equatable {
    public var timeSteps: Int
    public var layers: [LayerOperationCounts]

    /// Counts of `network` from a record, over its first `timeSteps` steps (≤ the simulated steps),
    /// one entry per weight layer in network order (identity shortcuts excluded; their routing
    /// operations are added to the block's second convolution).
    public static func from(record: SimulationRecord, network: SpikingNetwork, timeSteps: Int,
                            encoding: InputEncoding) -> OperationCounts {
        let samples = Double(max(record.samples, 1))
        let synapses = network.synapses
        // Which population each synapse feeds, in `populations` order.
        var feeds: [Int] = []
        var population = 0
        for layer in network.layers {
            switch layer {
            case .synaptic: feeds.append(population); population += 1
            case .residual: feeds += [population, population + 1, population + 1]; population += 2
            default: break
            }
        }
        var layers: [LayerOperationCounts] = []
        var reported = Set<Int>()
        for (s, synapse) in synapses.enumerated() {
            let p = feeds[s]
            let ops = Double(record.totalSynapticOps(synapse: s, steps: timeSteps)) / samples
            if synapse.connectivity == .identity {
                // Fold the identity shortcut's routing into the previous (conv2) entry.
                if !layers.isEmpty { layers[layers.count - 1].synapticOpsPerImage += ops }
                continue
            }
            let neurons = record.populationSizes[p]
            let isOutput = p == record.populationSizes.count - 1
            let spikes = isOutput ? 0 : Double(record.totalSpikes(population: p, steps: timeSteps)) / samples
            // A population fed by two synapses (conv2 + projection shortcut) reports its spikes once, on conv2.
            let firstReport = reported.insert(p).inserted
            let reportedSpikes = firstReport ? spikes : 0
            layers.append(LayerOperationCounts(
                name: synapse.name, neurons: neurons, spikesPerImage: reportedSpikes,
                spikeRate: reportedSpikes / (Double(neurons) * Double(timeSteps)),
                synapticOpsPerImage: ops, annMACsPerImage: Double(synapse.annMACsPerImage),
                neuronUpdatesPerImage: firstReport
                    ? Double(record.totalNeuronUpdates(population: p, steps: timeSteps)) / samples : 0,
                receivesDirectInput: encoding == .direct && s == 0))
        }
        return OperationCounts(timeSteps: timeSteps, layers: layers)
    }

    /// Σ ANN MACs per image.
    public var annMACsPerImage: Double { layers.reduce(0) { $0 + $1.annMACsPerImage } }
    /// Σ synaptic operations per image.
    public var synapticOpsPerImage: Double { layers.reduce(0) { $0 + $1.synapticOpsPerImage } }
    /// Σ spikes per image.
    public var spikesPerImage: Double { layers.reduce(0) { $0 + $1.spikesPerImage } }
    /// Neurons that can spike (every layer but the output).
    public var spikingNeurons: Int { layers.dropLast().reduce(0) { $0 + $1.neurons } }
}
