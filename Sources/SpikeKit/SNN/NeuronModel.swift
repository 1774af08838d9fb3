/// The neuron dynamics a spiking population integrates its input with. Each is one set of equations
/// in `NeuronDynamics`, used by every simulator (event-driven, dense reference, STDB forward) and by
/// STDB's backward recursion, so a model is defined once.
///
/// With I^t the synaptic input delivered at step t, u the membrane after the previous step's reset,
/// λ the leak and θ the threshold:
/// - `integrateAndFire` ("if"; with λ < 1 the leaky LIF): v^t = λ·u^{t−1} + I^t.
/// - `currentBasedLIF` ("cuba-lif"; current-based LIF as on Loihi and in NIR's CubaLIF): a synaptic
///   current with its own decay α_i filters the input, i^t = α_i·i^{t−1} + I^t, and the membrane
///   integrates it, v^t = λ·u^{t−1} + i^t. The reset acts on the membrane only. With α_i = 0 it is
///   `integrateAndFire` exactly (i^t = 0·i^{t−1} + I^t = I^t, bit for bit).
///
/// Then, in either model, the spike s^t = [compared > θ] (compared = u^{t−1} in the delayed ordering,
/// v^t in the immediate one) and the reset u^t = v^t − θ·s^t (subtract) or v^t·(1 − s^t) (zero).
public enum NeuronModel: String, Codable, Sendable, CaseIterable {
    case integrateAndFire = "if"
    case currentBasedLIF = "cuba-lif"

    /// Whether the model keeps a synaptic current besides the membrane.
    public var hasSynapticCurrent: Bool { self == .currentBasedLIF }
}
