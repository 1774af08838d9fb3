extension Synapse {
    /// The synapse with each weight w(c_in → c_out) multiplied by `inputScale[c_in] / outputScale[c_out]`
    /// and each bias divided by `outputScale[c_out]`. A scale array holds one value per channel, or a
    /// single value for all channels. An identity shortcut stays an identity: whose scales differ, it
    /// carries the ratio as one weight per channel (a dense 1×1 convolution in its place would cost C
    /// synaptic operations per event instead of one, and STDB would train its zero off-diagonal).
    ///
    /// This is the weight form of data-based normalisation (Diehl et al. 2015, Rueckauer et al. 2017):
    /// W_l ← W_l·λ_{l−1}/λ_l, so that a threshold of 1 corresponds to the layer's activation scale λ_l.
    public func rescaled(inputScale: [Float], outputScale: [Float]) -> Synapse {
        let cin = inputShape.channels, cout = outputShape.channels
        precondition(inputScale.count == 1 || inputScale.count == cin,
                     "\(name): input scale needs 1 or \(cin) values, got \(inputScale.count)")
        precondition(outputScale.count == 1 || outputScale.count == cout,
                     "\(name): output scale needs 1 or \(cout) values, got \(outputScale.count)")
        func inScale(_ c: Int) -> Float { inputScale.count == 1 ? inputScale[0] : inputScale[c] }
        func outScale(_ c: Int) -> Float { outputScale.count == 1 ? outputScale[0] : outputScale[c] }
        var copy = self
        copy.bias = bias.map { b in b.indices.map { b[$0] / outScale($0) } }
        switch connectivity {
        case .identity:
            if weights.isEmpty && (0..<cin).allSatisfy({ inScale($0) == outScale($0) }) { return self }
            copy.weights = (0..<cin).map { c in identityWeight(channel: c) * (inScale(c) / outScale(c)) }
        case .linear:
            let outputs = outputShape.count
            for i in 0..<inputShape.count {
                let s = inScale(i % cin)
                for o in 0..<outputs { copy.weights[i * outputs + o] *= s / outScale(o) }
            }
        case .convolution(let g):
            let rows = g.kernelHeight * g.kernelWidth, width = g.outChannelsPerGroup
            for ci in 0..<cin {
                // A row reaches the outputs of ci's group only.
                let first = g.group(ofInputChannel: ci) * width
                for k in 0..<rows {
                    let base = (ci * rows + k) * width
                    for o in 0..<width { copy.weights[base + o] *= inScale(ci) / outScale(first + o) }
                }
            }
        }
        return copy
    }
}
