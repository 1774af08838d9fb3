/// The per-step reductions behind the threshold and leak gradients of a population (the low-latency
/// fine-tune, DESIGN §4): each sums over the population's neurons at one step, in neuron order, in
/// Double so a layer of 10⁵ neurons over several steps loses nothing to rounding.
enum NeuronParameterGradientKernels {
    /// Σ_n g_n·σ'_n·c_n, where c is the membrane compared with θ at this step: u^{t−1} (row
    /// `historyOffset` of `previousMembrane`) in the delayed ordering, v^t = λ·u^{t−1} + I^t in the
    /// immediate ordering (computed as `EventKernels.step` does). g is row `offset` of `rows`.
    static func surrogateMembraneSum(rows: [Float], offset: Int, sigma: [Float], previousMembrane: [Float],
                                     current: [Float], historyOffset: Int, leak: Float, delayed: Bool) -> Double {
        let count = sigma.count
        precondition(offset + count <= rows.count && historyOffset + count <= previousMembrane.count
                     && historyOffset + count <= current.count,
                     "NeuronParameterGradientKernels: \(count) neurons at \(offset)/\(historyOffset) of \(rows.count)/\(previousMembrane.count)")
        return rows.withUnsafeBufferPointer { r in
        sigma.withUnsafeBufferPointer { s in
        previousMembrane.withUnsafeBufferPointer { u in
        current.withUnsafeBufferPointer { i in
            var sum = 0.0
            for n in 0..<count where s[n] != 0 {
                let previousU = u[historyOffset + n]
                let compared = delayed ? previousU : (leak == 1 ? previousU + i[historyOffset + n] : leak * previousU + i[historyOffset + n])
                sum += Double(r[offset + n]) * Double(s[n]) * Double(compared)
            }
            return sum
        } } } }
    }

    /// Σ over the listed neurons (`indices[start..<start+count]`) of `values[n]`.
    static func sum(at indices: [Int32], start: Int, count: Int, of values: [Float]) -> Double {
        indices.withUnsafeBufferPointer { idx in
        values.withUnsafeBufferPointer { v in
            var sum = 0.0
            for k in start..<(start + count) { sum += Double(v[Int(idx[k])]) }
            return sum
        } }
    }

    /// Σ_n values[n].
    static func sum(_ values: [Float]) -> Double {
        values.withUnsafeBufferPointer { v in
            var sum = 0.0
            for x in v { sum += Double(x) }
            return sum
        }
    }

    /// Σ_n a[aOffset + n]·b[bOffset + n] over `count` elements.
    static func dot(_ a: [Float], offset aOffset: Int, _ b: [Float], offset bOffset: Int, count: Int) -> Double {
        precondition(aOffset + count <= a.count && bOffset + count <= b.count,
                     "NeuronParameterGradientKernels.dot: \(count) elements at \(aOffset)/\(bOffset) of \(a.count)/\(b.count)")
        return a.withUnsafeBufferPointer { x in
        b.withUnsafeBufferPointer { y in
            var sum = 0.0
            for n in 0..<count { sum += Double(x[aOffset + n]) * Double(y[bOffset + n]) }
            return sum
        } }
    }

    /// Copies `source` into row `offset` of `history`.
    static func record(_ source: [Float], into history: inout [Float], offset: Int) {
        precondition(offset + source.count <= history.count,
                     "NeuronParameterGradientKernels.record: \(source.count) at \(offset) of \(history.count)")
        source.withUnsafeBufferPointer { s in
        history.withUnsafeMutableBufferPointer { h in
            guard let sb = s.baseAddress, let hb = h.baseAddress else { return }
            (hb + offset).update(from: sb, count: source.count)
        } }
    }
}
