import Foundation

/// The results of one run, as written to `report.json` in the run folder.
///
/// The JSON keys are a stable contract that users' scripts read; they are the property names below
/// and never change meaning. Sections whose stage did not run (`conversion`, `stdb`, a simulation's
/// `energy`, and optional details) are omitted rather than written as null. `ann` is present in every
/// run that builds a network. Accuracies are fractions in [0, 1]; energies are in joules per test
/// image; per-layer counts are averages per test image.
public struct RunReport: Codable, Equatable, Sendable {
    public var spikekitVersion: String
    public var name: String
    public var seed: Int
    /// Worker threads the run used.
    public var threads: Int
    /// `ExperimentConfig.configHash` of the effective config with `simulation.threads` set to 0: runs that
    /// differ only in their thread count (which never changes results) share it.
    public var configHash: String
    public var ann: ANN?
    public var conversion: Conversion?
    /// One entry per simulated time-step count, conversion results first, then the STDB evaluation.
    public var simulations: [Simulation]
    public var stdb: STDB?
    /// Results the run found probably wrong (`RunDiagnostics`), each saying what to change; omitted
    /// when there are none.
    public var warnings: [String]?

    public init(spikekitVersion: String = spikeKitVersion, name: String, seed: Int, threads: Int, configHash: String,
                ann: ANN? = nil, conversion: Conversion? = nil, simulations: [Simulation] = [], stdb: STDB? = nil,
                warnings: [String]? = nil) {
        self.spikekitVersion = spikekitVersion
        self.name = name
        self.seed = seed
        self.threads = threads
        self.configHash = configHash
        self.ann = ann
        self.conversion = conversion
        self.simulations = simulations
        self.stdb = stdb
        self.warnings = warnings
    }

    /// The ANN: its test accuracy and, when it was trained in this run, the training record.
    public struct ANN: Codable, Equatable, Sendable {
        public var testAccuracy: Double
        public var trainAccuracy: Double?
        public var epochs: Int?
        /// Trainable parameters.
        public var parameters: Int?
        public var perEpoch: [Epoch]?

        public init(testAccuracy: Double, trainAccuracy: Double? = nil, epochs: Int? = nil, parameters: Int? = nil,
                    perEpoch: [Epoch]? = nil) {
            self.testAccuracy = testAccuracy
            self.trainAccuracy = trainAccuracy
            self.epochs = epochs
            self.parameters = parameters
            self.perEpoch = perEpoch
        }
    }

    /// One training epoch: mean loss, training accuracy, test accuracy (when evaluated) and the rate used.
    public struct Epoch: Codable, Equatable, Sendable {
        /// 1-based.
        public var epoch: Int
        public var loss: Double
        public var trainAccuracy: Double
        public var testAccuracy: Double?
        public var learningRate: Double

        public init(epoch: Int, loss: Double, trainAccuracy: Double, testAccuracy: Double? = nil, learningRate: Double) {
            self.epoch = epoch
            self.loss = loss
            self.trainAccuracy = trainAccuracy
            self.testAccuracy = testAccuracy
            self.learningRate = learningRate
        }
    }

    /// The conversion: the recipe and each spiking layer's parameters.
    public struct Conversion: Codable, Equatable, Sendable {
        public var recipe: String
        public var layers: [ConversionLayer]

        public init(recipe: String, layers: [ConversionLayer]) {
            self.recipe = recipe
            self.layers = layers
        }
    }

    /// One spiking layer after conversion: threshold θ, and the recipe's per-layer factors when it has
    /// them (`scale` for weight normalisation, `alpha` and `beta` for low-latency conversion).
    public struct ConversionLayer: Codable, Equatable, Sendable {
        public var name: String
        public var threshold: Double
        public var scale: Double?
        public var alpha: Double?
        public var beta: Double?
        /// After the low-latency fine-tune: the trained threshold and leak (nil without one).
        public var fineTunedThreshold: Double?
        public var fineTunedLeak: Double?

        public init(name: String, threshold: Double, scale: Double? = nil, alpha: Double? = nil, beta: Double? = nil,
                    fineTunedThreshold: Double? = nil, fineTunedLeak: Double? = nil) {
            self.name = name
            self.threshold = threshold
            self.scale = scale
            self.alpha = alpha
            self.beta = beta
            self.fineTunedThreshold = fineTunedThreshold
            self.fineTunedLeak = fineTunedLeak
        }
    }

