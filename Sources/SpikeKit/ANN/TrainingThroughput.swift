import Dispatch

/// Measures ANN training speed: images per second of full training steps (batch assembly, forward,
/// loss, backward, optimizer update) with the default settings' optimizer (Adam).
///
/// Each run builds the network afresh, takes `warmupBatches` untimed steps (first-touch page faults,
/// thread start-up), then times `timedBatches` steps on the epoch-0 batch order of `dataset`. The
/// result is the median images/s over `runs` runs, so one disturbed run does not decide it. This is
/// what `spikekit bench train` reports.
public enum TrainingThroughput {
    public struct Measurement: Sendable, Codable {
        /// The median over the runs.
        public var imagesPerSecond: Double
        /// Every run's images/s, in run order.
        public var runs: [Double]
        public var batchSize: Int
        public var timedBatches: Int
        public var threads: Int
        /// CPU seconds per wall second over the timed steps of all runs: the threads actually busy.
        public var busyThreads: Double
        /// The process's peak resident set size, in bytes.
        public var peakMemoryBytes: Int64
    }

    public static func measure(architecture: ArchitectureSpec, dataset: Dataset, batchSize: Int = 64,
                               warmupBatches: Int = 5, timedBatches: Int = 50, runs: Int = 3,
                               settings: TrainingSettings = TrainingSettings(), seed: UInt64 = 1) throws -> Measurement {
        precondition(batchSize > 0 && timedBatches > 0 && runs > 0 && warmupBatches >= 0,
                     "TrainingThroughput: batch size, timed batches and runs must be positive")
        AllocatorTuning.retainFreedBlocks()
        let batches = dataset.batches(size: batchSize, seed: seed, epoch: 0)
        guard batches.count > 0 else { throw SpikeKitError.usage("the dataset has no images to train on") }
        var rates: [Double] = []
        var interval = ProcessResources.Interval()
        for run in 0..<runs {
            let network = try Network(spec: architecture, inputShape: dataset.sampleShape, seed: seed &+ UInt64(run))
            let trainer = ANNTrainer(settings: settings, seed: seed)
            let optimizer = settings.makeOptimizer()
            let parameters = network.parameters
            var images = 0
            var start: UInt64 = 0
            for step in 0..<(warmupBatches + timedBatches) {
                if step == warmupBatches { start = DispatchTime.now().uptimeNanoseconds; interval.start() }
                let batch = batches[step % batches.count]
                for parameter in parameters { parameter.zeroGradient() }
                let logits = network.forward(batch.images, training: true, seed: trainer.stepSeed(epoch: 0, step: step))
                let loss = SoftmaxCrossEntropy.evaluate(logits: logits, labels: batch.labels)
                guard loss.loss.isFinite else {
                    throw SpikeKitError.numerical("the training loss is \(loss.loss) at benchmark step \(step + 1)")
                }
                network.backward(lossGradient: loss.gradient)
                optimizer.step(parameters, learningRate: settings.learningRate)
                if step >= warmupBatches { images += batch.count }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            interval.stop()
            rates.append(Double(images) / seconds)
        }
        let sorted = rates.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return Measurement(imagesPerSecond: median, runs: rates, batchSize: batchSize, timedBatches: timedBatches,
                           threads: Parallel.threadCount, busyThreads: interval.busyThreads,
                           peakMemoryBytes: ProcessResources.peakResidentBytes())
    }
}
