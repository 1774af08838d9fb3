import Foundation

/// Adam (Kingma & Ba, 2015), optionally AMSGrad (Reddi et al., 2018), over every synapse's weights
/// and bias, with L2 weight decay added to the gradient (PyTorch's `torch.optim.Adam`; β1 = 0.9,
/// β2 = 0.999, ε = 1e-8). Thresholds and leaks are parameters only when the model trains them (the
/// low-latency fine-tune, DESIGN §4), one θ and one λ per spiking population, without weight decay,
/// kept in θ ≥ `minimumThreshold` and λ in [`minimumLeak`, 1] after every step so the neuron model
/// stays valid.
struct STDBOptimizer {
    private var m: [[Float]]
    private var v: [[Float]]
    private var vMax: [[Float]]
    private var mBias: [[Float]]
    private var vBias: [[Float]]
    private var vMaxBias: [[Float]]
    /// Per population (nil entries are output layers, not trained): [θ, λ] and their Adam moments.
    private var neuronMoments: [(m: [Float], v: [Float], vMax: [Float])?]
    private(set) var step = 0
    static let minimumThreshold: Float = 1e-3
    static let minimumLeak: Float = 0.01
    let amsgrad: Bool
    let weightDecay: Float

    /// `populations`: the neuron parameters of every population when θ and λ are trained, else empty.
    init(synapses: [Synapse], populations: [NeuronParameters?] = [], amsgrad: Bool, weightDecay: Double) {
        neuronMoments = populations.map { neurons in
            neurons == nil ? nil : ([0, 0], [0, 0], amsgrad ? [0, 0] : [])
        }
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
            // Read through the model, not a local copy of the synapse, which would share (and so force a copy
            // of) the weights being updated in place.
            if !model.plan.synapses[s].hasTrainableWeights { continue }
            model.updateInPlace(synapse: s) { weights, bias in
                TrainingKernels.adam(value: &weights, gradient: gradients.weights[s], m: &m[s], v: &v[s], vMax: &vMax[s],
                                     step: constants)
                if !bias.isEmpty {
                    TrainingKernels.adam(value: &bias, gradient: gradients.bias[s], m: &mBias[s], v: &vBias[s],
                                         vMax: &vMaxBias[s], step: constants)
                }
            }
        }
        var neuronStep = constants
        neuronStep.weightDecay = 0
        for p in neuronMoments.indices {
            guard var moments = neuronMoments[p], let neurons = model.plan.populationNeurons[p] else { continue }
            var values = [neurons.threshold, neurons.leak]
            let gradient = [Float(gradients.thresholds[p]), Float(gradients.leaks[p])]
            TrainingKernels.adam(value: &values, gradient: gradient, m: &moments.m, v: &moments.v, vMax: &moments.vMax,
                                 step: neuronStep)
            neuronMoments[p] = moments
            model.update(population: p, threshold: max(Self.minimumThreshold, values[0]),
                         leak: min(1, max(Self.minimumLeak, values[1])))
        }
    }

    private func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }

    // MARK: Saved state

    /// The moments and step count, so a resumed fine-tuning continues bit for bit. Tensors are named
    /// `<slot>/<synapse>.weight` and `<slot>/<synapse>.bias` (slots `m`, `v` and, with AMSGrad, `vMax`),
    /// each flat in the synapse's own weight order, and, when θ and λ are trained,
    /// `<slot>/population<p>.thresholdLeak` ([θ, λ] of population p).
    func state(synapses: [Synapse]) -> OptimizerState {
        var tensors: [String: Tensor] = [:]
        for (s, synapse) in synapses.enumerated() where synapse.hasTrainableWeights {
            for (slot, weights, bias) in slots(s) {
                tensors["\(slot)/\(synapse.name).weight"] = Tensor(shape: [weights.count], scalars: weights)
                if !bias.isEmpty { tensors["\(slot)/\(synapse.name).bias"] = Tensor(shape: [bias.count], scalars: bias) }
            }
        }
        for (p, moments) in neuronMoments.enumerated() {
            guard let moments else { continue }
            for (slot, values) in [("m", moments.m), ("v", moments.v)] + (amsgrad ? [("vMax", moments.vMax)] : []) {
                tensors["\(slot)/\(Self.neuronTensor(p))"] = Tensor(shape: [2], scalars: values)
            }
        }
        return OptimizerState(kind: .adam, steps: step, tensors: tensors)
    }

    /// The name of population p's [θ, λ] moments in a saved state.
    private static func neuronTensor(_ p: Int) -> String { "population\(p).thresholdLeak" }

    private func slots(_ s: Int) -> [(String, [Float], [Float])] {
        [("m", m[s], mBias[s]), ("v", v[s], vBias[s])] + (amsgrad ? [("vMax", vMax[s], vMaxBias[s])] : [])
    }

    /// Replaces the moments and step count with `state` (saved by `state(synapses:)` for the same
    /// synapses), or throws `SpikeKitError.model` naming the first missing, misshapen, non-finite or
    /// unexpected tensor (nothing changes then).
    mutating func restore(_ state: OptimizerState, synapses: [Synapse]) throws {
        var copy = self
        var expected = Set<String>()
        func take(_ name: String, count: Int) throws -> [Float] {
            expected.insert(name)
            guard let tensor = state.tensors[name] else {
                throw SpikeKitError.model(layer: nil, reason: "the STDB optimizer state has no tensor '\(name)'")
            }
            guard tensor.scalars.count == count else {
                throw SpikeKitError.model(layer: nil, reason: "STDB optimizer tensor '\(name)' has \(tensor.scalars.count) values, expected \(count)")
            }
            guard tensor.scalars.allSatisfy(\.isFinite) else {
                throw SpikeKitError.model(layer: nil, reason: "STDB optimizer tensor '\(name)' holds NaN or infinite values")
            }
            return tensor.scalars
        }
        for (s, synapse) in synapses.enumerated() where synapse.hasTrainableWeights {
            let biasCount = synapse.bias?.count ?? 0
            copy.m[s] = try take("m/\(synapse.name).weight", count: synapse.weights.count)
            copy.v[s] = try take("v/\(synapse.name).weight", count: synapse.weights.count)
            if amsgrad { copy.vMax[s] = try take("vMax/\(synapse.name).weight", count: synapse.weights.count) }
            if biasCount > 0 {
                copy.mBias[s] = try take("m/\(synapse.name).bias", count: biasCount)
                copy.vBias[s] = try take("v/\(synapse.name).bias", count: biasCount)
                if amsgrad { copy.vMaxBias[s] = try take("vMax/\(synapse.name).bias", count: biasCount) }
            }
        }
        for p in copy.neuronMoments.indices where copy.neuronMoments[p] != nil {
            let name = Self.neuronTensor(p)
            copy.neuronMoments[p] = (try take("m/\(name)", count: 2), try take("v/\(name)", count: 2),
                                     amsgrad ? try take("vMax/\(name)", count: 2) : [])
        }
        if let extra = state.tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw SpikeKitError.model(layer: nil, reason: "the STDB optimizer state has a tensor '\(extra)' for no synapse of this network")
        }
        guard state.kind == .adam, state.steps >= 0 else {
            throw SpikeKitError.model(layer: nil, reason: "the STDB optimizer state is for \(state.kind.rawValue) with \(state.steps) steps; STDB uses adam")
        }
        copy.step = state.steps
        self = copy
    }
}
