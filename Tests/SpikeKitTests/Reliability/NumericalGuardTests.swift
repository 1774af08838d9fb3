import Foundation
import Testing
@testable import SpikeKit

/// NaN and infinity are caught where they arise, named (tensor or layer, epoch and step), and never
/// reach a checkpoint: the last good one stays on disk. Serialized because a run sets the
/// process-wide thread count.
@Suite(.serialized) struct NumericalGuardTests {
    static let silent = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })

    /// Plain SGD at a learning rate of 1e5: the first epoch (two steps) ends with finite but enormous
    /// weights, the second overflows at its first step.
    static let divergingJSON = #"""
        {"seed": 1, "data": {"trainLimit": 100, "testLimit": 20}, "model": {"architecture": "mlp"},
         "training": {"epochs": 5, "batchSize": 50, "optimizer": "sgd", "learningRate": 1e5}}
        """#

    @Test func divergingTrainingStopsWithTheLayerAndStepAndKeepsTheLastGoodCheckpoint() throws {
        let folder = TemporaryDirectory()
        let config = try ConfigTestSupport.decode(Self.divergingJSON, name: "diverge")
        let output = folder.url.appendingPathComponent("run")
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let error = thrownSpikeKitError {
            _ = try ExperimentRunner(config: config, configURL: nil, options: RunOptions(output: output.path, threads: 1),
                                     progress: Self.silent).run()
        }
        guard case .numerical(let message) = error else {
            Issue.record("expected a numerical error, got \(String(describing: error))")
            return
        }
        #expect(message.contains("epoch 2, step 1 of 2"), "\(message)")
        #expect(message.contains("layer 'fc3'"), "\(message)")
        #expect(error?.exitCode == 1)
        // The checkpoint of epoch 1 is intact and finite (loading refuses NaN and infinity).
        let (network, metadata) = try NetworkCheckpoint.load(from: output.appendingPathComponent(RunFiles.annCheckpoint))
        #expect(metadata["epoch"] == "1")
        #expect(network.parameters.allSatisfy { $0.value.scalars.allSatisfy(\.isFinite) })
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(RunFiles.annOptimizerState(epoch: 1)).path))
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent(RunFiles.report).path))
    }

    @Test func aNaNWeightIsNamedWithItsEpochAndStepAndTheSavedCheckpointSurvives() throws {
        let folder = TemporaryDirectory()
        let checkpoint = folder.url.appendingPathComponent("ann.safetensors")
        let network = try Network(spec: ANNTrainingTests.toySpec, inputShape: [1, 6, 6], seed: 4)
        let trainer = ANNTrainer(settings: TrainingSettings(epochs: 3, batchSize: 16), seed: 1)
        var savedBytes = Data()
        let error = thrownSpikeKitError {
            try trainer.fit(network, data: ANNTrainingTests.toySplit) { result in
                guard result.epoch == 0 else {
                    Issue.record("epoch \(result.epoch + 1) ended with a NaN weight")
                    return
                }
                try NetworkCheckpoint.save(network, to: checkpoint, metadata: ["epoch": "1"])
                savedBytes = try Data(contentsOf: checkpoint)
                // A value that a bad update could have produced, after the checkpoint was written.
                network.parameters[1].value.scalars[2] = .nan
            }
        }
        let name = network.parameters[1].name
        #expect(error == .numerical("tensor '\(name)' holds nan at index 2 at epoch 2, step 1 of 6 (learning rate 0.001)"))
        #expect(try Data(contentsOf: checkpoint) == savedBytes)
        #expect(try NetworkCheckpoint.load(from: checkpoint).metadata["epoch"] == "1")
    }

    @Test func aNonFiniteUpdateInTheLastStepIsCaughtBeforeTheCheckpoint() throws {
        // One step per epoch: the step's loss is finite, its update (lr · weightDecay · w) is not.
        let network = try Network(spec: ANNTrainingTests.toySpec, inputShape: [1, 6, 6], seed: 4)
        let huge = Float.greatestFiniteMagnitude
        let trainer = ANNTrainer(settings: TrainingSettings(epochs: 1, batchSize: 90, optimizer: .sgd, learningRate: huge,
                                                            momentum: 0, weightDecay: huge), seed: 1)
        let error = thrownSpikeKitError {
            try trainer.fit(network, data: ANNTrainingTests.toySplit) { _ in Issue.record("a non-finite network reached onEpochEnd") }
        }
        #expect(error?.description.hasPrefix("numerical error: tensor '") == true, "\(String(describing: error))")
        #expect(error?.description.hasSuffix("after epoch 1 (learning rate 3.4028235e+38)") == true, "\(String(describing: error))")
    }

    @Test func spikingWeightsAndOutputPotentialsAreChecked() throws {
        var network = STDBTrainerTests.smallNetwork(seed: 5, dropout: 0)
        try NumericalGuard.checkWeights(of: network, context: "after conversion")
        var synapses = network.synapses
        synapses[1].weights[3] = .infinity
        network = network.replacingSynapses(synapses)
        #expect(throws: SpikeKitError.numerical("layer 'fc2': weight 3 is inf after conversion")) {
            try NumericalGuard.checkWeights(of: network, context: "after conversion")
        }
        // Simulated with every hidden neuron spiking, infinite output weights reach the output
        // layer's membrane potential.
        synapses[0].weights = synapses[0].weights.map { _ in 1 }
        synapses[1].weights = synapses[1].weights.map { _ in .infinity }
        network = network.replacingSynapses(synapses)
        let images = Tensor(shape: [4, 1, 4, 4], repeating: 1)
        let record = try EventScheduler(network: network).run(
            images: images, options: SimulationOptions(timeSteps: 6, checkpoints: [3, 6], threads: 1))
        let error = thrownSpikeKitError { try NumericalGuard.checkOutputs(of: record, context: "in the test") }
        #expect(error == .numerical("the membrane potential of output layer 'fc2' is inf at step 3 (sample 0, neuron 0) in the test"))
    }

    @Test func importedWeightsWithNaNAreRefusedWithTheTensorName() throws {
        let folder = TemporaryDirectory()
        for (index, entry) in CheckpointImportTests.shapes.enumerated() {
            var tensor = ANNTestSupport.random(entry.shape, seed: UInt64(index + 1))
            if entry.name == "fc1.weight" { tensor.scalars[17] = .nan }
            try NumPy.write(tensor, to: folder.url.appendingPathComponent(CheckpointImportTests.orderedNames[index]))
        }
        let file = folder.url.appendingPathComponent("9_fc1.npy").path
        #expect(throws: SpikeKitError.checkpoint(path: file, reason: "tensor 'fc1.weight' (the weight of layer 'fc1') holds nan at element 17; weights must be finite")) {
            _ = try WeightImporter.importNPY(architecture: CheckpointImportTests.spec, inputShape: [2, 8, 8], directory: folder.url)
        }
        // A safetensors checkpoint with an infinity is refused the same way.
        let network = try Network(spec: CheckpointImportTests.spec, inputShape: [2, 8, 8], seed: 1)
        network.parameters[0].value.scalars[4] = .infinity
        let url = folder.url.appendingPathComponent("bad.safetensors")
        try NetworkCheckpoint.save(network, to: url)
        #expect(throws: SpikeKitError.checkpoint(path: url.path, reason: "tensor 'conv1.weight' holds NaN or infinite values (inf at element 4)")) {
            _ = try NetworkCheckpoint.load(from: url)
        }
    }
}
