import Foundation

/// The STDB training loss of one sample: cross-entropy of softmax(z) against the label, where z is
/// the output layer's accumulated potential V = Σ_t I_out^t (`sum`) or V/T (`mean`).
///
/// Computed in Double with the log-sum-exp shift. ∂L/∂V_k = (softmax(z)_k − [k = label])·(1 or 1/T),
/// further multiplied by `scale` (1/batch size, so the batch gradient is the mean over its samples).
struct STDBLoss {
    var loss: Double
    /// ∂(scale·L)/∂V.
    var gradient: [Float]
    /// Whether argmax V (lowest index on ties, as `SimulationRecord.predictions`) is the label.
    var correct: Bool

    init(potential v: [Float], label: Int, timeSteps: Int, over: STDBConfig.LossOverTime, scale: Double) {
        let factor = over == .mean ? 1 / Double(timeSteps) : 1
        let z = v.map { Double($0) * factor }
        let shift = z.max() ?? 0
        var total = 0.0
        for value in z { total += Foundation.exp(value - shift) }
        let logSum = shift + Foundation.log(total)
        loss = logSum - z[label]
        gradient = z.indices.map { k in
            let p = Foundation.exp(z[k] - logSum)
            return Float((p - (k == label ? 1 : 0)) * factor * scale)
        }
        var best = 0
        for k in 1..<max(1, v.count) where v[k] > v[best] { best = k }
        correct = best == label
    }
}
