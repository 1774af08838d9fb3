extension EventKernels {
    /// `step` fused with the average pooling that takes its spikes, for when nobody needs the spike
    /// list itself (no event capture, raster, last-spike record or input-current maximum).
    ///
    /// Instead of emitting each spike and routing it through the pooling table, every vector of 16
    /// neurons that fired adds its fire mask (1 where a neuron spiked, 0 elsewhere) into the pooled
    /// sums of each window its position belongs to. These are the additions `EventPooling.average`
    /// makes for the same spikes, in the same order (positions ascend, and adding 0 leaves a sum
    /// unchanged), so the sums — and everything downstream — are bit-identical to the unfused path.
    /// Membranes, flags and stamps are updated exactly as `step` does; `pool` then needs only
    /// `EventPooling.emitAverage`. Returns the step's counts. With `positions`, only those positions
    /// are stepped (a band of whole pooling rows, see `NeuronBand`).
    static func stepIntoPooling(membrane: inout [Float], synaptic: inout [Float], current: inout [Float], flags: inout [UInt8],
                                stamps: inout [Int32],
                                shape: FeatureShape, neurons p: NeuronParameters, ordering: SpikeOrdering, t: Int,
                                poolTable table: FanOutTable, sums: inout [Float],
                                touched: inout [UInt8], positions: Range<Int>? = nil) -> StepCounts {
        let channels = shape.channels
        precondition(current.count == membrane.count && table.starts.count == shape.positions + 1,
                     "stepIntoPooling: \(current.count) currents, \(membrane.count) neurons, \(table.starts.count - 1) table positions")
        precondition(!p.model.hasSynapticCurrent || synaptic.count == membrane.count,
                     "stepIntoPooling: \(synaptic.count) synaptic currents for \(membrane.count) current-based neurons")
        let update = NeuronUpdate(neurons: p, ordering: ordering, t: t)
        return membrane.withUnsafeMutableBufferPointer { u in
        synaptic.withUnsafeMutableBufferPointer { syn in
        current.withUnsafeMutableBufferPointer { cur in
        flags.withUnsafeMutableBufferPointer { fl in
        stamps.withUnsafeMutableBufferPointer { st in
        table.starts.withUnsafeBufferPointer { starts in
        table.targets.withUnsafeBufferPointer { targets in
        sums.withUnsafeMutableBufferPointer { sm in
        touched.withUnsafeMutableBufferPointer { tch in
            // One copy of the loop per synaptic-current kind (see `NeuronDynamics`).
            update.dynamics.currentBased
                ? stepIntoPooling(FilteredSynapticCurrent.self, u: u, syn: syn, cur: cur, fl: fl, st: st, starts: starts,
                                  targets: targets, sums: sm, touched: tch, positions: positions ?? 0..<shape.positions,
                                  channels: channels, update: update)
                : stepIntoPooling(NoSynapticCurrent.self, u: u, syn: syn, cur: cur, fl: fl, st: st, starts: starts,
                                  targets: targets, sums: sm, touched: tch, positions: positions ?? 0..<shape.positions,
                                  channels: channels, update: update)
        } } } } } } } } }
    }

    /// The loop of `stepIntoPooling` on borrowed buffers, its counters in locals (a counter captured
    /// by the closures that borrow the arrays would live in memory).
    private static func stepIntoPooling<S: SynapticCurrent>(_ kind: S.Type, u: UnsafeMutableBufferPointer<Float>,
                                                            syn: UnsafeMutableBufferPointer<Float>,
                                        cur: UnsafeMutableBufferPointer<Float>,
                                        fl: UnsafeMutableBufferPointer<UInt8>, st: UnsafeMutableBufferPointer<Int32>,
                                        starts: UnsafeBufferPointer<Int32>, targets: UnsafeBufferPointer<Int32>,
                                        sums sm: UnsafeMutableBufferPointer<Float>, touched tch: UnsafeMutableBufferPointer<UInt8>,
                                        positions: Range<Int>, channels: Int, update: NeuronUpdate) -> StepCounts {
        guard let ub = u.baseAddress, let cb = cur.baseAddress, let sb = sm.baseAddress else { return StepCounts() }
        let t32 = update.t32, dynamics = update.dynamics
        let one = SIMD16<Float>(repeating: 1), zero = SIMD16<Float>()
        // Spikes of the vector lanes are tallied as the fire masks themselves (exact: far below 2^24).
        var tally = SIMD16<Float>()
        var scalarSpikes = 0, updates = 0
        for position in positions {
            if fl[position] == 0 { continue }
            let base = position &* channels
            update.catchUpDecay(u, base: base, channels: channels, lastVisit: st[position])
            let windows = Int(starts[position])..<Int(starts[position &+ 1])
            var pending = false
            var c = 0
            while c &+ 16 <= channels {
                let um = UnsafeMutableRawPointer(ub + base + c), cm = UnsafeMutableRawPointer(cb + base + c)
                var i = SIMD16<Float>()
                if S.isModelled { i = UnsafeRawPointer(syn.baseAddress! + base + c).loadUnaligned(as: SIMD16<Float>.self) }
                let (v, fires, next) = update.vector(kind, previous: um.loadUnaligned(as: SIMD16<Float>.self),
                                                     input: cm.loadUnaligned(as: SIMD16<Float>.self), synaptic: i)
                i = next
                if S.isModelled { UnsafeMutableRawPointer(syn.baseAddress! + base + c).storeBytes(of: i, as: SIMD16<Float>.self) }
                if LaneMask.any(fires) {
                    let mask = zero.replacing(with: one, where: fires)
                    tally += mask
                    for r in windows {
                        let op = Int(targets[r])
                        let sum = UnsafeMutableRawPointer(sb + (op &* channels &+ c))
                        sum.storeBytes(of: sum.loadUnaligned(as: SIMD16<Float>.self) + mask, as: SIMD16<Float>.self)
                        tch[op] = 1
                    }
                }
                if dynamics.pending(kind, membrane: v, synaptic: i) { pending = true }
                um.storeBytes(of: v, as: SIMD16<Float>.self)
                cm.storeBytes(of: zero, as: SIMD16<Float>.self)
                c &+= 16
            }
            while c < channels {
                let n = base &+ c
                var i: Float = S.isModelled ? syn[n] : 0
                let (v, fires) = update.scalar(kind, previous: u[n], input: cur[n], synaptic: &i)
                if S.isModelled { syn[n] = i }
                if fires {
                    scalarSpikes &+= 1
                    for r in windows {
                        let op = Int(targets[r])
                        sm[op &* channels &+ c] += 1
                        tch[op] = 1
                    }
                }
                if dynamics.pending(kind, membrane: v, synaptic: i) { pending = true }
                u[n] = v
                cur[n] = 0
                c &+= 1
            }
            st[position] = t32
            fl[position] = pending ? aboveThreshold : 0
            updates &+= channels
        }
        var counts = StepCounts()
        counts.spikes = scalarSpikes &+ Int(tally.sum())
        counts.neuronUpdates = updates
        return counts
    }
}