    /// Which network a simulation ran: the converted one or the STDB-fine-tuned one.
    public enum Stage: String, Codable, Equatable, Sendable {
        case conversion
        case stdb
    }

    /// One SNN simulation at `timeSteps` steps over `testImages` test images.
    public struct Simulation: Codable, Equatable, Sendable {
        public var stage: Stage
        public var timeSteps: Int
        public var encoding: String
        public var ordering: String
        public var testAccuracy: Double
        public var testImages: Int
        public var layers: [LayerActivity]
        public var energy: Energy?
        /// The chip model's mapping, energy and time (the `hardware` config section).
        public var hardware: HardwareEstimate?

        public init(stage: Stage, timeSteps: Int, encoding: String, ordering: String, testAccuracy: Double, testImages: Int,
                    layers: [LayerActivity], energy: Energy? = nil, hardware: HardwareEstimate? = nil) {
            self.stage = stage
            self.timeSteps = timeSteps
            self.encoding = encoding
            self.ordering = ordering
            self.testAccuracy = testAccuracy
            self.testImages = testImages
            self.layers = layers
            self.energy = energy
            self.hardware = hardware
        }

        /// Spikes per test image, summed over layers.
        public var spikesPerImage: Double { layers.reduce(0) { $0 + $1.spikesPerImage } }
        /// Synaptic operations per test image, summed over layers.
        public var synapticOpsPerImage: Double { layers.reduce(0) { $0 + $1.synapticOpsPerImage } }
    }

    /// One layer's activity, averaged per test image: spikes it emitted, its spike rate ζ =
    /// spikes / (neurons·T), the synaptic operations its input events caused, and the MACs of the
    /// same layer in the ANN.
    public struct LayerActivity: Codable, Equatable, Sendable {
        public var name: String
        public var neurons: Int
        public var spikesPerImage: Double
        public var spikeRate: Double
        public var synapticOpsPerImage: Double
        public var annMACsPerImage: Double

        public init(name: String, neurons: Int, spikesPerImage: Double, spikeRate: Double, synapticOpsPerImage: Double,
                    annMACsPerImage: Double) {
            self.name = name
            self.neurons = neurons
            self.spikesPerImage = spikesPerImage
            self.spikeRate = spikeRate
            self.synapticOpsPerImage = synapticOpsPerImage
            self.annMACsPerImage = annMACsPerImage
        }
    }

    /// The energy of one simulation against the ANN under one hardware preset. `ratio` is
    /// `annJoulesPerImage / snnJoulesPerImage` (how many times less the SNN needs).
    /// `firstLayerAccounting` says how the first layer was charged: `"once"` (direct encoding: its MACs
    /// once per image, since its input current is the same every step) or `"event-driven"` (Poisson
    /// input: synaptic operations like every other layer); with direct encoding
    /// `snnJoulesPerImageFirstLayerEveryStep` gives the total with the first layer's MACs charged every step.
    public struct Energy: Codable, Equatable, Sendable {
        public var preset: String
        public var annJoulesPerImage: Double
        public var snnJoulesPerImage: Double
        public var ratio: Double
        public var firstLayerAccounting: String
        public var snnJoulesPerImageFirstLayerEveryStep: Double?

        public init(preset: String, annJoulesPerImage: Double, snnJoulesPerImage: Double, ratio: Double,
                    firstLayerAccounting: String, snnJoulesPerImageFirstLayerEveryStep: Double? = nil) {
            self.preset = preset
            self.annJoulesPerImage = annJoulesPerImage
            self.snnJoulesPerImage = snnJoulesPerImage
            self.ratio = ratio
            self.firstLayerAccounting = firstLayerAccounting
            self.snnJoulesPerImageFirstLayerEveryStep = snnJoulesPerImageFirstLayerEveryStep
        }
    }

    /// The STDB fine-tuning: its time steps, epochs and the fine-tuned network's test accuracy.
    public struct STDB: Codable, Equatable, Sendable {
        public var timeSteps: Int
        public var epochs: Int
        public var testAccuracy: Double

        public init(timeSteps: Int, epochs: Int, testAccuracy: Double) {
            self.timeSteps = timeSteps
            self.epochs = epochs
            self.testAccuracy = testAccuracy
        }
    }
}
