import Foundation

/// The pseudo-derivative ∂s/∂u that STDB uses in place of the spike function's derivative (which is
/// zero almost everywhere and undefined at the threshold).
///
/// Both forms follow Rathi, Srinivasan, Panda & Roy, "Enabling deep spiking neural networks with
/// hybrid conversion and spike timing dependent backpropagation" (ICLR 2020). The paper writes the
/// spike function on the normalised membrane z = u/θ − 1, so every derivative with respect to u
/// carries the chain-rule factor ∂z/∂u = 1/θ.
///
/// - `stdb(alpha:beta:maxDeltaT:)`, the paper's Eq. 9:
///
///       ∂s/∂u = α · exp(−β · Δt) / θ
///
///   where Δt = t − lastSpike is the number of steps between the spike step t being decided and the
///   neuron's previous spike step, taken before the last-spike step is updated. Both orderings stamp
///   a spike with the step that emits it, so two spikes at consecutive steps give Δt = 1 in either
///   (as in the authors' code, which compares the current step with the stored spike time; in the
///   delayed ordering the decision at step t reads u^{t−1}, but the spike it emits belongs to step t,
///   as did the previous one to its own step). A neuron that has never spiked gets 0 (the authors' code reaches this only
///   approximately, through floating-point underflow; here it is explicit), and so does any Δt above
///   `maxDeltaT`.
/// - `linear(gamma:)`, the piecewise-linear form the authors' code uses by default:
///
///       ∂s/∂u = γ · max(0, 1 − |u/θ − 1|) / θ
///
///   where u is the membrane compared with θ (u^{t−1} in the delayed ordering, the pre-reset u^t in
///   the immediate ordering).
public enum SurrogateGradient: Sendable, Equatable {
    case stdb(alpha: Float = 0.3, beta: Float = 0.01, maxDeltaT: Int = 100)
    case linear(gamma: Float = 0.3)

    /// Whether the derivative depends on the membrane (and so must be recorded during the forward pass)
    /// rather than on spike times alone.
    public var needsMembrane: Bool {
        if case .linear = self { return true }
        return false
    }

    /// Δt = t − lastSpike for the spike decision at step `t` (0-based) of a neuron whose previous
    /// spike was at step `lastSpike` (−1 = never), or nil when the neuron has never spiked. The same
    /// for both orderings (see the type's comment); `ordering` is kept so callers state which they mean.
    public static func deltaT(ordering: SpikeOrdering, step t: Int, lastSpike: Int) -> Int? {
        guard lastSpike >= 0 else { return nil }
        return t - lastSpike
    }

    /// The `stdb` derivative for a neuron whose previous spike lies `deltaT` steps back (nil = never
    /// spiked): α·exp(−β·Δt)/θ, or 0 when it never spiked or Δt > maxDeltaT. The `linear` surrogate
    /// does not depend on Δt; asking it returns 0.
    public func derivative(deltaT: Int?, threshold: Float) -> Float {
        guard case .stdb(let alpha, let beta, let maxDeltaT) = self, let deltaT, deltaT >= 0, deltaT <= maxDeltaT else {
            return 0
        }
        return Float(Double(alpha) * Foundation.exp(-Double(beta) * Double(deltaT)) / Double(threshold))
    }

    /// The `linear` derivative at membrane `u`: γ·max(0, 1 − |u/θ − 1|)/θ. The `stdb` surrogate does
    /// not depend on the membrane; asking it returns 0.
    public func derivative(membrane u: Float, threshold: Float) -> Float {
        guard case .linear(let gamma) = self else { return 0 }
        return gamma * max(0, 1 - abs(u / threshold - 1)) / threshold
    }

    /// The `stdb` derivative for every Δt in 0...maxDeltaT, followed by one 0 (the value for any larger
    /// Δt), so the backward pass reads `table[min(Δt, maxDeltaT + 1)]`. Empty for `linear`.
    func deltaTTable(threshold: Float) -> [Float] {
        guard case .stdb(_, _, let maxDeltaT) = self else { return [] }
        let limit = max(0, maxDeltaT)
        return (0...limit).map { derivative(deltaT: $0, threshold: threshold) } + [0]
    }
}
