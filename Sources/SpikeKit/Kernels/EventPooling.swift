/// Pooling of sparse events (no neurons): average pooling turns binary spikes into fractional events,
/// max pooling gates them. Both reproduce, value for value, the dense pooling of the same input.
enum EventPooling {
    /// Average pooling: each output carries `(Σ window inputs) · (1/k²)`, the window summed in
    /// ascending input index order (row-major over the window, as the dense reference does). Outputs
    /// whose sum is zero produce no event. `sums` (output count) and `touched` (output positions) are
    /// scratch buffers that must be zero on entry and are left zero.
    static func average(_ input: SpikeEvents, shape: FeatureShape, kernel k: Int, stride s: Int, padding p: Int = 0,
                        table: FanOutTable,
                        sums: inout [Float], touched: inout [UInt8], output: inout SpikeEvents,
                        scratchIndices: inout [Int32], scratchValues: inout [Float]) {
        output.removeAll(binary: false)
        if input.isEmpty { return }
        let c = shape.channels
        let outputs = shape.pooled(kernel: k, stride: s, padding: p).positions
        precondition(sums.count >= outputs * c && touched.count >= outputs,
                     "EventPooling.average: scratch of \(sums.count) sums for \(outputs) × \(c) outputs")
        input.indices.withUnsafeBufferPointer { idx in
        input.values.withUnsafeBufferPointer { val in
        table.starts.withUnsafeBufferPointer { starts in
        table.targets.withUnsafeBufferPointer { targets in
        sums.withUnsafeMutableBufferPointer { sm in
        touched.withUnsafeMutableBufferPointer { tch in
            let binary = input.isBinary
            // Channel counts are usually powers of two: a shift instead of a division per event.
            let shift = c.nonzeroBitCount == 1 ? c.trailingZeroBitCount : -1
            for e in 0..<idx.count {
                let i = Int(idx[e])
                let position = shift >= 0 ? i &>> shift : i / c, ch = i &- position &* c
                let v: Float = binary ? 1 : val[e]
                for t in Int(starts[position])..<Int(starts[position + 1]) {
                    let op = Int(targets[t])
                    sm[op * c + ch] += v
                    tch[op] = 1
                }
            }
        } } } } } }
        emitAverage(channels: c, outputs: outputs, kernel: k, sums: &sums, touched: &touched, output: &output,
                    scratchIndices: &scratchIndices, scratchValues: &scratchValues)
    }

    /// The second half of `average`: every touched output's nonzero sum, times 1/k², as an event
    /// (ascending), leaving `sums` and `touched` zeroed. Also called after `EventKernels.stepIntoPooling`
    /// has accumulated the sums itself.
    static func emitAverage(channels c: Int, outputs: Int, kernel k: Int, sums: inout [Float], touched: inout [UInt8],
                            output: inout SpikeEvents, scratchIndices: inout [Int32], scratchValues: inout [Float]) {
        precondition(sums.count >= outputs * c && touched.count >= outputs,
                     "EventPooling.emitAverage: sums of \(sums.count) for \(outputs) × \(c) outputs")
        sums.withUnsafeMutableBufferPointer { sm in
            touched.withUnsafeMutableBufferPointer { tch in
                emitAverage(channels: c, outputs: outputs, kernel: k, sums: sm.baseAddress!, touched: tch.baseAddress!,
                            output: &output, scratchIndices: &scratchIndices, scratchValues: &scratchValues)
            }
        }
    }

