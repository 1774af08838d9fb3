extension EventKernels {
    /// `stepIntoPooling` for a population driven by a constant current (direct input), run for
    /// `steps` consecutive time steps at once, position by position.
    ///
    /// Such a population depends on no other layer, so nothing forces it to advance in lock-step with
    /// the rest of the network. Taking one position (16 channels) through all the steps keeps its
    /// membranes in a register and reads its current once, where step-by-step simulation streams the
    /// population's membranes and currents through the cache once per step. Each neuron performs the
    /// same updates (`NeuronDynamics.update`, every step, as a constant current visits every neuron),
    /// and step t's pooled sums `sums[t]` receive their fire masks in ascending position order, as
    /// `stepIntoPooling` adds them at step t: the sums, and so everything downstream, are the same bits.
    ///
    /// Step s's sums and flags are `ahead.sums(step: s)` and `ahead.touched(step: s)`; returns the
    /// counts of each step. `firstStep` is the step the first of them simulates.
    static func constantCurrentIntoPooling(membrane: inout [Float], synaptic: inout [Float], current: [Float], shape: FeatureShape,
                                           neurons p: NeuronParameters, ordering: SpikeOrdering, firstStep: Int,
                                           steps: Int, poolTable table: FanOutTable, ahead: PoolingAhead,
                                           positions: Range<Int>) -> [StepCounts] {
        let channels = shape.channels
        precondition(current.count == membrane.count && table.starts.count == shape.positions + 1 && steps <= ahead.capacity,
                     "constantCurrentIntoPooling: \(current.count) currents, \(membrane.count) neurons, room for \(ahead.capacity) of \(steps) steps")
        precondition(!p.model.hasSynapticCurrent || synaptic.count == membrane.count,
                     "constantCurrentIntoPooling: \(synaptic.count) synaptic currents for \(membrane.count) current-based neurons")
        let update = NeuronUpdate(neurons: p, ordering: ordering, t: firstStep)
        let currentBased = update.dynamics.currentBased
        let one = SIMD16<Float>(repeating: 1), zero = SIMD16<Float>()
        var spikes = [Int](repeating: 0, count: steps)
        let sumBase = ahead.sumsBase, sumStride = ahead.outputCount
        let touchedBase = ahead.touchedBase, touchedStride = ahead.outputPositions
        // One copy of the loop per synaptic-current kind (see `NeuronDynamics`).
        func run<S: SynapticCurrent>(_ kind: S.Type) {
        membrane.withUnsafeMutableBufferPointer { u in
        synaptic.withUnsafeMutableBufferPointer { syn in
        current.withUnsafeBufferPointer { cur in
        table.starts.withUnsafeBufferPointer { starts in
        table.targets.withUnsafeBufferPointer { targets in
        spikes.withUnsafeMutableBufferPointer { counted in
            guard let ub = u.baseAddress, let cb = cur.baseAddress else { return }
            for position in positions {
                let base = position &* channels
                let windows = Int(starts[position])..<Int(starts[position &+ 1])
                var c = 0
                while c &+ 16 <= channels {
                    let um = UnsafeMutableRawPointer(ub + base + c)
                    let input = UnsafeRawPointer(cb + base + c).loadUnaligned(as: SIMD16<Float>.self)
                    var v = um.loadUnaligned(as: SIMD16<Float>.self)
                    // A current-based neuron's synaptic current stays in a register with its membrane.
                    var i = SIMD16<Float>()
                    if S.isModelled { i = UnsafeRawPointer(syn.baseAddress! + base + c).loadUnaligned(as: SIMD16<Float>.self) }
                    for t in 0..<steps {
                        let (next, fires, current) = update.vector(kind, previous: v, input: input, synaptic: i)
                        v = next
                        i = current
                        if LaneMask.any(fires) {
                            let mask = zero.replacing(with: one, where: fires)
                            counted[t] &+= LaneMask.bits(fires).nonzeroBitCount
                            for r in windows {
                                let op = Int(targets[r])
                                let sum = UnsafeMutableRawPointer(sumBase + (t &* sumStride &+ op &* channels &+ c))
                                sum.storeBytes(of: sum.loadUnaligned(as: SIMD16<Float>.self) + mask, as: SIMD16<Float>.self)
                                touchedBase[t &* touchedStride &+ op] = 1
                            }
                        }
                    }
                    um.storeBytes(of: v, as: SIMD16<Float>.self)
                    if S.isModelled { UnsafeMutableRawPointer(syn.baseAddress! + base + c).storeBytes(of: i, as: SIMD16<Float>.self) }
                    c &+= 16
                }
                while c < channels {
                    let n = base &+ c
                    var v = u[n]
                    var i: Float = S.isModelled ? syn[n] : 0
                    let input = cur[n]
                    for t in 0..<steps {
                        let (next, fires) = update.scalar(kind, previous: v, input: input, synaptic: &i)
                        v = next
                        if fires {
                            counted[t] &+= 1
                            for r in windows {
                                let op = Int(targets[r])
                                sumBase[t &* sumStride &+ op &* channels &+ c] += 1
                                touchedBase[t &* touchedStride &+ op] = 1
                            }
                        }
                    }
                    u[n] = v
                    if S.isModelled { syn[n] = i }
                    c &+= 1
                }
            }
        } } } } } }
        }
        if currentBased { run(FilteredSynapticCurrent.self) } else { run(NoSynapticCurrent.self) }
        let updates = positions.count * channels
        return spikes.map { StepCounts(spikes: $0, neuronUpdates: updates, maxCurrent: 0) }
    }
}

/// The pooled sums and touched flags of up to `capacity` time steps of one pooling stage, which
/// `EventKernels.constantCurrentIntoPooling` fills ahead of the time loop; `EventPooling.emitAverage`
/// turns step s's into events (and zeroes them) when the simulation reaches it.
final class PoolingAhead {
    let capacity: Int
    let outputCount: Int
    let outputPositions: Int
    let sumsBase: UnsafeMutablePointer<Float>
    let touchedBase: UnsafeMutablePointer<UInt8>
    /// The step held in slot 0, and the counts of the steps filled.
    var firstStep = 0
    var counts: [EventKernels.StepCounts] = []

    init(capacity: Int, outputPositions: Int, channels: Int) {
        self.capacity = capacity
        outputCount = outputPositions * channels
        self.outputPositions = outputPositions
        sumsBase = .allocate(capacity: capacity * outputCount)
        sumsBase.initialize(repeating: 0, count: capacity * outputCount)
        touchedBase = .allocate(capacity: capacity * outputPositions)
        touchedBase.initialize(repeating: 0, count: capacity * outputPositions)
    }

    deinit {
        sumsBase.deallocate()
        touchedBase.deallocate()
    }

    /// Whether step t's sums are held.
    func holds(step t: Int) -> Bool { t >= firstStep && t < firstStep + counts.count }

    func sums(step t: Int) -> UnsafeMutablePointer<Float> { sumsBase + (t - firstStep) * outputCount }
    func touched(step t: Int) -> UnsafeMutablePointer<UInt8> { touchedBase + (t - firstStep) * outputPositions }
}
