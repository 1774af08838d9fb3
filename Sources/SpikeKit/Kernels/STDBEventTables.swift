extension STDBKernels {
    /// The event-driven weight gradient of a convolution through its fan-out table: for each event
    /// (i, v) at step t, for each target (o, offset) whose delta row is not all zero
    /// (`targetActive[targetOffset + o] != 0`, see `markActiveRows`):
    /// `gradient[c_in][offset] += v · δ[t][o]` (a zero row would add exactly 0).
    static func convolutionWeightGradient(indices: [Int32], values: [Float], start: Int, count: Int, valueStart: Int,
                                          table: FanOutTable, inChannels cin: Int, outChannels cout: Int, groups: Int = 1,
                                          kernelArea: Int, delta: [Float], deltaOffset: Int, targetActive: [UInt8],
                                          targetOffset: Int, gradient: inout [Float]) {
        if count == 0 { return }
        if groups > 1 {
            return groupedConvolutionWeightGradient(indices: indices, values: values, start: start, count: count,
                                                    valueStart: valueStart, table: table, inChannels: cin,
                                                    outChannels: cout, groups: groups, kernelArea: kernelArea, delta: delta,
                                                    deltaOffset: deltaOffset, targetActive: targetActive,
                                                    targetOffset: targetOffset, gradient: &gradient)
        }
        indices.withUnsafeBufferPointer { idx in
        values.withUnsafeBufferPointer { val in
        table.starts.withUnsafeBufferPointer { st in
        table.targets.withUnsafeBufferPointer { tg in
        table.kernelOffsets.withUnsafeBufferPointer { of in
        delta.withUnsafeBufferPointer { d in
        targetActive.withUnsafeBufferPointer { activity in
        gradient.withUnsafeMutableBufferPointer { gr in
            guard let db = d.baseAddress, let gb = gr.baseAddress, let ab = activity.baseAddress else { return }
            let deltaStep = db + deltaOffset, active = ab + targetOffset
            let binary = valueStart < 0
            // The events of one input position (adjacent: the list is ascending) share their targets:
            // each target's delta is loaded once for the whole group, 16 channels at a time, and added
            // into every event's gradient row. Each gradient element still receives its contributions
            // in event order (an event adds into a row at most once per target), so the bits are those
            // of one event at a time.
            withUnsafeTemporaryAllocation(of: Int.self, capacity: max(1, cin)) { bases in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, cin)) { scales in
                guard let rowBase = bases.baseAddress, let scale = scales.baseAddress else { return }
                var e = 0
                while e < count {
                    let position = Int(idx[start + e]) / cin
                    var group = 0
                    while e < count && Int(idx[start + e]) / cin == position {
                        rowBase[group] = (Int(idx[start + e]) - position * cin) * kernelArea
                        scale[group] = binary ? 1 : val[valueStart + e]
                        group += 1
                        e += 1
                    }
                    for k in Int(st[position])..<Int(st[position + 1]) where active[Int(tg[k])] != 0 {
                        let source = deltaStep + Int(tg[k]) * cout, offset = Int(of[k])
                        var c0 = 0
                        while c0 + 16 <= cout {
                            let d = UnsafeRawPointer(source + c0).loadUnaligned(as: SIMD16<Float>.self)
                            for g in 0..<group {
                                let row = UnsafeMutableRawPointer(gb + (rowBase[g] + offset) * cout + c0)
                                let current = row.loadUnaligned(as: SIMD16<Float>.self)
                                // A binary event adds δ itself (as `addRow`), a valued one fma(v, δ, g) (as `addScaledRow`).
                                row.storeBytes(of: binary ? current + d : current.addingProduct(SIMD16(repeating: scale[g]), d),
                                               as: SIMD16<Float>.self)
                            }
                            c0 += 16
                        }
                        if c0 < cout {
                            for g in 0..<group {
                                let row = gb + (rowBase[g] + offset) * cout
                                for c in c0..<cout {
                                    row[c] = binary ? row[c] + source[c] : row[c].addingProduct(scale[g], source[c])
                                }
                            }
                        }
                    }
                }
            } }
        } } } } } } } }
    }

    /// `convolutionWeightGradient` of a grouped convolution (gradient rows `[c_in][offset]` of the
    /// C_out / G outputs of c_in's group g): `gradient[c_in][offset][o'] += v · δ[t][o][g·C_out/G + o']`,
    /// one event at a time.
    private static func groupedConvolutionWeightGradient(indices: [Int32], values: [Float], start: Int, count: Int,
                                                         valueStart: Int, table: FanOutTable, inChannels cin: Int,
                                                         outChannels cout: Int, groups: Int, kernelArea: Int,
                                                         delta: [Float], deltaOffset: Int, targetActive: [UInt8],
                                                         targetOffset: Int, gradient: inout [Float]) {
        let (perGroupIn, width) = (cin / groups, cout / groups)
        for e in 0..<count {
            let (position, c) = Int(indices[start + e]).quotientAndRemainder(dividingBy: cin)
            let value: Float = valueStart < 0 ? 1 : values[valueStart + e]
            let firstOutput = (c / perGroupIn) * width
            for k in Int(table.starts[position])..<Int(table.starts[position + 1]) {
                let target = Int(table.targets[k])
                guard targetActive[targetOffset + target] != 0 else { continue }
                let source = deltaOffset + target * cout + firstOutput, row = (c * kernelArea + Int(table.kernelOffsets[k])) * width
                for o in 0..<width { gradient[row + o] = gradient[row + o].addingProduct(value, delta[source + o]) }
            }
        }
    }

    /// active[r] = 1 if row r (`width` values) of `rows` has a non-zero (or NaN) value, else 0, for the
    /// first `count` rows.
    static func markActiveRows(_ rows: [Float], count: Int, width: Int, into active: inout [UInt8]) {
        precondition(rows.count >= count * width && active.count >= count,
                     "markActiveRows: \(count) rows of \(width) in \(rows.count) values, \(active.count) flags")
        for r in 0..<count {
            active[r] = rowIsZero(rows, offset: r * width, count: width) ? 0 : 1
        }
    }
}
