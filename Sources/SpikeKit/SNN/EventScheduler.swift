import Foundation

/// Runs a `SpikingNetwork` on a batch of images for T time steps, event-driven: between layers only
/// sparse `SpikeEvents` pass, and a population's neurons are visited only where events arrived (or
/// where a membrane is still above threshold).
///
/// One time step runs these named phases per stage, in network order (after Brian2's schedule):
/// **deliver** (events through the synapse into this step's currents) → for each population
/// **threshold / integrate / reset** in the order its `SpikeOrdering` prescribes → **record**
/// (spike counts, synaptic operations, output potentials at checkpoints).
///
/// Samples are independent: workers (Dispatch, `threads` of them) take samples one at a time and
/// simulate all T steps of each; every sample's result depends only on the sample and its dataset
/// index, so the record is identical for any thread count. When the batch has fewer samples than
/// threads, the workers share each sample instead (neuron blocks, `SampleTeam`): each delivers into
/// and steps its band of every population, and the bands' spikes are joined at a barrier per layer
/// and step. Every neuron still receives the same additions in the same order, so the results are
/// the same bits either way.
public struct EventScheduler: Sendable {
    public let network: SpikingNetwork

    public init(network: SpikingNetwork) {
        self.network = network
    }

    /// Simulates `images` (`[N, C, H, W]`) and returns the record.
    public func run(images: Tensor, options: SimulationOptions) throws -> SimulationRecord {
        guard images.rank == 4 else {
            throw SpikeKitError.model(layer: nil, reason: "expected images [N, C, H, W], got shape \(images.shape)")
        }
        let imageShape = FeatureShape(height: images.shape[2], width: images.shape[3], channels: images.shape[1])
        guard imageShape == network.inputShape else {
            throw SpikeKitError.model(layer: network.layers.first?.name,
                                      reason: "the network expects \(network.inputShape) images, got \(imageShape)")
        }
        guard options.timeSteps >= 1 else { throw SpikeKitError.runtime("timeSteps must be at least 1") }
        let plan = try SimulationPlan(network: network, encoding: options.encoding)
        let samples = images.shape[0]
        let collector = RecordCollector(plan: plan, options: options, samples: samples)
        let spikingNeurons = zip(plan.populationShapes, plan.populationNeurons).reduce(0) { $0 + ($1.1 == nil ? 0 : $1.0.count) }
        if options.threads > 1 && samples < options.threads && spikingNeurons >= options.minimumNeuronsPerBlock * options.threads {
            return runSharingSamples(images: images, plan: plan, options: options, collector: collector)
        }
        let workers = max(1, min(options.threads, samples))
        let network = self.network
        // Workers take samples in small blocks, so a direct-input linear layer computes the constant
        // currents of a whole block with one pass over its weights.
        let block = max(1, min(64, samples / (workers * 4)))
        let dispenser = SampleDispenser(count: samples, block: block)
        let directSynapse = plan.operations.lazy.compactMap { operation -> Int? in
            if case .synaptic(let s, _, true) = operation { return s }
            return nil
        }.first
        parallelFor(workers, threads: workers) { worker in
            // The first worker reads the shared plan; the others their own copies of it.
            let plan = worker == 0 ? plan : plan.workerCopy()
            let steps = WorkerSteps(plan: plan, options: options)
            let state = SampleState(plan: plan, network: network)
            var totals = WorkerTotals(plan: plan, timeSteps: options.timeSteps)
            while let range = dispenser.next() {
                var currents: [[Float]] = []
                if let s = directSynapse {
                    currents = InputEncoder.directCurrents(imagesHWC: range.map { InputEncoder.imageHWC(images, sample: $0) },
                                                           synapse: plan.synapses[s])
                }
                for n in range {
                    let result = Self.simulate(sample: n, images: images, plan: plan, steps: steps.forSample(n, options: options),
                                               state: state, options: options,
                                               directCurrent: currents.isEmpty ? [] : currents[n - range.lowerBound],
                                               totals: &totals)
                    collector.store(sample: n, result)
                }
            }
            collector.merge(totals)
        }
        return collector.record()
    }

    /// What one sample contributes beyond the summed counts.
    struct SampleResult {
        var outputs: [[Float]]          // per checkpoint
        var lastSpike: [[Int32]]?       // per population
        var raster: [[[Int]]]?          // per population, per followed neuron
        var events: [CapturedEvent]?    // when this sample's events are captured
    }

    /// One worker's compiled steps: for the samples that record their spike lists (raster, captured
    /// events) and for the rest, which may fuse populations into their pooling.
    struct WorkerSteps {
        let recording: EventStepPlan
        let plain: EventStepPlan

