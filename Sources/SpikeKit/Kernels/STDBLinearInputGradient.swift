/// The input gradient of a linear synapse in STDB's backward pass, for all T steps at once, as one
/// matrix product over the outputs whose delta is not zero at any step:
///
///     G[t][j] += Σ_{o ∈ O} δ[t][o] · w_jo,   O = { o : δ[t][o] ≠ 0 for some t }
///
/// The surrogate does not depend on the gradient, so the population's recursion has already formed
/// δ for every step; instead of T matrix-vector products that each stream the whole weight matrix,
/// the T × |O| compacted deltas multiply the used part of Wᵀ in one `sgemm`, gathered from the
/// weights themselves (`[inputs][outputs]`, so no transposed copy is kept) `GEMMDriver.kc` outputs at
/// a time, so the scratch stays small. An output whose neuron never had a non-zero surrogate has
/// δ = 0 at every step and costs nothing. When the caller lists the inputs
/// whose gradient can matter (`neededInputs`: inputs fed by neurons that have a non-zero surrogate
/// at some step; any other input's gradient is multiplied by a zero surrogate downstream), only
/// those columns are computed.
///
/// Summation order: per (t, j), the listed outputs in ascending order in blocks of `GEMMDriver.kc`
/// (the order of `sgemm`), each block's sum added to G, or, with `neededInputs`, to a zeroed compact
/// row whose total is then added to G; skipped outputs would have added exactly 0.
final class LinearInputGradientScratch {
    /// Per output: the OR of its deltas' bit patterns without the sign, non-zero iff some δ ≠ 0.
    fileprivate var columnBits: [UInt32] = []
    fileprivate var activeOutputs: [Int32] = []
    /// T × |O| compacted deltas, row t at t·|O|.
    fileprivate var compact: [Float] = []
    /// W restricted to the computed inputs (rows) and up to `kc` used outputs (columns).
    fileprivate var rows: [Float] = []
    /// T × |J| products for the listed needed inputs J.
    fileprivate var products: [Float] = []
    fileprivate var panels: UnsafeMutablePointer<Float>?
    fileprivate var panelCount = 0

    init() {}

    deinit { panels?.deallocate() }

    fileprivate func panels(count: Int) -> UnsafeMutablePointer<Float> {
        if let panels, panelCount >= count { return panels }
        panels?.deallocate()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        let bound = raw.bindMemory(to: Float.self, capacity: count)
        panels = bound
        panelCount = count
        return bound
    }
}

