/// A `SpikingNetwork` resolved for STDB training: the simulation plan (whose synapses hold the
/// weights being trained), each synapse's input dropout, the trace layout, and constants derived from
/// the weights and settings that every sample's forward and backward pass share.
///
/// Immutable while a batch is processed (workers read it concurrently); the optimizer changes the
/// weights between batches through `updateInPlace(synapse:_:)`.
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
    /// Per synapse: where its input events come from (see `SynapseInputOrigin`).
    let inputOrigins: [SynapseInputOrigin]
    /// Per synapse: a convolution's weights in the order its input gradient reads them,
    /// `[ky][kx][c_out][c_in]` (empty where not needed; a linear synapse's input gradient reads its
    /// weights as they are).
    private(set) var transposed: [[Float]]
    /// Per synapse: a convolution's fan-out table (nil for other connectivities).
    let convolutionTables: [FanOutTable?]
    /// Per synapse: a convolution's runs of adjacent targets with its weights in their order, the
    /// scheduler's own delivery (`EventKernels.deliver`), refreshed with the weights.
    private(set) var convolutionRuns: [ConvolutionRuns?]
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
        inputOrigins = settings.skipsUnreadInputGradients ? SynapseInputOrigin.origins(of: plan)
            : Array(repeating: .untracked, count: plan.synapses.count)
        convolutionTables = plan.synapses.map { synapse in
            if case .convolution(let g) = synapse.connectivity { return FanOutTable(convolution: g) }
            return nil
        }
        poolingTables = network.layers.map { layer in
            switch layer {
            case .averagePool(_, let shape, let k, let stride, let padding), .maxPool(_, let shape, let k, let stride, let padding):
                return FanOutTable(pooling: shape, kernel: k, stride: stride, padding: padding)
            default:
                return nil
            }
        }
        transposed = Array(repeating: [], count: plan.synapses.count)
        convolutionRuns = Array(repeating: nil, count: plan.synapses.count)
        for s in plan.synapses.indices { refreshDerivedWeights(s) }
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

    /// Changes one synapse's weights and bias in place (`body` gets the weights and the bias, empty for a
    /// synapse without one), then refreshes what is derived from them: the optimizer step without a
    /// copy of the weights.
    mutating func updateInPlace(synapse s: Int, _ body: (inout [Float], inout [Float]) -> Void) {
        var bias = plan.synapses[s].bias ?? []
        plan.synapses[s].bias = nil
        body(&plan.synapses[s].weights, &bias)
        if !bias.isEmpty { plan.synapses[s].bias = bias }
        refreshDerivedWeights(s)
    }

    /// Replaces population `p`'s threshold and leak after an optimizer step.
    mutating func update(population p: Int, threshold: Float, leak: Float) {
        guard var neurons = plan.populationNeurons[p] else { return }
        neurons.threshold = threshold
        neurons.leak = leak
        plan.populationNeurons[p] = neurons
        if !surrogateTables[p].isEmpty { surrogateTables[p] = surrogate.deltaTTable(threshold: threshold) }
    }

    /// Rebuilds what is derived from synapse `s`'s weights: a convolution's delivery runs and transposed weights.
    private mutating func refreshDerivedWeights(_ s: Int) {
        let synapse = plan.synapses[s]
        if case .convolution(let g) = synapse.connectivity {
            convolutionRuns[s] = ConvolutionRuns(synapse: synapse, geometry: g)
        }
        guard needsInputGradient[s] else { return }
        switch synapse.connectivity {
        case .convolution(let g):
            transposed[s] = STDBKernels.transposeConvolution(synapse.weights, geometry: g)
        case .linear, .identity:
            break
        }
    }

    /// The network with the current weights (and, when they are trained, thresholds and leaks).
    var trainedNetwork: SpikingNetwork {
        let withWeights = network.replacingSynapses(plan.synapses)
        return trainsNeuronParameters ? withWeights.replacingPopulationNeurons(plan.populationNeurons) : withWeights
    }
}

/// Which neurons produce a synapse's input events, so the backward pass can tell which input
/// gradients can matter: ∂L/∂s^t of a neuron only ever enters multiplied by its surrogate σ'^t, and
/// under the `stdb` surrogate σ'^t = 0 for a neuron that has not spiked before t. An input fed by
/// neurons that never spiked in the sample has a gradient nobody reads.
enum SynapseInputOrigin: Sendable, Equatable {
    /// The encoded input, or a path not followed here: every input gradient is computed.
    case untracked
    /// Population p's spikes, input j = neuron j (a flatten in between changes nothing: HWC order).
    case population(Int)
    /// Population p's spikes through a pooling stage with this input shape, window and stride:
    /// input j = pooled output j, fed by the neurons of its window.
    case pooled(Int, shape: FeatureShape, kernel: Int, stride: Int, padding: Int)

    static func origins(of plan: SimulationPlan) -> [SynapseInputOrigin] {
        var origins = Array(repeating: SynapseInputOrigin.untracked, count: plan.synapses.count)
        var current = SynapseInputOrigin.untracked
        for operation in plan.operations {
            switch operation {
            case .synaptic(let s, let p, _):
                origins[s] = current
                if plan.populationNeurons[p] != nil { current = .population(p) }
            case .averagePool(_, let shape, let k, let stride, let padding), .maxPool(_, let shape, let k, let stride, let padding):
                if case .population(let p) = current {
                    current = .pooled(p, shape: shape, kernel: k, stride: stride, padding: padding)
                } else {
                    current = .untracked
                }
            case .flatten:
                break
            case .residual(_, let c1, let p1, let c2, let shortcut, let p2):
                origins[c1] = current
                origins[shortcut] = current
                origins[c2] = .population(p1)
                current = .population(p2)
            }
        }
        return origins
    }
}
