/// Pointer-level elementwise and reduction loops behind `Tensor`'s arithmetic.
///
/// The loops are written so LLVM vectorises them (plain indexed loops over non-aliasing buffers).
/// Reductions use explicit `SIMD16` partial sums in a fixed order, so a sum is the same on every run
/// and thread count (it differs from a left-to-right scalar sum only by rounding).
enum Elementwise {
    /// y[i] += x[i].
    @inline(__always)
    static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }

    /// y[i] += alpha · x[i] (BLAS `saxpy`).
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += alpha * x[i] }
    }

    /// The binary operations with their own vector loops.
    enum Binary {
        case add, subtract, multiply
        /// `b` where `a > 0`, else 0: the ReLU gradient with `a` the ReLU's input.
        case passWherePositive
    }

    /// The unary operations with their own vector loops.
    enum Unary {
        case scale(Float)
        /// max(x, 0), keeping NaN.
        case relu
    }

    // Each operation gets its own loop with a constant body: passing the operation as a closure
    // leaves an indirect call per element that LLVM does not vectorise.
    static func apply(_ operation: Binary, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                      _ out: UnsafeMutablePointer<Float>, count: Int) {
        switch operation {
        case .add: for i in 0..<count { out[i] = a[i] + b[i] }
        case .subtract: for i in 0..<count { out[i] = a[i] - b[i] }
        case .multiply: for i in 0..<count { out[i] = a[i] * b[i] }
        case .passWherePositive: for i in 0..<count { out[i] = a[i] > 0 ? b[i] : 0 }
        }
    }

    static func apply(_ operation: Unary, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        switch operation {
        case .scale(let factor): for i in 0..<count { out[i] = x[i] * factor }
        case .relu: for i in 0..<count { out[i] = x[i] < 0 ? 0 : x[i] }
        }
    }

    /// out[i] = f(x[i]).
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int,
                    _ transform: (Float) -> Float) {
        for i in 0..<count { out[i] = transform(x[i]) }
    }

    /// Σ x[i], accumulated in 16 lanes of 4 interleaved vectors, then the lanes in order.
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
        let raw = UnsafeRawPointer(x)
        var i = 0
        while i + 64 <= count {
            s0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            s1 += raw.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self)
            s2 += raw.loadUnaligned(fromByteOffset: i * 4 + 128, as: SIMD16<Float>.self)
            s3 += raw.loadUnaligned(fromByteOffset: i * 4 + 192, as: SIMD16<Float>.self)
            i += 64
        }
        let lanes = (s0 + s1) + (s2 + s3)
        var total: Float = 0
        for lane in 0..<16 { total += lanes[lane] }
        while i < count { total += x[i]; i += 1 }
        return total
    }

    /// The largest value and its first index (NaNs are skipped; `count` must be positive).
    static func maxIndex(_ x: UnsafePointer<Float>, count: Int) -> (value: Float, index: Int) {
        var best = -Float.infinity, index = 0
        var found = false
        for i in 0..<count where x[i] > best || (!found && !x[i].isNaN) {
            best = x[i]
            index = i
            found = true
        }
        return (found ? best : .nan, index)
    }
}

/// Array-level entry points, so code outside `Kernels/` never touches a pointer.
extension Elementwise {
    /// [a[i] ⊙ b[i]] for arrays of equal length.
    static func apply(_ operation: Binary, _ a: [Float], _ b: [Float]) -> [Float] {
        precondition(a.count == b.count, "Elementwise.apply: \(a.count) vs \(b.count) values")
        return [Float](unsafeUninitializedCapacity: a.count) { out, initialized in
            a.withUnsafeBufferPointer { aBuffer in
                b.withUnsafeBufferPointer { bBuffer in
                    if let aBase = aBuffer.baseAddress, let bBase = bBuffer.baseAddress, let outBase = out.baseAddress {
                        apply(operation, aBase, bBase, outBase, count: a.count)
                    }
                }
            }
            initialized = a.count
        }
    }

    /// [f(x[i])] for one of the built-in operations.
    static func apply(_ operation: Unary, _ x: [Float]) -> [Float] {
        [Float](unsafeUninitializedCapacity: x.count) { out, initialized in
            x.withUnsafeBufferPointer { xBuffer in
                if let xBase = xBuffer.baseAddress, let outBase = out.baseAddress {
                    apply(operation, xBase, outBase, count: x.count)
                }
            }
            initialized = x.count
        }
    }

    /// [f(x[i])] for any function (a plain loop; the built-in operations are faster).
    static func map(_ x: [Float], _ transform: (Float) -> Float) -> [Float] {
        [Float](unsafeUninitializedCapacity: x.count) { out, initialized in
            x.withUnsafeBufferPointer { xBuffer in
                if let xBase = xBuffer.baseAddress, let outBase = out.baseAddress {
                    map(xBase, outBase, count: x.count, transform)
                }
            }
            initialized = x.count
        }
    }

    /// y[i] += alpha · x[i].
    static func axpy(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
        precondition(x.count == y.count, "Elementwise.axpy: \(x.count) vs \(y.count) values")
        x.withUnsafeBufferPointer { xBuffer in
            y.withUnsafeMutableBufferPointer { yBuffer in
                if let xBase = xBuffer.baseAddress, let yBase = yBuffer.baseAddress {
                    if alpha == 1 {
                        add(xBase, into: yBase, count: x.count)
                    } else {
                        axpy(alpha, xBase, yBase, count: x.count)
                    }
                }
            }
        }
    }

    /// Σ x[i] over `range` (see `sum(_:count:)` for the order).
    static func sum(_ x: [Float], range: Range<Int>) -> Float {
        x.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !range.isEmpty else { return 0 }
            return sum(base + range.lowerBound, count: range.count)
        }
    }

    /// The first index of the largest value in `range` (NaNs skipped) and that value.
    static func maxIndex(_ x: [Float], range: Range<Int>) -> (value: Float, index: Int) {
        x.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !range.isEmpty else { return (.nan, 0) }
            let found = maxIndex(base + range.lowerBound, count: range.count)
            return (found.value, found.index)
        }
    }
}

extension Elementwise {
    /// total[i] += x[start + i] for i in 0..<count.
    static func accumulate(_ x: [Float], from start: Int, count: Int, into total: inout [Float]) {
        precondition(start >= 0 && start + count <= x.count && count <= total.count,
                     "Elementwise.accumulate: \(start)+\(count) outside \(x.count) or \(total.count) values")
        x.withUnsafeBufferPointer { xBuffer in
            total.withUnsafeMutableBufferPointer { totalBuffer in
                if let xBase = xBuffer.baseAddress, let totalBase = totalBuffer.baseAddress {
                    add(xBase + start, into: totalBase, count: count)
                }
            }
        }
    }
}