extension STDBKernels {
    /// `gradient[t][j] += Σ_o δ[t][o] · w_jo` for all `steps` rows (see `LinearInputGradientScratch`),
    /// from the weights in `[inputs][outputs]` order, for every input j or only the ascending
    /// `neededInputs`. Single-threaded: STDB's workers already run one sample each.
    static func linearInputGradient(weights: [Float], inputs: Int, outputs: Int, steps: Int, delta: [Float],
                                    neededInputs: [Int32]? = nil, scratch: LinearInputGradientScratch,
                                    gradient: inout [Float]) {
        precondition(weights.count == inputs * outputs && delta.count >= steps * outputs && gradient.count >= steps * inputs,
                     "linearInputGradient: \(weights.count) weights for \(inputs)×\(outputs), \(delta.count) deltas and "
                         + "\(gradient.count) gradients for \(steps) steps")
        if scratch.columnBits.count < outputs { scratch.columnBits = [UInt32](repeating: 0, count: outputs) }
        markNonZeroColumns(delta, steps: steps, count: outputs, into: &scratch.columnBits)
        scratch.activeOutputs.removeAll(keepingCapacity: true)
        for o in 0..<outputs where scratch.columnBits[o] != 0 { scratch.activeOutputs.append(Int32(o)) }
        let used = scratch.activeOutputs.count
        let columns = neededInputs?.count ?? inputs
        if used == 0 || columns == 0 { return }
        let kc = min(GEMMDriver.kc, used)
        if scratch.compact.count < steps * used { scratch.compact = [Float](repeating: 0, count: steps * used) }
        if scratch.rows.count < kc * columns { scratch.rows = [Float](repeating: 0, count: kc * columns) }
        if neededInputs != nil && scratch.products.count < steps * columns {
            scratch.products = [Float](repeating: 0, count: steps * columns)
        }
        let panels = scratch.panels(count: sgemmScratchCount(m: steps, n: columns, k: kc))
        let needed = neededInputs ?? []
        delta.withUnsafeBufferPointer { d in
        weights.withUnsafeBufferPointer { w in
        needed.withUnsafeBufferPointer { jList in
        scratch.activeOutputs.withUnsafeBufferPointer { list in
        scratch.compact.withUnsafeMutableBufferPointer { compact in
        scratch.rows.withUnsafeMutableBufferPointer { rows in
        scratch.products.withUnsafeMutableBufferPointer { products in
        gradient.withUnsafeMutableBufferPointer { g in
            guard let db = d.baseAddress, let wb = w.baseAddress, let lb = list.baseAddress, let cb = compact.baseAddress,
                  let rb = rows.baseAddress, let gb = g.baseAddress else { return }
            for t in 0..<steps {
                let source = db + t * outputs, target = cb + t * used
                for k in 0..<used { target[k] = source[Int(lb[k])] }
            }
            // With a list of needed inputs the product goes to a compact T × |J| block first.
            let compactTarget = neededInputs == nil ? nil : products.baseAddress
            if let pb = compactTarget { pb.update(repeating: 0, count: steps * columns) }
            var k0 = 0
            while k0 < used {
                let block = min(kc, used - k0)
                // B = W[J][O_block] (|J| × block), multiplied transposed: op(B)[k][c] = w_{J[c], O[k0 + k]}.
                for c in 0..<columns {
                    let j = compactTarget != nil ? Int(jList[c]) : c
                    let row = wb + j * outputs, target = rb + c * block
                    for k in 0..<block { target[k] = row[Int(lb[k0 + k])] }
                }
                sgemmUnsafe(transposeA: false, transposeB: true, m: steps, n: columns, k: block, alpha: 1,
                            a: cb, aOffset: k0, lda: used, b: rb, ldb: block, beta: 1, c: compactTarget ?? gb,
                            ldc: columns, threads: 1, scratch: panels)
                k0 += block
            }
            if let pb = compactTarget, let jb = jList.baseAddress {
                for t in 0..<steps {
                    let source = pb + t * columns, target = gb + t * inputs
                    for c in 0..<columns { target[Int(jb[c])] += source[c] }
                }
            }
        } } } } } } } }
    }

    /// bits[i] = OR over the rows t of the bit pattern of rows[t][i] with the sign cleared: non-zero
    /// exactly where some row has a non-zero (or NaN) value in column i.
    static func markNonZeroColumns(_ rows: [Float], steps: Int, count: Int, into bits: inout [UInt32]) {
        rows.withUnsafeBufferPointer { r in
        bits.withUnsafeMutableBufferPointer { b in
            guard let rb = r.baseAddress, let bb = b.baseAddress else { return }
            bb.update(repeating: 0, count: count)
            let magnitude = SIMD16<UInt32>(repeating: 0x7FFF_FFFF)
            for t in 0..<steps {
                let row = UnsafeRawPointer(rb + t * count)
                var i = 0
                while i + 16 <= count {
                    let values = row.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<UInt32>.self)
                    let target = UnsafeMutableRawPointer(bb + i)
                    target.storeBytes(of: target.loadUnaligned(as: SIMD16<UInt32>.self) | (values & magnitude),
                                      as: SIMD16<UInt32>.self)
                    i += 16
                }
                while i < count { bb[i] |= (rb[t * count + i].bitPattern & 0x7FFF_FFFF); i += 1 }
            }
        } }
    }
}