        init(plan: SimulationPlan, options: SimulationOptions, team: EventStepPlan.TeamRole? = nil) {
            let schedule = StepSchedule(plan: plan)
            recording = EventStepPlan(schedule: schedule, plan: plan, options: options, recordsEvents: true, team: team)
            plain = EventStepPlan(schedule: schedule, plan: plan, options: options, recordsEvents: false, team: team)
        }

        /// The steps sample `n` runs.
        func forSample(_ n: Int, options: SimulationOptions) -> EventStepPlan {
            let recordsEvents = n < options.captureEventsForSamples || (n == 0 && options.rasterNeuronsPerPopulation > 0)
            return recordsEvents ? recording : plain
        }
    }

    /// Simulates one sample for all T steps: for each step, the compiled entries in order, then the
    /// record (output potentials at the checkpoints).
    /// `directCurrent`: under direct encoding, the first synapse's current for this image
    /// (`InputEncoder.directCurrent`).
    /// `team`: the workers sharing this sample and which one this is (nil: this worker alone).
    static func simulate(sample n: Int, images: Tensor, plan: SimulationPlan, steps: EventStepPlan, state: SampleState,
                         options: SimulationOptions, directCurrent: [Float], totals: inout WorkerTotals,
                         team: TeamMember? = nil) -> SampleResult {
        state.reset()
        let image = InputEncoder.imageHWC(images, sample: n)
        let encoder = InputEncoder(encoding: options.encoding, seed: options.seed)
        var generator = encoder.generator(forSample: options.firstSampleIndex + n)
        for case .synaptic(_, let p, true) in plan.operations { state.populations[p].constantCurrent = directCurrent }
        let checkpoints = options.effectiveCheckpoints
        var outputs: [[Float]] = []
        let output = state.populations[state.populations.count - 1]
        // Spike lists are recorded (raster, captured events) by the first worker, from whole lists.
        let leads = (team?.worker ?? 0) == 0
        let followed = n == 0 && leads ? RasterFollower(plan: plan, perPopulation: options.rasterNeuronsPerPopulation) : nil
        var raster = followed.map { f in f.neurons.map { $0.map { _ in [Int]() } } }
        var captured: [CapturedEvent]? = leads && n < options.captureEventsForSamples ? [] : nil
        func events(_ source: EventStepPlan.Source) -> SpikeEvents {
            switch source {
            case .input: return state.input
            case .spikes(let p): return state.populations[p].spikes
            case .gathered(let slot): return state.gathered[slot]
            case .poolOutput(let layer): return state.pooling[layer]?.output ?? SpikeEvents()
            }
        }
        /// Joins a band's list across the team (`EventStepPlan.Gather`).
        func join(_ part: SpikeEvents, _ gather: EventStepPlan.Gather, t: Int) {
            guard let team else { return }
            if gather.joinsPendingFlags {
                let population = state.populations[gather.slot]
                let pending = team.team.gather(part, slot: gather.slot, t: t, worker: team.worker, into: &state.gathered[gather.slot],
                                               flags: population.flags[0] & EventKernels.aboveThreshold)
                population.flags[0] |= pending
            } else {
                team.team.gather(part, slot: gather.slot, t: t, worker: team.worker, into: &state.gathered[gather.slot])
            }
        }
        func record(_ events: SpikeEvents, population p: Int, t: Int) {
            if let followed, raster != nil { followed.record(events, population: p, t: t, into: &raster!) }
            if captured != nil { captured!.append(events, sample: n, step: t, population: Int32(p)) }
        }

        for t in 0..<options.timeSteps {
            if options.encoding == .poisson {
                encoder.poissonEvents(imageHWC: image, generator: &generator, into: &state.input)
                if captured != nil {
                    captured!.append(state.input, sample: n, step: t, population: CapturedEvent.inputPopulation)
                }
            }
            for entry in steps.entries {
                switch entry {
                case .deliver(let s, let source, let p):
                    totals.synapticOps[s][t] += Int64(deliver(events(source), plan, s, into: state.populations[p]))
                case .directIntoOutput(let p):
                    let population = state.populations[p]
                    EventKernels.copy(directCurrent, into: &population.current)
                    population.touchAll()
                case .fire(let p, let constantCurrent, let records, let gather):
                    let population = state.populations[p]
                    fire(population, index: p, t: t, options: options, totals: &totals, constantCurrent: constantCurrent)
                    if let gather { join(population.spikes, gather, t: t) }
                    if records { record(gather.map { state.gathered[$0.slot] } ?? population.spikes, population: p, t: t) }
                case .accumulate(let p):
                    let population = state.populations[p]
                    let channels = population.shape.channels
                    population.withBuffers { b in
                        EventKernels.accumulateOutput(potential: &b.membrane, current: &b.current, flags: &b.flags,
                                                      channels: channels)
                    }
                case .fireIntoPooling(let p, let pooling, let gather):
                    guard let pool = state.pooling[pooling.layer], let table = plan.poolingTables[pooling.layer] else { continue }
                    stepIntoPooling(state.populations[p], index: p, t: t, options: options, pool: pool, table: table,
                                    totals: &totals)
                    EventPooling.emitAverage(channels: pooling.channels, outputs: pooling.outputs, kernel: pooling.kernel,
                                             sums: &pool.values, touched: &pool.touched, output: &pool.output,
                                             scratchIndices: &pool.scratchIndices, scratchValues: &pool.scratchValues)
                    if let gather { join(pool.output, gather, t: t) }
                case .constantCurrentIntoPooling(let p, let pooling, let gather):
                    guard let pool = state.pooling[pooling.layer], let table = plan.poolingTables[pooling.layer] else { continue }
                    // The population's pooled sums for the next steps, computed ahead.
                    let ahead = state.poolingAhead(layer: pooling.layer, outputs: pooling.outputs, channels: pooling.channels,
                                                   timeSteps: options.timeSteps)
                    if !ahead.holds(step: t) { fillAhead(ahead, state.populations[p], from: t, options: options, table: table) }
                    let counts = ahead.counts[t - ahead.firstStep]
                    totals.spikes[p][t] += Int64(counts.spikes)
                    totals.neuronUpdates[p][t] += Int64(counts.neuronUpdates)
                    EventPooling.emitAverage(channels: pooling.channels, outputs: pooling.outputs, kernel: pooling.kernel,
                                             sums: ahead.sums(step: t), touched: ahead.touched(step: t), output: &pool.output,
                                             scratchIndices: &pool.scratchIndices, scratchValues: &pool.scratchValues)
                    if let gather { join(pool.output, gather, t: t) }
                case .averagePool(let layer, let source, let shape, let k, let stride, let padding):
                    guard let pool = state.pooling[layer], let table = plan.poolingTables[layer] else { continue }
                    EventPooling.average(events(source), shape: shape, kernel: k, stride: stride, padding: padding, table: table,
                                         sums: &pool.values, touched: &pool.touched, output: &pool.output,
                                         scratchIndices: &pool.scratchIndices, scratchValues: &pool.scratchValues)
                case .maxPool(let layer, let source, let shape, let k, let stride, let padding):
                    guard let pool = state.pooling[layer], let table = plan.poolingTables[layer] else { continue }
                    EventPooling.maximum(events(source), shape: shape, kernel: k, stride: stride, padding: padding, table: table,
                                         maxima: &pool.values,
                                         counts: &pool.counts, touched: &pool.touched, output: &pool.output)
                }
                #if SPIKEKIT_INTERNAL_CHECKS
                checkInvariants(after: entry, state: state, steps: steps)
                #endif
            }
            if checkpoints.contains(t + 1) { outputs.append(output.membrane) }
        }
        let lastSpike = options.recordLastSpike ? state.populations.map { $0.lastSpike } : nil
        return SampleResult(outputs: outputs, lastSpike: lastSpike, raster: raster, events: captured)
    }

