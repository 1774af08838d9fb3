import Foundation

/// The `stdb` section: spike-timing-dependent backpropagation fine-tuning of the converted SNN
/// (DESIGN §5). The stage runs only when the section is present, and needs `conversion`.
public struct STDBConfig: Equatable, Sendable {
    /// `stdb`: α·exp(−β·Δt); `linear`: γ·max(0, 1 − |u/θ − 1|).
    public enum Surrogate: String, CaseIterable, Sendable {
        case stdb
        case linear
    }

    /// Cross-entropy on the output potential summed over the T steps, or that sum divided by T.
    public enum LossOverTime: String, CaseIterable, Sendable {
        case sum
        case mean
    }

    public var timeSteps: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var weightDecay: Double
    public var amsgrad: Bool
    /// Fractions of `epochs` at which the rate is divided by `lrFactor`.
    public var milestones: [Double]
    public var lrFactor: Double
    public var surrogate: Surrogate
    public var alpha: Double
    public var beta: Double
    public var gamma: Double
    /// Δt beyond which the `stdb` surrogate is taken as 0.
    public var maxDeltaT: Int
    public var lossOverTime: LossOverTime
    /// Input encoding in STDB; when the config does not give it, `simulation.encoding` (or `direct`).
    public var encoding: SimulationConfig.Encoding
    /// Overrides the input-dropout probability of the network's synapses during STDB when set.
    public var dropout: Double?
    /// A class-balanced subset of the training set of this many images for STDB (stream 2 of the
    /// seed's subset selection, so it never moves `data.trainLimit`'s choice); nil: the whole set.
    /// STDB costs about T times an ANN epoch per image, so a short run fine-tunes on fewer images
    /// than the ANN saw.
    public var trainLimit: Int?

    /// The defaults of `ConfigSchema`.
    public init() {
        self.init(reading: .defaults(of: "stdb"), defaultEncoding: .direct)
    }

    init(reading reader: ConfigReader, defaultEncoding: SimulationConfig.Encoding) {
        reader.checkUnknownKeys()
        timeSteps = reader.integer("timeSteps")
        epochs = reader.integer("epochs")
        batchSize = reader.integer("batchSize")
        learningRate = reader.number("learningRate")
        weightDecay = reader.number("weightDecay")
        amsgrad = reader.bool("amsgrad")
        milestones = reader.fractionList("milestones")
        lrFactor = reader.number("lrFactor")
        surrogate = reader.choice("surrogate")
        alpha = reader.number("alpha")
        beta = reader.number("beta")
        gamma = reader.number("gamma")
        maxDeltaT = reader.integer("maxDeltaT")
        lossOverTime = reader.choice("lossOverTime")
        encoding = reader.optionalChoice("encoding") ?? defaultEncoding
        dropout = reader.optionalNumber("dropout")
        trainLimit = reader.optionalInteger("trainLimit")
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "timeSteps": .integer(timeSteps),
            "epochs": .integer(epochs),
            "batchSize": .integer(batchSize),
            "learningRate": .number(learningRate),
            "weightDecay": .number(weightDecay),
            "amsgrad": .bool(amsgrad),
            "milestones": .array(milestones.map(JSONValue.number)),
            "lrFactor": .number(lrFactor),
            "surrogate": .string(surrogate.rawValue),
            "alpha": .number(alpha),
            "beta": .number(beta),
            "gamma": .number(gamma),
            "maxDeltaT": .integer(maxDeltaT),
            "lossOverTime": .string(lossOverTime.rawValue),
            "encoding": .string(encoding.rawValue),
        ]
        if let dropout { members["dropout"] = .number(dropout) }
        if let trainLimit { members["trainLimit"] = .integer(trainLimit) }
        return .object(members)
    }
}
