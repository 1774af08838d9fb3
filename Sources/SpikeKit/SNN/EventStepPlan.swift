/// The event-driven scheduler's time step, compiled once per run from the network's `StepSchedule`,
/// the thread mode (alone, or one worker of a team sharing each sample) and what is recorded: every
/// kernel is chosen and every event list's location resolved here, so `EventScheduler.simulate` is
/// a loop over steps and entries with no shape or mode test inside it.
///
/// The compiler fuses two phase pairs, each only where nothing else needs the intermediate spike list:
/// - a population's `fire` with the average pooling that reads its spikes (`EventKernels.stepIntoPooling`:
///   the fire masks are added straight into the pooled sums), when neither a record (raster, captured
///   events, last-spike steps, input-current maxima) nor a later phase reads the spikes;
/// - and, for a population driven by direct input, both together run up to 64 steps ahead
///   (`EventKernels.constantCurrentIntoPooling`).
/// In a team (`SampleTeam`) a fusion also needs the pooling windows to tile the map (kernel = stride)
/// and the map more than one position, so each worker's band of whole pooling rows (`bandRows`) owns
/// its windows; and every list a later phase reads is first joined across the workers (`Gather`).
struct EventStepPlan: Sendable {
    /// Where an entry finds the events it reads.
    enum Source: Sendable, Equatable {
        /// This step's encoded input (`SampleState.input`).
        case input
        /// A population's own spike list.
        case spikes(Int)
        /// The team's joined list of gather slot `n` (`SampleState.gathered`).
        case gathered(Int)
        /// A pooling stage's output (`SampleState.pooling[layer].output`).
        case poolOutput(Int)
    }

    /// A list joined across a team's workers after it is produced: its gather slot, and whether the
    /// workers' "may still fire" flags of a single-position population are joined too (its one
    /// position is split by channels, but whether it is visited next step depends on all of them).
    struct Gather: Sendable, Equatable {
        var slot: Int
        var joinsPendingFlags: Bool
    }

    /// Average pooling geometry for the fused entries.
    struct Pooling: Sendable, Equatable {
        var layer: Int
        var outputs: Int
        var channels: Int
        var kernel: Int
    }

    enum Entry: Sendable {
        /// `source`'s events through synapse `synapse` into `population`, counting synaptic operations.
        case deliver(synapse: Int, source: Source, population: Int)
        /// Direct input into the output layer: the image's current copied in every step.
        case directIntoOutput(population: Int)
        /// `EventKernels.step` of `population` (on its constant direct-input current when
        /// `constantCurrent`), recording its spikes when `records`, then `gather`.
        case fire(population: Int, constantCurrent: Bool, records: Bool, gather: Gather?)
        /// The output layer's accumulation.
        case accumulate(population: Int)
        /// `fire` fused with the average pooling after it.
        case fireIntoPooling(population: Int, pooling: Pooling, gather: Gather?)
        /// A direct-input population fused with the average pooling after it, run ahead.
        case constantCurrentIntoPooling(population: Int, pooling: Pooling, gather: Gather?)
        case averagePool(layer: Int, source: Source, shape: FeatureShape, kernel: Int, stride: Int, padding: Int)
        case maxPool(layer: Int, source: Source, shape: FeatureShape, kernel: Int, stride: Int, padding: Int)
    }

    /// How a team shares each sample: the first operation the first worker runs alone (the network's
    /// small tail, `EventScheduler.tailOperation`), and which worker this plan is for.
    struct TeamRole: Sendable {
        var tailOperation: Int
        var worker: Int
    }

    let entries: [Entry]
    /// Per population: whether its phases fire into a fused pooling (the rows a team's band of it
    /// must keep together are then the pooling stride, see `bandRows`).
    let fusedPoolingStride: [Int?]

