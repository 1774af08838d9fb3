/// Summed weight and bias gradients of a group of samples (in the synapses' event-friendly layouts),
/// with the group's summed loss and correct predictions.
///
/// One instance belongs to one fixed group ("chunk") of a batch and is written by one parallel
/// iteration only; the chunks are then added in chunk order (`add`), so the batch gradient does not
/// depend on how many threads ran the chunks.
final class STDBGradients: @unchecked Sendable {
    /// Per synapse (in `SpikingNetwork.synapses` order): ∂L/∂w, empty for the identity.
    var weights: [[Float]]
    /// Per synapse: ∂L/∂b, empty for a synapse without bias.
    var bias: [[Float]]
    /// Per population: ∂L/∂θ and ∂L/∂λ (summed over its neurons and steps); zero unless the model
    /// trains neuron parameters.
    var thresholds: [Double]
    var leaks: [Double]
    /// Σ of the samples' cross-entropy losses (before the 1/batch factor).
    var loss: Double = 0
    var correct = 0
    var samples = 0
    /// The first sample (batch position) whose loss was not finite, if any.
    var nonFiniteSample: Int?

    init(synapses: [Synapse], populations: Int = 0) {
        weights = synapses.map { [Float](repeating: 0, count: $0.weights.count) }
        bias = synapses.map { [Float](repeating: 0, count: $0.bias?.count ?? 0) }
        thresholds = Array(repeating: 0, count: populations)
        leaks = thresholds
    }

    /// Back to zero, keeping the storage.
    func reset() {
        for s in weights.indices {
            STDBKernels.zero(&weights[s], count: weights[s].count)
            STDBKernels.zero(&bias[s], count: bias[s].count)
        }
        for p in thresholds.indices { thresholds[p] = 0; leaks[p] = 0 }
        loss = 0
        correct = 0
        samples = 0
        nonFiniteSample = nil
    }

    /// Adds another group's sums into this one.
    func add(_ other: STDBGradients) {
        for s in weights.indices {
            STDBKernels.add(other.weights[s], into: &weights[s], count: weights[s].count)
            STDBKernels.add(other.bias[s], into: &bias[s], count: bias[s].count)
        }
        for p in thresholds.indices {
            thresholds[p] += other.thresholds[p]
            leaks[p] += other.leaks[p]
        }
        loss += other.loss
        correct += other.correct
        samples += other.samples
        if nonFiniteSample == nil { nonFiniteSample = other.nonFiniteSample }
    }

    /// The index of the first population whose threshold or leak gradient is not finite.
    func firstNonFinitePopulation() -> Int? {
        thresholds.indices.first { !thresholds[$0].isFinite || !leaks[$0].isFinite }
    }

    /// The index of the first synapse whose weight or bias gradient holds a NaN or an infinity.
    func firstNonFiniteSynapse() -> Int? {
        for s in weights.indices where weights[s].contains(where: { !$0.isFinite }) || bias[s].contains(where: { !$0.isFinite }) {
            return s
        }
        return nil
    }
}
