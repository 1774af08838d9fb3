/// A step learning-rate schedule: the rate starts at `baseRate` and is divided by `factor` at each
/// milestone, a fraction of the run's epochs. Epoch e (counted from 0) runs at
/// baseRate / factor^k, where k is the number of milestones m with e ≥ max(1, ⌊m · epochs⌋). The
/// first epoch always runs at the base rate (as with PyTorch's `MultiStepLR`, which steps after each
/// epoch): otherwise a one-epoch run with milestones would train at baseRate / factor^k throughout.
///
/// For example 10 epochs with milestones [0.5, 0.75] and factor 10: epochs 0–4 at η, 5–6 at η/10,
/// 7–9 at η/100. No milestones means a constant rate.
public struct LearningRateSchedule: Sendable, Equatable {
    public var baseRate: Float
    public var milestones: [Double]
    public var factor: Float
    public var epochs: Int

    public init(baseRate: Float, milestones: [Double] = [], factor: Float = 10, epochs: Int) {
        self.baseRate = baseRate
        self.milestones = milestones
        self.factor = factor
        self.epochs = epochs
    }

    /// The first epoch of each reduced rate, in milestone order.
    public var boundaries: [Int] { milestones.map { max(1, Int(($0 * Double(epochs)).rounded(.down))) } }

    /// The learning rate of epoch `epoch`.
    public func rate(forEpoch epoch: Int) -> Float {
        let reductions = boundaries.filter { epoch >= $0 }.count
        var rate = baseRate
        for _ in 0..<reductions { rate /= factor }
        return rate
    }
}
