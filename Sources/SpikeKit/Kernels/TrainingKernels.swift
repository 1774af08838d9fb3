/// The elementwise loops of ANN training: filling and adding gradients, and the SGD and Adam
/// parameter updates.
///
/// Every loop treats element i on its own, so splitting the arrays into chunks over threads cannot
/// change a result; chunks of at least `chunk` elements keep small tensors on one thread.
enum TrainingKernels {
    static let chunk = 1 << 16

    /// values[i] = value.
    static func fill(_ values: inout [Float], with value: Float) {
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            base.update(repeating: value, count: buffer.count)
        }
    }

    /// y[i] += x[i] for the `x.count` values at `y` (summing gradients of batch chunks or sample
    /// groups), element ranges on all cores through `EventKernels.addRow`.
    static func add(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutablePointer<Float>) {
        guard let xBase = x.baseAddress else { return }
        let xp = SendableConstPointer(xBase), yp = SendablePointer(y)
        parallelForChunks(x.count, minimumChunk: chunk) { range in
            EventKernels.addRow(yp.base + range.lowerBound, xp.base + range.lowerBound, count: range.count)
        }
    }

    /// SGD with momentum and L2 weight decay, as PyTorch's `torch.optim.SGD` (dampening 0, no Nesterov):
    /// g ← g + λ·w;  v ← μ·v + g;  w ← w − η·v.
    static func sgd(value: inout [Float], gradient: [Float], velocity: inout [Float],
                    learningRate: Float, momentum: Float, weightDecay: Float) {
        let count = value.count
        precondition(gradient.count == count && velocity.count == count,
                     "TrainingKernels.sgd: \(count) values, \(gradient.count) gradients, \(velocity.count) velocities")
        value.withUnsafeMutableBufferPointer { w in
            velocity.withUnsafeMutableBufferPointer { v in
                gradient.withUnsafeBufferPointer { g in
                    guard let wBase = w.baseAddress, let vBase = v.baseAddress, let gBase = g.baseAddress else { return }
                    let wp = SendablePointer(wBase), vp = SendablePointer(vBase), gp = SendableConstPointer(gBase)
                    parallelForChunks(count, minimumChunk: chunk) { range in
                        sgdRange(wp.base, vp.base, gp.base, range, learningRate, momentum, weightDecay)
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func sgdRange(_ w: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                                 _ g: UnsafePointer<Float>, _ range: Range<Int>,
                                 _ lr: Float, _ momentum: Float, _ decay: Float) {
        for i in range {
            let gi = g[i] + decay * w[i]
            let vi = momentum * v[i] + gi
            v[i] = vi
            w[i] -= lr * vi
        }
    }

    /// The constants of one Adam step (shared by all parameters of the step).
    struct AdamStep {
        var learningRate: Float
        var beta1: Float
        var beta2: Float
        var epsilon: Float
        var weightDecay: Float
        /// 1 − β1^t and √(1 − β2^t) for step t (counted from 1).
        var biasCorrection1: Float
        var biasCorrection2Root: Float
        var amsgrad: Bool
    }

    /// Adam (Kingma & Ba, 2015) with AMSGrad (Reddi et al., 2018) as PyTorch's `torch.optim.Adam`:
    /// g ← g + λ·w;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  v̂ ← max(v̂, v) (AMSGrad);
    /// w ← w − (η / (1−β1^t)) · m / (√v(or v̂) / √(1−β2^t) + ε).
    static func adam(value: inout [Float], gradient: [Float], m: inout [Float], v: inout [Float],
                     vMax: inout [Float], step: AdamStep) {
        let count = value.count
        precondition(gradient.count == count && m.count == count && v.count == count
                        && (!step.amsgrad || vMax.count == count),
                     "TrainingKernels.adam: \(count) values, \(gradient.count) gradients, \(m.count)/\(v.count)/\(vMax.count) moments")
        value.withUnsafeMutableBufferPointer { w in
            m.withUnsafeMutableBufferPointer { mBuffer in
                v.withUnsafeMutableBufferPointer { vBuffer in
                    vMax.withUnsafeMutableBufferPointer { vMaxBuffer in
                        gradient.withUnsafeBufferPointer { g in
                            guard let wBase = w.baseAddress, let mBase = mBuffer.baseAddress,
                                  let vBase = vBuffer.baseAddress, let gBase = g.baseAddress else { return }
                            let wp = SendablePointer(wBase), mp = SendablePointer(mBase), vp = SendablePointer(vBase)
                            let gp = SendableConstPointer(gBase)
                            let maxPointer = vMaxBuffer.baseAddress.map { SendablePointer($0) }
                            parallelForChunks(count, minimumChunk: chunk) { range in
                                if step.amsgrad, let maxPointer {
                                    adamRange(wp.base, mp.base, vp.base, maxPointer.base, gp.base, range, step)
                                } else {
                                    adamRange(wp.base, mp.base, vp.base, nil, gp.base, range, step)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adam on elements `range`, 16 lanes at a time with the scalar loop's operations in the scalar
    /// loop's order (so the same bits), then the tail one by one.
    @inline(__always)
    private static func adamRange(_ w: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                                  _ v: UnsafeMutablePointer<Float>, _ vMax: UnsafeMutablePointer<Float>?,
                                  _ g: UnsafePointer<Float>, _ range: Range<Int>, _ s: AdamStep) {
        typealias V = SIMD16<Float>
        let stepSize = s.learningRate / s.biasCorrection1
        let oneMinusBeta1 = 1 - s.beta1, oneMinusBeta2 = 1 - s.beta2
        @inline(__always) func load(_ p: UnsafePointer<Float>, _ i: Int) -> V { UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
        @inline(__always) func store(_ x: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
            UnsafeMutableRawPointer(p + i).storeBytes(of: x, as: V.self)
        }
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let wi = load(w, i)
            let gi = load(g, i) + s.weightDecay * wi
            let mi = s.beta1 * load(m, i) + oneMinusBeta1 * gi
            let vi = s.beta2 * load(v, i) + oneMinusBeta2 * gi * gi
            var root = vi
            if let vMax {
                // max(vMax, vi) as `Swift.max` picks it: vi when vi ≥ vMax.
                let previous = load(vMax, i)
                root = previous.replacing(with: vi, where: vi .>= previous)
                store(root, vMax, i)
            }
            store(mi, m, i); store(vi, v, i)
            store(wi - stepSize * mi / (root.squareRoot() / s.biasCorrection2Root + s.epsilon), w, i)
            i += 16
        }
        while i < range.upperBound {
            let gi = g[i] + s.weightDecay * w[i]
            let mi = s.beta1 * m[i] + oneMinusBeta1 * gi
            let vi = s.beta2 * v[i] + oneMinusBeta2 * gi * gi
            var root = vi
            if let vMax {
                root = max(vMax[i], vi)
                vMax[i] = root
            }
            m[i] = mi; v[i] = vi
            w[i] -= stepSize * mi / (root.squareRoot() / s.biasCorrection2Root + s.epsilon)
            i += 1
        }
    }
}
