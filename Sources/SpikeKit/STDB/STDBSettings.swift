/// Everything `STDBTrainer` needs besides the network and the data: the `stdb` config section in
/// typed form (DESIGN §5), plus the ordering of the simulation and the trainer's own knobs.
///
/// Defaults are the hybrid paper's: T = 16 here (the config's default), Adam with AMSGrad, learning
/// rate 1e-4, weight decay 5e-4, batch 64, the rate divided by 5 at 60 %, 80 % and 90 % of the epochs,
/// the `stdb` surrogate (α = 0.3, β = 0.01), loss on the output potential summed over T.
public struct STDBSettings: Sendable, Equatable {
    /// T: steps simulated per image in training and in the evaluation after each epoch.
    public var timeSteps: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// L2 weight decay, added to the gradient as in PyTorch's `Adam(weight_decay:)`.
    public var weightDecay: Double
    public var amsgrad: Bool
    /// Fractions of `epochs`; at epoch ⌊f·epochs⌋ (0-based) the rate is divided by `lrFactor`.
    public var milestones: [Double]
    public var lrFactor: Double
    public var surrogate: SurrogateGradient
    /// Cross-entropy on Σ_t I_out^t (`sum`) or on that sum divided by T (`mean`).
    public var lossOverTime: STDBConfig.LossOverTime
    public var encoding: InputEncoding
    public var ordering: SpikeOrdering
    /// How many fixed groups of consecutive samples each batch's gradient is summed in (each group is
    /// the sum of its samples in sample order; the groups' sums are added in group order). Depends only
    /// on this setting, the batch size and the network, never on the thread count, so the trained
    /// weights do not either. nil = automatic: 8, fewer when 8 buffers of the network's parameters
    /// would exceed 512 MiB, but at least 2. The groups are what MPI ranks divide (a rank holds one
    /// buffer per group of its share); one process, on any number of threads, holds two.
    public var gradientChunks: Int?
    /// Worker threads.
    public var threads: Int
    /// Evaluate on the test set after each epoch (with `EventScheduler` at `timeSteps`).
    public var evaluateEachEpoch: Bool
    /// Evaluate on only the first this many test images (nil = all).
    public var testLimit: Int?
    /// When set, replaces the input-dropout probability of every synapse that has dropout (0 = none).
    public var dropout: Float? = nil
    /// Also train each spiking layer's threshold θ and leak λ (the low-latency recipe's fine-tuning,
    /// DESIGN §4); STDB proper keeps them fixed (DESIGN §5).
    public var trainsNeuronParameters = false
    /// The spike function of the forward pass; `heaviside` except in gradient tests.
    var spikeFunction: SpikeFunction = .heaviside
    /// Whether the backward pass leaves out the input gradients no surrogate reads (of inputs fed by
    /// neurons that never spiked, `SynapseInputOrigin`); the weight gradients are the same bits
    /// either way, which the tests that turn it off show.
    var skipsUnreadInputGradients = true

    public init(timeSteps: Int = 16, epochs: Int = 5, batchSize: Int = 64, learningRate: Double = 1e-4,
                weightDecay: Double = 5e-4, amsgrad: Bool = true, milestones: [Double] = [0.6, 0.8, 0.9],
                lrFactor: Double = 5, surrogate: SurrogateGradient = .stdb(), lossOverTime: STDBConfig.LossOverTime = .sum,
                encoding: InputEncoding = .direct, ordering: SpikeOrdering = .delayed, gradientChunks: Int? = nil,
                threads: Int = Parallel.threadCount, evaluateEachEpoch: Bool = true, testLimit: Int? = nil) {
        self.timeSteps = timeSteps
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.milestones = milestones
        self.lrFactor = lrFactor
        self.surrogate = surrogate
        self.lossOverTime = lossOverTime
        self.encoding = encoding
        self.ordering = ordering
        self.gradientChunks = gradientChunks
        self.threads = threads
        self.evaluateEachEpoch = evaluateEachEpoch
        self.testLimit = testLimit
    }

