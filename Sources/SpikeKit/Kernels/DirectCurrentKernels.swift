/// The constant current a direct-encoded image drives into the first synapse, W·x, vectorised over
/// the output channels. Every output sums its inputs in ascending input index order with one fused
/// multiply-add per input (the arithmetic `DenseReferenceSimulator` relies on), so the result is the
/// same whether computed here or by a scalar loop.
enum DirectCurrentKernels {
    /// current[o] = Σ_i fma(x_i, w[i][o]) over i ascending, for a linear synapse (rows `[in][out]`).
    static func linear(_ x: [Float], weights: [Float], outputs: Int) -> [Float] {
        linear(block: [x], weights: weights, outputs: outputs)[0]
    }

    /// `linear` for several images at once, with the loops swapped: weight row i is read once for
    /// all images instead of once per image (a 784 × 512 layer's 1.6 MB of weights do not stay in
    /// cache from one image to the next). Each image's outputs still receive their inputs in
    /// ascending order with one fused multiply-add each, so every current is bit-identical to `linear`'s.
    /// With `columns`, only those outputs are computed (the others stay 0).
    static func linear(block xs: [[Float]], weights: [Float], outputs: Int, columns: Range<Int>? = nil) -> [[Float]] {
        guard let inputs = xs.first?.count else { return [] }
        precondition(xs.allSatisfy { $0.count == inputs } && weights.count == inputs * outputs,
                     "DirectCurrentKernels.linear(block:): images of \(inputs) inputs against \(weights.count) weights")
        let count = xs.count
        // Inputs transposed to [input][image] so the inner loop reads one contiguous row per input.
        var transposed = [Float](repeating: 0, count: inputs * count)
        for n in 0..<count { for i in 0..<inputs { transposed[i * count + n] = xs[n][i] } }
        var currents = [Float](repeating: 0, count: count * outputs)
        currents.withUnsafeMutableBufferPointer { cur in
        transposed.withUnsafeBufferPointer { x in
        weights.withUnsafeBufferPointer { w in
            let columns = columns ?? 0..<outputs
            guard let dst = cur.baseAddress.map({ $0 + columns.lowerBound }),
                  let wb = w.baseAddress.map({ $0 + columns.lowerBound }) else { return }
            for i in 0..<inputs {
                let row = wb + i * outputs
                for n in 0..<count {
                    let v = x[i * count + n]
                    if v != 0 { EventKernels.addScaledRow(dst + n * outputs, row, value: v, count: columns.count) }
                }
            }
        } } }
        return (0..<count).map { n in Array(currents[(n * outputs)..<((n + 1) * outputs)]) }
    }

    /// The same for a convolution with weights `[c_in][ky][kx][c_out]` and input/output in
    /// height-width-channel order; each output position sums (ky, kx, c_in) ascending. With
    /// `positions`, only those output positions are computed (the others stay 0).
    static func convolution(_ x: [Float], weights: [Float], geometry g: ConvolutionGeometry,
                            positions: Range<Int>? = nil) -> [Float] {
        let (cin, cout, kh, kw) = (g.inChannels, g.outChannels, g.kernelHeight, g.kernelWidth)
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
                                    EventKernels.addScaledRow(out, wb + ((ci * kh + ky) * kw + kx) * cout, value: v, count: cout)
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
