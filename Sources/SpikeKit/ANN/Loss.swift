import Foundation

/// Softmax cross-entropy over a batch of logits, the classification loss of ANN training.
///
/// For logits z (one row per sample) and label y: L = (1/B) Σ_b [log Σ_k exp(z_bk) − z_by].
/// The log-sum-exp subtracts each row's maximum first (log Σ exp(z − m) + m), so large logits cannot
/// overflow, and is accumulated in `Double`. The gradient is dL/dz = (softmax(z) − onehot(y)) / B.
public enum SoftmaxCrossEntropy {
    public struct Result: Sendable {
        /// The rows' summed loss divided by B, the batch's mean (NaN or infinite if a logit was).
        public var loss: Double
        /// dL/d(logits), `[batch, classes]`.
        public var gradient: Tensor
        /// How many rows have their label as the (first) largest logit.
        public var correct: Int
    }

    /// The loss, its gradient and the number of correct predictions for `logits` `[batch, classes]`.
    /// `batchSize` is B in the formulas, the logits' row count unless given: a chunk of a batch passes
    /// the whole batch's size, so that the chunks' losses and gradients add up to the batch's.
    public static func evaluate(logits: Tensor, labels: [Int32], batchSize: Int? = nil) -> Result {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                     "SoftmaxCrossEntropy: logits \(logits.shape) for \(labels.count) labels")
        let (batch, classes) = (logits.shape[0], logits.shape[1])
        var gradient = [Float](repeating: 0, count: batch * classes)
        var total = 0.0
        var correct = 0
        let z = logits.scalars
        let inverseBatch = 1 / Double(max(1, batchSize ?? batch))
        for b in 0..<batch {
            let label = Int(labels[b])
            precondition(label >= 0 && label < classes, "SoftmaxCrossEntropy: label \(label) outside 0..<\(classes)")
            let row = b * classes
            var maximum = z[row], best = 0
            for k in 1..<max(1, classes) where z[row + k] > maximum {
                maximum = z[row + k]
                best = k
            }
            if best == label { correct += 1 }
            var sum = 0.0
            for k in 0..<classes { sum += exp(Double(z[row + k] - maximum)) }
            let logSum = log(sum) + Double(maximum)
            total += logSum - Double(z[row + label])
            for k in 0..<classes {
                let probability = exp(Double(z[row + k]) - logSum)
                gradient[row + k] = Float((probability - (k == label ? 1 : 0)) * inverseBatch)
            }
        }
        return Result(loss: total * inverseBatch, gradient: Tensor(shape: logits.shape, scalars: gradient), correct: correct)
    }
}
