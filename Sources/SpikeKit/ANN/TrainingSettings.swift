/// How an ANN is trained: the `training` section of a config, with its defaults.
///
/// JSON keys are the property names; every key may be left out. `milestones` are fractions of
/// `epochs` at which the learning rate is divided by `factor` (see `LearningRateSchedule`).
/// `augmentation` turns on random crops and flips (`Augmentation.standard(for:)`); `dropout`, when
/// set, replaces every dropout probability of the network.
public struct TrainingSettings: Codable, Sendable, Equatable {
    public var epochs: Int = 10
    public var batchSize: Int = 64
    public var optimizer: OptimizerKind = .adam
    public var learningRate: Float = 1e-3
    /// SGD momentum (`sgd` only).
    public var momentum: Float = 0.9
    /// L2 weight decay λ, added to the gradient as λ·w (both optimizers).
    public var weightDecay: Float = 0
    /// AMSGrad variant of Adam (`adam` only).
    public var amsgrad: Bool = false
    public var milestones: [Double] = []
    public var factor: Float = 10
    public var augmentation: Bool = false
    /// Poisson frames averaged into each training pixel (`Augmentation.poissonSteps`); 0 = analog pixels.
    public var poissonInputSteps: Int = 0
    public var dropout: Float? = nil
    /// The fixed chunks each batch's gradient is summed from (`ChunkedBatchGradient`): 1 = the whole
    /// batch at once; more lets the ranks of an MPI job share a batch.
    public var gradientChunks: Int = 1

    public init(epochs: Int = 10, batchSize: Int = 64, optimizer: OptimizerKind = .adam, learningRate: Float = 1e-3,
                momentum: Float = 0.9, weightDecay: Float = 0, amsgrad: Bool = false, milestones: [Double] = [],
                factor: Float = 10, augmentation: Bool = false, poissonInputSteps: Int = 0, dropout: Float? = nil,
                gradientChunks: Int = 1) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.milestones = milestones
        self.factor = factor
        self.augmentation = augmentation
        self.poissonInputSteps = poissonInputSteps
        self.dropout = dropout
        self.gradientChunks = gradientChunks
    }

    private enum CodingKeys: String, CodingKey {
        case epochs, batchSize, optimizer, learningRate, momentum, weightDecay, amsgrad, milestones, factor,
             augmentation, poissonInputSteps, dropout, gradientChunks
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = TrainingSettings()
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? defaults.epochs
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
        optimizer = try c.decodeIfPresent(OptimizerKind.self, forKey: .optimizer) ?? defaults.optimizer
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? defaults.learningRate
        momentum = try c.decodeIfPresent(Float.self, forKey: .momentum) ?? defaults.momentum
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? defaults.weightDecay
        amsgrad = try c.decodeIfPresent(Bool.self, forKey: .amsgrad) ?? defaults.amsgrad
        milestones = try c.decodeIfPresent([Double].self, forKey: .milestones) ?? defaults.milestones
        factor = try c.decodeIfPresent(Float.self, forKey: .factor) ?? defaults.factor
        augmentation = try c.decodeIfPresent(Bool.self, forKey: .augmentation) ?? defaults.augmentation
        poissonInputSteps = try c.decodeIfPresent(Int.self, forKey: .poissonInputSteps) ?? defaults.poissonInputSteps
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout)
        gradientChunks = try c.decodeIfPresent(Int.self, forKey: .gradientChunks) ?? defaults.gradientChunks
    }

    /// Every problem with these settings, with key paths under `keyPath` (empty if none).
    public func problems(keyPath: String = "training") -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        func add(_ key: String, _ message: String) { problems.append(ConfigProblem(keyPath: "\(keyPath).\(key)", message: message)) }
        if epochs < 1 { add("epochs", "must be at least 1, got \(epochs)") }
        if batchSize < 1 { add("batchSize", "must be at least 1, got \(batchSize)") }
        if !(learningRate > 0) || !learningRate.isFinite { add("learningRate", "must be a positive number, got \(learningRate)") }
        if !(momentum >= 0 && momentum < 1) { add("momentum", "must be in [0, 1), got \(momentum)") }
        if !(weightDecay >= 0) || !weightDecay.isFinite { add("weightDecay", "must be a non-negative number, got \(weightDecay)") }
        for (i, milestone) in milestones.enumerated() where !(milestone > 0 && milestone < 1) {
            add("milestones[\(i)]", "must be a fraction of the epochs in (0, 1), got \(milestone)")
        }
        if !(factor >= 1) || !factor.isFinite { add("factor", "must be at least 1, got \(factor)") }
        if poissonInputSteps < 0 { add("poissonInputSteps", "must be 0 (off) or a number of steps, got \(poissonInputSteps)") }
        if let dropout, !(dropout >= 0 && dropout < 1) { add("dropout", "must be in [0, 1), got \(dropout)") }
        if gradientChunks < 1 { add("gradientChunks", "must be at least 1, got \(gradientChunks)") }
        return problems
    }

    /// Throws `SpikeKitError.config` with every problem, if there are any.
    public func validate(keyPath: String = "training") throws {
        let found = problems(keyPath: keyPath)
        if !found.isEmpty { throw SpikeKitError.config(found) }
    }

    /// The learning-rate schedule of these settings.
    public var schedule: LearningRateSchedule {
        LearningRateSchedule(baseRate: learningRate, milestones: milestones, factor: factor, epochs: epochs)
    }

    /// A fresh optimizer of these settings.
    public func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case .adam: return AdamOptimizer(weightDecay: weightDecay, amsgrad: amsgrad)
        case .sgd: return SGDOptimizer(momentum: momentum, weightDecay: weightDecay)
        }
    }
}

/// What one epoch of training did. `epoch` counts from 0; `seconds` and `imagesPerSecond` cover the
/// training steps only (not the test evaluation).
public struct EpochResult: Codable, Sendable, Equatable {
    public var epoch: Int
    /// Mean training loss over the epoch's images (with dropout and augmentation active).
    public var trainLoss: Double
    /// Fraction of training images classified correctly during the epoch (in training mode).
    public var trainAccuracy: Double
    /// Fraction of test images classified correctly after the epoch (inference mode).
    public var testAccuracy: Double
    public var learningRate: Double
    public var seconds: Double
    public var imagesPerSecond: Double

    public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, testAccuracy: Double, learningRate: Double,
                seconds: Double, imagesPerSecond: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.testAccuracy = testAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
    }
}
