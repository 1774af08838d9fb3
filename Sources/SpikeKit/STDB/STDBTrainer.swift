import Foundation

/// Spike-timing-dependent backpropagation (STDB): fine-tunes a converted `SpikingNetwork`'s synapse
/// weights with backpropagation through time over its event-driven simulation (DESIGN §5; Rathi,
/// Srinivasan, Panda & Roy, "Enabling deep spiking neural networks with hybrid conversion and spike
/// timing dependent backpropagation", ICLR 2020).
///
/// For every training image the forward pass runs `EventScheduler`'s equations for T steps (the same
/// kernels; dropout masks fixed over the T steps) and records, sparsely, the events the backward pass
/// needs (`STDBTrace`). The loss is the cross-entropy of the output layer's accumulated potential
/// (`STDBLoss`). The backward pass (`STDBWorkspace.backward`) backpropagates through time with the
/// spike function's derivative replaced by a `SurrogateGradient` and no gradient through the reset;
/// weight gradients are event-driven. Thresholds and leaks stay fixed.
///
/// Samples run in parallel, in fixed groups whose gradients are added in group order, so the trained
/// weights are bit-identical for any thread count. Adam/AMSGrad with weight decay and a step schedule
/// updates the weights after each batch.
public enum STDBTrainer {
    /// One epoch's results.
    public struct EpochResult: Codable, Equatable, Sendable {
        /// 1-based.
        public var epoch: Int
        /// Mean cross-entropy over the epoch's training images (with dropout, as trained).
        public var trainLoss: Double
        public var trainAccuracy: Double
        /// Accuracy of `EventScheduler` at `settings.timeSteps` on the test images after the epoch, if
        /// evaluated.
        public var testAccuracy: Double?
        public var learningRate: Double

        public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, testAccuracy: Double?, learningRate: Double) {
            self.epoch = epoch
            self.trainLoss = trainLoss
            self.trainAccuracy = trainAccuracy
            self.testAccuracy = testAccuracy
            self.learningRate = learningRate
        }

