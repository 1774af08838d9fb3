import Foundation

/// The gradient of one ANN training batch as a sum of fixed chunks of consecutive samples: what lets
/// the ranks of an MPI job share a batch and still compute, bit for bit, what one process computes.
///
/// With K chunks a batch of n samples is cut at ⌊k·n/K⌋ (k = 0…K). Chunk k runs forward and backward
/// on its own: its loss is divided by n, not by its own size, so the chunks' gradients add up to the
/// gradient of the batch's mean loss, and its dropout masks are keyed by each sample's position in
/// the whole batch (`ForwardContext.sampleOffset`). The batch gradient is ((0 + g₀) + g₁) + … + g_{K−1},
/// added in chunk order. Under MPI rank r computes a contiguous share of the chunks
/// (`DataParallel.share`) and the running sum passes through the ranks in rank order
/// (`DataParallelCommunicator.orderedSum`), so the sum, and with it the whole training run, is the
/// same for any rank count with the same K, as it is for any thread count. K = 1 is one pass over the
/// whole batch (the default; under MPI every rank then computes the whole batch).
///
/// Batch normalisation takes its statistics per chunk, as PyTorch's DistributedDataParallel does
/// without SyncBatchNorm. Every chunk moves the running statistics from the same start R, and the
/// result is their mean: R ← (1/K)·Σₖ[(1 − m)·R + m·μₖ], which is linear in the chunks and so summed
/// with the gradients.
///
/// Memory: one copy of the gradients for the running sum and, under MPI, one per chunk of this rank's
/// share (a chunk's gradient waits for the running sum of the ranks before it).
final class ChunkedBatchGradient {
    /// K, the number of chunks a batch is cut into (fewer when the batch has fewer samples).
    let chunks: Int
    /// The ranks sharing the chunks; nil in one process.
    let communicator: (any DataParallelCommunicator)?
    private let network: Network
    private let parameters: [Parameter]
    private let buffers: [Parameter]
    /// The running sum: every parameter's gradient, then every buffer's value, in network order.
    private var total: [Float]
    /// This rank's chunks, kept until the running sum reaches this rank (MPI only).
    private var kept: [(values: [Float], loss: Double, correct: Int)] = []

    /// What the batch gave besides the gradients left in `Parameter.gradient`.
    struct Outcome {
        /// The batch's mean loss (the chunks' losses added in chunk order).
        var loss: Double
        /// The samples whose largest logit is their label.
        var correct: Int
    }

    init(network: Network, chunks: Int, communicator: (any DataParallelCommunicator)?) {
        precondition(chunks >= 1, "ChunkedBatchGradient: chunks must be at least 1, got \(chunks)")
        self.network = network
        self.chunks = chunks
        self.communicator = communicator.flatMap { $0.size > 1 ? $0 : nil }
        parameters = network.parameters
        buffers = network.buffers
        total = []
    }

    /// Runs the batch forward and backward, leaving its gradient in every `Parameter.gradient` and
    /// the batch's running statistics in the buffers. `seed` keys the batch's dropout masks.
    func compute(images: Tensor, labels: [Int32], seed: UInt64) -> Outcome {
        let n = labels.count
        let k = min(chunks, n)
        guard k > 1 else {
            for parameter in parameters { parameter.zeroGradient() }
            let logits = network.forward(images, training: true, seed: seed)
            let result = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
            network.backward(lossGradient: result.gradient)
            return Outcome(loss: result.loss, correct: result.correct)
        }
        let starts = (0...k).map { n * $0 / k }  // chunk c is samples starts[c] ..< starts[c + 1]
        let share = communicator.map { DataParallel.share(of: k, rank: $0.rank, size: $0.size) } ?? 0..<k
        let width = parameters.reduce(0) { $0 + $1.count } + buffers.reduce(0) { $0 + $1.count }
        total = [Float](repeating: 0, count: width)
        var loss = 0.0, correct = 0
        kept.removeAll(keepingCapacity: true)
        let start = buffers.map(\.value)
        for c in share {
            for parameter in parameters { parameter.zeroGradient() }
            // Every chunk moves the running statistics from the batch's start (see the type's comment).
            for (buffer, value) in zip(buffers, start) { buffer.value = value }
            let samples = starts[c]..<starts[c + 1]
            let logits = network.forward(images.slice(samples), training: true, seed: seed, sampleOffset: samples.lowerBound)
            let result = SoftmaxCrossEntropy.evaluate(logits: logits, labels: Array(labels[samples]), batchSize: n)
            network.backward(lossGradient: result.gradient)
            if communicator == nil {
                addChunk(into: &total)
                loss += result.loss
                correct += result.correct
            } else {
                var values = [Float](repeating: 0, count: width)
                addChunk(into: &values)
                kept.append((values, result.loss, result.correct))
            }
        }
        if let communicator {
            var bytes = Self.packed(total, loss: 0, correct: 0)
            communicator.orderedSum(&bytes) { bytes in
                var (sum, loss, correct) = Self.unpacked(bytes, width: width)
                for chunk in kept {
                    chunk.values.withUnsafeBufferPointer { x in
                        sum.withUnsafeMutableBufferPointer { y in if let y = y.baseAddress { TrainingKernels.add(x, into: y) } }
                    }
                    loss += chunk.loss
                    correct += chunk.correct
                }
                bytes = Self.packed(sum, loss: loss, correct: correct)
            }
            (total, loss, correct) = Self.unpacked(bytes, width: width)
        }
        scatterTotal(chunkCount: k)
        return Outcome(loss: loss, correct: correct)
    }

    /// Adds the last chunk's gradients and buffer values into `values` (the running sum's layout).
    private func addChunk(into values: inout [Float]) {
        var offset = 0
        values.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            for tensor in parameters.map(\.gradient) + buffers.map(\.value) {
                tensor.scalars.withUnsafeBufferPointer { TrainingKernels.add($0, into: base + offset) }
                offset += tensor.count
            }
        }
    }

    /// Writes the running sum back: the gradients as they are, the buffers as the mean over chunks.
    private func scatterTotal(chunkCount: Int) {
        var offset = 0
        for parameter in parameters {
            parameter.gradient.scalars.replaceSubrange(0..<parameter.count, with: total[offset..<offset + parameter.count])
            offset += parameter.count
        }
        let inverse = 1 / Float(chunkCount)
        for buffer in buffers {
            var value = buffer.value
            for i in 0..<buffer.count { value.scalars[i] = total[offset + i] * inverse }
            buffer.value = value
            offset += buffer.count
        }
    }

    /// The running sum as bytes for the ranks: the floats, then the loss (Double) and count (Int).
    private static func packed(_ values: [Float], loss: Double, correct: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4 + 16)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: loss) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: correct) { bytes.append(contentsOf: $0) }
        return bytes
    }

    private static func unpacked(_ bytes: [UInt8], width: Int) -> (values: [Float], loss: Double, correct: Int) {
        bytes.withUnsafeBytes { raw in
            let values = [Float](unsafeUninitializedCapacity: width) { out, initialized in
                UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<width * 4]))
                initialized = width
            }
            return (values, raw.loadUnaligned(fromByteOffset: width * 4, as: Double.self),
                    raw.loadUnaligned(fromByteOffset: width * 4 + 8, as: Int.self))
        }
    }
}
