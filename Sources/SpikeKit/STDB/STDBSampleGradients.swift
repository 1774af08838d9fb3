/// The weight, bias and neuron-parameter gradients of one sample, before they are added (in sample
/// order) to its group's sums in `STDBGradients`.
///
/// Convolutions keep a full, small weight gradient. A linear synapse's weight gradient is not formed
/// per sample: the sample records its two factors (input events by input, and deltas) into the
/// `linear` buffer the session lent it, and the session forms the gradient of many samples at once
/// (`STDBKernels.linearWeightGradient`). One buffer per worker, so memory grows with the threads
/// only by convolution gradients, never by whole copies of the network's parameters.
final class STDBSampleGradients {
    /// Per synapse: a convolution's ∂L/∂w in its own layout; empty for linear and identity synapses.
    var weights: [[Float]]
    /// Per synapse: where a linear synapse records this sample's gradient factors (set by the session
    /// for each sample); nil for the others.
    var linear: [LinearGradientFactorBuffer?] = []
    var bias: [[Float]]
    var thresholds: [Double]
    var leaks: [Double]
    var loss = 0.0
    var correct = 0
    /// Whether the sample's loss was not finite (its backward pass was skipped).
    var nonFinite = false

    init(synapses: [Synapse], populations: Int) {
        weights = synapses.map { synapse in
            synapse.connectivity == .linear ? [] : [Float](repeating: 0, count: synapse.weights.count)
        }
        bias = synapses.map { [Float](repeating: 0, count: $0.bias?.count ?? 0) }
        thresholds = Array(repeating: 0, count: populations)
        leaks = thresholds
    }

    /// Back to zero for the next sample (only what was written).
    func clear() {
        for s in weights.indices {
            STDBKernels.zero(&weights[s], count: weights[s].count)
            STDBKernels.zero(&bias[s], count: bias[s].count)
        }
        for p in thresholds.indices { thresholds[p] = 0; leaks[p] = 0 }
        loss = 0
        correct = 0
        nonFinite = false
    }
}

extension STDBGradients {
    /// Adds one sample's gradients (`sample` at batch position `position`) into these sums.
    func add(_ sample: STDBSampleGradients, position: Int) {
        samples += 1
        correct += sample.correct
        if sample.nonFinite {
            if nonFiniteSample == nil { nonFiniteSample = position }
            return
        }
        loss += sample.loss
        for p in thresholds.indices {
            thresholds[p] += sample.thresholds[p]
            leaks[p] += sample.leaks[p]
        }
        for s in weights.indices {
            STDBKernels.add(sample.bias[s], into: &bias[s], count: bias[s].count)
            // Linear synapses' weights are summed from the factors the sample recorded (`STDBSession`).
            if !sample.weights[s].isEmpty {
                STDBKernels.add(sample.weights[s], into: &weights[s], count: weights[s].count)
            }
        }
    }
}
