/// Elementwise arithmetic and reductions on tensors.
///
/// Binary operations need equal shapes (no broadcasting: a shape mismatch is a programming error and
/// stops with both shapes). The loops run in `Kernels/Elementwise.swift`; sums accumulate in a fixed
/// vector order, so they are reproducible run to run.
extension Tensor {
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        checkSameShape(lhs, rhs, "+")
        return Tensor(shape: lhs.shape, scalars: Elementwise.apply(.add, lhs.scalars, rhs.scalars))
    }

    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        checkSameShape(lhs, rhs, "-")
        return Tensor(shape: lhs.shape, scalars: Elementwise.apply(.subtract, lhs.scalars, rhs.scalars))
    }

    /// The elementwise (Hadamard) product.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        checkSameShape(lhs, rhs, "*")
        return Tensor(shape: lhs.shape, scalars: Elementwise.apply(.multiply, lhs.scalars, rhs.scalars))
    }

    public static func * (lhs: Tensor, rhs: Float) -> Tensor {
        Tensor(shape: lhs.shape, scalars: Elementwise.apply(.scale(rhs), lhs.scalars))
    }

    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs * lhs }

    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs.add(rhs) }

    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs.add(rhs, scaledBy: -1) }

    /// self += alpha · other, in place (BLAS `axpy`).
    public mutating func add(_ other: Tensor, scaledBy alpha: Float = 1) {
        Tensor.checkSameShape(self, other, "add(_:scaledBy:)")
        Elementwise.axpy(alpha, other.scalars, &scalars)
    }

    /// f applied to every value.
    public func mapValues(_ transform: (Float) -> Float) -> Tensor {
        Tensor(shape: shape, scalars: Elementwise.map(scalars, transform))
    }

    /// max(x, 0) elementwise.
    public func relu() -> Tensor {
        // NaN stays NaN (as in PyTorch), so a numerical failure stays visible downstream.
        Tensor(shape: shape, scalars: Elementwise.apply(.relu, scalars))
    }

    /// The gradient of `relu`: `gradient` where `input > 0`, else 0.
    public static func reluBackward(input: Tensor, gradient: Tensor) -> Tensor {
        checkSameShape(input, gradient, "reluBackward")
        return Tensor(shape: input.shape, scalars: Elementwise.apply(.passWherePositive, input.scalars, gradient.scalars))
    }

    /// The sum of all values.
    public func sum() -> Float { Elementwise.sum(scalars, range: 0..<count) }

    /// The largest value (NaNs ignored); nil for an empty tensor or one of only NaNs.
    public func max() -> Float? {
        let found = Elementwise.maxIndex(scalars, range: 0..<count)
        return found.value.isNaN ? nil : found.value
    }

    /// For a [N, K] tensor, the index of the largest value in each row (the first, on ties; NaNs are
    /// ignored, and a row of only NaNs gives 0).
    public func argmaxRows() -> [Int] {
        precondition(rank == 2, "argmaxRows needs a [N, K] tensor, got \(shape)")
        let columns = shape[1]
        if columns == 0 { return [Int](repeating: 0, count: shape[0]) }
        return (0..<shape[0]).map { row in
            Elementwise.maxIndex(scalars, range: (row * columns)..<((row + 1) * columns)).index
        }
    }

    /// For a [N, ...] tensor, the sum of each row's values: shape [N].
    public func sumRows() -> Tensor {
        precondition(rank >= 1, "sumRows needs a tensor of rank ≥ 1, got \(shape)")
        let size = shape.dropFirst().reduce(1, *)
        return Tensor(shape: [shape[0]], scalars: (0..<shape[0]).map {
            Elementwise.sum(scalars, range: ($0 * size)..<(($0 + 1) * size))
        })
    }

    /// For a [N, ...] tensor, the sum over the first (batch) axis: shape [...]. Rows are added in
    /// order, so the result does not depend on anything but the values.
    public func sumOverBatch() -> Tensor {
        precondition(rank >= 1, "sumOverBatch needs a tensor of rank ≥ 1, got \(shape)")
        let inner = Array(shape.dropFirst())
        let size = inner.reduce(1, *)
        var total = [Float](repeating: 0, count: size)
        for row in 0..<shape[0] {
            Elementwise.accumulate(scalars, from: row * size, count: size, into: &total)
        }
        return Tensor(shape: inner, scalars: total)
    }

    static func checkSameShape(_ lhs: Tensor, _ rhs: Tensor, _ operation: String) {
        precondition(lhs.shape == rhs.shape, "Tensor \(operation): shapes \(lhs.shape) and \(rhs.shape) differ")
    }
}
