extension STDBKernels {
    /// The forward delivery of a convolution through its fan-out table: for each event (i, v), for
    /// each target (o, offset): `current[o] += v · W[c_in][offset]` (`addRow` for binary events, fused
    /// `addScaledRow` otherwise, exactly as `EventKernels.deliver`).
    static func deliverConvolution(_ events: SpikeEvents, table: FanOutTable, weights: [Float], inChannels cin: Int,
                                   outChannels cout: Int, kernelArea: Int, current: inout [Float]) {
        if events.isEmpty { return }
        events.indices.withUnsafeBufferPointer { idx in
        events.values.withUnsafeBufferPointer { val in
        table.starts.withUnsafeBufferPointer { st in
        table.targets.withUnsafeBufferPointer { tg in
        table.kernelOffsets.withUnsafeBufferPointer { of in
        weights.withUnsafeBufferPointer { w in
        current.withUnsafeMutableBufferPointer { cur in
            guard let wb = w.baseAddress, let cb = cur.baseAddress else { return }
            let binary = events.isBinary
            for e in 0..<idx.count {
                let i = Int(idx[e])
                let position = i / cin, c = i - position * cin
                let channelBase = c * kernelArea
                let value: Float = binary ? 1 : val[e]
                for k in Int(st[position])..<Int(st[position + 1]) {
                    let destination = cb + Int(tg[k]) * cout
                    let row = wb + (channelBase + Int(of[k])) * cout
                    if binary {
                        EventKernels.addRow(destination, row, count: cout)
                    } else {
                        EventKernels.addScaledRow(destination, row, value: value, count: cout)
                    }
                }
            }
        } } } } } } }
    }

    /// The event-driven weight gradient of a convolution through its fan-out table: for each event
    /// (i, v) at step t, for each target (o, offset): `gradient[c_in][offset] += v · δ[t][o]`.
    static func convolutionWeightGradient(indices: [Int32], values: [Float], start: Int, count: Int, valueStart: Int,
                                          table: FanOutTable, inChannels cin: Int, outChannels cout: Int,
                                          kernelArea: Int, delta: [Float], deltaOffset: Int, gradient: inout [Float]) {
        if count == 0 { return }
        indices.withUnsafeBufferPointer { idx in
        values.withUnsafeBufferPointer { val in
        table.starts.withUnsafeBufferPointer { st in
        table.targets.withUnsafeBufferPointer { tg in
        table.kernelOffsets.withUnsafeBufferPointer { of in
        delta.withUnsafeBufferPointer { d in
        gradient.withUnsafeMutableBufferPointer { gr in
            guard let db = d.baseAddress, let gb = gr.baseAddress else { return }
            let deltaStep = db + deltaOffset
            let binary = valueStart < 0
            for e in 0..<count {
                let i = Int(idx[start + e])
                let position = i / cin, c = i - position * cin
                let channelBase = c * kernelArea
                let value: Float = binary ? 1 : val[valueStart + e]
                for k in Int(st[position])..<Int(st[position + 1]) {
                    let row = gb + (channelBase + Int(of[k])) * cout
                    let source = deltaStep + Int(tg[k]) * cout
                    if binary {
                        EventKernels.addRow(row, source, count: cout)
                    } else {
                        EventKernels.addScaledRow(row, source, value: value, count: cout)
                    }
                }
            }
        } } } } } } }
    }
}
