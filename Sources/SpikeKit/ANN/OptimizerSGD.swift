/// Stochastic gradient descent with momentum and L2 weight decay, as PyTorch's `torch.optim.SGD`
/// (dampening 0, no Nesterov):
///
///     g ← ∇L + λ·w;   v ← μ·v + g;   w ← w − η·v
///
/// (v starts at 0, so the first step uses v = g, as PyTorch does.)
public final class SGDOptimizer: Optimizer {
    public let momentum: Float
    public let weightDecay: Float
    public private(set) var steps = 0
    private var slots = OptimizerSlots(slotNames: ["velocity"])
    private var shapes: [[Int]] = []

    public init(momentum: Float = 0.9, weightDecay: Float = 0) {
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public var kind: OptimizerKind { .sgd }

    public func step(_ parameters: [Parameter], learningRate: Float) {
        slots.bind(parameters)
        shapes = parameters.map(\.value.shape)
        let velocity = slots.slots[0]
        for (index, parameter) in parameters.enumerated() {
            TrainingKernels.sgd(value: &parameter.value.scalars, gradient: parameter.gradient.scalars,
                                velocity: &velocity.values[index], learningRate: learningRate,
                                momentum: momentum, weightDecay: weightDecay)
        }
        steps += 1
    }

    public var state: OptimizerState {
        OptimizerState(kind: .sgd, steps: steps, tensors: slots.isBound ? slots.tensors(parameters: shapes) : [:])
    }

    public func restore(_ state: OptimizerState, parameters: [Parameter]) throws {
        guard state.kind == .sgd else {
            throw SpikeKitError.model(layer: nil, reason: "the optimizer state is for \(state.kind.rawValue), the run uses sgd")
        }
        try slots.restore(state.tensors, parameters: parameters)
        shapes = parameters.map(\.value.shape)
        steps = state.steps
    }
}
