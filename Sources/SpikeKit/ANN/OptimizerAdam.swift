import Foundation

/// Adam (Kingma & Ba, 2015), optionally with AMSGrad (Reddi, Kale & Kumar, 2018), as PyTorch's
/// `torch.optim.Adam`, with weight decay as L2 added to the gradient:
///
///     g ← ∇L + λ·w;   m ← β1·m + (1−β1)·g;   v ← β2·v + (1−β2)·g²;   v̂ ← max(v̂, v)  (AMSGrad)
///     w ← w − η/(1−β1^t) · m / (√v / √(1−β2^t) + ε)        (v̂ in place of v with AMSGrad)
///
/// t counts steps from 1. The bias corrections are computed in `Double`.
public final class AdamOptimizer: Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    public let amsgrad: Bool
    public private(set) var steps = 0
    private var slots: OptimizerSlots
    private var shapes: [[Int]] = []

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0,
                amsgrad: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        slots = OptimizerSlots(slotNames: amsgrad ? ["m", "v", "vmax"] : ["m", "v"])
    }

    public var kind: OptimizerKind { .adam }

    public func step(_ parameters: [Parameter], learningRate: Float) {
        slots.bind(parameters)
        shapes = parameters.map(\.value.shape)
        steps += 1
        let t = Double(steps)
        let constants = TrainingKernels.AdamStep(
            learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
            biasCorrection1: Float(1 - pow(Double(beta1), t)),
            biasCorrection2Root: Float((1 - pow(Double(beta2), t)).squareRoot()), amsgrad: amsgrad)
        let m = slots.slots[0], v = slots.slots[1]
        var unused: [Float] = []
        for (index, parameter) in parameters.enumerated() {
            if amsgrad {
                let vMax = slots.slots[2]
                TrainingKernels.adam(value: &parameter.value.scalars, gradient: parameter.gradient.scalars,
                                     m: &m.values[index], v: &v.values[index], vMax: &vMax.values[index], step: constants)
            } else {
                TrainingKernels.adam(value: &parameter.value.scalars, gradient: parameter.gradient.scalars,
                                     m: &m.values[index], v: &v.values[index], vMax: &unused, step: constants)
            }
        }
    }

    public var state: OptimizerState {
        OptimizerState(kind: .adam, steps: steps, tensors: slots.isBound ? slots.tensors(parameters: shapes) : [:])
    }

    public func restore(_ state: OptimizerState, parameters: [Parameter]) throws {
        guard state.kind == .adam else {
            throw SpikeKitError.model(layer: nil, reason: "the optimizer state is for \(state.kind.rawValue), the run uses adam")
        }
        try slots.restore(state.tensors, parameters: parameters)
        shapes = parameters.map(\.value.shape)
        steps = state.steps
    }
}
