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

    /// The network with each population's neuron parameters replaced, in `populations` order (the
    /// order `SimulationPlan` numbers them); nil entries (the output layer) change nothing.
    func replacingPopulationNeurons(_ replacements: [NeuronParameters?]) -> SpikingNetwork {
        precondition(replacements.count == populations.count,
                     "replacingPopulationNeurons: the network has \(populations.count) populations, got \(replacements.count)")
        return mapNeurons { p, old in replacements[p] ?? old }
    }
}
