/// The one definition of a spiking neuron's update in one time step, for a single neuron and for a
/// vector of 16, used by every simulator: the event-driven kernels (`EventKernels.step` and its fused
/// variants), the dense reference (`DenseReferenceSimulator`) and STDB's recording forward pass
/// (`STDBKernels.step`). Because they all call these functions, their spikes and membranes are the
/// same bits by construction, not by keeping copies in step.
///
/// The phases, in Brian2's named order (`NeuronModel` gives the equations):
/// 1. **integrate**: the current entering the membrane (I^t, or for a current-based neuron the
///    filtered i^t = α_i·i^{t−1} + I^t) and v^t = λ·u^{t−1} + that current (u + I when λ = 1);
/// 2. **threshold**: s^t = [compared > θ], compared = u^{t−1} (delayed ordering) or v^t (immediate);
/// 3. **reset**: u^t = v^t − θ where it fired (subtract) or 0 (zero reset); the synaptic current is
///    not reset.
/// Every operation is a separate multiply and add (Swift does not contract them into fused
/// multiply-adds), so scalar and vector forms round identically.
///
/// The hot kernels are compiled once per `SynapticCurrent` kind (a type parameter), so the IF/LIF
/// copy carries no trace of the synaptic current and neither copy tests the model inside its loop.
struct NeuronDynamics {
    let theta: Float, leak: Float, currentDecay: Float
    let thetaVector: SIMD16<Float>, leakVector: SIMD16<Float>, decayVector: SIMD16<Float>
    let subtract: Bool, delayed: Bool
    /// Whether the neurons keep a synaptic current (`NeuronModel.currentBasedLIF`).
    let currentBased: Bool

    init(neurons p: NeuronParameters, ordering: SpikeOrdering) {
        theta = p.threshold
        leak = p.leak
        currentDecay = p.currentDecay
        thetaVector = SIMD16(repeating: theta)
        leakVector = SIMD16(repeating: leak)
        decayVector = SIMD16(repeating: currentDecay)
        subtract = p.reset == .subtract
        delayed = ordering == .delayed
        currentBased = p.model.hasSynapticCurrent
    }

    /// Phase 1 for 16 neurons: v = λ·u + I, or for a current-based neuron (`S.isModelled`)
    /// i ← α_i·i + I, v = λ·u + i.
    @inline(__always)
    func integrate<S: SynapticCurrent>(_ kind: S.Type, previous u: SIMD16<Float>, input: SIMD16<Float>,
                                       synaptic i: inout SIMD16<Float>) -> SIMD16<Float> {
        // Written with `if` statements rather than vector ternaries, which compiled to lane-by-lane
        // mask shuffles about ten times slower (a kernel microbenchmark: 36 ns against 3.4 ns per
        // 16-neuron step).
        var entering = input
        if S.isModelled {
            i = decayVector * i + input
            entering = i
        }
        var v = u + entering
        if leak != 1 { v = leakVector * u + entering }
        return v
    }

    /// Phase 2 for 16 neurons: which fire.
    @inline(__always)
    func fires(previous u: SIMD16<Float>, integrated v: SIMD16<Float>) -> SIMDMask<SIMD16<Int32>> {
        (delayed ? u : v) .> thetaVector
    }

    /// Phase 3 for 16 neurons.
    @inline(__always)
    func reset(_ v: SIMD16<Float>, where fires: SIMDMask<SIMD16<Int32>>) -> SIMD16<Float> {
        if subtract { return v.replacing(with: v - thetaVector, where: fires) }
        return v.replacing(with: 0, where: fires)
    }

    /// Phases 1–3 for 16 neurons: the new membranes and which fired.
    @inline(__always)
    func update<S: SynapticCurrent>(_ kind: S.Type, previous u: SIMD16<Float>, input: SIMD16<Float>,
                                    synaptic i: inout SIMD16<Float>) -> (membrane: SIMD16<Float>, fires: SIMDMask<SIMD16<Int32>>) {
        let v = integrate(kind, previous: u, input: input, synaptic: &i)
        let fired = fires(previous: u, integrated: v)
        return (reset(v, where: fired), fired)
    }

    /// Phase 1 for one neuron.
    @inline(__always)
    func integrate<S: SynapticCurrent>(_ kind: S.Type, previous u: Float, input: Float, synaptic i: inout Float) -> Float {
        var entering = input
        if S.isModelled {
            i = currentDecay * i + input
            entering = i
        }
        return leak == 1 ? u + entering : leak * u + entering
    }

    /// `integrate` for the model of these parameters (a test of the model per call).
    @inline(__always)
    func integrate(previous u: Float, input: Float, synaptic i: inout Float) -> Float {
        currentBased ? integrate(FilteredSynapticCurrent.self, previous: u, input: input, synaptic: &i)
                     : integrate(NoSynapticCurrent.self, previous: u, input: input, synaptic: &i)
    }

    /// Phase 2 for one neuron.
    @inline(__always)
    func fires(previous u: Float, integrated v: Float) -> Bool { delayed ? u > theta : v > theta }

    /// Phase 3 for one neuron.
    @inline(__always)
    func reset(_ v: Float) -> Float { subtract ? v - theta : 0 }

    /// Phases 1–3 for one neuron: the new membrane and whether it fired.
    @inline(__always)
    func update<S: SynapticCurrent>(_ kind: S.Type, previous u: Float, input: Float,
                                    synaptic i: inout Float) -> (membrane: Float, fires: Bool) {
        let v = integrate(kind, previous: u, input: input, synaptic: &i)
        guard fires(previous: u, integrated: v) else { return (v, false) }
        return (reset(v), true)
    }

    /// Whether a neuron left in this state may still change without new input, so an event-driven
    /// kernel must visit it next step: its membrane is above θ (it fires next step in the delayed
    /// ordering, or again after a soft reset from u > 2θ), or it holds a synaptic current.
    @inline(__always)
    func pending<S: SynapticCurrent>(_ kind: S.Type, membrane v: SIMD16<Float>, synaptic i: SIMD16<Float>) -> Bool {
        if LaneMask.any(v .> thetaVector) { return true }
        return S.isModelled && LaneMask.any(i .!= SIMD16<Float>())
    }

    @inline(__always)
    func pending<S: SynapticCurrent>(_ kind: S.Type, membrane v: Float, synaptic i: Float) -> Bool {
        v > theta || (S.isModelled && i != 0)
    }

    /// Phases 1–3 for one neuron of the model of these parameters (the dense reference's form).
    func update(previous u: Float, input: Float, synaptic i: inout Float) -> (membrane: Float, fires: Bool) {
        currentBased ? update(FilteredSynapticCurrent.self, previous: u, input: input, synaptic: &i)
                     : update(NoSynapticCurrent.self, previous: u, input: input, synaptic: &i)
    }
}

/// Whether a kernel is compiled for neurons that keep a synaptic current (`NeuronModel.currentBasedLIF`):
/// a type parameter of the hot loops, known at compile time in each specialisation.
protocol SynapticCurrent {
    static var isModelled: Bool { get }
}

/// IF/LIF neurons: the input current enters the membrane directly.
enum NoSynapticCurrent: SynapticCurrent {
    static var isModelled: Bool { false }
}

/// CUBA-LIF neurons: the input is filtered by a decaying synaptic current first.
enum FilteredSynapticCurrent: SynapticCurrent {
    static var isModelled: Bool { true }
}