    /// Delivers events into a population's current, after adding the synapse's bias, if any.
    @inline(__always)
    static func deliver(_ events: SpikeEvents, _ plan: SimulationPlan, _ s: Int, into population: PopulationState) -> Int {
        let synapse = plan.synapses[s]
        let band = population.band
        if let bias = synapse.bias {
            EventKernels.addBias(bias, to: &population.current, channels: population.shape.channels, band: band)
            population.touchAll()
        }
        let runs = plan.convolutionRuns[s]
        return population.withBuffers { b in
            EventKernels.deliver(events, through: synapse, runs: runs, current: &b.current, touched: &b.flags, band: band)
        }
    }

    /// Simulates a constant-current population from step `t` for as many steps as `ahead` holds
    /// (`EventKernels.constantCurrentIntoPooling`).
    @inline(never)
    static func fillAhead(_ ahead: PoolingAhead, _ population: PopulationState, from t: Int, options: SimulationOptions,
                          table: FanOutTable) {
        guard let neurons = population.neurons else { return }
        let steps = min(ahead.capacity, options.timeSteps - t)
        let shape = population.shape, positions = population.band.positions
        ahead.firstStep = t
        ahead.counts = population.withBuffers { b in
            EventKernels.constantCurrentIntoPooling(membrane: &b.membrane, synaptic: &b.synaptic, current: b.constantCurrent, shape: shape,
                                                    neurons: neurons, ordering: options.ordering, firstStep: t, steps: steps,
                                                    poolTable: table, ahead: ahead, positions: positions)
        }
    }

