import Foundation
import Testing
@testable import SpikeKit

/// ANN training with each batch's gradient summed from fixed chunks (`training.gradientChunks`), the
/// form in which MPI ranks share a batch: the chunks add up to the whole batch's gradient, and ranks
/// (played here by threads, `ThreadRanks`; the real MPI run is Scripts/mpi-check.sh) train exactly
/// what one process trains.
@Suite struct ChunkedTrainingTests {
    typealias Toy = ANNTrainingTests

    /// The toy network with batch normalisation and dropout, the two layers chunks change.
    static let spec = ArchitectureSpec(name: "toy-bn", layers: [
        .conv(outChannels: 4, kernel: 3, stride: 1, padding: 1, bias: false), .batchNorm, .relu, .avgPool(kernel: 2, stride: 2),
        .flatten, .dropout(p: 0.3), .linear(outputs: 3),
    ])

    /// Without batch normalisation, 1 chunk and 4 chunks are the same gradient up to rounding: the
    /// loss is divided by the whole batch's size and every sample keeps its dropout mask.
    @Test func chunksAddUpToTheBatchGradient() throws {
        let batch = Toy.toySplit.train.makeBatch(indices: 0..<18)
        func gradient(chunks: Int) throws -> (values: [[Float]], outcome: ChunkedBatchGradient.Outcome) {
            let network = try Network(spec: Toy.toySpec, inputShape: [1, 6, 6], seed: 4)
            network.dropoutLayers.forEach { $0.p = 0.5 }
            let outcome = ChunkedBatchGradient(network: network, chunks: chunks, communicator: nil)
                .compute(images: batch.images, labels: batch.labels, seed: 77)
            return (network.parameters.map(\.gradient.scalars), outcome)
        }
        let whole = try gradient(chunks: 1), chunked = try gradient(chunks: 4)
        #expect(abs(whole.outcome.loss - chunked.outcome.loss) < 1e-6 && whole.outcome.correct == chunked.outcome.correct)
        for (w, c) in zip(whole.values, chunked.values) {
            let scale = w.map(abs).max() ?? 0
            #expect(scale > 0)
            #expect(zip(w, c).allSatisfy { abs($0 - $1) <= 1e-5 * scale }, "largest difference \(zip(w, c).map { abs($0 - $1) }.max() ?? 0) of \(scale)")
        }
    }

    /// Two and three ranks sharing 4 chunks train bit for bit what one process trains with 4 chunks:
    /// every parameter, every running statistic and every epoch's loss and accuracy.
    @Test(arguments: [2, 3]) func ranksTrainWhatOneProcessTrains(ranks: Int) throws {
        let settings = TrainingSettings(epochs: 2, batchSize: 16, optimizer: .sgd, learningRate: 0.05, gradientChunks: 4)
        struct Trained: Sendable, Equatable {
            var values: [[Float]]
            var epochs: [[Double]]
        }
        @Sendable func train(communicator: (any DataParallelCommunicator)?) throws -> Trained {
            let network = try Network(spec: Self.spec, inputShape: [1, 6, 6], seed: 2)
            let trainer = ANNTrainer(settings: settings, seed: 5)
            trainer.communicator = communicator
            let results = try trainer.fit(network, data: Toy.toySplit)
            return Trained(values: (network.parameters + network.buffers).map(\.value.scalars),
                           epochs: results.map { [$0.trainLoss, $0.trainAccuracy, $0.testAccuracy] })
        }
        let single = try train(communicator: nil)
        let threads = ThreadRanks(size: ranks)
        let shared = try threads.run { rank in try train(communicator: threads.communicator(rank: rank)) }
        for (rank, trained) in shared.enumerated() {
            let largest = zip(trained.values.joined(), single.values.joined()).map { abs($0 - $1) }.max() ?? 0
            #expect(trained == single, "rank \(rank) of \(ranks): largest weight difference \(largest), epochs \(trained.epochs) vs \(single.epochs)")
        }
        // The chunks matter: one chunk trains other batch-norm statistics (and so other weights).
        var whole = settings
        whole.gradientChunks = 1
        let network = try Network(spec: Self.spec, inputShape: [1, 6, 6], seed: 2)
        try ANNTrainer(settings: whole, seed: 5).fit(network, data: Toy.toySplit)
        #expect((network.parameters + network.buffers).map(\.value.scalars) != single.values)
    }

    @Test func theConfigKeyIsReadAndChecked() throws {
        let config = try ConfigTestSupport.decode(#"{"training": {"gradientChunks": 8}}"#)
        #expect(config.training?.gradientChunks == 8)
        #expect(try ConfigTestSupport.decode(#"{"training": {}}"#).training?.gradientChunks == 1)
        let problems = ConfigTestSupport.problems(#"{"training": {"gradientChunks": 0}}"#)
        #expect(ConfigTestSupport.problem(at: "training.gradientChunks", in: problems)?.message == "expected a positive integer, got 0")
        #expect(TrainingSettings(gradientChunks: 0).problems().map(\.keyPath) == ["training.gradientChunks"])
    }
}
