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

    /// Back to zero, keeping the storage (element ranges on all cores); the weight gradients of the
    /// synapses listed in `skipped` are left as they are.
    func reset(skipping skipped: [Int] = []) {
        for s in weights.indices {
            if !skipped.contains(s) { Self.zeroRanges(&weights[s]) }
            STDBKernels.zero(&bias[s], count: bias[s].count)
        }
        for p in thresholds.indices { thresholds[p] = 0; leaks[p] = 0 }
        loss = 0
        correct = 0
        samples = 0
        nonFiniteSample = nil
    }

    /// The index of the first population whose threshold or leak gradient is not finite.
    func firstNonFinitePopulation() -> Int? {
        thresholds.indices.first { !thresholds[$0].isFinite || !leaks[$0].isFinite }
    }

    /// Adds `others` into these sums, one after another for every element, the elements split
    /// across cores; the weight gradients of the synapses listed in `skipped` are not added.
    func add(_ others: [STDBGradients], skipping skipped: [Int] = []) {
        for other in others {
            for p in thresholds.indices {
                thresholds[p] += other.thresholds[p]
                leaks[p] += other.leaks[p]
            }
            loss += other.loss
            correct += other.correct
            samples += other.samples
            if nonFiniteSample == nil { nonFiniteSample = other.nonFiniteSample }
        }
        for s in weights.indices {
            if !skipped.contains(s) { Self.sumRanges(&weights[s], others.map { $0.weights[s] }) }
            Self.sumRanges(&bias[s], others.map { $0.bias[s] })
        }
    }

    private static func zeroRanges(_ values: inout [Float]) {
        let count = values.count
        values.withUnsafeMutableBufferPointer { v in
            guard let base = v.baseAddress else { return }
            let target = SendablePointer(base)
            parallelForChunks(count, minimumChunk: 1 << 18) { range in
                (target.base + range.lowerBound).update(repeating: 0, count: range.count)
            }
        }
    }

    /// target[i] += others[0][i], then others[1][i], …: element ranges on all cores.
    private static func sumRanges(_ target: inout [Float], _ others: [[Float]]) {
        if others.isEmpty || target.isEmpty { return }
        target.withUnsafeMutableBufferPointer { t in
            guard let tb = t.baseAddress else { return }
            for other in others { other.withUnsafeBufferPointer { TrainingKernels.add($0, into: tb) } }
        }
    }

    /// The index of the first synapse whose weight or bias gradient holds a NaN or an infinity
    /// (element ranges checked on all cores).
    func firstNonFiniteSynapse() -> Int? {
        for s in weights.indices where !Self.allFinite(weights[s]) || !Self.allFinite(bias[s]) { return s }
        return nil
    }

    private static func allFinite(_ values: [Float]) -> Bool {
        values.withUnsafeBufferPointer { v in
            guard let base = v.baseAddress else { return true }
            let source = SendableConstPointer(base), total = v.count
            let chunk = 1 << 16
            let chunks = (total + chunk - 1) / chunk
            let flags = SendablePointer(UnsafeMutablePointer<Bool>.allocate(capacity: max(1, chunks)))
            defer { flags.base.deallocate() }
            parallelForChunks(chunks, minimumChunk: 4) { range in
                for c in range {
                    // x − x is 0 for every finite x and NaN for ±∞ and NaN, so one sum tells all.
                    var sum = SIMD16<Float>()
                    let start = c * chunk, end = min(total, start + chunk)
                    var i = start
                    while i + 16 <= end {
                        let x = UnsafeRawPointer(source.base + i).loadUnaligned(as: SIMD16<Float>.self)
                        sum += x - x
                        i += 16
                    }
                    var tail: Float = 0
                    while i < end { tail += source.base[i] - source.base[i]; i += 1 }
                    flags.base[c] = sum.sum() == 0 && tail == 0
                }
            }
            for c in 0..<chunks where !flags.base[c] { return false }
            return true
        }
    }
}
