import Foundation
import Testing
@testable import SpikeKit

/// The analytic BPTT gradients of a 2→2→2 network against the recursion written out by hand.
@Suite struct STDBHandComputedTests {
    struct Case: CustomStringConvertible, Sendable {
        var ordering: SpikeOrdering
        var reset: ResetMode
        var leak: Float
        var surrogate: SurrogateGradient
        var timeSteps: Int
        var description: String { "\(ordering) \(reset) λ=\(leak) \(surrogate) T=\(timeSteps)" }
    }

    static let cases: [Case] = {
        var result: [Case] = []
        let surrogates: [SurrogateGradient] = [.stdb(), .stdb(alpha: 0.5, beta: 0.4, maxDeltaT: 1), .linear(), .linear(gamma: 0.7)]
        for ordering in SpikeOrdering.allCases {
            for reset in ResetMode.allCases {
                for leak: Float in [1, 0.9] {
                    for surrogate in surrogates {
                        for timeSteps in [3, 5] {
                            result.append(Case(ordering: ordering, reset: reset, leak: leak, surrogate: surrogate, timeSteps: timeSteps))
                        }
                    }
                }
            }
        }
        return result
    }()

    // The network: x (2 analog inputs, direct encoding) → W1 → 2 IF neurons (θ) → W2 (+ b2) → V.
    static let x: [Double] = [0.9, 0.6]
    static let w1: [[Double]] = [[0.7, 0.5], [0.35, -0.2]]      // [out][in]
    static let w2: [[Double]] = [[0.8, -0.5], [-0.3, 0.9]]      // [out][in]
    static let b2: [Double] = [0.1, -0.1]
    static let theta: Double = 0.6
    static let label = 1

