/// The per-layer α, β fit of the low-latency conversion (Datta & Beerel, DATE 2022, reconstructed as
/// DESIGN §4 states; the authors' code loads α, β from files it does not include).
///
/// An ANN neuron with a clipped ReLU outputs clip(x, 0, μ). The converted IF neuron (soft reset,
/// immediate ordering, constant input x per step, threshold θ = α·μ, initial membrane ρ·θ) fires
/// n_T(x; α) = min(T, max(0, ⌊T·x / (α·μ) + ρ⌋)) times in T steps (DESIGN §4 with ρ = 0; ρ = ½
/// makes the count round instead of truncate), and each spike carries β·μ, so the
/// SNN approximates clip(x) by β·μ·n_T/T. α and β minimise the mean squared error
///     L(α, β) = E[(clip(x, 0, μ) − β·μ·n_T(x; α)/T)²]
/// over the layer's recorded pre-activations. For fixed α, L is quadratic in β with minimum
///     β*(α) = E[clip(x)·n_T/T] / (μ·E[(n_T/T)²]),
/// so only α needs a search: a grid of `gridPoints` values in (0, 1.5].
public enum LowLatencyFit {
    public struct Result: Sendable, Equatable {
        public var alpha: Float
        public var beta: Float
        public var meanSquaredError: Double
    }

    /// n_T(x; α): the spike count of a soft-reset IF neuron with constant input x whose membrane
    /// starts at ρ·θ (`initialMembrane` = ρ).
    @inlinable
    public static func spikeCount(_ x: Float, alpha: Float, clip mu: Float, timeSteps t: Int, initialMembrane rho: Float = 0) -> Int {
        let ratio = Double(t) * Double(x) / (Double(alpha) * Double(mu)) + Double(rho)
        if !(ratio > 0) { return 0 }
        return min(t, Int(ratio.rounded(.down)))
    }

    /// The best β for a given α, and the resulting error.
    public static func bestBeta(samples: [Float], alpha: Float, clip mu: Float, timeSteps t: Int,
                                initialMembrane rho: Float = 0) -> (beta: Float, error: Double) {
        var cross = 0.0, square = 0.0, target = 0.0
        let m = Double(mu)
        for x in samples {
            let c = Double(min(max(x, 0), mu))
            let rate = Double(spikeCount(x, alpha: alpha, clip: mu, timeSteps: t, initialMembrane: rho)) / Double(t)
            cross += c * rate
            square += rate * rate
            target += c * c
        }
        let n = Double(max(samples.count, 1))
        guard square > 0 else { return (1, target / n) }
        let beta = cross / (m * square)
        // L = E[c²] − 2βμE[c·r] + β²μ²E[r²], evaluated at β*.
        let error = (target - 2 * beta * m * cross + beta * beta * m * m * square) / n
        return (Float(beta), max(0, error))
    }

    /// Grid search of α in (0, 1.5] (`gridPoints` equally spaced values 1.5·k/gridPoints), with β*(α).
    /// Ties go to the smallest α.
    public static func fit(samples: [Float], clip mu: Float, timeSteps t: Int, gridPoints: Int = 150,
                           initialMembrane rho: Float = 0) -> Result {
        precondition(mu > 0 && t >= 1 && gridPoints >= 1, "fit needs μ > 0, T ≥ 1 and at least one grid point")
        var best = Result(alpha: 1, beta: 1, meanSquaredError: .infinity)
        for k in 1...gridPoints {
            let alpha = 1.5 * Float(k) / Float(gridPoints)
            let (beta, error) = bestBeta(samples: samples, alpha: alpha, clip: mu, timeSteps: t, initialMembrane: rho)
            if error < best.meanSquaredError - 1e-12 {
                best = Result(alpha: alpha, beta: beta, meanSquaredError: error)
            }
        }
        return best
    }
}
