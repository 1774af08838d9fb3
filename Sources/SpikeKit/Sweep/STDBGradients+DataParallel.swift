import Foundation

/// Batch gradients of STDB summed over ranks: each rank computes the fixed sample groups of its
/// share (`DataParallel.share`), and the groups are added in group order through the ranks
/// (`DataParallelCommunicator.orderedSum`), so every rank ends with the total a single process
/// computes, bit for bit (the groups and their order do not depend on the rank count).
extension STDBGradients {
    /// `total` = every rank's groups added in group order; this rank holds `groups` (its share, in order).
    static func orderedSum(_ groups: [STDBGradients], into total: STDBGradients,
                           communicator: any DataParallelCommunicator) {
        total.reset()
        var buffer = total.packed()
        communicator.orderedSum(&buffer) { buffer in
            total.unpack(buffer)
            total.add(groups)
            buffer = total.packed()
        }
        total.unpack(buffer)
    }

    /// Every sum as bytes: weights and biases (Float), threshold and leak gradients and the loss
    /// (Double), the correct and sample counts and the first non-finite sample (Int, −1 = none).
    func packed() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(weights.reduce(0) { $0 + $1.count * 4 } + bias.reduce(0) { $0 + $1.count * 4 }
                              + (thresholds.count * 2 + 1) * 8 + 3 * 8)
        for values in weights + bias { values.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        (thresholds + leaks + [loss]).withUnsafeBytes { bytes.append(contentsOf: $0) }
        [correct, samples, nonFiniteSample ?? -1].withUnsafeBytes { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Reads what `packed` wrote (of gradients of the same network).
    func unpack(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            func read<T>(_ values: inout [T]) {
                let length = values.count * MemoryLayout<T>.stride
                values.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length])) }
                offset += length
            }
            for s in weights.indices { read(&weights[s]) }
            for s in bias.indices { read(&bias[s]) }
            read(&thresholds)
            read(&leaks)
            var tail = [0.0]
            read(&tail)
            loss = tail[0]
            var counts = [0, 0, 0]
            read(&counts)
            correct = counts[0]
            samples = counts[1]
            nonFiniteSample = counts[2] < 0 ? nil : counts[2]
        }
    }
}