    /// `fire` fused with the average pooling that follows (see `EventKernels.stepIntoPooling`): the
    /// population's counts, its spikes added straight into `pool`'s sums. (A direct-input population
    /// goes through `fillAhead` instead.)
    @inline(never)
    static func stepIntoPooling(_ population: PopulationState, index p: Int, t: Int, options: SimulationOptions,
                                pool: PoolingState, table: FanOutTable, totals: inout WorkerTotals) {
        guard let neurons = population.neurons else { return }
        let ordering = options.ordering, shape = population.shape, positions = population.band.positions
        let counts = population.withBuffers { b in
            b.spikes.removeAll(binary: true)
            return EventKernels.stepIntoPooling(membrane: &b.membrane, synaptic: &b.synaptic, current: &b.current, flags: &b.flags,
                                                stamps: &b.stamps, shape: shape, neurons: neurons, ordering: ordering, t: t,
                                                poolTable: table, sums: &pool.values, touched: &pool.touched,
                                                positions: positions)
        }
        totals.spikes[p][t] += Int64(counts.spikes)
        totals.neuronUpdates[p][t] += Int64(counts.neuronUpdates)
    }

    /// The threshold / integrate / reset phases of one population (its band), and its counts. With
    /// `constantCurrent`, the population integrates `population.constantCurrent` (direct input, the
    /// same every step) instead of a delivered current.
    @inline(__always)
    static func fire(_ population: PopulationState, index p: Int, t: Int, options: SimulationOptions,
                     totals: inout WorkerTotals, constantCurrent: Bool = false) {
        guard let neurons = population.neurons else { return }
        let ordering = options.ordering, record = options.recordMaxInputCurrent, shape = population.shape
        let band = population.band
        let counts = population.withBuffers { b in
            b.spikes.removeAll(binary: true)
            if constantCurrent {
                return EventKernels.step(membrane: &b.membrane, synaptic: &b.synaptic, current: &b.constantCurrent, flags: &b.flags, stamps: &b.stamps,
                                         lastSpike: &b.lastSpike, shape: shape, neurons: neurons, ordering: ordering, t: t,
                                         spikes: &b.spikes, scratch: &b.spikeScratch, recordMaxCurrent: record,
                                         constantCurrent: true, band: band)
            }
            return EventKernels.step(membrane: &b.membrane, synaptic: &b.synaptic, current: &b.current, flags: &b.flags, stamps: &b.stamps,
                                     lastSpike: &b.lastSpike, shape: shape, neurons: neurons, ordering: ordering, t: t,
                                     spikes: &b.spikes, scratch: &b.spikeScratch, recordMaxCurrent: record, band: band)
        }
        totals.spikes[p][t] += Int64(counts.spikes)
        totals.neuronUpdates[p][t] += Int64(counts.neuronUpdates)
        if counts.maxCurrent > totals.maxInputCurrent[p] { totals.maxInputCurrent[p] = counts.maxCurrent }
    }
}

/// Per-worker sums of the counts, merged into the record when the worker finishes.
struct WorkerTotals {
    var spikes: [[Int64]]
    var neuronUpdates: [[Int64]]
    var synapticOps: [[Int64]]
    var maxInputCurrent: [Float]

    init(plan: SimulationPlan, timeSteps: Int) {
        let zeros = [Int64](repeating: 0, count: timeSteps)
        spikes = Array(repeating: zeros, count: plan.populationShapes.count)
        neuronUpdates = spikes
        synapticOps = Array(repeating: zeros, count: plan.synapses.count)
        maxInputCurrent = Array(repeating: 0, count: plan.populationShapes.count)
    }

    mutating func add(_ other: WorkerTotals) {
        for p in spikes.indices {
            for t in spikes[p].indices {
                spikes[p][t] += other.spikes[p][t]
                neuronUpdates[p][t] += other.neuronUpdates[p][t]
            }
            maxInputCurrent[p] = max(maxInputCurrent[p], other.maxInputCurrent[p])
        }
        for s in synapticOps.indices { for t in synapticOps[s].indices { synapticOps[s][t] += other.synapticOps[s][t] } }
    }
}

/// Which neurons of sample 0 a raster follows: `perPopulation` evenly spaced neurons of each population.
struct RasterFollower {
    let neurons: [[Int]]
    private let slots: [[Int: Int]]

