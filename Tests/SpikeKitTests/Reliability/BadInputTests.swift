import Foundation
import Testing
@testable import SpikeKit

/// Inputs that do not fit together (a network built for other images, a checkpoint of another
/// network, an absurd number of time steps) stop a run with an error that says so, never a crash.
/// Serialized because a run sets the process-wide thread count.
@Suite(.serialized) struct BadInputTests {
    static let silent = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })

    func run(_ json: String, output: URL, resume: Bool = false) throws -> RunReport {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let config = try ConfigTestSupport.decode(json, name: "bad")
        return try ExperimentRunner(config: config, configURL: nil, options: RunOptions(output: output.path, threads: 1, resume: resume),
                                    progress: Self.silent).run().0
    }

    /// A CIFAR-10 folder with 20 training and 10 test images.
    func tinyCIFAR(in folder: TemporaryDirectory) throws -> String {
        let directory = folder.url.appendingPathComponent("cifar")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, count) in [("data_batch_1.bin", 20), ("test_batch.bin", 10)] {
            let bytes = DataFileWriters.cifar10(labels: (0..<count).map { UInt8($0 % 10) },
                                                pixels: DataFileWriters.pattern(count: count * 3072))
            try Data(bytes).write(to: directory.appendingPathComponent(name))
        }
        return directory.path
    }

    @Test func aNetworkBuiltForOtherImagesIsRefusedWithBothShapes() throws {
        let folder = TemporaryDirectory()
        let cifar = try tinyCIFAR(in: folder)
        // An MLP trained on 28×28 grey images, given 32×32 colour ones.
        let mlp = try Network(spec: try Architectures.spec(named: "mlp", inputShape: [1, 28, 28], classes: 10),
                              inputShape: [1, 28, 28], seed: 1)
        let checkpoint = folder.url.appendingPathComponent("mlp-28.safetensors")
        try NetworkCheckpoint.save(mlp, to: checkpoint)
        let json = """
            {"data": {"dataset": "cifar10", "directory": "\(cifar)"},
             "model": {"architecture": "mlp", "checkpoint": "\(checkpoint.path)"},
             "conversion": {"calibrationImages": 4, "balancingSteps": 4}, "simulation": {"timeSteps": [4]}}
            """
        #expect(throws: SpikeKitError.model(layer: nil, reason: "the checkpoint \(checkpoint.path) takes [1, 28, 28] inputs; cifar10 images are [3, 32, 32]")) {
            _ = try run(json, output: folder.url.appendingPathComponent("run"))
        }
        // The command line says the same and exits 1.
        if SpikeKitExecutable.url != nil {
            let file = try folder.write(Array(json.utf8), to: "cifar-mlp.json")
            let result = try SpikeKitExecutable.run(["run", file, "--output", folder.path("cli"), "--quiet"])
            #expect(result.status == 1)
            #expect(result.stderr == "error: the checkpoint \(checkpoint.path) takes [1, 28, 28] inputs; cifar10 images are [3, 32, 32]\n")
        }
    }

    @Test func resumingFromTheCheckpointOfAnotherNetworkIsRefused() throws {
        let folder = TemporaryDirectory()
        let output = folder.url.appendingPathComponent("run")
        let json = #"{"data": {"trainLimit": 60, "testLimit": 10}, "model": {"architecture": "mlp"}, "training": {"epochs": 1, "batchSize": 30}}"#
        _ = try run(json, output: output)
        // Someone puts a CNN-S checkpoint where the MLP's was.
        let cnn = try Network(spec: try Architectures.spec(named: "cnn-s", inputShape: [1, 28, 28], classes: 10),
                              inputShape: [1, 28, 28], seed: 1)
        let checkpoint = output.appendingPathComponent(RunFiles.annCheckpoint)
        try NetworkCheckpoint.save(cnn, to: checkpoint, metadata: ["epoch": "1"])
        #expect(throws: SpikeKitError.checkpoint(path: checkpoint.path, reason: "it holds another network than the config's mlp")) {
            _ = try run(json, output: output, resume: true)
        }
    }

    @Test func absurdTimeStepsAreConfigProblems() throws {
        let problems = try #require({ () -> [ConfigProblem]? in
            do {
                try ConfigTestSupport.decode(#"{"conversion": {"balancingSteps": 1000000}, "simulation": {"timeSteps": [8, 100000000000]}, "stdb": {"timeSteps": 200000}}"#)
                    .validate(environment: [:])
                return nil
            } catch SpikeKitError.config(let problems) {
                return problems
            }
        }())
        #expect(problems.map(\.keyPath) == ["simulation.timeSteps[1]", "stdb.timeSteps", "conversion.balancingSteps"])
        #expect(problems.first?.message == "100000000000 time steps is more than the 100000 SpikeKit simulates")
    }
}
