/// The hot loops of the event-driven simulator: delivering sparse events through synapses into
/// membrane currents, and integrating, thresholding and resetting a population.
///
/// Every floating-point step here has a twin in `DenseReferenceSimulator`, and the two must give
/// bit-identical results, so the arithmetic is pinned down:
/// - an event with value v adds `fma(v, w, I)` to each target current (for binary spikes `I + w`,
///   which is the same number since `fma(1, w, I)` rounds `I + w` once);
/// - a target receives its contributions in ascending input index order (events are ascending, and
///   each input reaches a given target through exactly one weight);
/// - the membrane update is `λ·u + I`, then the reset.
enum EventKernels {
    /// dst[0..<n] += src[0..<n].
    @inline(__always)
    static func addRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count n: Int) {
        var i = 0
        // Element pointers rather than byte offsets: `i * 4` would be checked for overflow every time.
        while i &+ 16 <= n {
            let d = UnsafeMutableRawPointer(dst + i)
            let a = d.loadUnaligned(as: SIMD16<Float>.self)
            let b = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float>.self)
            d.storeBytes(of: a + b, as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < n { dst[i] += src[i]; i += 1 }
    }

    /// For g = 0, 1, … `group` − 1 in order: dst[0..<n] = fma(scales[g], src[offsets[g] ..< offsets[g] + n], dst[0..<n]),
    /// with each destination vector loaded and stored once, four vectors at a time so their sums
    /// advance independently.
    @inline(__always)
    static func addWeightGroup(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                               offsets: UnsafeMutableBufferPointer<Int>, scales: UnsafeMutableBufferPointer<Float>,
                               group: Int, count n: Int) {
        typealias V = SIMD16<Float>
        var i = 0
        while i &+ 64 <= n {
            let d = UnsafeMutableRawPointer(dst + i)
            var a0 = d.loadUnaligned(as: V.self), a1 = d.loadUnaligned(fromByteOffset: 64, as: V.self)
            var a2 = d.loadUnaligned(fromByteOffset: 128, as: V.self), a3 = d.loadUnaligned(fromByteOffset: 192, as: V.self)
            for g in 0..<group {
                let w = UnsafeRawPointer(src + (offsets[g] &+ i)), v = V(repeating: scales[g])
                a0 = a0.addingProduct(v, w.loadUnaligned(as: V.self))
                a1 = a1.addingProduct(v, w.loadUnaligned(fromByteOffset: 64, as: V.self))
                a2 = a2.addingProduct(v, w.loadUnaligned(fromByteOffset: 128, as: V.self))
                a3 = a3.addingProduct(v, w.loadUnaligned(fromByteOffset: 192, as: V.self))
            }
            d.storeBytes(of: a0, as: V.self)
            d.storeBytes(of: a1, toByteOffset: 64, as: V.self)
            d.storeBytes(of: a2, toByteOffset: 128, as: V.self)
            d.storeBytes(of: a3, toByteOffset: 192, as: V.self)
            i &+= 64
        }
        while i &+ 16 <= n {
            let d = UnsafeMutableRawPointer(dst + i)
            var a = d.loadUnaligned(as: V.self)
            for g in 0..<group {
                a = a.addingProduct(V(repeating: scales[g]), UnsafeRawPointer(src + (offsets[g] &+ i)).loadUnaligned(as: V.self))
            }
            d.storeBytes(of: a, as: V.self)
            i &+= 16
        }
        while i < n {
            var a = dst[i]
            for g in 0..<group { a = a.addingProduct(scales[g], src[offsets[g] &+ i]) }
            dst[i] = a
            i &+= 1
        }
    }

    /// dst[0..<n] = fma(value, src[0..<n], dst[0..<n]).
    @inline(__always)
    static func addScaledRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, value: Float, count n: Int) {
        var i = 0
        let v = SIMD16<Float>(repeating: value)
        while i &+ 16 <= n {
            let d = UnsafeMutableRawPointer(dst + i)
            let a = d.loadUnaligned(as: SIMD16<Float>.self)
            let b = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float>.self)
            d.storeBytes(of: a.addingProduct(v, b), as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < n { dst[i] = dst[i].addingProduct(value, src[i]); i += 1 }
    }

    /// Delivers `events` through `synapse` into `current` (the target population's per-neuron input
    /// current for this step), marking each target position in `touched`. Returns the number of
    /// synaptic operations performed (the summed fan-out of the events).
    ///
    /// With a `band`, only the band's targets receive anything (and only their operations are
    /// counted): each target still gets its contributions in ascending event order, so a band's
    /// currents are the whole delivery's, bit for bit.
    static func deliver(_ events: SpikeEvents, through synapse: Synapse, runs: ConvolutionRuns?,
                        current: inout [Float], touched: inout [UInt8], band: NeuronBand? = nil) -> Int {
        if events.isEmpty { return 0 }
        let band = band ?? .full(synapse.outputShape)
        if band.isEmpty { return 0 }
        switch synapse.connectivity {
        case .identity:
            return current.withUnsafeMutableBufferPointer { cur in
                touched.withUnsafeMutableBufferPointer { tch in
                    let channels = synapse.outputShape.channels
                    var delivered = 0
                    for k in 0..<events.count {
                        let i = Int(events.indices[k])
                        let position = i / channels
                        let channel = i - position * channels
                        guard band.positions.contains(position), band.channels.contains(channel) else { continue }
                        cur[i] = cur[i].addingProduct(events.value(at: k), synapse.identityWeight(channel: channel))
                        tch[position] |= receivedCurrent
                        delivered += 1
                    }
                    return delivered
                }
            }
        case .linear:
            let outputs = synapse.outputShape.count
            let first = band.channels.lowerBound, width = band.channels.count
            return current.withUnsafeMutableBufferPointer { cur in
                synapse.weights.withUnsafeBufferPointer { w in
                    guard let dst = cur.baseAddress.map({ $0 + first }), let wb = w.baseAddress.map({ $0 + first }) else { return 0 }
                    // Every event adds a row onto the same targets: up to 32 events at a time, each
                    // target vector loaded and stored once (`addWeightGroup`; same order, same bits).
                    let chunk = 32, binary = events.isBinary
                    events.indices.withUnsafeBufferPointer { idx in
                    events.values.withUnsafeBufferPointer { val in
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: chunk) { offsets in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk) { scales in
                        var k = 0
                        while k < idx.count {
                            let group = min(chunk, idx.count - k)
                            for g in 0..<group {
                                offsets[g] = Int(idx[k &+ g]) &* outputs
                                scales[g] = binary ? 1 : val[k &+ g]
                            }
                            addWeightGroup(dst, wb, offsets: offsets, scales: scales, group: group, count: width)
                            k &+= group
                        }
                    } } } }
                    touched[0] |= receivedCurrent
                    return events.count * width
                }
            }
        case .convolution(let g) where g.groups > 1:
            return deliverGroupedConvolution(events, geometry: g, runs: runs ?? ConvolutionRuns(synapse: synapse, geometry: g),
                                             current: &current, touched: &touched, targets: band.positions,
                                             channels: band.channels)
        case .convolution(let g):
            return deliverConvolution(events, geometry: g, runs: runs ?? ConvolutionRuns(synapse: synapse, geometry: g),
                                      current: &current, touched: &touched, targets: band.positions, channels: band.channels)
        }
    }

    /// `deliver` for a convolution, into the output positions `band` only. A run covers adjacent
    /// positions of one output row and bands are whole rows, so a run is either inside or outside.
    /// (A band of some channels only is a worker's share of a 1 × 1 map; it adds position by position.)
    private static func deliverConvolution(_ events: SpikeEvents, geometry g: ConvolutionGeometry, runs: ConvolutionRuns,
                                           current: inout [Float], touched: inout [UInt8], targets band: Range<Int>,
                                           channels: Range<Int>) -> Int {
        let (cin, cout) = (g.inChannels, g.outChannels)
        // A band of some channels only (a worker's share of a 1 × 1 map) adds position by position.
        let wholePositions = channels.count == cout
        let (firstChannel, width) = (channels.lowerBound, channels.count)
        let kernelArea = g.kernelHeight * g.kernelWidth
        var targetsReached = 0
        current.withUnsafeMutableBufferPointer { cur in
        touched.withUnsafeMutableBufferPointer { tch in
        runs.mirroredWeights.withUnsafeBufferPointer { w in
        runs.starts.withUnsafeBufferPointer { starts in
        runs.targets.withUnsafeBufferPointer { targets in
        runs.rows.withUnsafeBufferPointer { rows in
        runs.lengths.withUnsafeBufferPointer { lengths in
        events.indices.withUnsafeBufferPointer { idx in
        events.values.withUnsafeBufferPointer { val in
            guard let dst = cur.baseAddress, let wb = w.baseAddress, let tb = tch.baseAddress else { return }
            let binary = events.isBinary
            // Channel counts are usually powers of two: a shift instead of a division per event.
            let shift = cin.nonzeroBitCount == 1 ? cin.trailingZeroBitCount : -1
            let (bandStart, bandEnd) = (band.lowerBound, band.upperBound)
            let count = idx.count
            // The events of one input position (adjacent in the list) share their runs. Adding them
            // one event at a time made each event's load of a target vector wait for the previous
            // event's store to it; instead each target vector is loaded once, receives the group's
            // weights in event order (the order a target receives them one event at a time, so the
            // sums are the same bits; a binary spike adds fma(1, w, I) = I + w) and is stored once.
            withUnsafeTemporaryAllocation(of: Int.self, capacity: max(1, cin)) { offsets in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, cin)) { scales in
                var k = 0
                while k < count {
                    let i = Int(idx[k])
                    let position = shift >= 0 ? i &>> shift : i / cin
                    let positionBase = position &* cin, positionEnd = positionBase &+ cin
                    var group = 0
                    while k < count && Int(idx[k]) < positionEnd {
                        offsets[group] = (Int(idx[k]) &- positionBase) &* kernelArea &* cout
                        scales[group] = binary ? 1 : val[k]
                        group &+= 1
                        k &+= 1
                    }
                    for r in Int(starts[position])..<Int(starts[position &+ 1]) {
                        let target = Int(targets[r]), length = Int(lengths[r])
                        if target < bandStart || target >= bandEnd { continue }
                        // A run's weights are `length · cout` contiguous floats for each event.
                        let row = Int(rows[r]) &* cout
                        if wholePositions {
                            addWeightGroup(dst + target &* cout, wb + row, offsets: offsets, scales: scales,
                                           group: group, count: length &* cout)
                        } else {
                            for j in 0..<length {
                                addWeightGroup(dst + ((target &+ j) &* cout &+ firstChannel), wb + (row &+ j &* cout &+ firstChannel),
                                               offsets: offsets, scales: scales, group: group, count: width)
                            }
                        }
                        for p in target..<(target &+ length) { tb[p] |= receivedCurrent }
                        targetsReached &+= length &* group
                    }
                }
            } }
        } } } } } } } } }
        return targetsReached * width
    }

    /// `deliver` for a grouped convolution: an event at input channel c adds, at each target position
    /// of its runs, the `c_out / G` weights of its row to the channels of c's group only (one weight
    /// per target for a depthwise convolution). Events go one at a time in ascending order, so every
    /// membrane receives its inputs in the dense reference's order.
    private static func deliverGroupedConvolution(_ events: SpikeEvents, geometry g: ConvolutionGeometry, runs: ConvolutionRuns,
                                                  current: inout [Float], touched: inout [UInt8], targets band: Range<Int>,
                                                  channels: Range<Int>) -> Int {
        let (cin, cout, width) = (g.inChannels, g.outChannels, g.outChannelsPerGroup)
        let (perGroup, kernelArea) = (g.inChannelsPerGroup, g.kernelHeight * g.kernelWidth)
        var delivered = 0
        current.withUnsafeMutableBufferPointer { cur in
        touched.withUnsafeMutableBufferPointer { tch in
        runs.mirroredWeights.withUnsafeBufferPointer { w in
            for k in 0..<events.count {
                let i = Int(events.indices[k])
                let (position, c) = i.quotientAndRemainder(dividingBy: cin)
                let scale = events.value(at: k)
                // The group's channels, cut to the band's.
                let first = (c / perGroup) * width
                let lower = max(first, channels.lowerBound), upper = min(first + width, channels.upperBound)
                guard lower < upper else { continue }
                for r in Int(runs.starts[position])..<Int(runs.starts[position + 1]) {
                    let target = Int(runs.targets[r]), length = Int(runs.lengths[r])
                    guard target >= band.lowerBound && target < band.upperBound else { continue }
                    let row = (c * kernelArea + Int(runs.rows[r])) * width
                    for j in 0..<length {
                        let dst = (target + j) * cout, src = row + j * width - first
                        for o in lower..<upper { cur[dst + o] = cur[dst + o].addingProduct(scale, w[src + o]) }
                        tch[target + j] |= receivedCurrent
                    }
                    delivered += length * (upper - lower)
                }
            }
        } } }
        return delivered
    }

    /// Flags of a population's positions: bit 0 = received current this step, bit 1 = some membrane
    /// there ended the previous step above the threshold (it may spike without new input: after a soft
    /// reset from u > 2θ, or in the delayed ordering, which fires one step after the crossing).
    /// Only flagged positions can spike.
    static let receivedCurrent: UInt8 = 1
    static let aboveThreshold: UInt8 = 2

    /// The result of stepping one population for one sample.
    struct StepCounts {
        var spikes = 0
        var neuronUpdates = 0
        var maxCurrent: Float = 0
    }

    /// Runs the integrate / threshold / reset phases (`NeuronDynamics`) of one population at step `t`
    /// (0-based) over the flagged positions in ascending order, appending its spikes (ascending) to
    /// `spikes`. `synaptic` is the synaptic current of a current-based population (empty otherwise).
    ///
    /// - Delayed ordering: s = [u^{t−1} > θ]; u^t = λ·u^{t−1} + I − θ·s (hybrid paper, Eq. 2–3).
    /// - Immediate ordering: u^t = λ·u^{t−1} + I; s = [u^t > θ]; u^t −= θ·s.
    /// A position no event reached, whose membranes all ended the previous step at or below θ and which
    /// holds no synaptic current, cannot spike (without input a membrane only keeps or decays its
    /// value), so it is skipped; with λ < 1 its decay is applied lazily the next time it is visited, as
    /// the same number of multiplications by λ the dense simulation performs.
    ///
    /// With `constantCurrent` (direct input into the first layer), `current` is the input current of
    /// every step: every position is visited and the current is read but not cleared, which saves
    /// copying it in and zeroing it out each step.
    ///
    /// With a `band`, only the band's neurons are stepped (the rest of the population belongs to
    /// other workers).
    static func step(membrane: inout [Float], synaptic: inout [Float], current: inout [Float], flags: inout [UInt8],
                     stamps: inout [Int32], lastSpike: inout [Int32], shape: FeatureShape, neurons p: NeuronParameters,
                     ordering: SpikeOrdering, t: Int, spikes: inout SpikeEvents, scratch: inout [Int32],
                     recordMaxCurrent: Bool, constantCurrent: Bool = false, band: NeuronBand? = nil) -> StepCounts {
        precondition(scratch.count >= membrane.count, "step: a spike scratch of \(scratch.count) for \(membrane.count) neurons")
        precondition(!p.model.hasSynapticCurrent || synaptic.count == membrane.count,
                     "step: \(synaptic.count) synaptic currents for \(membrane.count) current-based neurons")
        let band = band ?? .full(shape)
        if constantCurrent {
            return stepEveryNeuron(membrane: &membrane, synaptic: &synaptic, current: current, lastSpike: &lastSpike,
                                   neurons: p, ordering: ordering, t: t, spikes: &spikes, scratch: &scratch,
                                   recordMaxCurrent: recordMaxCurrent, range: band.neurons(channelsPerPosition: shape.channels))
        }
        var counts = StepCounts()
        // Spikes are written into `scratch` (at most one per neuron) and appended to `spikes` in one
        // go: appending one by one costs a uniqueness check of the array per spike.
        var emitted = 0
        let channels = shape.channels
        let update = NeuronUpdate(neurons: p, ordering: ordering, t: t)
        let dynamics = update.dynamics, currentBased = dynamics.currentBased
        let t32 = Int32(t)
        // One copy of the loop per synaptic-current kind (see `NeuronDynamics`).
        func run<S: SynapticCurrent>(_ kind: S.Type) {
        membrane.withUnsafeMutableBufferPointer { u in
        synaptic.withUnsafeMutableBufferPointer { syn in
        current.withUnsafeMutableBufferPointer { cur in
        flags.withUnsafeMutableBufferPointer { fl in
        stamps.withUnsafeMutableBufferPointer { st in
        lastSpike.withUnsafeMutableBufferPointer { last in
        scratch.withUnsafeMutableBufferPointer { out in
            let (firstChannel, endChannel) = (band.channels.lowerBound, band.channels.upperBound)
            for position in band.positions {
                if fl[position] == 0 { continue }
                let base = position * channels
                update.catchUpDecay(u, base: base + firstChannel, channels: endChannel - firstChannel, lastVisit: st[position])
                var pending = false
                var c = firstChannel
                while c + 16 <= endChannel {
                    let n = base + c
                    let um = UnsafeMutableRawPointer(u.baseAddress! + n), cm = UnsafeMutableRawPointer(cur.baseAddress! + n)
                    let previous = um.loadUnaligned(as: SIMD16<Float>.self)
                    let input = cm.loadUnaligned(as: SIMD16<Float>.self)
                    if recordMaxCurrent { counts.maxCurrent = max(counts.maxCurrent, input.max()) }
                    var i = SIMD16<Float>()
                    if S.isModelled { i = UnsafeRawPointer(syn.baseAddress! + n).loadUnaligned(as: SIMD16<Float>.self) }
                    let v = update.vector(kind, previous: previous, input: input, synaptic: &i, first: n, spikes: out,
                                          emitted: &emitted, lastSpike: last)
                    if S.isModelled { UnsafeMutableRawPointer(syn.baseAddress! + n).storeBytes(of: i, as: SIMD16<Float>.self) }
                    if dynamics.pending(kind, membrane: v, synaptic: i) { pending = true }
                    um.storeBytes(of: v, as: SIMD16<Float>.self)
                    cm.storeBytes(of: SIMD16<Float>(), as: SIMD16<Float>.self)
                    c += 16
                }
                while c < endChannel {
                    let n = base + c
                    let input = cur[n]
                    if recordMaxCurrent && input > counts.maxCurrent { counts.maxCurrent = input }
                    var i: Float = S.isModelled ? syn[n] : 0
                    let v = update.scalar(kind, previous: u[n], input: input, synaptic: &i, neuron: n, spikes: out,
                                          emitted: &emitted, lastSpike: last)
                    if S.isModelled { syn[n] = i }
                    if dynamics.pending(kind, membrane: v, synaptic: i) { pending = true }
                    u[n] = v
                    cur[n] = 0
                    c += 1
                }
                st[position] = t32
                fl[position] = pending ? aboveThreshold : 0
                counts.neuronUpdates += endChannel - firstChannel
            }
        } } } } } } }
        }
        if currentBased { run(FilteredSynapticCurrent.self) } else { run(NoSynapticCurrent.self) }
        counts.spikes = emitted
        spikes.append(binary: scratch[0..<emitted])
        return counts
    }

    /// `step` for a population whose input current is the same every step (direct input): every
    /// neuron is visited every step, so the positions' flags and decay stamps play no part and the
    /// population is one flat run of neurons. The arithmetic per neuron is `step`'s.
    private static func stepEveryNeuron(membrane: inout [Float], synaptic: inout [Float], current: [Float],
                                        lastSpike: inout [Int32], neurons p: NeuronParameters, ordering: SpikeOrdering,
                                        t: Int, spikes: inout SpikeEvents, scratch: inout [Int32],
                                        recordMaxCurrent: Bool, range: Range<Int>) -> StepCounts {
        precondition(current.count == membrane.count, "step: \(current.count) currents for \(membrane.count) neurons")
        var counts = StepCounts()
        var emitted = 0
        let count = range.upperBound
        let update = NeuronUpdate(neurons: p, ordering: ordering, t: t)
        let currentBased = update.dynamics.currentBased
        func run<S: SynapticCurrent>(_ kind: S.Type) {
        membrane.withUnsafeMutableBufferPointer { u in
        synaptic.withUnsafeMutableBufferPointer { syn in
        current.withUnsafeBufferPointer { cur in
        lastSpike.withUnsafeMutableBufferPointer { last in
        scratch.withUnsafeMutableBufferPointer { out in
            guard let ub = u.baseAddress, let cb = cur.baseAddress else { return }
            var n = range.lowerBound
            while n + 16 <= count {
                let um = UnsafeMutableRawPointer(ub + n)
                let input = UnsafeRawPointer(cb + n).loadUnaligned(as: SIMD16<Float>.self)
                if recordMaxCurrent { counts.maxCurrent = max(counts.maxCurrent, input.max()) }
                var i = SIMD16<Float>()
                if S.isModelled { i = UnsafeRawPointer(syn.baseAddress! + n).loadUnaligned(as: SIMD16<Float>.self) }
                let v = update.vector(kind, previous: um.loadUnaligned(as: SIMD16<Float>.self), input: input, synaptic: &i,
                                      first: n, spikes: out, emitted: &emitted, lastSpike: last)
                if S.isModelled { UnsafeMutableRawPointer(syn.baseAddress! + n).storeBytes(of: i, as: SIMD16<Float>.self) }
                um.storeBytes(of: v, as: SIMD16<Float>.self)
                n += 16
            }
            while n < count {
                let input = cur[n]
                if recordMaxCurrent && input > counts.maxCurrent { counts.maxCurrent = input }
                var i: Float = S.isModelled ? syn[n] : 0
                u[n] = update.scalar(kind, previous: u[n], input: input, synaptic: &i, neuron: n, spikes: out, emitted: &emitted,
                                     lastSpike: last)
                if S.isModelled { syn[n] = i }
                n += 1
            }
        } } } } }
        }
        if currentBased { run(FilteredSynapticCurrent.self) } else { run(NoSynapticCurrent.self) }
        counts.spikes = emitted
        counts.neuronUpdates = range.count
        spikes.append(binary: scratch[0..<emitted])
        return counts
    }

    /// `NeuronDynamics` at step t with the spike bookkeeping of the event kernels: spikes written to
    /// `spikes[emitted...]` in ascending order and the neurons' last-spike steps set to t.
    struct NeuronUpdate {
        let dynamics: NeuronDynamics
        let t32: Int32

        init(neurons p: NeuronParameters, ordering: SpikeOrdering, t: Int) {
            dynamics = NeuronDynamics(neurons: p, ordering: ordering)
            t32 = Int32(t)
        }

        /// Neurons `first ..< first + 16` without recording their spikes: the new membranes and which fired.
        @inline(__always)
        func vector<S: SynapticCurrent>(_ kind: S.Type, previous: SIMD16<Float>, input: SIMD16<Float>, synaptic: SIMD16<Float>)
            -> (membrane: SIMD16<Float>, fires: SIMDMask<SIMD16<Int32>>, synaptic: SIMD16<Float>) {
            // The synaptic current by value, not inout: kept in registers across a fused kernel's steps.
            var i = synaptic
            let v = dynamics.integrate(kind, previous: previous, input: input, synaptic: &i)
            let fired = dynamics.fires(previous: previous, integrated: v)
            return (dynamics.reset(v, where: fired), fired, i)
        }

        /// Neurons `first ..< first + 16`; returns their new membranes.
        @inline(__always)
        func vector<S: SynapticCurrent>(_ kind: S.Type, previous: SIMD16<Float>, input: SIMD16<Float>,
                                        synaptic: inout SIMD16<Float>, first n: Int, spikes: UnsafeMutableBufferPointer<Int32>,
                                        emitted: inout Int, lastSpike last: UnsafeMutableBufferPointer<Int32>) -> SIMD16<Float> {
            // The reset is applied only when a lane fired.
            let v = dynamics.integrate(kind, previous: previous, input: input, synaptic: &synaptic)
            let fires = dynamics.fires(previous: previous, integrated: v)
            if !LaneMask.any(fires) { return v }
            var bits = LaneMask.bits(fires)
            while bits != 0 {
                let lane = bits.trailingZeroBitCount
                spikes[emitted] = Int32(truncatingIfNeeded: n &+ lane)
                emitted &+= 1
                last[n &+ lane] = t32
                bits &= bits &- 1
            }
            return dynamics.reset(v, where: fires)
        }

        /// With λ < 1, brings the membranes of one position (`channels` neurons from `base`) from
        /// their last visit at step `lastVisit` up to u^{t−1}: one multiplication per elapsed step, as
        /// the dense update does. (A position is skipped only when it holds no synaptic current, so
        /// the missed steps integrated nothing: v = λ·u + 0.)
        @inline(__always)
        func catchUpDecay(_ u: UnsafeMutableBufferPointer<Float>, base: Int, channels: Int, lastVisit: Int32) {
            let leak = dynamics.leak
            guard leak != 1 else { return }
            var missing = Int(t32) - 1 - Int(lastVisit)
            while missing > 0 {
                for c in 0..<channels { u[base + c] = leak * u[base + c] }
                missing -= 1
            }
        }

        /// One neuron without recording its spike: the new membrane and whether it fired.
        @inline(__always)
        func scalar<S: SynapticCurrent>(_ kind: S.Type, previous: Float, input: Float,
                                        synaptic: inout Float) -> (membrane: Float, fires: Bool) {
            dynamics.update(kind, previous: previous, input: input, synaptic: &synaptic)
        }

        /// Neuron `n`; returns its new membrane.
        @inline(__always)
        func scalar<S: SynapticCurrent>(_ kind: S.Type, previous: Float, input: Float, synaptic: inout Float, neuron n: Int,
                                        spikes: UnsafeMutableBufferPointer<Int32>, emitted: inout Int,
                                        lastSpike last: UnsafeMutableBufferPointer<Int32>) -> Float {
            let (v, fires) = dynamics.update(kind, previous: previous, input: input, synaptic: &synaptic)
            if fires {
                spikes[emitted] = Int32(truncatingIfNeeded: n)
                emitted &+= 1
                last[n] = t32
            }
            return v
        }
    }

    /// Adds this step's current into the output layer's accumulated potential and clears the current.
    static func accumulateOutput(potential: inout [Float], current: inout [Float], flags: inout [UInt8], channels: Int) {
        potential.withUnsafeMutableBufferPointer { v in
            current.withUnsafeMutableBufferPointer { cur in
                for position in 0..<flags.count where flags[position] != 0 {
                    for n in (position * channels)..<((position + 1) * channels) {
                        v[n] += cur[n]
                        cur[n] = 0
                    }
                    flags[position] = 0
                }
            }
        }
    }
}

