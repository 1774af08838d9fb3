/// The state of one population for the sample being simulated (NEST's "state" and "buffers": the
/// membranes, a current-based model's synaptic currents, this step's input currents, per-position
/// flags and decay stamps, last spike steps).
final class PopulationState {
    let shape: FeatureShape
    /// The neuron parameters; a trainer that learns θ and λ refreshes them between batches.
    var neurons: NeuronParameters?
    /// The arrays, in one struct: the hot loop borrows them with a single access to this object
    /// (`withBuffers`) instead of one runtime exclusivity check per array per call.
    var buffers: PopulationBuffers
    /// The neurons this worker simulates: all of them, unless workers share the sample (`SampleTeam`).
    var band: NeuronBand

    var membrane: [Float] { get { buffers.membrane } _modify { yield &buffers.membrane } }
    var synaptic: [Float] { get { buffers.synaptic } _modify { yield &buffers.synaptic } }
    var current: [Float] { get { buffers.current } _modify { yield &buffers.current } }
    var flags: [UInt8] { get { buffers.flags } _modify { yield &buffers.flags } }
    var stamps: [Int32] { get { buffers.stamps } _modify { yield &buffers.stamps } }
    var lastSpike: [Int32] { get { buffers.lastSpike } _modify { yield &buffers.lastSpike } }
    var spikes: SpikeEvents { get { buffers.spikes } _modify { yield &buffers.spikes } }
    var constantCurrent: [Float] { get { buffers.constantCurrent } _modify { yield &buffers.constantCurrent } }

    init(shape: FeatureShape, neurons: NeuronParameters?) {
        self.shape = shape
        self.neurons = neurons
        buffers = PopulationBuffers(shape: shape)
        band = .full(shape)
    }

    /// Runs `body` with the arrays borrowed once.
    @inline(__always)
    func withBuffers<R>(_ body: (inout PopulationBuffers) -> R) -> R { body(&buffers) }

    /// Back to the state before the first step: u = ρ·θ everywhere (0 for the output layer), i = 0.
    func reset() {
        EventKernels.fill(&membrane, with: neurons?.initialPotential ?? 0)
        let synapticCount = neurons?.model.hasSynapticCurrent == true ? shape.count : 0
        if synaptic.count != synapticCount { synaptic = [Float](repeating: 0, count: synapticCount) }
        EventKernels.fill(&synaptic, with: 0)
        EventKernels.fill(&current, with: 0)
        EventKernels.fill(&lastSpike, with: -1)
        EventKernels.fill(&flags, with: 0)
        EventKernels.fill(&stamps, with: -1)
        spikes.removeAll(binary: true)
    }

    /// Marks every position of the band as receiving current this step (direct input, bias).
    func touchAll() {
        EventKernels.markAll(&flags, with: EventKernels.receivedCurrent, positions: band.positions)
    }
}

/// The arrays of one population's state.
struct PopulationBuffers {
    var membrane: [Float]
    /// The synaptic current i of a current-based model (`NeuronModel.currentBasedLIF`); empty otherwise.
    var synaptic: [Float] = []
    var current: [Float]
    var flags: [UInt8]
    var stamps: [Int32]
    var lastSpike: [Int32]
    var spikes = SpikeEvents()
    /// Direct input's current into this population, the same every step (empty otherwise).
    var constantCurrent: [Float] = []
    /// Room for one spike per neuron, where `EventKernels.step` writes a step's spikes.
    var spikeScratch: [Int32]

    init(shape: FeatureShape) {
        membrane = [Float](repeating: 0, count: shape.count)
        current = [Float](repeating: 0, count: shape.count)
        flags = [UInt8](repeating: 0, count: shape.positions)
        stamps = [Int32](repeating: -1, count: shape.positions)
        lastSpike = [Int32](repeating: -1, count: shape.count)
        spikeScratch = [Int32](repeating: 0, count: shape.count)
    }
}

/// Scratch buffers and output events of a pooling stage.
final class PoolingState {
    var values: [Float]
    var counts: [Int32]
    var touched: [UInt8]
    var output = SpikeEvents(binary: false)
    /// Room for one event per output, where average pooling writes a step's events.
    var scratchIndices: [Int32]
    var scratchValues: [Float]

    init(output shape: FeatureShape) {
        values = [Float](repeating: 0, count: shape.count)
        counts = [Int32](repeating: 0, count: shape.count)
        touched = [UInt8](repeating: 0, count: shape.positions)
        scratchIndices = [Int32](repeating: 0, count: shape.count)
        scratchValues = [Float](repeating: 0, count: shape.count)
    }
}

/// Everything one worker needs to simulate one sample at a time; allocated once per worker and
/// reused for every sample it runs.
final class SampleState {
    let populations: [PopulationState]
    /// Pooling scratch per layer index (nil for other layers).
    let pooling: [PoolingState?]
    var input = SpikeEvents(binary: false)
    /// When workers share the sample: per gather slot, the joined list of every worker's events.
    var gathered: [SpikeEvents] = []
    /// Per pooling layer fed by a direct-input population: its pooled sums computed ahead.
    private var ahead: [Int: PoolingAhead] = [:]

    init(plan: SimulationPlan, network: SpikingNetwork) {
        populations = zip(plan.populationShapes, plan.populationNeurons).map { PopulationState(shape: $0, neurons: $1) }
        pooling = network.layers.map { layer in
            switch layer {
            case .averagePool, .maxPool: return PoolingState(output: layer.outputShape)
            default: return nil
            }
        }
    }

    func reset() {
        for p in populations { p.reset() }
        for buffer in ahead.values { buffer.counts = [] }
    }

    /// The ahead buffers of average-pooling layer `layer` (`outputs` positions of `channels`): room for
    /// up to 64 steps, so memory stays bounded for long simulations.
    func poolingAhead(layer: Int, outputs: Int, channels: Int, timeSteps: Int) -> PoolingAhead {
        if let buffer = ahead[layer], buffer.capacity >= min(64, timeSteps) { return buffer }
        let buffer = PoolingAhead(capacity: min(64, max(1, timeSteps)), outputPositions: outputs, channels: channels)
        ahead[layer] = buffer
        return buffer
    }
}
