import Foundation

/// The networks the `bench simulate` and `bench stdb` commands run: a saved checkpoint, or the
/// named architecture trained briefly on the bundled Fashion-MNIST subset (so spike rates are those
/// of a real network), converted with max-activation normalisation.
enum BenchmarkNetworks {
    static func trainedANN(model: String, checkpoint: String?, data: DatasetSplit, epochs: Int = 1) throws -> Network {
        if let checkpoint {
            return try NetworkCheckpoint.load(from: URL(fileURLWithPath: checkpoint)).network
        }
        let spec = try Architectures.spec(named: model, inputShape: data.train.sampleShape, classes: data.train.classCount)
        let network = try Network(spec: spec, inputShape: data.train.sampleShape, seed: 1)
        try ANNTrainer(settings: TrainingSettings(epochs: epochs), seed: 1).fit(network, data: data)
        return network
    }

    /// The `--input CxHxW` option: the bundled Fashion-MNIST subset, resampled to that shape when it
    /// is not 1×28×28 (`Dataset.resampled(to:)`), so any architecture runs on images with real
    /// spike statistics.
    static func data(_ command: ParsedCommand) throws -> DatasetSplit {
        let data = try DatasetLoader.load(name: "fashion-mnist")
        guard let text = command.string("input") else { return data }
        let shape = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }), shape[0] == 1 || shape[0] == 3 else {
            throw SpikeKitError.usage("--input must be CxHxW with C = 1 or 3, for example 3x32x32, got '\(text)'")
        }
        return DatasetSplit(train: try data.train.resampled(to: shape), test: try data.test.resampled(to: shape))
    }

    /// The option every benchmark that builds a network takes.
    static let inputOption = OptionSpec.value("input", "CxHxW", default: "1x28x28",
                                                   help: "Input shape; the bundled images are resampled to it (e.g. 3x32x32).")

    static func converted(_ network: Network, data: DatasetSplit) throws -> SpikingNetwork {
        let calibration = data.train.makeBatch(indices: 0..<min(256, data.train.count))
        return try ANNToSNNConverter.convert(network, recipe: .dataNormalization(DataNormalization(percentile: 100)),
                                             calibration: calibration.images).network
    }

    /// The `--neuron` and `--current-decay` options: the dynamics every population runs with.
    static func neuronModel(_ command: ParsedCommand) throws -> (model: NeuronModel, currentDecay: Float) {
        let name = command.string("neuron") ?? NeuronModel.integrateAndFire.rawValue
        guard let model = NeuronModel(rawValue: name) else {
            throw SpikeKitError.usage("--neuron must be one of \(NeuronModel.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'")
        }
        let text = command.string("current-decay") ?? "0"
        guard let decay = Float(text), decay >= 0, decay < 1 else {
            throw SpikeKitError.usage("--current-decay must be a number in [0, 1), got '\(text)'")
        }
        if decay != 0 && model != .currentBasedLIF {
            throw SpikeKitError.usage("--current-decay needs --neuron cuba-lif")
        }
        return (model, decay)
    }

    /// `network` with every population's dynamics set to `model` (thresholds and leaks kept).
    static func withNeurons(_ network: SpikingNetwork, model: NeuronModel, currentDecay: Float) -> SpikingNetwork {
        network.mapNeurons { _, p in
            var q = p
            q.model = model
            q.currentDecay = currentDecay
            return q
        }
    }
}

extension BenchmarkRegistry {
    static let gemm = Benchmark(
        name: "gemm", abstract: "Time single-precision matrix multiplication (1 to all cores) and the reference convolutions.",
        options: [.value("size", "n", kind: .integer(minimum: 1), default: "1024", help: "Matrix size n (m = n = k).")]
    ) { command in
        let n = command.integer("size") ?? 1024
        return try BenchmarkOutput(report: GEMMBenchmark.run(m: n, n: n, k: n, repetitions: 5))
    }