    @Test(arguments: cases)
    func gradientsMatchTheHandWrittenRecursion(_ c: Case) throws {
        let T = c.timeSteps, lambda = Double(c.leak), theta = Self.theta
        let delayed = c.ordering == .delayed

        // Forward pass, by hand.
        var u = [0.0, 0.0]
        var last = [-1, -1]
        var spikes = [[Double]](repeating: [0, 0], count: T)
        var compared = [[Double]](repeating: [0, 0], count: T)
        var lastBefore = [[Int]](repeating: [-1, -1], count: T)
        var v = Self.b2.map { $0 * Double(T) }
        for t in 0..<T {
            for i in 0..<2 {
                let current = Self.w1[i][0] * Self.x[0] + Self.w1[i][1] * Self.x[1]
                let previous = u[i]
                var next = lambda * previous + current
                compared[t][i] = delayed ? previous : next
                lastBefore[t][i] = last[i]
                if compared[t][i] > theta {
                    spikes[t][i] = 1
                    next = c.reset == .subtract ? next - theta : 0
                    last[i] = t
                }
                u[i] = next
            }
            for k in 0..<2 { v[k] += Self.w2[k][0] * spikes[t][0] + Self.w2[k][1] * spikes[t][1] }
        }
        // Loss and ∂L/∂V.
        let shift = v.max()!
        let logSum = shift + log(v.map { exp($0 - shift) }.reduce(0, +))
        let loss = logSum - v[Self.label]
        let dV = (0..<2).map { k in exp(v[k] - logSum) - (k == Self.label ? 1 : 0) }

        // Backward pass, by hand: g = ∂L/∂s^t (the same at every step), σ'^t, then the recursion.
        let g = (0..<2).map { i in Self.w2[0][i] * dV[0] + Self.w2[1][i] * dV[1] }
        func sigma(_ t: Int, _ i: Int) -> Double {
            switch c.surrogate {
            case .stdb(let alpha, let beta, let maxDeltaT):
                let previous = lastBefore[t][i]
                if previous < 0 { return 0 }
                // Steps between the spike being decided (step t) and the previous one, in both orderings.
                let deltaT = t - previous
                return deltaT > maxDeltaT ? 0 : Double(alpha) * exp(-Double(beta) * Double(deltaT)) / theta
            case .linear(let gamma):
                return Double(gamma) * max(0, 1 - abs(compared[t][i] / theta - 1)) / theta
            }
        }
        func r(_ t: Int, _ i: Int) -> Double { c.reset == .zero && spikes[t][i] == 1 ? 0 : 1 }
        var dv = [[Double]](repeating: [0, 0], count: T)
        var du = [0.0, 0.0]        // ∂L/∂u^t, starting at t = T − 1 (nothing depends on u^{T−1} but s^T, which is not simulated)
        for t in stride(from: T - 1, through: 0, by: -1) {
            for i in 0..<2 {
                if delayed {
                    dv[t][i] = r(t, i) * du[i]
                    du[i] = lambda * dv[t][i] + sigma(t, i) * g[i]      // ∂L/∂u^{t−1}: through v^t and through s^t
                } else {
                    dv[t][i] = r(t, i) * du[i] + sigma(t, i) * g[i]
                    du[i] = lambda * dv[t][i]
                }
            }
        }
        var dW1 = [[0.0, 0.0], [0.0, 0.0]], dW2 = [[0.0, 0.0], [0.0, 0.0]]
        for t in 0..<T {
            for i in 0..<2 { for j in 0..<2 { dW1[i][j] += dv[t][i] * Self.x[j] } }
            for k in 0..<2 { for i in 0..<2 { dW2[k][i] += spikes[t][i] * dV[k] } }
        }
        let db2 = dV.map { $0 * Double(T) }

        // The trainer.
        let network = SpikingNetwork(inputShape: .flat(2), layers: [
            .synaptic(Synapse.linear(name: "fc1", inputShape: .flat(2), outputs: 2,
                                     pytorchWeights: Self.w1.flatMap { $0.map(Float.init) }),
                      neurons: NeuronParameters(threshold: Float(theta), leak: c.leak, reset: c.reset), inputDropout: 0),
            .synaptic(Synapse.linear(name: "fc2", inputShape: .flat(2), outputs: 2,
                                     pytorchWeights: Self.w2.flatMap { $0.map(Float.init) }, bias: Self.b2.map(Float.init)),
                      neurons: nil, inputDropout: 0),
        ])
        let settings = STDBSettings(timeSteps: T, surrogate: c.surrogate, encoding: .direct, ordering: c.ordering,
                                    gradientChunks: 1, threads: 1)
        let images = Tensor(shape: [1, 2, 1, 1], scalars: Self.x.map(Float.init))
        let result = try STDBTestSupport.evaluate(network, settings: settings, images: images, labels: [Int32(Self.label)])
        let handTrains = (0..<T).map { t in (0..<2).filter { spikes[t][$0] == 1 }.map(Int32.init) }
        #expect(result.spikes[0][0] == handTrains, "the trainer's spikes differ from the hand forward pass (\(c))")

        expectClose(result.loss, loss, relative: 1e-5, absolute: 1e-6, "loss (\(c))")
        // Event layout: linear rows are [input][output].
        for i in 0..<2 {
            for j in 0..<2 {
                expectClose(Double(result.weights[0][j * 2 + i]), dW1[i][j], relative: 1e-4, absolute: 1e-6, "dW1[\(i)][\(j)] (\(c))")
                expectClose(Double(result.weights[1][i * 2 + j]), dW2[j][i], relative: 1e-4, absolute: 1e-6, "dW2[\(j)][\(i)] (\(c))")
            }
            expectClose(Double(result.bias[1][i]), db2[i], relative: 1e-4, absolute: 1e-6, "db2[\(i)] (\(c))")
        }
    }

    /// The cases are not vacuous: across them the hidden layer's gradient is often non-zero, and the
    /// spike patterns differ between orderings.
    @Test func handCasesExerciseTheRecursion() throws {
        var nonZero = 0
        for c in Self.cases {
            let network = SpikingNetwork(inputShape: .flat(2), layers: [
                .synaptic(Synapse.linear(name: "fc1", inputShape: .flat(2), outputs: 2, pytorchWeights: Self.w1.flatMap { $0.map(Float.init) }),
                          neurons: NeuronParameters(threshold: Float(Self.theta), leak: c.leak, reset: c.reset), inputDropout: 0),
                .synaptic(Synapse.linear(name: "fc2", inputShape: .flat(2), outputs: 2, pytorchWeights: Self.w2.flatMap { $0.map(Float.init) }),
                          neurons: nil, inputDropout: 0),
            ])
            let settings = STDBSettings(timeSteps: c.timeSteps, surrogate: c.surrogate, ordering: c.ordering, gradientChunks: 1, threads: 1)
            let result = try STDBTestSupport.evaluate(network, settings: settings,
                                                      images: Tensor(shape: [1, 2, 1, 1], scalars: Self.x.map(Float.init)), labels: [1])
            if result.weights[0].contains(where: { $0 != 0 }) { nonZero += 1 }
        }
        #expect(nonZero >= Self.cases.count * 3 / 4, "only \(nonZero) of \(Self.cases.count) cases have a hidden-layer gradient")
    }
}
