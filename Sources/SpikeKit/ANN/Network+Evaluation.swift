/// Inference over many images: predicted classes and accuracy.
///
/// Batches run one after another in inference mode (no dropout, batch-norm running statistics),
/// each spread over all cores inside its kernels; the result does not depend on the batch size.
extension Network {
    /// The predicted class (argmax of the output) of each image of `images` (`[N] + inputShape`).
    public func predict(_ images: Tensor, batchSize: Int = 256) -> [Int] {
        precondition(batchSize > 0, "predict: batch size must be positive, got \(batchSize)")
        precondition(images.rank == inputShape.count + 1, "predict: images \(images.shape) do not match [N] + \(inputShape)")
        let count = images.shape[0]
        var predictions: [Int] = []
        predictions.reserveCapacity(count)
        var start = 0
        while start < count {
            let end = min(count, start + batchSize)
            let batch = start == 0 && end == count ? images : images.slice(start..<end)
            predictions += forward(batch, training: false).argmaxRows()
            start = end
        }
        return predictions
    }

    /// The fraction of `dataset`'s images whose predicted class is their label (0 for an empty set).
    public func accuracy(on dataset: Dataset, batchSize: Int = 256) -> Double {
        precondition(batchSize > 0, "accuracy: batch size must be positive, got \(batchSize)")
        guard dataset.count > 0 else { return 0 }
        var correct = 0
        // Under MPI each rank evaluates its share of the batches (DataParallel); the counts are summed.
        let batches = DataParallel.share(of: (dataset.count + batchSize - 1) / batchSize)
        var start = batches.lowerBound * batchSize
        let last = min(dataset.count, batches.upperBound * batchSize)
        while start < last {
            let end = min(last, start + batchSize)
            let batch = dataset.makeBatch(indices: start..<end)
            let predicted = forward(batch.images, training: false).argmaxRows()
            for (prediction, label) in zip(predicted, batch.labels) where prediction == Int(label) { correct += 1 }
            start = end
        }
        correct = DataParallel.sum(correct)
        return Double(correct) / Double(dataset.count)
    }
}