    /// The settings of a config's `stdb` section, with the simulation's ordering.
    public init(config: STDBConfig, ordering: SpikeOrdering, threads: Int = Parallel.threadCount, testLimit: Int? = nil) {
        let surrogate: SurrogateGradient
        switch config.surrogate {
        case .stdb: surrogate = .stdb(alpha: Float(config.alpha), beta: Float(config.beta), maxDeltaT: config.maxDeltaT)
        case .linear: surrogate = .linear(gamma: Float(config.gamma))
        }
        self.init(timeSteps: config.timeSteps, epochs: config.epochs, batchSize: config.batchSize,
                  learningRate: config.learningRate, weightDecay: config.weightDecay, amsgrad: config.amsgrad,
                  milestones: config.milestones, lrFactor: config.lrFactor, surrogate: surrogate,
                  lossOverTime: config.lossOverTime, encoding: config.encoding == .poisson ? .poisson : .direct,
                  ordering: ordering, threads: threads, testLimit: testLimit)
        dropout = config.dropout.map { Float($0) }
    }

    /// The learning rate during epoch `epoch` (0-based): the initial rate divided by `lrFactor` once for
    /// every milestone reached, with the rule of `LearningRateSchedule` (the first epoch always runs at
    /// the initial rate; repeated milestones count twice).
    public func learningRate(epoch: Int) -> Double {
        var rate = learningRate
        for fraction in milestones where max(1, Int((fraction * Double(epochs)).rounded(.down))) <= epoch {
            rate /= lrFactor
        }
        return rate
    }

    /// The number of gradient groups for a network with `parameters` weights and biases: each group
    /// keeps a full gradient, so as many as fit in 512 MiB, at most 8 and at least 2. The count
    /// depends on the network alone, never on the thread count, so the summed gradients (groups of
    /// consecutive samples, added in group order) are the same for any number of threads or ranks; at
    /// least two groups let two MPI ranks share even a 50 M-parameter VGG's batches.
    func chunkCount(parameters: Int) -> Int {
        if let gradientChunks { return gradientChunks }
        let budget = 512 << 20
        return max(2, min(8, budget / max(1, parameters * MemoryLayout<Float>.size)))
    }

    /// Problems that make the settings unusable, as `SpikeKitError.runtime` (the config validator
    /// catches these earlier for configs; this guards direct callers).
    func validate() throws {
        var problems: [String] = []
        if timeSteps < 1 { problems.append("timeSteps must be at least 1, got \(timeSteps)") }
        if epochs < 0 { problems.append("epochs must not be negative, got \(epochs)") }
        if batchSize < 1 { problems.append("batchSize must be at least 1, got \(batchSize)") }
        if !(learningRate > 0 && learningRate.isFinite) { problems.append("learningRate must be positive, got \(learningRate)") }
        if !(weightDecay >= 0 && weightDecay.isFinite) { problems.append("weightDecay must not be negative, got \(weightDecay)") }
        if !(lrFactor >= 1 && lrFactor.isFinite) { problems.append("lrFactor must be at least 1, got \(lrFactor)") }
        if let gradientChunks, gradientChunks < 1 { problems.append("gradientChunks must be at least 1, got \(gradientChunks)") }
        switch surrogate {
        case .stdb(let alpha, let beta, let maxDeltaT):
            if !(alpha > 0 && alpha.isFinite) { problems.append("surrogate alpha must be positive, got \(alpha)") }
            if !(beta >= 0 && beta.isFinite) { problems.append("surrogate beta must not be negative, got \(beta)") }
            if maxDeltaT < 0 { problems.append("surrogate maxDeltaT must not be negative, got \(maxDeltaT)") }
        case .linear(let gamma):
            if !(gamma > 0 && gamma.isFinite) { problems.append("surrogate gamma must be positive, got \(gamma)") }
        }
        if !problems.isEmpty { throw SpikeKitError.runtime("STDB settings: " + problems.joined(separator: "; ")) }
    }
}

/// The spike function of the forward pass.
///
/// `heaviside` is the real one, s = [u > θ]. `sigmoid` exists for gradient tests: each neuron emits
/// every step the real value s = σ(k·(u/θ − 1)) (u the membrane compared with θ, normalised as the
/// surrogates are), whose derivative k·s·(1 − s)/θ the backward pass uses as its exact ∂s/∂u (and
/// −(∂s/∂u)·u/θ as ∂s/∂θ); the reset stays driven by the hard decision
/// [u > θ], a piecewise-constant quantity through which no gradient flows. The forward pass is then a
/// differentiable function of the weights (away from the reset decisions' boundaries), and its
/// gradient is exactly what the backward pass computes, so central finite differences can check the
/// whole backward pass.
enum SpikeFunction: Sendable, Equatable {
    case heaviside
    case sigmoid(steepness: Float)
}
