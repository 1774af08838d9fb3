import Foundation

/// The hot loops of STDB training (`STDBTrainer`): the recording forward step of a population, and the
/// backward pass's time recursion, synapse transposes, event-driven weight gradients and pooling
/// gradients.
///
/// Arrays indexed `[t][n]` are dense `T × count` buffers, row t at offset `t · count`. Event lists
/// are read from the trace's flat arenas as `(indices, values, start, count, valueStart)`, with
/// `valueStart < 0` meaning binary events (value 1).
enum STDBKernels {
    // MARK: Forward

    /// What `step` records besides the spikes.
    struct StepRecording {
        /// Append, for each spike, the neuron's previous spike step (−1 = none) to `previous`.
        var previousSpikes: Bool
        /// Append (neuron, γ·max(0, 1 − |u/θ − 1|)/θ) for every neuron where it is non-zero, u the
        /// membrane compared with θ; nil = do not record.
        var linearGamma: Float?
    }

    /// One step of a population, every neuron visited, with the update of every simulator
    /// (`NeuronDynamics`: v = λ·u + I, or for a current-based model i ← α_i·i + I, v = λ·u + i; the
    /// delayed ordering compares u^{t−1}, the immediate one v; reset by subtraction or to zero), so the
    /// spikes and membranes are those of `EventScheduler`. Clears `current`, appends the spikes
    /// (ascending) to `spikes` and updates `lastSpike` (and `synaptic`, for a current-based model).
    static func step(membrane: inout [Float], synaptic: inout [Float], current: inout [Float], lastSpike: inout [Int32],
                     neurons p: NeuronParameters, ordering: SpikeOrdering, t: Int, spikes: inout SpikeEvents,
                     recording: StepRecording, previous: inout [Int32],
                     surrogateIndices: inout [Int32], surrogateValues: inout [Float]) {
        let count = membrane.count
        let dynamics = NeuronDynamics(neurons: p, ordering: ordering)
        let theta = p.threshold, currentBased = dynamics.currentBased
        precondition(!currentBased || synaptic.count == count,
                     "STDBKernels.step: \(synaptic.count) synaptic currents for \(count) current-based neurons")
        let delayed = ordering == .delayed
        let t32 = Int32(t)
        let gamma = recording.linearGamma ?? 0
        let recordLinear = recording.linearGamma != nil
        // Room for one surrogate value per neuron, written in place and trimmed after the loop
        // (appending one by one cost an array uniqueness and capacity check per neuron).
        let surrogateStart = surrogateIndices.count
        if recordLinear {
            surrogateIndices.append(contentsOf: repeatElement(0, count: count))
            surrogateValues.append(contentsOf: repeatElement(0, count: count))
        }
        var recorded = 0
        // One copy of the loop per synaptic-current kind (see `NeuronDynamics`).
        func run<S: SynapticCurrent>(_ kind: S.Type) {
        membrane.withUnsafeMutableBufferPointer { u in
        synaptic.withUnsafeMutableBufferPointer { syn in
        current.withUnsafeMutableBufferPointer { cur in
        lastSpike.withUnsafeMutableBufferPointer { last in
        surrogateIndices.withUnsafeMutableBufferPointer { surrogateIndex in
        surrogateValues.withUnsafeMutableBufferPointer { surrogateValue in
            guard let ub = u.baseAddress, let cb = cur.baseAddress else { return }
            let si = surrogateIndex.baseAddress.map { $0 + surrogateStart }, sv = surrogateValue.baseAddress.map { $0 + surrogateStart }
            @inline(__always) func linear(_ compared: Float) -> Float {
                gamma * max(0, 1 - abs(compared / theta - 1)) / theta
            }
            var n = 0
            let thetaVector = SIMD16<Float>(repeating: theta)
            let zero = SIMD16<Float>(), one = SIMD16<Float>(repeating: 1), gammaVector = SIMD16<Float>(repeating: gamma)
            while n + 16 <= count {
                let um = UnsafeMutableRawPointer(ub + n), cm = UnsafeMutableRawPointer(cb + n)
                let previousU = um.loadUnaligned(as: SIMD16<Float>.self)
                let input = cm.loadUnaligned(as: SIMD16<Float>.self)
                var i = SIMD16<Float>()
                if S.isModelled { i = UnsafeRawPointer(syn.baseAddress! + n).loadUnaligned(as: SIMD16<Float>.self) }
                var v = dynamics.integrate(kind, previous: previousU, input: input, synaptic: &i)
                if S.isModelled { UnsafeMutableRawPointer(syn.baseAddress! + n).storeBytes(of: i, as: SIMD16<Float>.self) }
                let compared = delayed ? previousU : v
                if recordLinear {
                    // The same operations as `linear(_:)`, lane by lane.
                    let x = compared / thetaVector - one
                    var inner = one - x.replacing(with: -x, where: x .< zero)
                    inner = inner.replacing(with: zero, where: inner .< zero)
                    let d = gammaVector * inner / thetaVector
                    let nonZero = d .!= zero
                    var bits = LaneMask.any(nonZero) ? LaneMask.bits(nonZero) : 0
                    if let si, let sv {
                        while bits != 0 {
                            let lane = bits.trailingZeroBitCount
                            si[recorded] = Int32(n + lane)
                            sv[recorded] = d[lane]
                            recorded &+= 1
                            bits &= bits - 1
                        }
                    }
                }
                let fires = dynamics.fires(previous: previousU, integrated: v)
                if any(fires) {
                    var bits = LaneMask.bits(fires)
                    v = dynamics.reset(v, where: fires)
                    while bits != 0 {
                        let lane = bits.trailingZeroBitCount
                        spikes.append(Int32(n + lane))
                        if recording.previousSpikes { previous.append(last[n + lane]) }
                        last[n + lane] = t32
                        bits &= bits - 1
                    }
                }
                um.storeBytes(of: v, as: SIMD16<Float>.self)
                cm.storeBytes(of: zero, as: SIMD16<Float>.self)
                n += 16
            }
            while n < count {
                let previousU = u[n], input = cur[n]
                var i: Float = S.isModelled ? syn[n] : 0
                var v = dynamics.integrate(kind, previous: previousU, input: input, synaptic: &i)
                if S.isModelled { syn[n] = i }
                let compared = delayed ? previousU : v
                if recordLinear, let si, let sv {
                    let d = linear(compared)
                    if d != 0 { si[recorded] = Int32(n); sv[recorded] = d; recorded &+= 1 }
                }
                if dynamics.fires(previous: previousU, integrated: v) {
                    v = dynamics.reset(v)
                    spikes.append(Int32(n))
                    if recording.previousSpikes { previous.append(last[n]) }
                    last[n] = t32
                }
                u[n] = v
                cur[n] = 0
                n += 1
            }
        } } } } } }
        }
        if currentBased { run(FilteredSynapticCurrent.self) } else { run(NoSynapticCurrent.self) }
        if recordLinear {
            surrogateIndices.removeLast(count - recorded)
            surrogateValues.removeLast(count - recorded)
        }
    }

