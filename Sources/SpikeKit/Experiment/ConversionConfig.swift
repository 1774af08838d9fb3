import Foundation

/// The `conversion` section: which ANN-to-SNN recipe and its parameters. The stage runs only when
/// the section is present.
public struct ConversionConfig: Equatable, Sendable {
    /// The conversion recipes of DESIGN §4.
    public enum Recipe: String, CaseIterable, Sendable {
        case thresholdBalancing = "threshold-balancing"
        case dataNorm = "data-norm"
        case lowLatency = "low-latency"
    }

    public var recipe: Recipe
    /// Training images used for calibration (all recipes).
    public var calibrationImages: Int
    /// Simulation length per layer in threshold balancing.
    public var balancingSteps: Int
    /// Factor on every balanced threshold (threshold balancing).
    public var scale: Double
    /// Activation percentile taken as a layer's maximum (data-norm), in percent.
    public var percentile: Double
    /// Per-output-channel normalisation (data-norm).
    public var channelWise: Bool
    /// Grid points for α in (0, 1.5] (low-latency).
    public var alphaGrid: Int
    /// Surrogate-gradient fine-tuning epochs after low-latency conversion; 0 = none.
    public var fineTuneEpochs: Int
    public var fineTuneTimeSteps: Int
    /// Adam's initial learning rate in the fine-tuning (divided by 5 at 60/80/90 % of its epochs).
    public var fineTuneLearningRate: Double
    /// A saved spiking network to start from instead of converting (absolute path after decoding).
    public var checkpoint: String?

    /// The defaults of `ConfigSchema`.
    public init() {
        self.init(reading: .defaults(of: "conversion"))
    }

    init(reading reader: ConfigReader) {
        reader.checkUnknownKeys()
        recipe = reader.choice("recipe")
        calibrationImages = reader.integer("calibrationImages")
        balancingSteps = reader.integer("balancingSteps")
        scale = reader.number("scale")
        percentile = reader.number("percentile")
        channelWise = reader.bool("channelWise")
        alphaGrid = reader.integer("alphaGrid")
        fineTuneEpochs = reader.integer("fineTuneEpochs")
        fineTuneTimeSteps = reader.integer("fineTuneTimeSteps")
        fineTuneLearningRate = reader.number("fineTuneLearningRate")
        checkpoint = reader.path("checkpoint", relativeToBase: true)
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "recipe": .string(recipe.rawValue),
            "calibrationImages": .integer(calibrationImages),
            "balancingSteps": .integer(balancingSteps),
            "scale": .number(scale),
            "percentile": .number(percentile),
            "channelWise": .bool(channelWise),
            "alphaGrid": .integer(alphaGrid),
            "fineTuneEpochs": .integer(fineTuneEpochs),
            "fineTuneTimeSteps": .integer(fineTuneTimeSteps),
            "fineTuneLearningRate": .number(fineTuneLearningRate),
        ]
        if let checkpoint { members["checkpoint"] = .string(checkpoint) }
        return .object(members)
    }
}
