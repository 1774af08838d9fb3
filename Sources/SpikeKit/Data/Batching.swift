/// A mini-batch: images as one `[batch, channels, height, width]` tensor, their labels, and which
/// dataset images they are.
public struct Batch: Sendable {
    public var images: Tensor
    public var labels: [Int32]
    /// The dataset index of each image, in batch order.
    public var indices: [Int]

    /// The number of images.
    public var count: Int { labels.count }
}

/// The batches of one epoch, in order, built on demand.
///
/// The visiting order is a seeded Fisher–Yates shuffle of `0..<count` drawn from the stream
/// `(seed, epoch)`, so every epoch has its own order and the same seed and epoch always give the same
/// one; without shuffling it is file order. Batches hold `batchSize` images, except the last, which
/// keeps whatever is left (no image is dropped). Each batch is assembled when it is subscripted.
public struct EpochBatches: RandomAccessCollection, Sendable {
    public let dataset: Dataset
    /// Dataset indices in visiting order.
    public let order: [Int]
    public let batchSize: Int
    public let augmentation: Augmentation
    public let seed: UInt64
    public let epoch: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { (order.count + batchSize - 1) / batchSize }

    public subscript(position: Int) -> Batch {
        precondition(position >= 0 && position < endIndex, "batch \(position) out of range 0..<\(endIndex)")
        let start = position * batchSize
        let end = Swift.min(order.count, start + batchSize)
        return dataset.makeBatch(indices: order[start..<end], augmentation: augmentation, seed: seed, epoch: epoch)
    }
}

extension Dataset {
    /// The order in which epoch `epoch` visits the images: a seeded shuffle, or file order.
    public func epochOrder(seed: UInt64, epoch: Int, shuffle: Bool = true) -> [Int] {
        var order = Array(0..<count)
        if shuffle {
            var generator = SeededGenerator(seed: seed, stream: [DataStreams.shuffle, UInt64(bitPattern: Int64(epoch))])
            order.seededShuffle(using: &generator)
        }
        return order
    }

    /// The batches of epoch `epoch`; see `EpochBatches`.
    public func batches(size: Int, seed: UInt64, epoch: Int, shuffle: Bool = true,
                        augmentation: Augmentation = .none) -> EpochBatches {
        precondition(size > 0, "batch size must be positive, got \(size)")
        return EpochBatches(dataset: self, order: epochOrder(seed: seed, epoch: epoch, shuffle: shuffle),
                            batchSize: size, augmentation: augmentation, seed: seed, epoch: epoch)
    }

    /// One batch of the images at `indices`, augmented with the streams of `(seed, epoch, index)`.
    public func makeBatch<Indices: Collection<Int>>(indices: Indices, augmentation: Augmentation = .none,
                                                    seed: UInt64 = 0, epoch: Int = 0) -> Batch {
        let size = sampleSize
        var values: [Float]
        if augmentation.isIdentity {
            values = []
            values.reserveCapacity(indices.count * size)
            for index in indices {
                precondition(index >= 0 && index < count, "image \(index) out of range 0..<\(count)")
                values.append(contentsOf: images[(index * size)..<((index + 1) * size)])
            }
        } else {
            values = [Float](repeating: 0, count: indices.count * size)
            let fill = blackLevel
            for (slot, index) in indices.enumerated() {
                precondition(index >= 0 && index < count, "image \(index) out of range 0..<\(count)")
                if augmentation.movesPixels {
                    Augmentation.apply(augmentation.draw(seed: seed, epoch: epoch, index: index),
                                       source: images, sourceOffset: index * size, into: &values, outputOffset: slot * size,
                                       channels: channels, height: height, width: width, fill: fill)
                } else {
                    values[(slot * size)..<((slot + 1) * size)] = images[(index * size)..<((index + 1) * size)]
                }
                augmentation.rateCode(&values, offset: slot * size, count: size, seed: seed, epoch: epoch, index: index)
            }
        }
        return Batch(images: Tensor(shape: [indices.count, channels, height, width], scalars: values),
                     labels: indices.map { labels[$0] }, indices: Array(indices))
    }
}
