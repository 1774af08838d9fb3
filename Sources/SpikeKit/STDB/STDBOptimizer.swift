import Foundation

/// Adam (Kingma & Ba, 2015), optionally AMSGrad (Reddi et al., 2018), over every synapse's weights
/// and bias, with L2 weight decay added to the gradient (PyTorch's `torch.optim.Adam`; β1 = 0.9,
/// β2 = 0.999, ε = 1e-8). Thresholds and leaks are not parameters here (DESIGN §5).
struct STDBOptimizer {
    private var m: [[Float]]
    private var v: [[Float]]
    private var vMax: [[Float]]
    private var mBias: [[Float]]
    private var vBias: [[Float]]
    private var vMaxBias: [[Float]]
    private(set) var step = 0
    let amsgrad: Bool
    let weightDecay: Float

    init(synapses: [Synapse], amsgrad: Bool, weightDecay: Double) {
        m = synapses.map { [Float](repeating: 0, count: $0.weights.count) }
        v = m
        vMax = amsgrad ? m : m.map { _ in [] }
        mBias = synapses.map { [Float](repeating: 0, count: $0.bias?.count ?? 0) }
        vBias = mBias
        vMaxBias = amsgrad ? mBias : mBias.map { _ in [] }
        self.amsgrad = amsgrad
        self.weightDecay = Float(weightDecay)
    }

    /// One step on every synapse of `model` with the batch gradient `gradients`.
    mutating func apply(_ gradients: STDBGradients, to model: inout STDBModel, learningRate: Double) {
        step += 1
        let beta1 = 0.9, beta2 = 0.999
        let constants = TrainingKernels.AdamStep(
            learningRate: Float(learningRate), beta1: Float(beta1), beta2: Float(beta2), epsilon: 1e-8,
            weightDecay: weightDecay,
            biasCorrection1: Float(1 - pow(beta1, Double(step))),
            biasCorrection2Root: Float((1 - pow(beta2, Double(step))).squareRoot()), amsgrad: amsgrad)
        for s in model.plan.synapses.indices {
            let synapse = model.plan.synapses[s]
            if synapse.weights.isEmpty { continue }
            var weights = synapse.weights
            TrainingKernels.adam(value: &weights, gradient: gradients.weights[s], m: &m[s], v: &v[s], vMax: &vMax[s],
                                 step: constants)
            var bias = synapse.bias ?? []
            if !bias.isEmpty {
                TrainingKernels.adam(value: &bias, gradient: gradients.bias[s], m: &mBias[s], v: &vBias[s],
                                     vMax: &vMaxBias[s], step: constants)
            }
            model.update(synapse: s, weights: weights, bias: synapse.bias == nil ? nil : bias)
        }
    }

    private func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}
