/// One key of an experiment config: its name within its section, what it accepts, its default, its
/// unit and what it means.
public struct ConfigKeySpec: Sendable {
    /// The key within its section; a dotted key (`schedule.milestones`) is a member of an object key.
    public let key: String
    public let kind: ConfigValueKind
    /// The value used when the key is absent; nil when absent means "not set" (an optional key) or a
    /// default computed from other keys (see `defaultText`).
    public let defaultValue: JSONValue?
    /// The "Default" column when it is not simply `defaultValue` (optional and derived keys).
    public let defaultText: String?
    /// The unit of a number ("images", "pJ"), or "".
    public let unit: String
    public let meaning: String

    public init(_ key: String, _ kind: ConfigValueKind, default defaultValue: JSONValue?, defaultText: String? = nil,
                unit: String = "", _ meaning: String) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.defaultText = defaultText
        self.unit = unit
        self.meaning = meaning
    }
}

/// One section of an experiment config (`training`, `simulation`, ...) and its keys. `name` is ""
/// for the top-level keys.
public struct ConfigSectionSpec: Sendable {
    public let name: String
    /// Whether the section is a pipeline stage that runs only when the section is present.
    public let isStage: Bool
    public let meaning: String
    public let keys: [ConfigKeySpec]

    /// The spec of `key` (which may be dotted), or nil.
    public func key(_ key: String) -> ConfigKeySpec? { keys.first { $0.key == key } }

    /// The keys directly inside the object `parent` ("" for the section itself).
    public func keys(under parent: String) -> [ConfigKeySpec] {
        if parent.isEmpty { return keys.filter { !$0.key.contains(".") } }
        let prefix = parent + "."
        return keys.filter { $0.key.hasPrefix(prefix) && !$0.key.dropFirst(prefix.count).contains(".") }
    }
}

/// The experiment config schema: every section and key, with type, default, unit, allowed values and
/// meaning. This table is the single source of truth: `ConfigReader` checks keys and values against
/// it and takes defaults from it, and `markdown()` renders the tables of `Configs/README.md` (printed
/// by `spikekit config --schema`; a test keeps the README equal to it).
public enum ConfigSchema {
    public static let datasets = ["fashion-mnist", "mnist", "cifar10", "cifar100", "npy"]
    public static let architectures = ["mlp", "cnn-s", "vgg5", "vgg9", "vgg11", "vgg16", "resnet12", "resnet20", "resnet34"]
    public static let energyPresets = ["cmos45nm-fp32", "cmos45nm-int8", "loihi", "truenorth"]
    /// The stage sections, in pipeline order.
    public static let stageSections = ["training", "conversion", "simulation", "stdb", "energy", "hardware"]