    /// The test-only smooth step: the same membrane update and hard reset as `step`, but every neuron
    /// emits the value s = σ(k·(w/θ − 1)) (w the compared membrane) into `emitted`, and
    /// (neuron, k·s·(1 − s)/θ) is appended to the surrogate lists. `spikes` receives the hard decisions
    /// [w > θ] that drive the reset.
    static func smoothStep(membrane: inout [Float], synaptic: inout [Float], current: inout [Float],
                           neurons p: NeuronParameters, ordering: SpikeOrdering, steepness k: Float,
                           spikes: inout SpikeEvents, emitted: inout SpikeEvents, surrogateIndices: inout [Int32],
                           surrogateValues: inout [Float]) {
        let theta = p.threshold
        let dynamics = NeuronDynamics(neurons: p, ordering: ordering)
        var none: Float = 0
        for n in 0..<membrane.count {
            let previousU = membrane[n]
            var v = dynamics.currentBased
                ? dynamics.integrate(previous: previousU, input: current[n], synaptic: &synaptic[n])
                : dynamics.integrate(previous: previousU, input: current[n], synaptic: &none)
            let compared = ordering == .delayed ? previousU : v
            let s = 1 / (1 + exp(-k * (compared / theta - 1)))
            emitted.append(Int32(n), value: s)
            surrogateIndices.append(Int32(n))
            surrogateValues.append(k * s * (1 - s) / theta)
            if dynamics.fires(previous: previousU, integrated: v) {
                v = dynamics.reset(v)
                spikes.append(Int32(n))
            }
            membrane[n] = v
            current[n] = 0
        }
    }

