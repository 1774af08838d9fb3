import Foundation

/// Everything one worker needs to run the forward and backward pass of one sample at a time:
/// population states, pooling scratch, the trace, dropout masks and the backward pass's buffers.
/// Allocated once per worker and reused for every sample (nothing is allocated per event).
final class STDBWorkspace {
    let populations: [PopulationState]
    let pooling: [PoolingState?]
    let trace: STDBTrace
    let timeSteps: Int
    /// Whether populations emit real values (the smooth test mode) rather than spikes.
    let smooth: Bool

    // Forward scratch.
    var input = SpikeEvents(binary: false)
    var masked = SpikeEvents(binary: false)
    var imageEvents = SpikeEvents(binary: false)
    var directCurrent: [Float] = []
    /// Per population: the real-valued events of the smooth test mode.
    var emitted: [SpikeEvents]
    /// Per synapse: the dropout multipliers of the current sample (0 or 1/(1 − p)); `maskActive` says
    /// whether they apply.
    var masks: [[Float]]
    var maskActive: [Bool]
    var previous: [Int32] = []
    var surrogateIndices: [Int32] = []
    var surrogateValues: [Float] = []
    /// Per population, when θ and λ are trained: row t holds u^{t−1} (the membrane before step t)
    /// and I^t (the step's input current), T × neurons each; empty otherwise.
    var membraneHistory: [[Float]]
    var currentHistory: [[Float]]

    // Backward scratch: three T × (largest stage) buffers, and per-population vectors.
    var buffers: [[Float]]
    var carry: [[Float]]
    var sigma: [[Float]]
    var keep: [[Float]]
    var previousSpike: [[Int32]]
    var active: [Bool]
    var deltaSum: [Float]
    var dense: [Float]
    /// A linear synapse's trace segments of the steps whose deltas are not all zero.
    var segmentList: [(start: Int, count: Int, valueStart: Int, step: Int)] = []
    let linearScratch = LinearInputGradientScratch()
    /// This worker's gradients of the sample in hand (made on first use).
    private var sample: STDBSampleGradients?
    /// The inputs of the synapse being differentiated whose gradient can matter.
    var neededInputs: [Int32] = []
    /// Per step and output position of the synapse being differentiated: whether its delta row is non-zero.
    var targetActive: [UInt8] = []

    init(model: STDBModel) {
        let plan = model.plan
        populations = zip(plan.populationShapes, plan.populationNeurons).map { PopulationState(shape: $0, neurons: $1) }
        pooling = model.network.layers.map { layer in
            switch layer {
            case .averagePool, .maxPool: return PoolingState(output: layer.outputShape)
            default: return nil
            }
        }
        timeSteps = model.timeSteps
        smooth = model.spikeFunction != .heaviside
        trace = STDBTrace(channelCount: model.layout.channelCount, timeSteps: model.timeSteps)
        emitted = plan.populationShapes.map { _ in SpikeEvents(binary: false) }
        masks = plan.synapses.indices.map { s in
            model.dropout[s] > 0 ? [Float](repeating: 1, count: plan.synapses[s].inputShape.count) : []
        }
        maskActive = Array(repeating: false, count: plan.synapses.count)
        membraneHistory = zip(plan.populationShapes, plan.populationNeurons).map { shape, neurons in
            model.trainsNeuronParameters && neurons != nil ? [Float](repeating: 0, count: shape.count * model.timeSteps) : []
        }
        currentHistory = membraneHistory
        var largest = model.network.inputShape.count
        for layer in model.network.layers { largest = max(largest, layer.inputShape.count, layer.outputShape.count) }
        for shape in plan.populationShapes { largest = max(largest, shape.count) }
        buffers = Array(repeating: [Float](repeating: 0, count: largest * model.timeSteps), count: 3)
        carry = plan.populationShapes.map { [Float](repeating: 0, count: $0.count) }
        sigma = carry
        keep = plan.populationShapes.map { [Float](repeating: 1, count: $0.count) }
        previousSpike = plan.populationShapes.map { [Int32](repeating: -1, count: $0.count) }
        active = Array(repeating: false, count: model.timeSteps)
        deltaSum = [Float](repeating: 0, count: largest)
        dense = [Float](repeating: 0, count: largest)
    }

    /// The buffer this worker's samples' gradients go into.
    func sampleGradients(for model: STDBModel) -> STDBSampleGradients {
        if let sample { return sample }
        let made = STDBSampleGradients(synapses: model.plan.synapses, populations: model.plan.populationShapes.count)
        sample = made
        return made
    }

    /// The output layer's accumulated potential V = Σ_t I_out^t after the last forward pass.
    var outputPotential: [Float] { populations[populations.count - 1].membrane }
}

/// Hands workspaces to the parallel loop's iterations: an iteration takes one (creating it if none
/// is free) and returns it when done, so at most one workspace exists per concurrently running
/// iteration. Which workspace a sample gets never affects its result (every pass starts by clearing).
///
/// The pool does not keep a model: one held here would share, and so keep alive, the weights the
/// optimizer is about to replace.
final class STDBWorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [STDBWorkspace] = []

    init() {}

    /// A free workspace, or a new one sized for `model`.
    func take(for model: STDBModel) -> STDBWorkspace {
        lock.lock()
        if let workspace = free.popLast() { lock.unlock(); return workspace }
        lock.unlock()
        return STDBWorkspace(model: model)
    }

    func give(_ workspace: STDBWorkspace) {
        lock.lock(); free.append(workspace); lock.unlock()
    }
}