    public static let sections: [ConfigSectionSpec] = [
        ConfigSectionSpec(name: "", isStage: false, meaning: "Top-level keys, next to the sections.", keys: [
            ConfigKeySpec("name", .string, default: nil, defaultText: "the config file's name without `.json`",
                          "Run name, used in the results folder's name and the report. Letters, digits, `.`, `-` and `_`."),
            ConfigKeySpec("seed", .integer(minimum: 0), default: .integer(1),
                          "Seed of every random choice (shuffling, initialisation, dropout, Poisson spikes, calibration images)."),
        ]),
        ConfigSectionSpec(name: "data", isStage: false, meaning: "The dataset. Always applies.", keys: [
            ConfigKeySpec("dataset", .choice(datasets), default: .string("fashion-mnist"),
                          "Which dataset: IDX files for `fashion-mnist` and `mnist`, the binary version for `cifar10` and `cifar100`, or `npy`: your own data as `train_images.npy`, `train_labels.npy`, `test_images.npy`, `test_labels.npy` (images uint8 or float32 pixels, labels integers)."),
            ConfigKeySpec("directory", .path, default: nil, defaultText: "none: the bundled Fashion-MNIST subset",
                          "Folder with the dataset's files (plain or `.gz`). Required for every dataset but `fashion-mnist`."),
            ConfigKeySpec("trainLimit", .integer(minimum: 1), default: nil, defaultText: "none: all", unit: "images",
                          "Use at most this many training images (a class-balanced, seeded subset)."),
            ConfigKeySpec("testLimit", .integer(minimum: 1), default: nil, defaultText: "none: all", unit: "images",
                          "Use at most this many test images (a class-balanced, seeded subset)."),
            ConfigKeySpec("layout", .choice(["nchw", "nhwc"]), default: .string("nchw"),
                          "Axis order of an `npy` dataset's image arrays: N×C×H×W (PyTorch) or N×H×W×C (NumPy, TensorFlow); N×H×W is one channel either way."),
            ConfigKeySpec("classes", .integer(minimum: 2), default: nil, defaultText: "largest label + 1", unit: "classes",
                          "Number of classes of an `npy` dataset."),
            ConfigKeySpec("normalization", .nameOrObject(["none", "half", "dataset"]), default: .string("half"),
                          "How pixels in [0, 1] become inputs. `none`: unchanged, [0, 1] (PyTorch's `ToTensor()` alone); `half`: (x − 0.5) / 0.5, [−1, 1], the range Poisson rate coding represents; `dataset`: the dataset's per-channel mean and standard deviation (CIFAR; the IDX datasets use `half`); or an object with `mean` and `std` per channel, as PyTorch's `Normalize(mean, std)`. Use what the network was trained with; a Poisson-coded input saturates outside [−1, 1] and the run warns."),
            ConfigKeySpec("normalization.mean", .numberList(.any), default: nil, defaultText: "required",
                          "Per-channel means of the [0, 1] pixels (one value for all channels)."),
            ConfigKeySpec("normalization.std", .numberList(.positive), default: nil, defaultText: "required",
                          "Per-channel standard deviations (one value for all channels), positive."),
        ]),
        ConfigSectionSpec(name: "model", isStage: false, meaning: "The network. Always applies.", keys: [
            ConfigKeySpec("architecture", .choice(architectures), default: .string("cnn-s"),
                          "Network to build: the MLP, CNN-S, and the VGG and ResNet variants of the hybrid-conversion paper (bias-free); input size and channels follow the dataset."),
            ConfigKeySpec("layers", .objectList, default: nil, defaultText: "none: `architecture`",
                          "Your own network instead of `architecture`: a list of layer objects (`conv`, `linear`, `avgPool`, `sumPool`, `maxPool`, `relu`, `clippedRelu`, `dropout`, `flatten`, `batchNorm`, `residual`, `add`; fields in \"Layers\" below), each with an optional `name` that also names its tensors (`features.0` → `features.0.weight`). The last layer must give one output per class."),
            ConfigKeySpec("checkpoint", .path, default: nil, defaultText: "none",
                          "Start from these ANN weights instead of training: a SpikeKit checkpoint, or a PyTorch `state_dict` as safetensors or as a folder of `<tensor name>.npy` files, matched to the network's tensors by name (batch-norm statistics included); the `training` section must then be absent."),
            ConfigKeySpec("mapping", .object, default: nil, defaultText: "none: names as they are",
                          "Names in `checkpoint` for the network's layers or tensors where they differ, e.g. `{\"conv1\": \"features.0\", \"fc1.weight\": \"classifier.1.weight\"}`."),
            ConfigKeySpec("activation", .choice(["relu", "clipped-relu"]), default: .string("relu"),
                          defaultText: "`relu`; `clipped-relu` with the `low-latency` recipe",
                          "ANN activation; `clipped-relu` is min(max(x, 0), μ) with a trainable clip μ per layer."),
            ConfigKeySpec("clipInit", .number(.positive), default: .number(4.0),
                          "Initial clip μ of `clipped-relu`."),
            ConfigKeySpec("nir", .path, default: nil, defaultText: "none",
                          "Simulate this NIR graph (`.nir`, e.g. from snnTorch, Norse or `spikekit export`) as the spiking network, event-driven, counted and priced like a converted one; no ANN is trained or converted, and `training` and `conversion.checkpoint` must be absent. Mapping in \"NIR\" below."),
            ConfigKeySpec("nirReset", .choice(["graph", "subtract"]), default: .string("graph"),
                          "How the neurons of a NIR graph (`model.nir`, or a `.nir` `conversion.checkpoint`) reset after a spike: `graph` as NIR says (to v_reset, which must be 0, or by subtraction where SpikeKit's own export says so), `subtract` by subtraction of the threshold, as Sinabs and snnTorch simulate the networks they export (NIR's IF and LIF nodes cannot record it)."),
        ]),
        ConfigSectionSpec(name: "training", isStage: true, meaning: "ANN training. Runs when present.", keys: [
            ConfigKeySpec("epochs", .integer(minimum: 1), default: .integer(10), unit: "epochs", "Passes over the training set."),
            ConfigKeySpec("batchSize", .integer(minimum: 1), default: .integer(64), unit: "images", "Mini-batch size."),
            ConfigKeySpec("optimizer", .choice(["adam", "sgd"]), default: .string("adam"),
                          "`adam` (Adam, or AMSGrad with `amsgrad`) or `sgd` (with momentum)."),
            ConfigKeySpec("learningRate", .number(.positive), default: .number(1e-3), "Initial learning rate."),
            ConfigKeySpec("momentum", .number(NumberRange(lower: 0, upper: 1, upperInclusive: false)), default: .number(0.9),
                          "SGD momentum (`sgd` only)."),
            ConfigKeySpec("weightDecay", .number(.nonNegative), default: .number(0), "L2 weight decay."),
            ConfigKeySpec("amsgrad", .boolean, default: .bool(false), "Use the AMSGrad variant of Adam (`adam` only)."),
            ConfigKeySpec("schedule", .object, default: nil, defaultText: "no decay",
                          "Step learning-rate schedule: the rate is divided by `factor` at each milestone."),
            ConfigKeySpec("schedule.milestones", .fractionList, default: .array([]), unit: "fraction of epochs",
                          "When to divide the rate, as fractions of `epochs` (0.5 = halfway)."),
            ConfigKeySpec("schedule.factor", .number(NumberRange(lower: 1)), default: .number(10),
                          "Divisor applied at each milestone."),
            ConfigKeySpec("augmentation", .boolean, default: .bool(false),
                          "Random crop (4-pixel zero padding) and horizontal flip of training images."),
            ConfigKeySpec("poissonInputSteps", .integer(minimum: 0), default: .integer(0), unit: "time steps",
                          "Train on the mean of this many Poisson frames of each image (the rate code a Poisson-input SNN integrates over that many steps) instead of its analog pixels; 0 = off. Makes the ANN robust to the input noise of short Poisson simulations."),
            ConfigKeySpec("dropout", .number(NumberRange(lower: 0, upper: 1, upperInclusive: false)), default: nil,
                          defaultText: "the architecture's", unit: "probability",
                          "Overrides every dropout probability of the architecture."),
            ConfigKeySpec("gradientChunks", .integer(minimum: 1), default: .integer(1), unit: "chunks",
                          "Sum each batch's gradient from this many fixed chunks of consecutive samples, each run forward and backward on its own and added in chunk order. The ranks of `mpirun -np N spikekit run` share the chunks (at most this many ranks do ANN work), and the result is the same for any rank count; 1 = the whole batch at once, on every rank. Batch normalisation then uses per-chunk statistics."),
        ]),
        ConfigSectionSpec(name: "conversion", isStage: true, meaning: "ANN-to-SNN conversion. Runs when present.", keys: [
            ConfigKeySpec("recipe", .choice(["threshold-balancing", "data-norm", "low-latency"]), default: .string("threshold-balancing"),
                          "`threshold-balancing` (max input current per layer, scaled), `data-norm` (activation max or percentile) or `low-latency` (clipped-ReLU thresholds α·μ, spike values β·μ, immediate ordering)."),
            ConfigKeySpec("calibrationImages", .integer(minimum: 1), default: .integer(512), unit: "images",
                          "Training images used to calibrate thresholds (all recipes): the first of a seeded shuffle, augmented as in training."),
            ConfigKeySpec("balancingSteps", .integer(minimum: 1), default: .integer(1000), unit: "time steps",
                          "Simulation length per layer in threshold balancing, with the encoding and ordering of `simulation` (Poisson and delayed when that section is absent)."),
            ConfigKeySpec("scale", .number(.positive), default: .number(0.7),
                          "Factor applied to every balanced threshold (`threshold-balancing`); smaller suits fewer time steps."),
            ConfigKeySpec("percentile", .number(NumberRange(lower: 0, lowerInclusive: false, upper: 100)), default: .number(99.99),
                          unit: "%", "Activation percentile taken as a layer's maximum (`data-norm`); 100 = the maximum."),
            ConfigKeySpec("channelWise", .boolean, default: .bool(false),
                          "Normalise each output channel separately (`data-norm`)."),
            ConfigKeySpec("alphaGrid", .integer(minimum: 1), default: .integer(150), unit: "grid points",
                          "Grid points for α in (0, 1.5] (`low-latency`)."),
            ConfigKeySpec("fineTuneEpochs", .integer(minimum: 0), default: .integer(2), unit: "epochs",
                          "Surrogate-gradient fine-tuning of the weights and of every layer's threshold and leak after a `low-latency` conversion (piecewise-linear surrogate, immediate ordering, direct input, no dropout) at `fineTuneTimeSteps`; 0 = none, and then α/β are fitted anew for each simulated T."),
            ConfigKeySpec("fineTuneTimeSteps", .integer(minimum: 1), default: .integer(2), unit: "time steps",
                          "The T that the α/β fit of the converted network targets and the fine-tuning uses (`low-latency`)."),
            ConfigKeySpec("fineTuneLearningRate", .number(.positive), default: .number(5e-4),
                          "Adam's initial learning rate in the fine-tuning, divided by 5 at 60, 80 and 90 % of its epochs (`low-latency`)."),
            ConfigKeySpec("checkpoint", .path, default: nil, defaultText: "none",
                          "Start from this saved spiking network (`snn-converted.safetensors` or `snn-stdb.safetensors` of an earlier run, or a NIR graph `.nir`) instead of converting; the ANN is then only evaluated when `model.checkpoint` or `training` gives one."),
        ]),
        ConfigSectionSpec(name: "simulation", isStage: true, meaning: "Event-driven SNN simulation of the converted network. Runs when present.", keys: [
            ConfigKeySpec("timeSteps", .integerList(minimum: 1), default: .array([.integer(16), .integer(32), .integer(64)]),
                          unit: "time steps", "Simulate once for each T in the list."),
            ConfigKeySpec("encoding", .choice(["direct", "poisson"]), default: .string("direct"),
                          "`direct`: analog pixels into the first layer every step; `poisson`: signed rate-coded spikes."),
            ConfigKeySpec("ordering", .choice(["delayed", "immediate"]), default: .string("delayed"),
                          defaultText: "`delayed`; `immediate` with the `low-latency` recipe",
                          "`delayed`: spike on the previous step's membrane (one step of latency per layer); `immediate`: spike in the step the input arrives."),
            ConfigKeySpec("batchSize", .integer(minimum: 1), default: .integer(100), unit: "images", "Images simulated together."),
            ConfigKeySpec("threads", .integer(minimum: 0), default: .integer(0), unit: "threads",
                          "Worker threads for the whole run; 0 = all cores. `--threads` overrides it."),
            ConfigKeySpec("reset", .choice(["subtract", "zero"]), default: .string("subtract"),
                          "After a spike, subtract the threshold (keeps the residue) or set the membrane to 0."),
            ConfigKeySpec("leak", .number(NumberRange(lower: 0, lowerInclusive: false, upper: 1)), default: .number(1.0),
                          "Membrane leak λ per step; 1 = integrate-and-fire."),
            ConfigKeySpec("neuron", .choice(["if", "cuba-lif"]), default: .string("if"),
                          "Neuron dynamics. `if`: v = λ·u + I (integrate-and-fire; leaky with `leak` < 1). `cuba-lif`: current-based LIF as on Loihi and in NIR, a synaptic current i = α_i·i + I (α_i = `currentDecay`) that the membrane integrates, v = λ·u + i. Set at conversion; threshold balancing measures its currents with IF neurons."),
            ConfigKeySpec("currentDecay", .number(NumberRange(lower: 0, upper: 1, upperInclusive: false)), default: .number(0),
                          "The synaptic-current decay α_i per step of `cuba-lif` neurons (0 makes them IF/LIF exactly)."),
            ConfigKeySpec("initialMembrane", .number(NumberRange(lower: 0, upper: 1, upperInclusive: false)), default: .number(0),
                          defaultText: "0; 0.5 with the `low-latency` recipe", unit: "fraction of θ",
                          "Membrane at the start of every image, as a fraction of the threshold; 0.5 makes an IF neuron's spike count round rather than truncate its input·T/θ, which helps most at T ≤ 8. Set at conversion (with `reset` and `leak`)."),
            ConfigKeySpec("testLimit", .integer(minimum: 1), default: nil, defaultText: "none: all test images", unit: "images",
                          "Simulate only the first this many test images."),
            ConfigKeySpec("recordRaster", .boolean, default: .bool(false),
                          "Record spike rasters for plots (bounded size)."),
        ]),
        ConfigSectionSpec(name: "stdb", isStage: true, meaning: "Spike-timing-dependent backpropagation fine-tuning of the converted SNN. Runs when present; needs `conversion`.", keys: [
            ConfigKeySpec("timeSteps", .integer(minimum: 1), default: .integer(16), unit: "time steps", "T used in training and in the evaluation after it."),
            ConfigKeySpec("epochs", .integer(minimum: 1), default: .integer(5), unit: "epochs", "Passes over the training set."),
            ConfigKeySpec("batchSize", .integer(minimum: 1), default: .integer(64), unit: "images", "Mini-batch size."),
            ConfigKeySpec("learningRate", .number(.positive), default: .number(1e-4), "Initial learning rate (Adam)."),
            ConfigKeySpec("weightDecay", .number(.nonNegative), default: .number(5e-4), "L2 weight decay."),
            ConfigKeySpec("amsgrad", .boolean, default: .bool(true), "Use AMSGrad."),
            ConfigKeySpec("milestones", .fractionList, default: .array([.number(0.6), .number(0.8), .number(0.9)]),
                          unit: "fraction of epochs", "Divide the rate by `lrFactor` at these fractions of `epochs`."),
            ConfigKeySpec("lrFactor", .number(NumberRange(lower: 1)), default: .number(5), "Divisor at each milestone."),
            ConfigKeySpec("surrogate", .choice(["stdb", "linear"]), default: .string("stdb"),
                          "`stdb`: α·exp(−β·Δt) with Δt the steps since the neuron's last spike; `linear`: γ·max(0, 1 − |u/θ − 1|)."),
            ConfigKeySpec("alpha", .number(.positive), default: .number(0.3), "α of the `stdb` surrogate."),
            ConfigKeySpec("beta", .number(.nonNegative), default: .number(0.01), unit: "per time step", "β of the `stdb` surrogate."),
            ConfigKeySpec("gamma", .number(.positive), default: .number(0.3), "γ of the `linear` surrogate."),
            ConfigKeySpec("maxDeltaT", .integer(minimum: 1), default: .integer(100), unit: "time steps",
                          "Δt beyond which the `stdb` surrogate is 0 (as for a neuron that never spiked)."),
            ConfigKeySpec("lossOverTime", .choice(["sum", "mean"]), default: .string("sum"),
                          "Cross-entropy on the output potential summed over T, or divided by T."),
            ConfigKeySpec("encoding", .choice(["direct", "poisson"]), default: nil, defaultText: "`simulation.encoding`",
                          "Input encoding during STDB training and evaluation."),
            ConfigKeySpec("dropout", .number(NumberRange(lower: 0, upper: 1, upperInclusive: false)), default: nil,
                          defaultText: "the network's", unit: "probability",
                          "Input-dropout probability during STDB wherever the network has dropout (one mask per sample, fixed over the T steps); 0 turns it off."),
            ConfigKeySpec("trainLimit", .integer(minimum: 1), default: nil, defaultText: "none: the whole training set", unit: "images",
                          "Fine-tune on a class-balanced subset of this many training images (chosen from the seed, independent of `data.trainLimit`'s choice); an STDB epoch costs about T ANN epochs per image."),
        ]),
        ConfigSectionSpec(name: "energy", isStage: true, meaning: "Energy estimate of every simulation against the ANN. Runs when present; needs `simulation` or `stdb`.", keys: [
            ConfigKeySpec("preset", .nameOrObject(energyPresets), default: .string("cmos45nm-fp32"),
                          "A named hardware preset, or an object with the energies below."),
            ConfigKeySpec("preset.name", .string, default: .string("custom"), "Name shown in the report."),
            ConfigKeySpec("preset.macPicojoules", .number(.nonNegative), default: nil, defaultText: "required", unit: "pJ",
                          "Energy of one multiply-accumulate (ANN layers, and the first SNN layer with direct encoding)."),
            ConfigKeySpec("preset.accumulatePicojoules", .number(.nonNegative), default: nil, defaultText: "required", unit: "pJ",
                          "Energy of one synaptic operation (an accumulate) in the SNN."),
            ConfigKeySpec("preset.neuronUpdatePicojoules", .number(.nonNegative), default: .number(0), unit: "pJ",
                          "Energy of one neuron update per time step."),
            ConfigKeySpec("preset.spikePicojoules", .number(.nonNegative), default: .number(0), unit: "pJ",
                          "Energy of routing one spike."),
            ConfigKeySpec("preset.memoryAccessPicojoules", .number(.nonNegative), default: .number(0), unit: "pJ",
                          "Energy of one memory access per synaptic operation."),
        ]),
        ConfigSectionSpec(name: "hardware", isStage: true, meaning: "Map every simulation onto a neuromorphic chip's cores and price its traffic (energy, time per step, latency), with the accuracy at the chip's precision. Runs when present; needs `simulation` or `stdb`. Works next to `energy`.", keys: [
            ConfigKeySpec("preset", .choice(HardwareDescription.presetNames), default: .string("loihi"),
                          "A built-in chip description (sources in Sources/SpikeKit/Hardware/HardwareDescription+Presets.swift; print one with `spikekit hardware --preset NAME --print`)."),
            ConfigKeySpec("file", .path, default: nil, defaultText: "none: use `preset`",
                          "A chip description in JSON (the form `--print` writes), relative to the config; instead of `preset`."),
            ConfigKeySpec("placement", .integerList(minimum: 0), default: nil, defaultText: "compact: cores fill tiles in order",
                          "The global tile index of every core, in mapping order (tile t is on chip t / (meshWidth·meshHeight))."),
            ConfigKeySpec("samples", .integer(minimum: 1), default: .integer(8), unit: "images",
                          "Test images re-simulated with every event captured, to count the traffic per core and step."),
            ConfigKeySpec("precision", .boolean, default: .bool(true),
                          "Also simulate the test set with weights and thresholds at the chip's bits and report that accuracy."),
        ]),
        ConfigSectionSpec(name: "output", isStage: false, meaning: "Where results go. Always applies.", keys: [
            ConfigKeySpec("directory", .path, default: .string("results"),
                          "Parent folder of the run folder `<directory>/<name>-<yyyyMMdd-HHmmss>/`; relative to the current directory. `--output DIR` replaces the whole run folder."),
            ConfigKeySpec("saveCheckpoints", .boolean, default: .bool(true), "Save the converted SNN. The trained ANN and the fine-tuned SNN are saved after every epoch in any case: they are what `--resume` continues from."),
            ConfigKeySpec("spikeTrace", .integer(minimum: 0), default: nil, defaultText: "none", unit: "images",
                          "Write the spike events of this many test images (conversion simulation at the largest T) to `spikes.aer` (address-event file, layout in README) and `spikes.csv`; 0 = none."),
            ConfigKeySpec("nir", .boolean, default: .bool(false),
                          "Also write the final spiking network (after STDB or low-latency fine-tuning when they ran) as the NIR graph `network.nir`, for snnTorch, Norse, Sinabs, Lava and other NIR tools. Mapping in \"NIR\" below."),
        ]),
        sweepSection,
    ]

    /// The spec of section `name` ("" for the top level).
    public static func section(_ name: String) -> ConfigSectionSpec? { sections.first { $0.name == name } }

    /// The spec of `key` in `section`. Asking for a key that is not in the table is a programming
    /// error in SpikeKit, not a user's mistake.
    static func spec(_ section: String, _ key: String) -> ConfigKeySpec {
        guard let spec = self.section(section)?.key(key) else {
            preconditionFailure("config key \(section).\(key) is not in ConfigSchema.sections")
        }
        return spec
    }

    /// Every valid key path (`simulation.timeSteps`, `training.schedule.factor`, `seed`), for suggestions.
    public static var allKeyPaths: [String] {
        sections.flatMap { section in
            section.name.isEmpty ? section.keys.map(\.key) : [section.name] + section.keys.map { "\(section.name).\($0.key)" }
        }
    }
}
