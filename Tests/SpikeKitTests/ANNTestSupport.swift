import Foundation
import Testing
@testable import SpikeKit

/// Random tensors and central finite-difference gradient checks for ANN layers.
enum ANNTestSupport {
    /// A tensor of `shape` with values uniform in `range`, from `seed`.
    static func random(_ shape: [Int], seed: UInt64, in range: ClosedRange<Float> = -1...1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<count).map { _ in
            range.lowerBound + (range.upperBound - range.lowerBound) * generator.nextUniform()
        })
    }

    /// Like `random`, but every value is at least `gap` away from each of `kinks` (so a finite
    /// difference with a step below `gap` never crosses a kink of ReLU-like functions).
    static func random(_ shape: [Int], seed: UInt64, in range: ClosedRange<Float>, avoiding kinks: [Float], gap: Float) -> Tensor {
        var tensor = random(shape, seed: seed, in: range)
        for i in 0..<tensor.count {
            for kink in kinks where abs(tensor.scalars[i] - kink) < gap {
                tensor.scalars[i] = kink + (tensor.scalars[i] >= kink ? gap : -gap)
            }
        }
        return tensor
    }

    /// Σ r·y in Double: the scalar "loss" whose gradient with respect to y is r.
    static func projection(_ y: Tensor, _ r: Tensor) -> Double {
        precondition(y.shape == r.shape, "projection: \(y.shape) vs \(r.shape)")
        var total = 0.0
        for i in 0..<y.count { total += Double(y.scalars[i]) * Double(r.scalars[i]) }
        return total
    }

    /// One disagreement between an analytic and a numerical derivative.
    struct Mismatch: CustomStringConvertible {
        var what: String
        var index: Int
        var analytic: Double
        var numeric: Double
        var tolerance: Double
        var description: String {
            "\(what)[\(index)]: analytic \(analytic), numeric \(numeric), |error| \(abs(analytic - numeric)) > tolerance \(tolerance)"
        }
    }

    /// Checks `layer.backward` against central differences of L = Σ r·layer(x), for the input and
    /// every parameter (at most `maxChecks` evenly spread entries of each). Forward passes run in
    /// training mode with the same `seed`, so dropout masks are fixed.
    static func checkGradients(of layer: any Layer, input: Tensor, seed: UInt64 = 7, step: Float = 1e-2,
                               absoluteTolerance: Double = 2e-3, relativeTolerance: Double = 1e-2,
                               maxChecks: Int = 60, checkInput: Bool = true,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        func run(_ x: Tensor) -> Tensor {
            var context = ForwardContext(training: true, seed: seed, layerIndex: 3)
            return layer.forward(x, context: &context)
        }
        let output = run(input)
        let r = random(output.shape, seed: 99, in: -1...1)
        for parameter in layer.parameters { parameter.zeroGradient() }
        let inputGradient = layer.backward(r)
        var mismatches: [Mismatch] = []
        // A difference that straddles a kink of a ReLU inside the layer is wrong by design; such an
        // entry is retried with a quarter of the step, and reported only if both steps disagree.
        func compare(_ what: String, _ index: Int, _ analytic: Float, _ evaluate: (Float) -> (Tensor, Tensor)) {
            var last: Mismatch?
            for h in [step, step / 4] {
                let (plus, minus) = evaluate(h)
                let numeric = (projection(plus, r) - projection(minus, r)) / (2 * Double(h))
                let tolerance = absoluteTolerance * Double(step / h) + relativeTolerance * max(abs(Double(analytic)), abs(numeric))
                if abs(Double(analytic) - numeric) <= tolerance { return }
                last = Mismatch(what: what, index: index, analytic: Double(analytic), numeric: numeric, tolerance: tolerance)
            }
            if let last { mismatches.append(last) }
        }
        func indices(_ count: Int) -> [Int] {
            count <= maxChecks ? Array(0..<count) : (0..<maxChecks).map { $0 * count / maxChecks }
        }
        if checkInput {
            #expect(inputGradient.shape == input.shape, "input gradient shape", sourceLocation: sourceLocation)
            for i in indices(input.count) {
                compare("input", i, inputGradient.scalars[i]) { h in
                    var plus = input, minus = input
                    plus.scalars[i] += h
                    minus.scalars[i] -= h
                    return (run(plus), run(minus))
                }
            }
        }
        for parameter in layer.parameters {
            let analytic = parameter.gradient
            for i in indices(parameter.count) {
                compare(parameter.name, i, analytic.scalars[i]) { h in
                    let original = parameter.value.scalars[i]
                    parameter.value.scalars[i] = original + h
                    let plus = run(input)
                    parameter.value.scalars[i] = original - h
                    let minus = run(input)
                    parameter.value.scalars[i] = original
                    return (plus, minus)
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) gradient mismatches, first: \(mismatches.prefix(5).map(\.description))",
                sourceLocation: sourceLocation)
    }

    /// Fills a layer's parameters with random values (seeded), for gradient checks.
    static func randomize(_ layer: any Layer, seed: UInt64, scale: Float = 0.5) {
        for (k, parameter) in layer.parameters.enumerated() {
            parameter.value = random(parameter.value.shape, seed: seed &+ UInt64(k), in: -scale...scale)
        }
    }

    private static let threadLock = NSLock()

    /// Runs `body` with `Parallel.threadCount` set to `threads`, restoring it afterwards. Callers are
    /// serialised, so concurrent tests cannot restore each other's setting out of order.
    static func withThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        threadLock.lock()
        defer { threadLock.unlock() }
        let saved = Parallel.threadCount
        Parallel.threadCount = threads
        defer { Parallel.threadCount = saved }
        return try body()
    }
}