    /// current[n] += bias[n mod channels] (the constant current a converted bias adds every step).
    static func addBias(_ bias: [Float], channels: Int, into current: inout [Float]) {
        current.withUnsafeMutableBufferPointer { cur in
        bias.withUnsafeBufferPointer { b in
            guard let cb = cur.baseAddress, let bb = b.baseAddress else { return }
            var n = 0
            while n < cur.count { EventKernels.addRow(cb + n, bb, count: channels); n += channels }
        } }
    }

    /// potential += current; current = 0 (the output layer's accumulation, every neuron).
    static func accumulate(current: inout [Float], into potential: inout [Float]) {
        current.withUnsafeMutableBufferPointer { cur in
        potential.withUnsafeMutableBufferPointer { v in
            for n in 0..<cur.count {
                v[n] += cur[n]
                cur[n] = 0
            }
        } }
    }

    /// The events whose input has a non-zero dropout factor, each value multiplied by it.
    static func mask(_ events: SpikeEvents, factors: [Float], into output: inout SpikeEvents) {
        output.removeAll(binary: false)
        factors.withUnsafeBufferPointer { f in
            for k in 0..<events.count {
                let j = events.indices[k]
                let factor = f[Int(j)]
                if factor != 0 { output.append(j, value: events.value(at: k) * factor) }
            }
        }
    }

    /// factors[i] = 0 with probability p, else 1/(1 − p): one Bernoulli draw per input, in order.
    static func drawDropoutMask(_ factors: inout [Float], probability p: Float, generator: inout SeededGenerator) {
        let scale = 1 / (1 - p)
        for i in 0..<factors.count { factors[i] = generator.nextBernoulli(p) ? 0 : scale }
    }

    /// values[i] = value for every i.
    static func fill<Element>(_ values: inout [Element], with value: Element) {
        values.withUnsafeMutableBufferPointer { v in
            guard let base = v.baseAddress else { return }
            base.update(repeating: value, count: v.count)
        }
    }

    /// target = source (same count).
    static func copy<Element>(_ source: [Element], into target: inout [Element]) {
        precondition(source.count == target.count, "STDBKernels.copy: \(source.count) elements into \(target.count)")
        source.withUnsafeBufferPointer { s in
        target.withUnsafeMutableBufferPointer { t in
            guard let sb = s.baseAddress, let tb = t.baseAddress else { return }
            tb.update(from: sb, count: s.count)
        } }
    }

    /// target[indices[start + e]] = values[valueStart + e] for e < count (values 1 when valueStart < 0).
    static func scatter<Element: ExpressibleByIntegerLiteral>(_ indices: [Int32], start: Int, count: Int, values: [Element],
                                                              valueStart: Int, into target: inout [Element]) {
        if count == 0 { return }
        indices.withUnsafeBufferPointer { idx in
        values.withUnsafeBufferPointer { val in
        target.withUnsafeMutableBufferPointer { t in
            for e in 0..<count { t[Int(idx[start + e])] = valueStart < 0 ? 1 : val[valueStart + e] }
        } } }
    }

    /// target[indices[start + e]] = value for e < count.
    static func fill<Element>(_ indices: [Int32], start: Int, count: Int, with value: Element, into target: inout [Element]) {
        if count == 0 { return }
        indices.withUnsafeBufferPointer { idx in
        target.withUnsafeMutableBufferPointer { t in
            for e in 0..<count { t[Int(idx[start + e])] = value }
        } }
    }

    // MARK: Time recursion

    /// σ'^t for every neuron from its latest spike before step t (`previous`, −1 = none):
    /// `table[min(Δt, table.count − 1)]` with Δt = t − previous (both orderings, see
    /// `SurrogateGradient.deltaT`), and 0 for a neuron that never spiked.
    static func stdbDerivatives(previous: [Int32], table: [Float], t: Int, into sigma: inout [Float]) {
        let reference = Int32(t)
        let last = Int32(table.count - 1)
        previous.withUnsafeBufferPointer { prev in
        table.withUnsafeBufferPointer { tab in
        sigma.withUnsafeMutableBufferPointer { sig in
            // Select the index, then load unconditionally (the last entry is 0), so the loop has no
            // data-dependent branch.
            for n in 0..<prev.count {
                let p = prev[n]
                let index = p < 0 ? last : min(reference &- p, last)
                sig[n] = tab[Int(index)]
            }
        } } }
    }