        /// The same numbers as a report entry.
        public var reportEpoch: RunReport.Epoch {
            RunReport.Epoch(epoch: epoch, loss: trainLoss, trainAccuracy: trainAccuracy, testAccuracy: testAccuracy,
                            learningRate: learningRate)
        }
    }

    /// Where training is, reported after every batch.
    public struct Progress: Sendable {
        /// 1-based.
        public var epoch: Int
        public var epochs: Int
        /// Batches done in this epoch, and their number.
        public var batch: Int
        public var batches: Int
        /// Mean loss over the epoch's images so far.
        public var loss: Double
    }

    /// Fine-tunes `network` on `data.train` for epochs `startEpoch..<settings.epochs` and returns the
    /// trained network with one result per epoch run. Batches are a seeded shuffle per epoch; dropout
    /// masks and Poisson input spikes are drawn from streams keyed by `seed`, the epoch and each image's
    /// dataset index, so nothing carries over between epochs but the weights and the optimizer: a run
    /// resumed at epoch e from the network and `optimizerState` that `onEpochEnd` received after epoch
    /// e − 1 continues bit for bit. `onEpochEnd` (where a runner saves checkpoints; an error it throws
    /// stops training) gets each epoch's result, the network after it and the optimizer's state. The
    /// weights are checked for NaN and infinity after every epoch, before `onEpochEnd` sees them.
    public static func fit(network: SpikingNetwork, data: DatasetSplit, settings: STDBSettings = STDBSettings(),
                           seed: UInt64, startEpoch: Int = 0, optimizerState: OptimizerState? = nil,
                           progress: ((Progress) -> Void)? = nil,
                           onEpochEnd: ((EpochResult, SpikingNetwork, OptimizerState) throws -> Void)? = nil)
    throws -> (SpikingNetwork, [EpochResult]) {
        try check(network: network, dataset: data.train, role: "training")
        try check(network: network, dataset: data.test, role: "test")
        guard startEpoch >= 0 else { throw SpikeKitError.usage("the start epoch must be non-negative, got \(startEpoch)") }
        let session = try STDBSession(network: network, settings: settings, seed: seed)
        if let optimizerState {
            do {
                try session.restoreOptimizer(optimizerState)
            } catch SpikeKitError.model(_, let reason) {
                throw SpikeKitError.runtime("cannot resume STDB: \(reason)")
            }
        }
        var results: [EpochResult] = []
        for epoch in startEpoch..<max(startEpoch, settings.epochs) {
            let rate = settings.learningRate(epoch: epoch)
            let batches = data.train.batches(size: settings.batchSize, seed: seed, epoch: epoch)
            var lossSum = 0.0, correct = 0, seen = 0
            for (b, batch) in batches.enumerated() {
                let result = try session.trainBatch(images: batch.images, labels: batch.labels, indices: batch.indices,
                                                    epoch: epoch, step: b, learningRate: rate)
                lossSum += result.loss
                correct += result.correct
                seen += batch.count
                progress?(Progress(epoch: epoch + 1, epochs: settings.epochs, batch: b + 1, batches: batches.count,
                                   loss: lossSum / Double(max(1, seen))))
            }
            let trained = session.model.trainedNetwork
            try NumericalGuard.checkWeights(of: trained, context: "after STDB epoch \(epoch + 1)")
            var testAccuracy: Double?
            if settings.evaluateEachEpoch && data.test.count > 0 {
                testAccuracy = try evaluate(network: trained, dataset: data.test, settings: settings, seed: seed)
            }
            let result = EpochResult(epoch: epoch + 1, trainLoss: lossSum / Double(max(1, seen)),
                                     trainAccuracy: Double(correct) / Double(max(1, seen)),
                                     testAccuracy: testAccuracy, learningRate: rate)
            results.append(result)
            try onEpochEnd?(result, trained, session.optimizerState)
        }
        return (session.model.trainedNetwork, results)
    }

    /// The accuracy of `network` on `dataset` (its first `settings.testLimit` images) simulated by
    /// `EventScheduler` for `settings.timeSteps` steps with the settings' encoding and ordering,
    /// the Poisson streams keyed by `seed` and each image's index.
    public static func evaluate(network: SpikingNetwork, dataset: Dataset, settings: STDBSettings, seed: UInt64,
                                batchSize: Int = 500) throws -> Double {
        try check(network: network, dataset: dataset, role: "evaluation")
        let count = min(dataset.count, settings.testLimit ?? dataset.count)
        guard count > 0 else { return 0 }
        let scheduler = EventScheduler(network: network)
        var correct = 0
        var first = 0
        while first < count {
            let end = min(count, first + batchSize)
            let batch = dataset.makeBatch(indices: first..<end)
            let options = SimulationOptions(timeSteps: settings.timeSteps, encoding: settings.encoding,
                                            ordering: settings.ordering, seed: seed, firstSampleIndex: first,
                                            threads: settings.threads)
            let record = try scheduler.run(images: batch.images, options: options)
            correct += record.correct(labels: batch.labels, steps: settings.timeSteps)
            first = end
        }
        return Double(correct) / Double(count)
    }

    private static func check(network: SpikingNetwork, dataset: Dataset, role: String) throws {
        let shape = FeatureShape(height: dataset.height, width: dataset.width, channels: dataset.channels)
        guard shape == network.inputShape else {
            throw SpikeKitError.model(layer: network.layers.first?.name,
                                      reason: "the network expects \(network.inputShape) images, the \(role) data has \(shape)")
        }
        guard dataset.classCount <= network.outputCount else {
            throw SpikeKitError.model(layer: network.layers.last?.name,
                                      reason: "the \(role) data has \(dataset.classCount) classes but the network only \(network.outputCount) outputs")
        }
    }
}