    /// `emitAverage` on sums and flags in memory the caller owns (`outputs · c` and `outputs` of them).
    static func emitAverage(channels c: Int, outputs: Int, kernel k: Int, sums: UnsafeMutablePointer<Float>,
                            touched: UnsafeMutablePointer<UInt8>, output: inout SpikeEvents,
                            scratchIndices: inout [Int32], scratchValues: inout [Float]) {
        output.removeAll(binary: false)
        precondition(scratchIndices.count >= outputs * c && scratchValues.count >= outputs * c,
                     "EventPooling.emitAverage: scratch of \(scratchIndices.count) for \(outputs) × \(c) outputs")
        let scale = 1 / Float(k * k)
        var emitted = 0
        let sm = UnsafeMutableBufferPointer(start: sums, count: outputs * c)
        let tch = UnsafeMutableBufferPointer(start: touched, count: outputs)
        scratchIndices.withUnsafeMutableBufferPointer { outIndex in
        scratchValues.withUnsafeMutableBufferPointer { outValue in
            let scaleVector = SIMD16<Float>(repeating: scale)
            for op in 0..<outputs where tch[op] != 0 {
                tch[op] = 0
                var n = op * c
                let end = n + c
                // 16 channels at a time: the same products and the same zero test as the scalar loop.
                while n + 16 <= end {
                    let raw = UnsafeMutableRawPointer(sums + n)
                    let totals = raw.loadUnaligned(as: SIMD16<Float>.self)
                    var bits = LaneMask.bits(totals .!= SIMD16<Float>())
                    if bits != 0 {
                        let scaled = totals * scaleVector
                        while bits != 0 {
                            let lane = bits.trailingZeroBitCount
                            outIndex[emitted] = Int32(n + lane)
                            outValue[emitted] = scaled[lane]
                            emitted += 1
                            bits &= bits - 1
                        }
                        raw.storeBytes(of: SIMD16<Float>(), as: SIMD16<Float>.self)
                    }
                    n += 16
                }
                while n < end {
                    let total = sm[n]
                    if total != 0 {
                        outIndex[emitted] = Int32(n)
                        outValue[emitted] = total * scale
                        emitted += 1
                    }
                    sm[n] = 0
                    n += 1
                }
            }
        } }
        output.append(indices: scratchIndices[0..<emitted], values: scratchValues[0..<emitted])
    }

    /// Max pooling ("gating"): each output carries the maximum of its window, where inputs without an
    /// event count as 0. Outputs whose maximum is zero produce no event. Binary input gives binary
    /// output. `maxima`, `counts` and `touched` are zeroed scratch buffers, left zeroed.
    static func maximum(_ input: SpikeEvents, shape: FeatureShape, kernel k: Int, stride s: Int, padding p: Int = 0,
                        table: FanOutTable,
                        maxima: inout [Float], counts: inout [Int32], touched: inout [UInt8], output: inout SpikeEvents) {
        output.removeAll(binary: input.isBinary)
        if input.isEmpty { return }
        let c = shape.channels
        let pooled = shape.pooled(kernel: k, stride: s, padding: p)
        let (ho, wo) = (pooled.height, pooled.width)
        for e in 0..<input.count {
            let i = Int(input.indices[e])
            let position = i / c, ch = i - position * c
            let v = input.value(at: e)
            for t in Int(table.starts[position])..<Int(table.starts[position + 1]) {
                let n = Int(table.targets[t]) * c + ch
                maxima[n] = counts[n] == 0 ? v : max(maxima[n], v)
                counts[n] += 1
                touched[Int(table.targets[t])] = 1
            }
        }
        // Fewer events than inputs: some input was silent (or padding), so the maximum is at least 0
        // (events are never negative, so the real inputs alone set the maximum, as PyTorch's −∞ padding).
        let full = Int32(k * k)
        for op in 0..<(ho * wo) where touched[op] != 0 {
            touched[op] = 0
            for ch in 0..<c {
                let n = op * c + ch
                if counts[n] > 0 {
                    let value = counts[n] < full ? max(maxima[n], 0) : maxima[n]
                    if value != 0 {
                        if output.isBinary { output.append(Int32(n)) } else { output.append(Int32(n), value: value) }
                    }
                }
                maxima[n] = 0
                counts[n] = 0
            }
        }
    }
}
