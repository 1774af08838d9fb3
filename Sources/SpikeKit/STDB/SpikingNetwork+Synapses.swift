extension SpikingNetwork {
    /// The network with its synapses replaced, in `synapses` order (residual blocks: conv1, conv2,
    /// shortcut), keeping every layer's structure, neurons and dropout.
    public func replacingSynapses(_ replacements: [Synapse]) -> SpikingNetwork {
        precondition(replacements.count == synapses.count,
                     "replacingSynapses: the network has \(synapses.count) synapses, got \(replacements.count)")
        var copy = self
        var s = 0
        for i in copy.layers.indices {
            switch copy.layers[i] {
            case .synaptic(_, let neurons, let dropout):
                copy.layers[i] = .synaptic(replacements[s], neurons: neurons, inputDropout: dropout)
                s += 1
            case .residual(var block):
                block.conv1 = replacements[s]
                block.conv2 = replacements[s + 1]
                block.shortcut = replacements[s + 2]
                copy.layers[i] = .residual(block)
                s += 3
            default:
                break
            }
        }
        return copy
    }

    /// The network with each population's neuron parameters replaced, in the order `SimulationPlan`
    /// numbers populations (one per synaptic layer, two per residual block; nil for the output layer).
    func replacingPopulationNeurons(_ replacements: [NeuronParameters?]) -> SpikingNetwork {
        var copy = self
        var p = 0
        for i in copy.layers.indices {
            switch copy.layers[i] {
            case .synaptic(let synapse, _, let dropout):
                copy.layers[i] = .synaptic(synapse, neurons: replacements[p], inputDropout: dropout)
                p += 1
            case .residual(var block):
                if let first = replacements[p] { block.neurons1 = first }
                if let second = replacements[p + 1] { block.neurons2 = second }
                copy.layers[i] = .residual(block)
                p += 2
            default:
                break
            }
        }
        precondition(p == replacements.count, "replacingPopulationNeurons: the network has \(p) populations, got \(replacements.count)")
        return copy
    }
}