    /// Deltas smaller than this (2⁻¹⁰⁰ ≈ 7.9·10⁻³¹) are stored as 0 by `recursionStep`. Deep in a
    /// network the deltas can decay this far; their products with weights are then subnormal numbers,
    /// which x86 cores compute about a hundred times slower (one such sample took 2 s instead of 0.2 s),
    /// while a gradient made of them moves no weight: Adam's step is m̂/(√v̂ + ε) with ε = 10⁻⁸.
    static let negligibleDelta = Float(sign: .plus, exponent: -100, significand: 1)

    /// One step of the backward time recursion of a population, in place on row t of `rows`
    /// (∂L/∂s^t on entry, δI^t = ∂L/∂v^t on exit, |δ| < `negligibleDelta` stored as 0), with `carry` the running ∂L/∂u (see
    /// `STDBWorkspace.populationBackward` for the equations). `keep` (if non-empty) is 0 where the
    /// zero reset fired at step t, else 1.
    static func recursionStep(rows: inout [Float], offset: Int, carry: inout [Float], sigma: [Float], keep: [Float],
                              leak: Float, delayed: Bool) {
        sigma.withUnsafeBufferPointer { s in
            guard let sb = s.baseAddress else { return }
            recursionStep(rows: &rows, offset: offset, carry: &carry, surrogate: RecordedSurrogate(values: sb), keep: keep,
                          leak: leak, delayed: delayed)
        }
    }

    /// `recursionStep` under the `stdb` surrogate, σ'^t computed on the fly from each neuron's latest
    /// spike before t (`previous`) as `stdbDerivatives` computes it, so no σ row is written and read back.
    static func recursionStep(rows: inout [Float], offset: Int, carry: inout [Float], previous: [Int32], table: [Float], t: Int,
                              keep: [Float], leak: Float, delayed: Bool) {
        previous.withUnsafeBufferPointer { p in
        table.withUnsafeBufferPointer { tab in
            guard let pb = p.baseAddress, let tb = tab.baseAddress else { return }
            recursionStep(rows: &rows, offset: offset, carry: &carry,
                          surrogate: SpikeTimeSurrogate(previous: pb, table: tb, t: Int32(t), last: Int32(tab.count - 1)),
                          keep: keep, leak: leak, delayed: delayed)
        } }
    }

    /// Where `recursionStep` reads σ'^t of neuron n.
    protocol SurrogateRow {
        func value(_ n: Int) -> Float
    }

    /// σ' from a dense row.
    struct RecordedSurrogate: SurrogateRow {
        let values: UnsafePointer<Float>
        @inline(__always) func value(_ n: Int) -> Float { values[n] }
    }

    /// σ' = table[min(t − previous, last)], or table[last] = 0 for a neuron that never spiked (`stdbDerivatives`).
    struct SpikeTimeSurrogate: SurrogateRow {
        let previous: UnsafePointer<Int32>
        let table: UnsafePointer<Float>
        let t: Int32
        let last: Int32
        @inline(__always) func value(_ n: Int) -> Float {
            let p = previous[n]
            return table[Int(p < 0 ? last : min(t &- p, last))]
        }
    }

