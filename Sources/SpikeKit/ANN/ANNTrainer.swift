import Dispatch
import Foundation

/// Trains a `Network` by mini-batch gradient descent on softmax cross-entropy.
///
/// Each epoch visits the training set in the seeded order of `(seed, epoch)` (`Dataset.batches`),
/// optionally augmented, in batches of `settings.batchSize` (the last one smaller). A batch runs
/// forward and backward as whole tensors, with the kernels splitting samples over all cores, or as
/// `settings.gradientChunks` fixed chunks whose gradients are summed in chunk order, which the ranks
/// of an MPI job share (`ChunkedBatchGradient`); the batch's dropout masks come from a seed derived
/// from `(seed, epoch, step)`. So a run is a pure function of the seed, the settings and the start
/// state: the same for any thread count and any rank count, and a run
/// resumed at epoch e from the checkpoint and optimizer state saved after epoch e − 1 continues
/// bit for bit. The learning rate follows `settings.schedule`; test accuracy is measured after every
/// epoch. A loss, gradient or parameter that is not finite stops training with
/// `SpikeKitError.numerical` (naming the tensor, the epoch and the step) before `onEpochEnd` could
/// save it, so the last checkpoint written stays the last good one.
///
/// Training keeps freed activation buffers for reuse (`AllocatorTuning`), which avoids a page fault
/// per 4 KiB of every activation on every step.
///
/// Progress goes to `progress` (if set): a line at most every `progressInterval` seconds while an
/// epoch runs, and one at its end.
public final class ANNTrainer {
    public let settings: TrainingSettings
    public let seed: UInt64
    /// Receives progress lines (no trailing newline); nil prints nothing.
    public var progress: ((String) -> Void)?
    /// The shortest time between two progress lines within an epoch, in seconds.
    public var progressInterval: Double = 5
    /// The batch size of test-set evaluation.
    public var evaluationBatchSize = 256
    /// The ranks that share each batch's chunks (`settings.gradientChunks`); the MPI job's, if any.
    public var communicator: (any DataParallelCommunicator)? = DataParallel.active
    /// The optimizer, created at the first `fit` (or by `loadState`) and kept across `fit` calls.
    public private(set) var optimizer: (any Optimizer)?
    /// A state read by `loadState` and the file it came from, applied at the next `fit`.
    private var pendingState: (state: OptimizerState, path: String)?

    /// The purpose key of the per-step dropout seeds.
    static let stepStreamKey: UInt64 = 0x7EA1_0001

    public init(settings: TrainingSettings = TrainingSettings(), seed: UInt64, progress: ((String) -> Void)? = nil) {
        self.settings = settings
        self.seed = seed
        self.progress = progress
    }

    /// Trains `network` on `data.train` for epochs `startEpoch..<settings.epochs`, calling `onEpochEnd`
    /// after each (where a runner saves checkpoints; an error it throws stops training), and returns
    /// the epochs' results.
    @discardableResult
    public func fit(_ network: Network, data: DatasetSplit, startEpoch: Int = 0,
                    onEpochEnd: (EpochResult) throws -> Void = { _ in }) throws -> [EpochResult] {
        try settings.validate()
        AllocatorTuning.retainFreedBlocks()
        guard startEpoch >= 0 else { throw SpikeKitError.usage("the start epoch must be non-negative, got \(startEpoch)") }
        guard data.train.sampleShape == network.inputShape else {
            throw SpikeKitError.model(layer: nil, reason: "the network takes \(network.inputShape) inputs, the dataset has \(data.train.sampleShape) images")
        }
        guard network.outputShape == [data.train.classCount] else {
            throw SpikeKitError.model(layer: network.layers.last?.name,
                                      reason: "the network has \(network.outputShape) outputs for \(data.train.classCount) classes")
        }
        if let dropout = settings.dropout {
            for layer in network.dropoutLayers { layer.p = dropout }
        }
        let optimizer = try prepareOptimizer(for: network)
        var results: [EpochResult] = []
        for epoch in startEpoch..<max(startEpoch, settings.epochs) {
            let learningRate = settings.schedule.rate(forEpoch: epoch)
            let (loss, accuracy, seconds) = try trainEpoch(network, optimizer: optimizer, data: data.train, epoch: epoch,
                                                           learningRate: learningRate)
            let testAccuracy = network.accuracy(on: data.test, batchSize: evaluationBatchSize)
            let result = EpochResult(epoch: epoch, trainLoss: loss, trainAccuracy: accuracy, testAccuracy: testAccuracy,
                                     learningRate: Double(learningRate), seconds: seconds,
                                     imagesPerSecond: seconds > 0 ? Double(data.train.count) / seconds : 0)
            progress?(String(format: "epoch %d/%d: train loss %.4f, train accuracy %.2f %%, test accuracy %.2f %%, %.1f s (%.0f images/s)",
                             epoch + 1, settings.epochs, loss, 100 * accuracy, 100 * testAccuracy, seconds, result.imagesPerSecond))
            results.append(result)
            try onEpochEnd(result)
        }
        return results
    }

