import Foundation

/// Times STDB training steps (forward, backward and optimizer step) on given images, and reports the
/// process's peak resident memory: what `spikekit bench stdb` prints.
public enum STDBBenchmark {
    public struct Report: Codable, Sendable, Equatable {
        /// Training images per second over the timed batches (the first batch, which grows the
        /// workers' buffers, is not timed).
        public var imagesPerSecond: Double
        /// The whole process's peak resident set size, in bytes.
        public var peakMemoryBytes: Int64
        public var timeSteps: Int
        public var batchSize: Int
        public var images: Int
        public var threads: Int
        /// CPU seconds per wall second over the timed batches: the threads actually busy.
        public var busyThreads: Double
        /// The network's input shape `[channels, height, width]`.
        public var inputShape: [Int]
        public var encoding: String
        /// Mean training loss over the timed batches (a sanity check: finite, and falling slowly).
        public var meanLoss: Double
    }

    /// Trains `network` on `images` (`[N, C, H, W]`) and `labels` in batches of `batchSize` for one
    /// pass, with the default STDB settings at `timeSteps`, timing every batch but the first.
    public static func run(network: SpikingNetwork, images: Tensor, labels: [Int32], timeSteps: Int, batchSize: Int = 64,
                           encoding: InputEncoding = .direct, ordering: SpikeOrdering = .delayed,
                           surrogate: SurrogateGradient = .stdb(),
                           threads: Int = Parallel.threadCount, seed: UInt64 = 1) throws -> Report {
        let count = labels.count
        guard images.rank == 4, images.shape[0] == count, count > batchSize else {
            throw SpikeKitError.runtime("STDB benchmark: need more than one batch (\(batchSize)) of images with labels, "
                                        + "got \(images.shape) images and \(count) labels")
        }
        var settings = STDBSettings(timeSteps: timeSteps, batchSize: batchSize, encoding: encoding, ordering: ordering,
                                    threads: threads)
        settings.surrogate = surrogate
        let session = try STDBSession(network: network, settings: settings, seed: seed)
        var timed = 0, lossSum = 0.0
        var interval = ProcessResources.Interval()
        var first = 0, batch = 0
        while first < count {
            let end = min(count, first + batchSize)
            let slice = images.slice(first..<end)
            if batch > 0 { interval.start() }
            let result = try session.trainBatch(images: slice, labels: Array(labels[first..<end]), indices: Array(first..<end),
                                                epoch: 0, step: batch, learningRate: settings.learningRate)
            if batch > 0 {
                interval.stop()
                timed += end - first
                lossSum += result.loss
            }
            first = end
            batch += 1
        }
        return Report(imagesPerSecond: Double(timed) / max(interval.wallSeconds, 1e-9),
                      peakMemoryBytes: ProcessResources.peakResidentBytes(), timeSteps: timeSteps, batchSize: batchSize,
                      images: timed, threads: threads, busyThreads: interval.busyThreads, inputShape: [network.inputShape.channels, network.inputShape.height, network.inputShape.width],
                      encoding: encoding.rawValue, meanLoss: lossSum / Double(max(1, timed)))
    }
}