    @inline(__always)
    private static func recursionStep<S: SurrogateRow>(rows: inout [Float], offset: Int, carry: inout [Float], surrogate: S,
                                                       keep: [Float], leak: Float, delayed: Bool) {
        let count = carry.count
        rows.withUnsafeMutableBufferPointer { r in
        carry.withUnsafeMutableBufferPointer { c in
        keep.withUnsafeBufferPointer { k in
            guard let rb = r.baseAddress, let cb = c.baseAddress else { return }
            let row = rb + offset
            let hasKeep = !k.isEmpty
            var n = 0
            let leakVector = SIMD16<Float>(repeating: leak)
            let tinyVector = SIMD16<Float>(repeating: negligibleDelta)
            while n + 16 <= count {
                let g = UnsafeRawPointer(row + n).loadUnaligned(as: SIMD16<Float>.self)
                var du = UnsafeRawPointer(cb + n).loadUnaligned(as: SIMD16<Float>.self)
                var sg = SIMD16<Float>()
                for lane in 0..<16 { sg[lane] = surrogate.value(n + lane) }
                if hasKeep { du = du * UnsafeRawPointer(k.baseAddress! + n).loadUnaligned(as: SIMD16<Float>.self) }
                var dv: SIMD16<Float>, next: SIMD16<Float>
                if delayed {
                    dv = du
                    next = leakVector * dv + sg * g
                } else {
                    dv = du + sg * g
                    next = leakVector * dv
                }
                dv.replace(with: 0, where: (dv .< tinyVector) .& (dv .> -tinyVector))
                UnsafeMutableRawPointer(row + n).storeBytes(of: dv, as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(cb + n).storeBytes(of: next, as: SIMD16<Float>.self)
                n += 16
            }
            while n < count {
                let g = row[n]
                var du = cb[n]
                if hasKeep { du = du * k[n] }
                let sigma = surrogate.value(n)
                let dv: Float
                if delayed {
                    dv = du
                    cb[n] = leak * dv + sigma * g
                } else {
                    dv = du + sigma * g
                    cb[n] = leak * dv
                }
                row[n] = abs(dv) < negligibleDelta ? 0 : dv
                n += 1
            }
        } } }
    }

    // MARK: Synapses

    /// Whether row t (`count` values at `offset`) has any non-zero element.
    static func rowIsZero(_ rows: [Float], offset: Int, count: Int) -> Bool {
        rows.withUnsafeBufferPointer { r in
            guard let base = r.baseAddress else { return true }
            var i = offset
            let end = offset + count, zero = SIMD16<Float>()
            while i + 16 <= end {
                if any(UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Float>.self) .!= zero) { return false }
                i += 16
            }
            while i < end { if base[i] != 0 { return false }; i += 1 }
            return true
        }
    }

