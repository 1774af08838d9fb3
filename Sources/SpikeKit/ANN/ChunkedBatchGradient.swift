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
    /// The floats of the running sum: every parameter's gradient, then every buffer's value, in network order.
    private let width: Int
    /// The running sum of one process.
    private var total: [Float] = []
    /// This rank's chunks, kept until the running sum reaches this rank (MPI only; reused across batches).
    private var kept: [[Float]] = []

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
        width = parameters.reduce(0) { $0 + $1.count } + buffers.reduce(0) { $0 + $1.count }
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
        var losses: [Double] = [], counts: [Int] = []
        if communicator == nil {
            if total.count != width { total = [Float](repeating: 0, count: width) } else { TrainingKernels.fill(&total, with: 0) }
        } else {
            while kept.count < share.count { kept.append([Float](repeating: 0, count: width)) }
        }
        let start = buffers.map(\.value)
        for (index, c) in share.enumerated() {
            for parameter in parameters { parameter.zeroGradient() }
            // Every chunk moves the running statistics from the batch's start (see the type's comment).
            for (buffer, value) in zip(buffers, start) { buffer.value = value }
            let samples = starts[c]..<starts[c + 1]
            let logits = network.forward(images.slice(samples), training: true, seed: seed, sampleOffset: samples.lowerBound)
            let result = SoftmaxCrossEntropy.evaluate(logits: logits, labels: Array(labels[samples]), batchSize: n)
            network.backward(lossGradient: result.gradient)
            if communicator == nil {
                addChunk(into: &total)
            } else {
                TrainingKernels.fill(&kept[index], with: 0)
                addChunk(into: &kept[index])
            }
            losses.append(result.loss)
            counts.append(result.correct)
        }
        guard let communicator else {
            total.withUnsafeBufferPointer { scatter($0, chunkCount: k) }
            return Outcome(loss: losses.reduce(0, +), correct: counts.reduce(0, +))
        }
        // The running sum travels as bytes: the floats, then the loss (Double) and the count (Int),
        // each rank adding its chunks in place.
        var bytes = [UInt8](repeating: 0, count: width * 4 + 16)
        let kept = self.kept, floatBytes = width * 4
        communicator.orderedSum(&bytes) { bytes in
            bytes.withUnsafeMutableBytes { raw in
                var loss = raw.loadUnaligned(fromByteOffset: floatBytes, as: Double.self)
                var correct = raw.loadUnaligned(fromByteOffset: floatBytes + 8, as: Int.self)
                UnsafeMutableRawBufferPointer(rebasing: raw[0..<floatBytes]).withMemoryRebound(to: Float.self) { sum in
                    guard let sum = sum.baseAddress else { return }
                    for chunk in kept.prefix(share.count) { chunk.withUnsafeBufferPointer { TrainingKernels.add($0, into: sum) } }
                }
                for index in 0..<share.count {
                    loss += losses[index]
                    correct += counts[index]
                }
                raw.storeBytes(of: loss, toByteOffset: floatBytes, as: Double.self)
                raw.storeBytes(of: correct, toByteOffset: floatBytes + 8, as: Int.self)
            }
        }
        return bytes.withUnsafeBytes { raw in
            UnsafeRawBufferPointer(rebasing: raw[0..<floatBytes]).withMemoryRebound(to: Float.self) { scatter($0, chunkCount: k) }
            return Outcome(loss: raw.loadUnaligned(fromByteOffset: floatBytes, as: Double.self),
                           correct: raw.loadUnaligned(fromByteOffset: floatBytes + 8, as: Int.self))
        }
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

    /// Writes a running sum back: the gradients as they are, the buffers as the mean over chunks.
    private func scatter(_ sum: UnsafeBufferPointer<Float>, chunkCount: Int) {
        var offset = 0
        for parameter in parameters {
            parameter.gradient.scalars.replaceSubrange(0..<parameter.count, with: sum[offset..<offset + parameter.count])
            offset += parameter.count
        }
        let inverse = 1 / Float(chunkCount)
        for buffer in buffers {
            var value = buffer.value
            for i in 0..<buffer.count { value.scalars[i] = sum[offset + i] * inverse }
            buffer.value = value
            offset += buffer.count
        }
    }
}