    /// Compiles `schedule` for one worker. `recordsEvents`: this plan's samples record their spike
    /// lists (raster or captured events); `options` says whether last-spike steps or current maxima
    /// are recorded.
    init(schedule: StepSchedule, plan: SimulationPlan, options: SimulationOptions, recordsEvents: Bool, team: TeamRole?) {
        let populationCount = plan.populationShapes.count
        let mayFuse = !recordsEvents && !options.recordLastSpike && !options.recordMaxInputCurrent
        let phases = schedule.phases
        var entries: [Entry] = []
        var fusedStride = [Int?](repeating: nil, count: populationCount)
        // Where each signal's events are, as the phases produce them.
        var location: [StepSignal: Source] = [.input: .input]
        var direct = Set<Int>()
        func source(_ signal: StepSignal) -> Source { location[signal] ?? .input }
        /// The join of a list the phase at `index` produces, in a team, before the tail.
        func gather(slot: Int, index: Int, singlePosition: Bool) -> Gather? {
            guard let team, schedule.operationOfPhase[index] < team.tailOperation else { return nil }
            return Gather(slot: slot, joinsPendingFlags: singlePosition)
        }
        var index = 0
        while index < phases.count {
            // Workers other than the first stop where the network's tail begins.
            if let team, team.worker != 0, schedule.operationOfPhase[index] >= team.tailOperation { break }
            switch phases[index] {
            case .directInput(_, let p):
                // The constant current is set per sample; an output layer copies it in every step.
                if plan.populationNeurons[p] == nil { entries.append(.directIntoOutput(population: p)) } else { direct.insert(p) }
            case .deliver(let s, let signal, let p):
                entries.append(.deliver(synapse: s, source: source(signal), population: p))
            case .accumulate(let p):
                entries.append(.accumulate(population: p))
            case .fire(let p):
                let shape = plan.populationShapes[p]
                if mayFuse, index + 1 < phases.count,
                   case .averagePool(let layer, .population(p), let poolShape, let k, let stride, let padding) = phases[index + 1],
                   !schedule.isRead(.population(p), after: index + 1), plan.poolingTables[layer] != nil,
                   team == nil || (k == stride && padding == 0 && shape.positions > 1) {
                    let pooling = Pooling(layer: layer, outputs: poolShape.pooled(kernel: k, stride: stride, padding: padding).positions,
                                          channels: poolShape.channels, kernel: k)
                    let joined = gather(slot: populationCount + layer, index: index, singlePosition: false)
                    entries.append(direct.contains(p)
                                   ? .constantCurrentIntoPooling(population: p, pooling: pooling, gather: joined)
                                   : .fireIntoPooling(population: p, pooling: pooling, gather: joined))
                    location[.pool(layer: layer)] = joined.map { .gathered($0.slot) } ?? .poolOutput(layer)
                    fusedStride[p] = stride
                    index += 2
                    continue
                }
                let joined = gather(slot: p, index: index, singlePosition: shape.positions == 1)
                entries.append(.fire(population: p, constantCurrent: direct.contains(p), records: recordsEvents, gather: joined))
                location[.population(p)] = joined.map { .gathered($0.slot) } ?? .spikes(p)
            case .averagePool(let layer, let signal, let shape, let k, let stride, let padding):
                // Every worker pools the whole joined list itself: nothing to join afterwards.
                entries.append(.averagePool(layer: layer, source: source(signal), shape: shape, kernel: k, stride: stride,
                                            padding: padding))
                location[.pool(layer: layer)] = .poolOutput(layer)
            case .maxPool(let layer, let signal, let shape, let k, let stride, let padding):
                entries.append(.maxPool(layer: layer, source: source(signal), shape: shape, kernel: k, stride: stride,
                                        padding: padding))
                location[.pool(layer: layer)] = .poolOutput(layer)
            }
            index += 1
        }
        self.entries = entries
        fusedPoolingStride = fusedStride
    }

    /// Per population, the rows a team's band must keep together: the stride of the pooling its
    /// fire is fused with (so a band owns whole pooling windows), else 1. Derived from the compiled
    /// entries themselves, so the bands always agree with the kernels that use them.
    var bandRows: [Int] { fusedPoolingStride.map { $0 ?? 1 } }

    /// The gather slots a team needs: one per population, then one per pooling layer (a fused
    /// pooling's output), with room for every event of its list.
    static func gatherCapacities(plan: SimulationPlan, network: SpikingNetwork) -> [Int] {
        plan.populationShapes.map(\.count) + network.layers.map(\.outputShape.count)
    }
}
