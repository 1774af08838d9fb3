/// The constant current a direct-encoded image drives into the first synapse, W·x, vectorised over
/// the output channels. Every output sums its inputs in ascending input index order with one fused
/// multiply-add per input (the arithmetic `DenseReferenceSimulator` relies on), so the result is the
/// same whether computed here or by a scalar loop.
enum DirectCurrentKernels {
    /// current[o] = Σ_i fma(x_i, w[i][o]) over i ascending, for a linear synapse (rows `[in][out]`).
    static func linear(_ x: [Float], weights: [Float], outputs: Int) -> [Float] {
        linear(block: [x], weights: weights, outputs: outputs)[0]
    }

    /// `linear` for several images at once. The outputs are taken 64 at a time (four vectors kept in
    /// registers) and the inputs 128 at a time, so a 128 × 64 tile of the weights (32 KB) stays in the
    /// first-level cache while every image of the block passes over it, and each image's partial sums
    /// are loaded and stored once per tile rather than once per input. Each output still receives its
    /// inputs in ascending order with one fused multiply-add each, so every current is bit-identical
    /// to `linear`'s. With `columns`, only those outputs are computed (the others stay 0).
    static func linear(block xs: [[Float]], weights: [Float], outputs: Int, columns: Range<Int>? = nil) -> [[Float]] {
        guard let inputs = xs.first?.count else { return [] }
        precondition(xs.allSatisfy { $0.count == inputs } && weights.count == inputs * outputs,
                     "DirectCurrentKernels.linear(block:): images of \(inputs) inputs against \(weights.count) weights")
        let count = xs.count
        let columns = columns ?? 0..<outputs
        var currents = (0..<count).map { _ in [Float](repeating: 0, count: outputs) }
        let inputTile = 128
        weights.withUnsafeBufferPointer { w in
        withUnsafeTemporaryAllocation(of: Int.self, capacity: inputTile) { offsets in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: inputTile) { scales in
            guard let wb = w.baseAddress else { return }
            var column = columns.lowerBound
            while column < columns.upperBound {
                let width = min(64, columns.upperBound - column)
                var first = 0
                while first < inputs {
                    let last = min(inputs, first + inputTile)
                    for n in 0..<count {
                        // The tile's non-zero inputs as a group of weight rows (`EventKernels.addWeightGroup`).
                        var group = 0
                        for i in first..<last where xs[n][i] != 0 {
                            offsets[group] = i &* outputs
                            scales[group] = xs[n][i]
                            group &+= 1
                        }
                        currents[n].withUnsafeMutableBufferPointer { cur in
                            guard let dst = cur.baseAddress else { return }
                            EventKernels.addWeightGroup(dst + column, wb + column, offsets: offsets, scales: scales,
                                                        group: group, count: width)
                        }
                    }
                    first = last
                }
                column += width
            }
        } } }
        return currents
    }

    /// The same for a convolution with weights `[c_in][ky][kx][c_out]` and input/output in
    /// height-width-channel order; each output position sums (ky, kx, c_in) ascending. With
    /// `positions`, only those output positions are computed (the others stay 0). With channel groups a
    /// row `[c_in][ky][kx]` holds the `c_out / G` weights of c_in's group, added to that group's outputs.
    static func convolution(_ x: [Float], weights: [Float], geometry g: ConvolutionGeometry,
                            positions: Range<Int>? = nil) -> [Float] {
        let (cin, cout, kh, kw) = (g.inChannels, g.outChannels, g.kernelHeight, g.kernelWidth)
        let width = g.outChannelsPerGroup
        // Where each input channel's outputs begin (all 0 when ungrouped): no division in the loop.
        let firstOutput = (0..<cin).map { g.group(ofInputChannel: $0) * width }
        var current = [Float](repeating: 0, count: g.outputHeight * g.outputWidth * cout)
        current.withUnsafeMutableBufferPointer { cur in
            weights.withUnsafeBufferPointer { w in
                guard let dst = cur.baseAddress, let wb = w.baseAddress else { return }
                for position in positions ?? 0..<(g.outputHeight * g.outputWidth) {
                    let (oy, ox) = position.quotientAndRemainder(dividingBy: g.outputWidth)
                    do {
                        let out = dst + (oy * g.outputWidth + ox) * cout
                        for ky in 0..<kh {
                            let y = oy * g.stride - g.padding + ky
                            if y < 0 || y >= g.inputHeight { continue }
                            for kx in 0..<kw {
                                let xx = ox * g.stride - g.padding + kx
                                if xx < 0 || xx >= g.inputWidth { continue }
                                for ci in 0..<cin {
                                    let v = x[(y * g.inputWidth + xx) * cin + ci]
                                    if v == 0 { continue }
                                    EventKernels.addScaledRow(out + firstOutput[ci],
                                                              wb + ((ci * kh + ky) * kw + kx) * width, value: v, count: width)
                                }
                            }
                        }
                    }
                }
            }
        }
        return current
    }
}
