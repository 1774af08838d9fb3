/// The weight, bias and neuron-parameter gradients of one sample, before they are added (in sample
/// order) to its group's sums in `STDBGradients`.
///
/// A linear synapse's weight gradient is event-driven: only the rows of inputs that received an
/// event in the sample are non-zero, so they are kept compactly (`linearRows` lists those inputs,
/// `linearValues` holds their rows one after another). Convolutions keep a full, small gradient.
/// One buffer per worker, so memory grows with the threads only by the sample's touched rows, never
/// by whole copies of the network's parameters.
final class STDBSampleGradients {
    /// Per synapse: a convolution's ∂L/∂w in its own layout; empty for linear and identity synapses.
    var weights: [[Float]]
    /// Per linear synapse: the inputs whose gradient rows this sample wrote, and those rows
    /// (`outputs` values each, in list order).
    var linearRows: [[Int32]]
    var linearValues: [[Float]]
    let linearOutputs: [Int]
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
        linearRows = synapses.map { _ in [] }
        linearValues = linearRows.map { _ in [] }
        linearOutputs = synapses.map { $0.connectivity == .linear ? $0.outputShape.count : 0 }
        bias = synapses.map { [Float](repeating: 0, count: $0.bias?.count ?? 0) }
        thresholds = Array(repeating: 0, count: populations)
        leaks = thresholds
    }

    /// Room for `rows` zeroed gradient rows of linear synapse `s`, listed as `inputs`.
    func beginLinearRows(_ s: Int, inputs: [Int32]) {
        linearRows[s] = inputs
        let count = inputs.count * linearOutputs[s]
        if linearValues[s].count < count { linearValues[s] = [Float](repeating: 0, count: count) }
        STDBKernels.zero(&linearValues[s], count: count)
    }

    /// Back to zero for the next sample (only what was written).
    func clear() {
        for s in weights.indices {
            STDBKernels.zero(&weights[s], count: weights[s].count)
            STDBKernels.zero(&bias[s], count: bias[s].count)
            linearRows[s].removeAll(keepingCapacity: true)
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
            if sample.linearOutputs[s] > 0 {
                STDBKernels.addRows(sample.linearValues[s], rows: sample.linearRows[s], width: sample.linearOutputs[s],
                                    into: &weights[s])
            } else if !sample.weights[s].isEmpty {
                STDBKernels.add(sample.weights[s], into: &weights[s], count: weights[s].count)
            }
        }
    }
}

extension STDBKernels {
    /// target[rows[r]·width ..< (rows[r] + 1)·width] += values[r·width ..< (r + 1)·width] for every listed row.
    static func addRows(_ values: [Float], rows: [Int32], width: Int, into target: inout [Float]) {
        values.withUnsafeBufferPointer { v in
        target.withUnsafeMutableBufferPointer { t in
            guard let vb = v.baseAddress, let tb = t.baseAddress else { return }
            for (r, row) in rows.enumerated() {
                EventKernels.addRow(tb + Int(row) * width, vb + r * width, count: width)
            }
        } }
    }
}