    static let simulate = Benchmark(
        name: "simulate", abstract: "Time the event-driven simulator on a converted network against the dense reference.",
        options: [
            .value("model", "name", default: "cnn-s", help: "Architecture: mlp or cnn-s (or any architecture for 28×28 images)."),
            .value("steps", "T", kind: .integer(minimum: 1), default: "32", help: "Time steps."),
            .value("images", "n", kind: .integer(minimum: 1), default: "1000", help: "Test images to simulate."),
            .value("checkpoint", "file", help: "An ANN checkpoint (.safetensors) to convert instead of a briefly trained one."),
            .value("encoding", "kind", default: "direct", help: "direct or poisson."),
            .value("batch", "n", kind: .integer(minimum: 1), default: "100",
                   help: "Images per simulation call; fewer than the threads makes the threads share each image (neuron blocks)."),
            .value("dense-images", "n", kind: .integer(minimum: 1), default: "20",
                   help: "Images the dense reference simulates to verify the spikes (it is slow on large networks)."),
            .value("neuron", "model", default: "if", help: "Neuron dynamics: if or cuba-lif (current-based LIF)."),
            .value("current-decay", "α", default: "0", help: "The synaptic-current decay α_i in [0, 1) of cuba-lif neurons."),
            BenchmarkNetworks.inputOption,
        ]
    ) { command in
        let model = command.string("model") ?? "cnn-s"
        let encoding = InputEncoding(rawValue: command.string("encoding") ?? "direct")
        guard let encoding else { throw SpikeKitError.usage("--encoding must be direct or poisson") }
        let neurons = try BenchmarkNetworks.neuronModel(command)
        let data = try BenchmarkNetworks.data(command)
        let ann = try BenchmarkNetworks.trainedANN(model: model, checkpoint: command.string("checkpoint"), data: data)
        let snn = BenchmarkNetworks.withNeurons(try BenchmarkNetworks.converted(ann, data: data), model: neurons.model,
                                                currentDecay: neurons.currentDecay)
        let n = min(command.integer("images") ?? 1000, data.test.count)
        let batch = data.test.makeBatch(indices: 0..<n)
        // With --checkpoint the network is the checkpoint's, whatever --model says.
        let name = command.string("checkpoint").map { ann.architecture.name.isEmpty ? $0 : ann.architecture.name } ?? model
        return try BenchmarkOutput(report: SimulationBenchmark.run(
            network: snn, model: name, images: batch.images, labels: batch.labels,
            timeSteps: command.integer("steps") ?? 32, encoding: encoding, denseImages: command.integer("dense-images") ?? 20,
            batchSize: command.integer("batch") ?? 100))
    }

    static let train = Benchmark(
        name: "train", abstract: "Time ANN training (batch 64, all cores) on the bundled Fashion-MNIST subset.",
        options: [.value("model", "name", default: "cnn-s", help: "Architecture (mlp, cnn-s, ...)."),
                  .value("batches", "n", kind: .integer(minimum: 1), default: "60", help: "Timed training steps per run."),
                  .value("batch", "n", kind: .integer(minimum: 1), default: "64", help: "Images per training step."),
                  BenchmarkNetworks.inputOption]
    ) { command in
        let data = try BenchmarkNetworks.data(command)
        let spec = try Architectures.spec(named: command.string("model") ?? "cnn-s", inputShape: data.train.sampleShape,
                                          classes: data.train.classCount)
        return try BenchmarkOutput(report: TrainingThroughput.measure(architecture: spec, dataset: data.train,
                                                                      batchSize: command.integer("batch") ?? 64,
                                                                      timedBatches: command.integer("batches") ?? 60))
    }
}

extension BenchmarkRegistry {
    static let stdb = Benchmark(
        name: "stdb", abstract: "Time STDB training steps (batch 64) and the process's peak memory.",
        options: [
            .value("model", "name", default: "cnn-s", help: "Architecture (mlp, cnn-s, vgg5, ...)."),
            .value("steps", "T", kind: .integer(minimum: 1), default: "16", help: "Time steps."),
            .value("batch", "n", kind: .integer(minimum: 1), default: "64", help: "Images per training step."),
            .value("images", "n", kind: .integer(minimum: 2), default: "1024",
                   help: "Training images (the first batch, which sizes the buffers, is not timed)."),
            BenchmarkNetworks.inputOption,
            .value("checkpoint", "file", help: "An ANN checkpoint (.safetensors) to convert instead of a briefly trained one."),
            .value("encoding", "kind", default: "direct", help: "direct or poisson."),
            .value("surrogate", "kind", default: "stdb", help: "stdb (α·exp(−β·Δt)) or linear (γ·max(0, 1 − |u/θ − 1|))."),
        ]
    ) { command in
        guard let encoding = InputEncoding(rawValue: command.string("encoding") ?? "direct") else {
            throw SpikeKitError.usage("--encoding must be direct or poisson")
        }
        let surrogate: SurrogateGradient
        switch command.string("surrogate") ?? "stdb" {
        case "stdb": surrogate = .stdb()
        case "linear": surrogate = .linear()
        default: throw SpikeKitError.usage("--surrogate must be stdb or linear")
        }
        let data = try BenchmarkNetworks.data(command)
        let model = command.string("model") ?? "cnn-s"
        // The ANN is a temporary: its weights are released before STDB starts, as in a run.
        let snn = try BenchmarkNetworks.converted(
            BenchmarkNetworks.trainedANN(model: model, checkpoint: command.string("checkpoint"), data: data), data: data)
        let batchSize = command.integer("batch") ?? 64
        let batch = data.train.makeBatch(indices: 0..<min(command.integer("images") ?? 1024, data.train.count))
        return try BenchmarkOutput(report: STDBBenchmark.run(network: snn, images: batch.images, labels: batch.labels,
                                                             timeSteps: command.integer("steps") ?? 16, batchSize: batchSize,
                                                             encoding: encoding, surrogate: surrogate))
    }
}
