import Foundation

/// The `training` section: how the ANN is trained. The stage runs only when the section is present.
public struct TrainingConfig: Equatable, Sendable {
    /// Adam (AMSGrad with `amsgrad`) or SGD with momentum; both with L2 weight decay.
    public enum Optimizer: String, CaseIterable, Sendable {
        case adam
        case sgd
    }

    /// A step schedule: the learning rate is divided by `factor` at each milestone, given as a
    /// fraction of the epochs (epoch ⌊milestone·epochs⌋ starts at the lower rate). No milestones = constant.
    public struct Schedule: Equatable, Sendable {
        public var milestones: [Double]
        public var factor: Double

        public init(milestones: [Double] = [], factor: Double = 10) {
            self.milestones = milestones
            self.factor = factor
        }
    }

    public var epochs: Int
    public var batchSize: Int
    public var optimizer: Optimizer
    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double
    public var amsgrad: Bool
    public var schedule: Schedule
    /// Random crop (zero padding 4) and horizontal flip of training images.
    public var augmentation: Bool
    /// Train on the mean of this many Poisson frames of each image (0 = the analog pixels).
    public var poissonInputSteps: Int
    /// Overrides the architecture's dropout probabilities when set.
    public var dropout: Double?
    /// The fixed chunks each batch's gradient is summed from; the ranks of an MPI job share them.
    public var gradientChunks: Int

    /// The defaults of `ConfigSchema`.
    public init() {
        self.init(reading: .defaults(of: "training"))
    }

    init(reading reader: ConfigReader) {
        reader.checkUnknownKeys()
        epochs = reader.integer("epochs")
        batchSize = reader.integer("batchSize")
        optimizer = reader.choice("optimizer")
        learningRate = reader.number("learningRate")
        momentum = reader.number("momentum")
        weightDecay = reader.number("weightDecay")
        amsgrad = reader.bool("amsgrad")
        let scheduleReader = reader.object("schedule")
        scheduleReader.checkUnknownKeys()
        schedule = Schedule(milestones: scheduleReader.fractionList("milestones"), factor: scheduleReader.number("factor"))
        augmentation = reader.bool("augmentation")
        poissonInputSteps = reader.integer("poissonInputSteps")
        dropout = reader.optionalNumber("dropout")
        gradientChunks = reader.integer("gradientChunks")
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "epochs": .integer(epochs),
            "batchSize": .integer(batchSize),
            "optimizer": .string(optimizer.rawValue),
            "learningRate": .number(learningRate),
            "momentum": .number(momentum),
            "weightDecay": .number(weightDecay),
            "amsgrad": .bool(amsgrad),
            "schedule": .object(["milestones": .array(schedule.milestones.map(JSONValue.number)),
                                 "factor": .number(schedule.factor)]),
            "augmentation": .bool(augmentation),
            "poissonInputSteps": .integer(poissonInputSteps),
        ]
        if let dropout { members["dropout"] = .number(dropout) }
        // Written only when set, so the effective config (and what sweeps key a shared ANN by) of
        // every run that does not use it stays as it was.
        if gradientChunks != 1 { members["gradientChunks"] = .integer(gradientChunks) }
        return .object(members)
    }
}
