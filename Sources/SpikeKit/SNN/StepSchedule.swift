/// Where the events of one time step live between two phases: the encoded input, a population's
/// spikes, or a pooling stage's output.
enum StepSignal: Hashable, Sendable {
    case input
    case population(Int)
    case pool(layer: Int)
}

/// One named phase of a time step (after Brian2's schedule: deliver → integrate / threshold / reset →
/// pool), with every index resolved.
enum StepPhase: Sendable {
    /// Direct encoding: the analog image through synapse `synapse` into `population` (the same
    /// current every step, `InputEncoder.directCurrent`).
    case directInput(synapse: Int, population: Int)
    /// The events of `source` through `synapse` (after its bias, a constant current per step) into
    /// `population`'s current for this step.
    case deliver(synapse: Int, source: StepSignal, population: Int)
    /// Integrate, threshold and reset `population` (`NeuronDynamics`); its spikes become
    /// `.population(population)`.
    case fire(population: Int)
    /// The output layer adds the step's current into its potential (no threshold, no reset).
    case accumulate(population: Int)
    /// Average or max pooling of `source`'s events; the result becomes `.pool(layer: layer)`.
    case averagePool(layer: Int, source: StepSignal, shape: FeatureShape, kernel: Int, stride: Int, padding: Int)
    case maxPool(layer: Int, source: StepSignal, shape: FeatureShape, kernel: Int, stride: Int, padding: Int)

    /// The signal this phase reads, if any.
    var source: StepSignal? {
        switch self {
        case .deliver(_, let source, _), .averagePool(_, let source, _, _, _, _), .maxPool(_, let source, _, _, _, _): return source
        case .directInput, .fire, .accumulate: return nil
        }
    }
}

/// The phases one time step runs, in order: the single walk over a network's stages that every
/// simulator follows (the event-driven scheduler compiles it into its `EventStepPlan`; the dense
/// reference and the STDB forward pass execute it phase by phase). A residual block, for example,
/// is written out here once: deliver conv1 → fire → deliver conv2 (from the block's first
/// population) → deliver the shortcut (from the block's input) → fire; conv2's contributions reach
/// the second population before the shortcut's, the fixed order that makes the simulators agree.
struct StepSchedule: Sendable {
    let phases: [StepPhase]
    /// Per phase: the index of the `SimulationPlan.Operation` it belongs to.
    let operationOfPhase: [Int]

    init(plan: SimulationPlan) {
        var phases: [StepPhase] = [], owners: [Int] = []
        var incoming = StepSignal.input
        func add(_ phase: StepPhase, _ operation: Int) { phases.append(phase); owners.append(operation) }
        for (index, operation) in plan.operations.enumerated() {
            switch operation {
            case .synaptic(let s, let p, let direct):
                add(direct ? .directInput(synapse: s, population: p) : .deliver(synapse: s, source: incoming, population: p), index)
                if plan.populationNeurons[p] == nil {
                    add(.accumulate(population: p), index)
                } else {
                    add(.fire(population: p), index)
                    incoming = .population(p)
                }
            case .averagePool(let layer, let shape, let k, let stride, let padding):
                add(.averagePool(layer: layer, source: incoming, shape: shape, kernel: k, stride: stride, padding: padding), index)
                incoming = .pool(layer: layer)
            case .maxPool(let layer, let shape, let k, let stride, let padding):
                add(.maxPool(layer: layer, source: incoming, shape: shape, kernel: k, stride: stride, padding: padding), index)
                incoming = .pool(layer: layer)
            case .flatten:
                // Indices stay in height-width-channel order: nothing to do.
                break
            case .residual(_, let c1, let p1, let c2, let shortcut, let p2):
                add(.deliver(synapse: c1, source: incoming, population: p1), index)
                add(.fire(population: p1), index)
                add(.deliver(synapse: c2, source: .population(p1), population: p2), index)
                add(.deliver(synapse: shortcut, source: incoming, population: p2), index)
                add(.fire(population: p2), index)
                incoming = .population(p2)
            }
        }
        self.phases = phases
        operationOfPhase = owners
    }

    /// Whether any phase after `phase` reads `signal`.
    func isRead(_ signal: StepSignal, after phase: Int) -> Bool {
        phases[(phase + 1)...].contains { $0.source == signal }
    }
}
