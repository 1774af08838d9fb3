/// How a neuron's membrane is reset after it spikes.
public enum ResetMode: String, Codable, Sendable, CaseIterable {
    /// Reset by subtraction ("soft reset"): u ← u − θ. Keeps the residue above threshold, which is what
    /// makes an integrate-and-fire neuron's rate proportional to its input (Rueckauer et al. 2017).
    case subtract
    /// Reset to zero: u ← 0. Discards the residue.
    case zero
}

/// When, within one time step, a spiking layer compares its membrane with the threshold.
///
/// Both orderings run the same three named phases (see `EventScheduler`); only their order differs:
/// - `delayed` (hybrid/STDB paper): threshold → integrate → reset. A neuron spikes at step t if
///   u^{t−1} > θ, then u^t = λ·u^{t−1} + Σ_j w_ij·x_j^t − θ·s^t. Each layer adds one step of latency.
/// - `immediate` (ultra-low-latency paper): integrate → threshold → reset. u^t = λ·u^{t−1} + Σ_j w_ij·x_j^t;
///   s^t = [u^t > θ]; u^t −= θ·s^t. Needed for T = 1 or 2 to work at all.
public enum SpikeOrdering: String, Codable, Sendable, CaseIterable {
    case delayed
    case immediate
}

/// The parameters of one spiking layer's neurons (NEST's "parameters" part: fixed during a
/// simulation; the state — membrane u, and for `NeuronModel.currentBasedLIF` the synaptic current i —
/// lives in each simulator's per-sample buffers; the update itself is `NeuronDynamics`, the one
/// definition every simulator uses).
public struct NeuronParameters: Codable, Sendable, Equatable {
    /// Which dynamics integrate the input (see `NeuronModel`).
    public var model: NeuronModel
    /// The synaptic-current decay α_i in [0, 1) of `NeuronModel.currentBasedLIF`:
    /// i^t = α_i·i^{t−1} + I^t. 0 for the `integrateAndFire` model (where it plays no part).
    public var currentDecay: Float
    /// Firing threshold θ (> 0). The comparison is strict: a neuron spikes when u > θ.
    public var threshold: Float
    /// Leak λ in (0, 1]: u ← λ·u each step before the input is added. 1 = integrate-and-fire.
    public var leak: Float
    /// What a spike does to the membrane.
    public var reset: ResetMode
    /// The membrane at the start of every sample, as a fraction ρ of θ (u⁰ = ρ·θ, ρ in [0, 1)).
    /// 0 = an empty membrane. ρ = 0.5 turns the spike count of a soft-reset IF neuron with constant
    /// input x, ⌊T·x/θ⌋, into ⌊T·x/θ + ½⌋ — rounding instead of truncation, which halves the
    /// expected quantisation error and matters most at T ≤ 8 (Bu et al., ICLR 2022, "Optimal
    /// ANN-SNN conversion", Theorem 2).
    public var initialMembrane: Float

    public init(threshold: Float, leak: Float = 1, reset: ResetMode = .subtract, initialMembrane: Float = 0,
                model: NeuronModel = .integrateAndFire, currentDecay: Float = 0) {
        self.threshold = threshold
        self.leak = leak
        self.reset = reset
        self.initialMembrane = initialMembrane
        self.model = model
        self.currentDecay = currentDecay
    }

    /// u⁰ = ρ·θ.
    public var initialPotential: Float { initialMembrane * threshold }

    private enum CodingKeys: String, CodingKey { case threshold, leak, reset, initialMembrane, model, currentDecay }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try container.decode(Float.self, forKey: .threshold)
        leak = try container.decode(Float.self, forKey: .leak)
        reset = try container.decode(ResetMode.self, forKey: .reset)
        // Absent in files written before the properties existed: an empty membrane, IF/LIF dynamics.
        initialMembrane = try container.decodeIfPresent(Float.self, forKey: .initialMembrane) ?? 0
        model = try container.decodeIfPresent(NeuronModel.self, forKey: .model) ?? .integrateAndFire
        currentDecay = try container.decodeIfPresent(Float.self, forKey: .currentDecay) ?? 0
    }

    /// Why these parameters cannot be simulated, or nil when they can (θ positive and finite, λ in
    /// (0, 1], ρ in [0, 1), α_i in [0, 1) and 0 unless the model is current-based).
    public var problem: String? {
        guard threshold > 0 && threshold.isFinite else { return "threshold must be positive and finite, got \(threshold)" }
        guard leak > 0 && leak <= 1 else { return "leak must be in (0, 1], got \(leak)" }
        guard initialMembrane >= 0 && initialMembrane < 1 else {
            return "the initial membrane must be a fraction of θ in [0, 1), got \(initialMembrane)"
        }
        guard currentDecay >= 0 && currentDecay < 1 else { return "the current decay must be in [0, 1), got \(currentDecay)" }
        if model == .integrateAndFire && currentDecay != 0 {
            return "a current decay (\(currentDecay)) needs the cuba-lif neuron model"
        }
        return nil
    }
}