    /// The transposed convolution of every active step's deltas: for every output position o and every
    /// kernel offset (ky, kx) that reads input position y, x:
    /// `gradient[t][(y, x)][c_in] += Σ_{c_out} δ[t][o][c_out] · W[c_in][ky][kx][c_out]`, computed as
    /// scaled rows of `transposed` = W in `[ky][kx][c_out][c_in]` layout over the output channels whose
    /// δ is not zero (listed once per position, ascending), so a position costs in proportion to its
    /// active channels and a silent one nothing. Summation order: the listed channels in two
    /// accumulators by list position (even, odd), summed as even + odd, added to the gradient once.
    static func convolutionInputGradient(transposed: [Float], geometry g: ConvolutionGeometry, delta: [Float],
                                         active: [Bool], gradient: inout [Float]) {
        if g.groups > 1 {
            return groupedConvolutionInputGradient(transposed: transposed, geometry: g, delta: delta, active: active,
                                                   gradient: &gradient)
        }
        let (cin, cout, kh, kw) = (g.inChannels, g.outChannels, g.kernelHeight, g.kernelWidth)
        let (hin, win, ho, wo, stride, pad) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth, g.stride, g.padding)
        let outCount = ho * wo * cout, inCount = hin * win * cin
        withUnsafeTemporaryAllocation(of: Int.self, capacity: cout) { channels in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: cout) { values in
        transposed.withUnsafeBufferPointer { w in
        delta.withUnsafeBufferPointer { d in
        gradient.withUnsafeMutableBufferPointer { gr in
            guard let wb = w.baseAddress, let db = d.baseAddress, let gb = gr.baseAddress,
                  let listed = channels.baseAddress, let scales = values.baseAddress else { return }
            for t in 0..<active.count where active[t] {
                let deltaStep = db + t * outCount, out = gb + t * inCount
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        let deltaRow = deltaStep + (oy * wo + ox) * cout
                        // Branch-free compaction: every channel is written, the count advances past the non-zero ones.
                        var count = 0
                        for co in 0..<cout {
                            let value = deltaRow[co]
                            listed[count] = co
                            scales[count] = value
                            count &+= value != 0 ? 1 : 0
                        }
                        if count == 0 { continue }
                        for ky in 0..<kh {
                            let y = oy * stride - pad + ky
                            if y < 0 || y >= hin { continue }
                            for kx in 0..<kw {
                                let x = ox * stride - pad + kx
                                if x < 0 || x >= win { continue }
                                let target = out + (y * win + x) * cin
                                let block = wb + (ky * kw + kx) * cout * cin
                                transposedRow(target, block, channels: listed, scales: scales, count: count, inChannels: cin)
                            }
                        }
                    }
                }
            }
        } } } } }
    }

    /// target[0..<cin] += Σ_e scales[e] · block[channels[e]·cin ..< (channels[e] + 1)·cin]: 64 input
    /// channels at a time in eight accumulators (four 16-lane blocks × list entries e even and odd,
    /// summed as even + odd), so each weight row is read once per entry and eight independent
    /// multiply-add chains hide the latency; then 16 at a time (even + odd), then one by one. Added
    /// to the target once.
    @inline(__always)
    private static func transposedRow(_ target: UnsafeMutablePointer<Float>, _ block: UnsafePointer<Float>,
                                      channels: UnsafePointer<Int>, scales: UnsafePointer<Float>, count: Int,
                                      inChannels cin: Int) {
        typealias V = SIMD16<Float>
        @inline(__always) func load(_ e: Int, _ c: Int) -> V {
            UnsafeRawPointer(block + channels[e] * cin + c).loadUnaligned(as: V.self)
        }
        @inline(__always) func add(_ sum: V, at c: Int) {
            let t = UnsafeMutableRawPointer(target + c)
            t.storeBytes(of: t.loadUnaligned(as: V.self) + sum, as: V.self)
        }
        var c = 0
        while c + 64 <= cin {
            var e0 = V(), e1 = V(), e2 = V(), e3 = V(), o0 = V(), o1 = V(), o2 = V(), o3 = V()
            var e = 0
            while e + 2 <= count {
                let a = V(repeating: scales[e]), b = V(repeating: scales[e + 1])
                e0 = e0.addingProduct(a, load(e, c)); e1 = e1.addingProduct(a, load(e, c + 16))
                e2 = e2.addingProduct(a, load(e, c + 32)); e3 = e3.addingProduct(a, load(e, c + 48))
                o0 = o0.addingProduct(b, load(e + 1, c)); o1 = o1.addingProduct(b, load(e + 1, c + 16))
                o2 = o2.addingProduct(b, load(e + 1, c + 32)); o3 = o3.addingProduct(b, load(e + 1, c + 48))
                e += 2
            }
            if e < count {
                let a = V(repeating: scales[e])
                e0 = e0.addingProduct(a, load(e, c)); e1 = e1.addingProduct(a, load(e, c + 16))
                e2 = e2.addingProduct(a, load(e, c + 32)); e3 = e3.addingProduct(a, load(e, c + 48))
            }
            add(e0 + o0, at: c); add(e1 + o1, at: c + 16); add(e2 + o2, at: c + 32); add(e3 + o3, at: c + 48)
            c += 64
        }
        while c + 16 <= cin {
            var even = V(), odd = V()
            var e = 0
            while e + 2 <= count {
                even = even.addingProduct(V(repeating: scales[e]), load(e, c))
                odd = odd.addingProduct(V(repeating: scales[e + 1]), load(e + 1, c))
                e += 2
            }
            if e < count { even = even.addingProduct(V(repeating: scales[e]), load(e, c)) }
            add(even + odd, at: c)
            c += 16
        }
        while c < cin {
            var even: Float = 0, odd: Float = 0
            var e = 0
            while e + 2 <= count {
                even = even.addingProduct(scales[e], block[channels[e] * cin + c])
                odd = odd.addingProduct(scales[e + 1], block[channels[e + 1] * cin + c])
                e += 2
            }
            if e < count { even = even.addingProduct(scales[e], block[channels[e] * cin + c]) }
            target[c] += even + odd
            c += 1
        }
    }

    /// `convolutionInputGradient` of a grouped convolution: input channel c of group g receives
    /// `Σ_{c_out in g} δ[t][o][c_out] · W[c][ky][kx][c_out − g·C_out/G]`, read from `transposed`
    /// `[ky][kx][c_out][c_in / G]` (the c_in / G inputs of c_out's group), output channels ascending.
    private static func groupedConvolutionInputGradient(transposed w: [Float], geometry g: ConvolutionGeometry,
                                                        delta d: [Float], active: [Bool], gradient: inout [Float]) {
        let (cin, cout, kh, kw) = (g.inChannels, g.outChannels, g.kernelHeight, g.kernelWidth)
        let (perGroupIn, perGroupOut) = (g.inChannelsPerGroup, g.outChannelsPerGroup)
        let (hin, win, ho, wo, stride, pad) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth, g.stride, g.padding)
        let outCount = ho * wo * cout, inCount = hin * win * cin
        for t in 0..<active.count where active[t] {
            for oy in 0..<ho { for ox in 0..<wo {
                let deltaRow = t * outCount + (oy * wo + ox) * cout
                for co in 0..<cout where d[deltaRow + co] != 0 {
                    let value = d[deltaRow + co], firstInput = (co / perGroupOut) * perGroupIn
                    for ky in 0..<kh {
                        let y = oy * stride - pad + ky
                        if y < 0 || y >= hin { continue }
                        for kx in 0..<kw {
                            let x = ox * stride - pad + kx
                            if x < 0 || x >= win { continue }
                            let target = t * inCount + (y * win + x) * cin + firstInput
                            let row = ((ky * kw + kx) * cout + co) * perGroupIn
                            for c in 0..<perGroupIn { gradient[target + c] = gradient[target + c].addingProduct(value, w[row + c]) }
                        }
                    }
                }
            } }
        }
    }

    /// W `[c_in][ky][kx][c_out]` → `[ky][kx][c_out][c_in]` (grouped: `[c_in][ky][kx][c_out / G]` →
    /// `[ky][kx][c_out][c_in / G]`).
    static func transposeConvolution(_ weights: [Float], geometry g: ConvolutionGeometry) -> [Float] {
        let (cin, cout, kh, kw) = (g.inChannels, g.outChannels, g.kernelHeight, g.kernelWidth)
        let (perGroupIn, perGroupOut) = (g.inChannelsPerGroup, g.outChannelsPerGroup)
        var result = [Float](repeating: 0, count: weights.count)
        for c in 0..<cin {
            let (group, local) = c.quotientAndRemainder(dividingBy: perGroupIn)
            for ky in 0..<kh { for kx in 0..<kw { for o in 0..<perGroupOut {
                result[((ky * kw + kx) * cout + group * perGroupOut + o) * perGroupIn + local]
                    = weights[((c * kh + ky) * kw + kx) * perGroupOut + o]
            } } }
        }
        return result
    }

    /// rows[0..<count] = 0.
    static func zero(_ rows: inout [Float], count: Int) {
        precondition(count <= rows.count, "STDBKernels.zero: \(count) elements of a buffer of \(rows.count)")
        rows.withUnsafeMutableBufferPointer { r in
            guard let base = r.baseAddress else { return }
            base.update(repeating: 0, count: count)
        }
    }

    /// rows[t] = row for every step t < steps.
    static func broadcastRows(_ row: [Float], steps: Int, into rows: inout [Float]) {
        let n = row.count
        precondition(steps * n <= rows.count, "STDBKernels.broadcastRows: \(steps)×\(n) into a buffer of \(rows.count)")
        rows.withUnsafeMutableBufferPointer { r in
        row.withUnsafeBufferPointer { source in
            guard let base = r.baseAddress, let sb = source.baseAddress else { return }
            for t in 0..<steps { (base + t * n).update(from: sb, count: n) }
        } }
    }

    /// dst[t][i] += src[t][i] for all t, i (`count` elements).
    static func add(_ src: [Float], into dst: inout [Float], count: Int) {
        src.withUnsafeBufferPointer { s in
        dst.withUnsafeMutableBufferPointer { d in
            guard let sb = s.baseAddress, let dbase = d.baseAddress else { return }
            EventKernels.addRow(dbase, sb, count: count)
        } }
    }

    /// dst[i] = fma(src[i], scales[i mod scales.count], dst[i]) for i < count: the input gradient of
    /// an identity shortcut with per-channel weights (HWC order, so the channel is i mod C).
    static func addChannelScaled(_ src: [Float], scales: [Float], into dst: inout [Float], count: Int) {
        let channels = scales.count
        src.withUnsafeBufferPointer { s in
        scales.withUnsafeBufferPointer { w in
        dst.withUnsafeMutableBufferPointer { d in
            var i = 0
            while i < count {
                for c in 0..<channels { d[i + c] = d[i + c].addingProduct(s[i + c], w[c]) }
                i += channels
            }
        } } }
    }

    /// rows[to + i] = fma(scale, rows[from + i], rows[to + i]) for i < count (two rows of one buffer).
    static func addScaledRow(in rows: inout [Float], from: Int, to: Int, count: Int, scale: Float) {
        precondition(from + count <= rows.count && to + count <= rows.count && (from >= to + count || to >= from + count),
                     "addScaledRow: rows at \(from) and \(to) of \(count) in \(rows.count) overlap or do not fit")
        rows.withUnsafeMutableBufferPointer { r in
            guard let base = r.baseAddress else { return }
            EventKernels.addScaledRow(base + to, base + from, value: scale, count: count)
        }
    }

    /// rows[t][i] *= factors[i] for every step t (the dropout mask and its 1/(1 − p) scale).
    static func scaleRows(_ rows: inout [Float], steps: Int, factors: [Float]) {
        let n = factors.count
        rows.withUnsafeMutableBufferPointer { r in
        factors.withUnsafeBufferPointer { f in
            for t in 0..<steps {
                let base = t * n
                for i in 0..<n { r[base + i] *= f[i] }
            }
        } }
    }

    /// sum[i] = Σ_t rows[t][i], t ascending.
    static func sumRows(_ rows: [Float], steps: Int, count n: Int, into sum: inout [Float]) {
        rows.withUnsafeBufferPointer { r in
        sum.withUnsafeMutableBufferPointer { s in
            guard let rb = r.baseAddress, let sb = s.baseAddress else { return }
            sb.update(repeating: 0, count: n)
            for t in 0..<steps { EventKernels.addRow(sb, rb + t * n, count: n) }
        } }
    }

    /// gradient[c] += Σ_t Σ_positions rows[t][position·channels + c].
    static func channelSums(_ rows: [Float], steps: Int, count n: Int, channels: Int, into gradient: inout [Float]) {
        rows.withUnsafeBufferPointer { r in
        gradient.withUnsafeMutableBufferPointer { g in
            guard let rb = r.baseAddress, let gb = g.baseAddress else { return }
            for t in 0..<steps {
                var p = 0
                while p < n { EventKernels.addRow(gb, rb + t * n + p, count: channels); p += channels }
            }
        } }
    }

    // MARK: Pooling

    /// Average-pooling gradient of every step: each input of an output's window receives δ_out·(1/k²)
    /// (what falls on the padding belongs to no input).
    static func averagePoolGradient(output: [Float], shape: FeatureShape, kernel k: Int, stride s: Int, padding p: Int = 0,
                                    steps: Int, into input: inout [Float]) {
        let c = shape.channels
        let pooled = shape.pooled(kernel: k, stride: s, padding: p)
        let (ho, wo) = (pooled.height, pooled.width)
        let inCount = shape.count, outCount = ho * wo * c
        let scale = 1 / Float(k * k)
        output.withUnsafeBufferPointer { o in
        input.withUnsafeMutableBufferPointer { i in
            guard let ob = o.baseAddress, let ib = i.baseAddress else { return }
            for t in 0..<steps {
                for oy in 0..<ho { for ox in 0..<wo {
                    let source = ob + t * outCount + (oy * wo + ox) * c
                    for wy in 0..<k { for wx in 0..<k {
                        let (y, x) = (oy * s - p + wy, ox * s - p + wx)
                        guard y >= 0, y < shape.height, x >= 0, x < shape.width else { continue }
                        let target = ib + t * inCount + (y * shape.width + x) * c
                        EventKernels.addScaledRow(target, source, value: scale, count: c)
                    } }
                } }
            }
        } }
    }

    /// Max-pooling gradient of one step: each output's δ goes to the first input (window row-major) that
    /// attains the window's maximum, inputs without an event counting as 0 (PyTorch's convention for
    /// ties). `dense` holds step t's input values (zeros elsewhere).
    static func maxPoolGradient(output: [Float], dense: [Float], shape: FeatureShape, kernel k: Int, stride s: Int,
                                padding p: Int = 0, t: Int, into input: inout [Float]) {
        let c = shape.channels
        let pooled = shape.pooled(kernel: k, stride: s, padding: p)
        let (ho, wo) = (pooled.height, pooled.width)
        let inCount = shape.count, outCount = ho * wo * c
        output.withUnsafeBufferPointer { o in
        dense.withUnsafeBufferPointer { x in
        input.withUnsafeMutableBufferPointer { i in
            for oy in 0..<ho { for ox in 0..<wo { for ch in 0..<c {
                let g = o[t * outCount + (oy * wo + ox) * c + ch]
                if g == 0 { continue }
                var best = -Float.infinity, bestIndex = 0
                for wy in 0..<k { for wx in 0..<k {
                    let (y, xx) = (oy * s - p + wy, ox * s - p + wx)
                    guard y >= 0, y < shape.height, xx >= 0, xx < shape.width else { continue }
                    let n = (y * shape.width + xx) * c + ch
                    if x[n] > best { best = x[n]; bestIndex = n }
                } }
                i[t * inCount + bestIndex] += g
            } } }
        } } }
    }
}
