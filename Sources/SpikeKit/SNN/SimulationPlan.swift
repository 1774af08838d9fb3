/// The network flattened into the sequence of operations one time step performs, with each
/// operation's population, synapse and scratch indices resolved once before the simulation.
struct SimulationPlan: Sendable {
    enum Operation: Sendable {
        /// Deliver into population `population` through synapse `synapse`; `direct` marks the first
        /// synapse under direct encoding (it receives the precomputed constant current instead).
        case synaptic(synapse: Int, population: Int, direct: Bool)
        case averagePool(layer: Int, shape: FeatureShape, kernel: Int, stride: Int, padding: Int)
        case maxPool(layer: Int, shape: FeatureShape, kernel: Int, stride: Int, padding: Int)
        case flatten
        case residual(layer: Int, conv1: Int, population1: Int, conv2: Int, shortcut: Int, population2: Int)
    }

    var operations: [Operation]
    var synapses: [Synapse]
    var populationShapes: [FeatureShape]
    /// Neuron parameters per population; nil for the output layer.
    var populationNeurons: [NeuronParameters?]
    var populationNames: [String]
    /// Per synapse: the runs of a convolution (nil for other kinds).
    var convolutionRuns: [ConvolutionRuns?]
    /// Per layer index: the fan-out table of a pooling stage (nil for other stages).
    var poolingTables: [FanOutTable?]

    init(network: SpikingNetwork, encoding: InputEncoding) throws {
        try network.validate()
        // Under direct encoding the first synapse (after any flatten) receives the analog image.
        let firstSynaptic = network.layers.firstIndex { if case .flatten = $0 { return false } else { return true } }
        if encoding == .direct {
            guard let first = firstSynaptic, case .synaptic = network.layers[first] else {
                throw SpikeKitError.model(layer: network.layers.first?.name,
                                          reason: "direct encoding needs a linear or convolution layer first")
            }
        }
        operations = []
        synapses = network.synapses
        var shapes: [FeatureShape] = [], neurons: [NeuronParameters?] = [], names: [String] = []
        var s = 0
        for (index, layer) in network.layers.enumerated() {
            switch layer {
            case .synaptic(let synapse, let n, _):
                operations.append(.synaptic(synapse: s, population: shapes.count, direct: index == firstSynaptic && encoding == .direct))
                shapes.append(synapse.outputShape); neurons.append(n); names.append(synapse.name)
                s += 1
            case .averagePool(_, let shape, let k, let st, let pad):
                operations.append(.averagePool(layer: index, shape: shape, kernel: k, stride: st, padding: pad))
            case .maxPool(_, let shape, let k, let st, let pad):
                operations.append(.maxPool(layer: index, shape: shape, kernel: k, stride: st, padding: pad))
            case .flatten:
                operations.append(.flatten)
            case .residual(let b):
                let p = shapes.count
                operations.append(.residual(layer: index, conv1: s, population1: p, conv2: s + 1, shortcut: s + 2, population2: p + 1))
                shapes.append(b.conv1.outputShape); neurons.append(b.neurons1); names.append(b.name + ".conv1")
                shapes.append(b.conv2.outputShape); neurons.append(b.neurons2); names.append(b.name + ".conv2")
                s += 3
            }
        }
        populationShapes = shapes
        populationNeurons = neurons
        populationNames = names
        convolutionRuns = synapses.map { synapse in
            if case .convolution(let g) = synapse.connectivity { return ConvolutionRuns(synapse: synapse, geometry: g) }
            return nil
        }
        poolingTables = network.layers.map { layer in
            switch layer {
            case .averagePool(_, let shape, let k, let stride, let padding), .maxPool(_, let shape, let k, let stride, let padding):
                return FanOutTable(pooling: shape, kernel: k, stride: stride, padding: padding)
            default: return nil
            }
        }
    }
}