    /// One epoch of updates; returns the mean loss, the training accuracy and the seconds it took.
    func trainEpoch(_ network: Network, optimizer: any Optimizer, data: Dataset, epoch: Int,
                    learningRate: Float) throws -> (loss: Double, accuracy: Double, seconds: Double) {
        let augmentation = (settings.augmentation ? Augmentation.standard(for: data) : .none)
            .withPoissonSteps(settings.poissonInputSteps)
        let batches = data.batches(size: settings.batchSize, seed: seed, epoch: epoch, shuffle: true, augmentation: augmentation)
        let parameters = network.parameters
        let gradient = ChunkedBatchGradient(network: network, chunks: settings.gradientChunks, communicator: communicator)
        let start = DispatchTime.now().uptimeNanoseconds
        var lastReport = start
        var totalLoss = 0.0
        var correct = 0
        var seen = 0
        for step in 0..<batches.count {
            let batch = batches[step]
            let result = gradient.compute(images: batch.images, labels: batch.labels, seed: stepSeed(epoch: epoch, step: step))
            func context() -> String { "at epoch \(epoch + 1), step \(step + 1) of \(batches.count) (learning rate \(learningRate))" }
            guard result.loss.isFinite else {
                // A non-finite parameter is the cause when there is one; otherwise name the layer where
                // the values first overflow.
                try NumericalGuard.checkParameters(parameters, context: context())
                let culprit = NumericalGuard.firstNonFiniteLayer(of: network, images: batch.images).map {
                    "; the output of layer '\($0.layer)' is the first that is not finite (its largest weight is \($0.largestWeight))"
                } ?? ""
                throw SpikeKitError.numerical("the training loss is \(result.loss) \(context())\(culprit); try a lower learning rate")
            }
            optimizer.step(parameters, learningRate: learningRate)
            totalLoss += result.loss * Double(batch.count)
            correct += result.correct
            seen += batch.count
            let now = DispatchTime.now().uptimeNanoseconds
            if let progress, Double(now - lastReport) / 1e9 >= progressInterval {
                lastReport = now
                let rate = Double(seen) / (Double(now - start) / 1e9)
                progress(String(format: "epoch %d/%d: %d %% (%d/%d batches), loss %.4f, %.0f images/s",
                                epoch + 1, settings.epochs, 100 * (step + 1) / batches.count, step + 1, batches.count,
                                totalLoss / Double(seen), rate))
            }
        }
        // A non-finite gradient or update makes the next step's loss non-finite, which the check above
        // catches; the last step's update is checked here, before `onEpochEnd` can save it.
        try NumericalGuard.checkParameters(parameters, context: "after epoch \(epoch + 1) (learning rate \(learningRate))")
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (totalLoss / Double(max(1, seen)), Double(correct) / Double(max(1, seen)), seconds)
    }

    /// The dropout seed of one training step.
    func stepSeed(epoch: Int, step: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed, stream: [ANNTrainer.stepStreamKey, UInt64(epoch), UInt64(step)])
        return generator.next()
    }

    private func prepareOptimizer(for network: Network) throws -> any Optimizer {
        if let optimizer { return optimizer }
        let fresh = settings.makeOptimizer()
        if let (state, path) = pendingState {
            do {
                try fresh.restore(state, parameters: network.parameters)
            } catch let error as SpikeKitError {
                throw SpikeKitError.checkpoint(path: path, reason: "the optimizer state does not fit the network: \(error)")
            }
            pendingState = nil
        }
        optimizer = fresh
        return fresh
    }

    // MARK: Saved state

    /// Writes the optimizer's state (its moments and step count) to a safetensors file, so a run can
    /// resume exactly; together with the network checkpoint of the same epoch.
    public func saveState(to url: URL) throws {
        guard let state = optimizer?.state ?? pendingState?.state else {
            throw SpikeKitError.runtime("there is no optimizer state to save before training has started")
        }
        let tensors = state.tensors.keys.sorted().map { (name: $0, tensor: state.tensors[$0] ?? Tensor(shape: [0])) }
        try Safetensors.write(Safetensors.Contents(tensors: tensors, metadata: [
            "format": "spikekit-optimizer-state",
            "optimizer": state.kind.rawValue,
            "steps": String(state.steps),
        ]), to: url)
    }

    /// Reads an optimizer state written by `saveState`; the next `fit` continues from it. The state
    /// must match the settings' optimizer and, at `fit`, the network's parameters.
    public func loadState(from url: URL) throws {
        let contents = try Safetensors.read(from: url)
        guard contents.metadata["format"] == "spikekit-optimizer-state" else {
            throw SpikeKitError.checkpoint(path: url.path, reason: "not a SpikeKit optimizer state (metadata 'format' is \(contents.metadata["format"].map { "'\($0)'" } ?? "missing"))")
        }
        guard let kindName = contents.metadata["optimizer"], let kind = OptimizerKind(rawValue: kindName) else {
            throw SpikeKitError.checkpoint(path: url.path, reason: "metadata 'optimizer' is missing or unknown")
        }
        guard kind == settings.optimizer else {
            throw SpikeKitError.checkpoint(path: url.path, reason: "the state is for \(kind.rawValue), but training uses \(settings.optimizer.rawValue)")
        }
        guard let stepsText = contents.metadata["steps"], let steps = Int(stepsText), steps >= 0 else {
            throw SpikeKitError.checkpoint(path: url.path, reason: "metadata 'steps' is missing or not a count")
        }
        // The next `fit` builds a fresh optimizer and restores this state against the network's parameters.
        optimizer = nil
        pendingState = (OptimizerState(kind: kind, steps: steps, tensors: contents.dictionary), url.path)
    }
}