extension EventKernels {
    /// dst[i] = src[i] for every i (same counts).
    static func copy(_ src: [Float], into dst: inout [Float]) {
        precondition(src.count == dst.count, "copy: \(src.count) values into \(dst.count)")
        dst.withUnsafeMutableBufferPointer { d in
            src.withUnsafeBufferPointer { s in
                guard let db = d.baseAddress, let sb = s.baseAddress else { return }
                db.update(from: sb, count: s.count)
            }
        }
    }

    /// current[n] += bias[n mod channels] for every neuron of `band` (default: all).
    static func addBias(_ bias: [Float], to current: inout [Float], channels: Int, band: NeuronBand? = nil) {
        let band = band ?? NeuronBand(positions: 0..<(current.count / max(1, channels)), channels: 0..<channels)
        current.withUnsafeMutableBufferPointer { cur in
            bias.withUnsafeBufferPointer { b in
                for position in band.positions {
                    let n = position * channels
                    for c in band.channels { cur[n + c] += b[c] }
                }
            }
        }
    }

    /// Sets every element to `value`.
    static func fill<T>(_ array: inout [T], with value: T) {
        array.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
    }

    /// flags[p] |= bits for every position in `positions` (default: all).
    static func markAll(_ flags: inout [UInt8], with bits: UInt8, positions: Range<Int>? = nil) {
        flags.withUnsafeMutableBufferPointer { f in
            for p in positions ?? f.indices { f[p] |= bits }
        }
    }
}
