/// A converted (or hand-built) spiking network: its input shape, its stages in order, and the neuron
/// parameters of each population. Immutable during a simulation; the per-sample state (membranes,
/// currents, last-spike steps) belongs to the simulator that runs it.
///
/// Invariants (checked by `validate()`): consecutive stages' shapes chain; exactly the last stage is
/// the output layer (a synapse with no neurons); every population's parameters can be simulated
/// (`NeuronParameters.problem`: θ positive and finite, λ in (0, 1], ρ and α_i in [0, 1)).
public struct SpikingNetwork: Sendable {
    public var inputShape: FeatureShape
    public var layers: [SpikingLayer]

    public init(inputShape: FeatureShape, layers: [SpikingLayer]) {
        self.inputShape = inputShape
        self.layers = layers
    }

    /// The number of output classes.
    public var outputCount: Int { layers.last?.outputShape.count ?? 0 }

    /// Checks the invariants above and throws a `SpikeKitError.model` naming the first offending layer.
    public func validate() throws {
        guard !layers.isEmpty else { throw SpikeKitError.model(layer: nil, reason: "the network has no layers") }
        var shape = inputShape
        for (index, layer) in layers.enumerated() {
            guard layer.inputShape.count == shape.count else {
                throw SpikeKitError.model(layer: layer.name,
                                          reason: "expects \(layer.inputShape) inputs but receives \(shape)")
            }
            let isLast = index == layers.count - 1
            switch layer {
            case .synaptic(_, let neurons, let dropout):
                if let neurons { try Self.check(neurons, layer: layer.name) }
                if isLast && neurons != nil {
                    throw SpikeKitError.model(layer: layer.name, reason: "the last layer must be the output accumulator (no neurons)")
                }
                if !isLast && neurons == nil {
                    throw SpikeKitError.model(layer: layer.name, reason: "only the last layer may lack neurons")
                }
                if !(dropout >= 0 && dropout < 1) {
                    throw SpikeKitError.model(layer: layer.name, reason: "input dropout must be in [0, 1), got \(dropout)")
                }
            case .residual(let block):
                try Self.check(block.neurons1, layer: block.name + ".neurons1")
                try Self.check(block.neurons2, layer: block.name + ".neurons2")
                if isLast { throw SpikeKitError.model(layer: layer.name, reason: "a residual block cannot be the output layer") }
            case .averagePool(_, let input, let k, let s, let p), .maxPool(_, let input, let k, let s, let p):
                if k < 1 || s < 1 || p < 0 || p > k / 2 || k > input.height + 2 * p || k > input.width + 2 * p {
                    throw SpikeKitError.model(layer: layer.name, reason: "pooling kernel \(k) stride \(s) padding \(p) does not fit \(input)")
                }
                if isLast { throw SpikeKitError.model(layer: layer.name, reason: "pooling cannot be the output layer") }
            case .flatten:
                if isLast { throw SpikeKitError.model(layer: layer.name, reason: "flatten cannot be the output layer") }
            }
            shape = layer.outputShape
        }
    }

    private static func check(_ p: NeuronParameters, layer: String) throws {
        if let problem = p.problem { throw SpikeKitError.model(layer: layer, reason: problem) }
    }

    /// The network's populations of neurons in order (the output layer last), with their names and shapes.
    /// Each `SimulationRecord` entry refers to one of these.
    public var populations: [(name: String, shape: FeatureShape, isOutput: Bool)] {
        var result: [(String, FeatureShape, Bool)] = []
        for layer in layers {
            switch layer {
            case .synaptic(let s, let neurons, _): result.append((s.name, s.outputShape, neurons == nil))
            case .residual(let b):
                result.append((b.name + ".conv1", b.conv1.outputShape, false))
                result.append((b.name + ".conv2", b.conv2.outputShape, false))
            default: break
            }
        }
        return result
    }

    /// Every synapse in order (residual blocks contribute conv1, conv2 and their shortcut, which may be
    /// the identity).
    public var synapses: [Synapse] {
        var result: [Synapse] = []
        for layer in layers {
            switch layer {
            case .synaptic(let s, _, _): result.append(s)
            case .residual(let b):
                result.append(b.conv1); result.append(b.conv2); result.append(b.shortcut)
            default: break
            }
        }
        return result
    }

    /// The network with every population's neuron parameters replaced by `transform(index, old)`
    /// (population indices as in `populations`).
    public func mapNeurons(_ transform: (Int, NeuronParameters) -> NeuronParameters) -> SpikingNetwork {
        var copy = self
        var p = 0
        for i in copy.layers.indices {
            switch copy.layers[i] {
            case .synaptic(let s, let neurons?, let d):
                copy.layers[i] = .synaptic(s, neurons: transform(p, neurons), inputDropout: d); p += 1
            case .synaptic:
                p += 1
            case .residual(var b):
                b.neurons1 = transform(p, b.neurons1); b.neurons2 = transform(p + 1, b.neurons2); p += 2
                copy.layers[i] = .residual(b)
            default: break
            }
        }
        return copy
    }
}

extension SpikingNetwork {
    /// Every population's neuron parameters in `populations` order (nil for the output layer).
    public var populationNeurons: [NeuronParameters?] {
        var result = [NeuronParameters?](repeating: nil, count: populations.count)
        _ = mapNeurons { index, neurons in
            result[index] = neurons
            return neurons
        }
        return result
    }

    /// Every spiking population's name and threshold, in `populations` order (the output layer excluded).
    public var populationThresholds: [(name: String, threshold: Float)] {
        var result: [(String, Float)] = []
        let names = populations.map(\.name)
        _ = mapNeurons { index, neurons in
            result.append((names[index], neurons.threshold))
            return neurons
        }
        return result
    }
}