    init?(plan: SimulationPlan, perPopulation: Int) {
        guard perPopulation > 0 else { return nil }
        var neurons: [[Int]] = []
        for (p, shape) in plan.populationShapes.enumerated() {
            // The output layer accumulates potential and never spikes: nothing to follow.
            let k = plan.populationNeurons[p] == nil ? 0 : min(perPopulation, shape.count)
            neurons.append((0..<k).map { $0 * shape.count / k })
        }
        self.neurons = neurons
        slots = neurons.map { list in Dictionary(uniqueKeysWithValues: list.enumerated().map { ($1, $0) }) }
    }

    func record(_ spikes: SpikeEvents, population p: Int, t: Int, into raster: inout [[[Int]]]) {
        for index in spikes.indices {
            if let slot = slots[p][Int(index)] { raster[p][slot].append(t) }
        }
    }
}

/// Hands out sample indices to workers, one at a time.
final class SampleDispenser: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int
    private let block: Int
    init(count: Int, block: Int = 1) {
        self.count = count
        self.block = max(1, block)
    }

    /// The next block of consecutive samples, or nil when all are taken.
    func next() -> Range<Int>? {
        lock.lock(); defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        let range = nextIndex..<min(count, nextIndex + block)
        nextIndex = range.upperBound
        return range
    }
}

/// Gathers per-sample results and per-worker totals under a lock, then assembles the record in
/// sample order.
final class RecordCollector: @unchecked Sendable {
    private let lock = NSLock()
    private let plan: SimulationPlan
    private let options: SimulationOptions
    private let samples: Int
    private var totals: WorkerTotals
    private var results: [EventScheduler.SampleResult?]

    init(plan: SimulationPlan, options: SimulationOptions, samples: Int) {
        self.plan = plan
        self.options = options
        self.samples = samples
        totals = WorkerTotals(plan: plan, timeSteps: options.timeSteps)
        results = Array(repeating: nil, count: samples)
    }

    func store(sample n: Int, _ result: EventScheduler.SampleResult) {
        lock.lock(); results[n] = result; lock.unlock()
    }

    /// Folds another worker's last-spike steps for sample `n` into the stored result (elementwise
    /// maximum; a worker's steps are −1 outside its band). The first worker's result must be stored.
    func mergeLastSpike(sample n: Int, _ lastSpike: [[Int32]]) {
        lock.lock(); defer { lock.unlock() }
        guard var stored = results[n]?.lastSpike else { return }
        for p in stored.indices {
            for i in stored[p].indices where lastSpike[p][i] > stored[p][i] { stored[p][i] = lastSpike[p][i] }
        }
        results[n]?.lastSpike = stored
    }

    func merge(_ worker: WorkerTotals) {
        lock.lock(); totals.add(worker); lock.unlock()
    }

    func record() -> SimulationRecord {
        lock.lock(); defer { lock.unlock() }
        let checkpoints = options.effectiveCheckpoints
        let classes = plan.populationShapes.last?.count ?? 0
        var outputs: [Int: Tensor] = [:]
        for (k, step) in checkpoints.enumerated() {
            var values = [Float](); values.reserveCapacity(samples * classes)
            for n in 0..<samples { values += results[n]?.outputs[k] ?? [Float](repeating: 0, count: classes) }
            outputs[step] = Tensor(shape: [samples, classes], scalars: values)
        }
        var lastSpike: [[Int32]]?
        if options.recordLastSpike {
            lastSpike = plan.populationShapes.indices.map { p in
                results.flatMap { $0?.lastSpike?[p] ?? [] }
            }
        }
        var raster: SpikeRaster?
        if let r = results.first??.raster, let follower = RasterFollower(plan: plan, perPopulation: options.rasterNeuronsPerPopulation) {
            raster = SpikeRaster(neurons: follower.neurons, times: r, populationNames: plan.populationNames)
        }
        let events = options.captureEventsForSamples > 0
            ? results.prefix(options.captureEventsForSamples).flatMap { $0?.events ?? [] } : nil
        return SimulationRecord(timeSteps: options.timeSteps, samples: samples, populationNames: plan.populationNames,
                                populationSizes: plan.populationShapes.map(\.count), spikes: totals.spikes,
                                neuronUpdates: totals.neuronUpdates, maxInputCurrent: totals.maxInputCurrent,
                                synapseNames: plan.synapses.map(\.name), synapticOps: totals.synapticOps,
                                outputs: outputs, lastSpike: lastSpike, raster: raster, events: events)
    }
}
