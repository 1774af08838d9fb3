/// A `SpikingNetwork` resolved for STDB training: the simulation plan (whose synapses hold the
/// weights being trained), each synapse's input dropout, the trace layout, and constants derived from
/// the weights and settings that every sample's forward and backward pass share.
///
/// Immutable while a batch is processed (workers read it concurrently); the optimizer changes the
/// weights between batches through `update(synapse:weights:bias:)`.
struct STDBModel: Sendable {
    private(set) var plan: SimulationPlan
    /// The network the plan was built from (its layer structure; the weights are `plan.synapses`).
    let network: SpikingNetwork
    /// Input dropout probability per synapse (in `plan.synapses` order).
    let dropout: [Float]
    let layout: STDBTraceLayout
    let timeSteps: Int
    let ordering: SpikeOrdering
    let encoding: InputEncoding
    let surrogate: SurrogateGradient
    let spikeFunction: SpikeFunction
    let lossOverTime: STDBConfig.LossOverTime
    /// Per population: the `stdb` derivative by Δt (see `SurrogateGradient.deltaTTable`), or empty.
    private(set) var surrogateTables: [[Float]]
    /// Whether θ and λ of every spiking population are trained (the forward pass then records the
    /// membranes and input currents their gradients need).
    let trainsNeuronParameters: Bool
    /// Per synapse: whether a population lies upstream, so the gradient must flow on to its input.
    let needsInputGradient: [Bool]
    /// Per synapse: the weights in the order its input gradient reads them (a convolution's as
    /// `[ky][kx][c_out][c_in]`, a linear synapse's as `[outputs][inputs]`; empty where not needed).
    private(set) var transposed: [[Float]]
    /// Per synapse: a convolution's fan-out table (nil for other connectivities).
    let convolutionTables: [FanOutTable?]
    /// Per network layer: an average-pooling stage's fan-out table (nil for other layers).
    let poolingTables: [FanOutTable?]
    /// The phases of one time step, as every simulator runs them.
    let schedule: StepSchedule

    init(network: SpikingNetwork, settings: STDBSettings) throws {
        let plan = try SimulationPlan(network: network, encoding: settings.encoding)
        self.plan = plan
        schedule = StepSchedule(plan: plan)
        self.network = network
        var dropout: [Float] = []
        for layer in network.layers {
            switch layer {
            case .synaptic(_, _, let d): dropout.append(d > 0 ? settings.dropout ?? d : 0)
            case .residual: dropout += [0, 0, 0]
            default: break
            }
        }
        self.dropout = dropout
        timeSteps = settings.timeSteps
        ordering = settings.ordering
        encoding = settings.encoding
        surrogate = settings.surrogate
        spikeFunction = settings.spikeFunction
        lossOverTime = settings.lossOverTime
        trainsNeuronParameters = settings.trainsNeuronParameters
        let smooth = settings.spikeFunction != .heaviside
        layout = STDBTraceLayout(plan: plan, dropout: dropout, layerCount: network.layers.count,
                                 recordsSurrogate: settings.surrogate.needsMembrane, smooth: smooth)
        surrogateTables = plan.populationNeurons.map { neurons in
            guard let neurons, !smooth else { return [] }
            return settings.surrogate.deltaTTable(threshold: neurons.threshold)
        }
        var needs = Array(repeating: false, count: plan.synapses.count)
        var upstream = false
        for operation in plan.operations {
            switch operation {
            case .synaptic(let s, let p, _):
                needs[s] = upstream
                if plan.populationNeurons[p] != nil { upstream = true }
            case .residual(_, let c1, _, let c2, let shortcut, _):
                needs[c1] = upstream
                needs[shortcut] = upstream
                needs[c2] = true
                upstream = true
            default:
                break
            }
        }
        needsInputGradient = needs
        convolutionTables = plan.synapses.map { synapse in
            if case .convolution(let g) = synapse.connectivity { return FanOutTable(convolution: g) }
            return nil
        }
        poolingTables = network.layers.map { layer in
            switch layer {
            case .averagePool(_, let shape, let k, let stride), .maxPool(_, let shape, let k, let stride):
                return FanOutTable(pooling: shape, kernel: k, stride: stride)
            default:
                return nil
            }
        }
        transposed = Array(repeating: [], count: plan.synapses.count)
        for s in plan.synapses.indices { refreshTransposed(s) }
    }

    /// Whether spikes record their previous spike step (the `stdb` surrogate's Δt).
    var recordsPreviousSpikes: Bool {
        if case .stdb = surrogate, spikeFunction == .heaviside { return true }
        return false
    }

    /// The linear surrogate's γ when the forward pass must record its values.
    var recordedLinearGamma: Float? {
        if case .linear(let gamma) = surrogate, spikeFunction == .heaviside { return gamma }
        return nil
    }

    /// Replaces one synapse's weights (and bias) after an optimizer step.
    mutating func update(synapse s: Int, weights: [Float], bias: [Float]?) {
        precondition(weights.count == plan.synapses[s].weights.count,
                     "STDBModel: synapse \(s) has \(plan.synapses[s].weights.count) weights, got \(weights.count)")
        plan.synapses[s].weights = weights
        if bias != nil { plan.synapses[s].bias = bias }
        refreshTransposed(s)
    }

    /// Replaces population `p`'s threshold and leak after an optimizer step.
    mutating func update(population p: Int, threshold: Float, leak: Float) {
        guard var neurons = plan.populationNeurons[p] else { return }
        neurons.threshold = threshold
        neurons.leak = leak
        plan.populationNeurons[p] = neurons
        if !surrogateTables[p].isEmpty { surrogateTables[p] = surrogate.deltaTTable(threshold: threshold) }
    }

    private mutating func refreshTransposed(_ s: Int) {
        guard needsInputGradient[s] else { return }
        let synapse = plan.synapses[s]
        switch synapse.connectivity {
        case .convolution(let g):
            transposed[s] = STDBKernels.transposeConvolution(synapse.weights, geometry: g)
        case .linear:
            transposed[s] = STDBKernels.transposeLinear(synapse.weights, inputs: synapse.inputShape.count,
                                                        outputs: synapse.outputShape.count)
        case .identity:
            break
        }
    }

    /// The network with the current weights (and, when they are trained, thresholds and leaks).
    var trainedNetwork: SpikingNetwork {
        let withWeights = network.replacingSynapses(plan.synapses)
        return trainsNeuronParameters ? withWeights.replacingPopulationNeurons(plan.populationNeurons) : withWeights
    }
}
