/// How raw pixel bytes become network inputs: x = (byte / 255 − mean_c) / std_c for channel c.
///
/// The default, `.symmetric` (mean 0.5, std 0.5 on every channel), maps pixels to [−1, 1], the range
/// the Poisson encoder expects (DESIGN §3: spike = sign(x)·[U < |x|]). The per-channel CIFAR
/// statistics are the usual alternatives for ANN training; with them inputs leave [−1, 1], which
/// direct encoding accepts but Poisson rate coding clips. A single mean/std applies to all channels.
public struct Normalization: Sendable, Equatable, Codable {
    /// Per-channel means of the [0, 1] pixel values (one value = every channel).
    public var mean: [Float]
    /// Per-channel standard deviations (one value = every channel); all positive.
    public var standardDeviation: [Float]

    public init(mean: [Float], standardDeviation: [Float]) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Mean 0.5, std 0.5: pixels in [−1, 1].
    public static let symmetric = Normalization(mean: [0.5], standardDeviation: [0.5])
    /// No change: pixels in [0, 1].
    public static let unit = Normalization(mean: [0], standardDeviation: [1])
    /// CIFAR-10 training-set channel statistics (R, G, B).
    public static let cifar10 = Normalization(mean: [0.4914, 0.4822, 0.4465], standardDeviation: [0.2470, 0.2435, 0.2616])
    /// CIFAR-100 training-set channel statistics (R, G, B).
    public static let cifar100 = Normalization(mean: [0.5071, 0.4865, 0.4409], standardDeviation: [0.2673, 0.2564, 0.2762])

    /// Throws unless there is one value (or one per channel) and every std is positive and finite.
    public func validate(channels: Int) throws {
        for (name, values) in [("mean", mean), ("standardDeviation", standardDeviation)] {
            guard values.count == 1 || values.count == channels else {
                throw SpikeKitError.runtime("normalization \(name) has \(values.count) values; the data has "
                                                + "\(channels) channel\(channels == 1 ? "" : "s") (give 1 or \(channels))")
            }
            guard values.allSatisfy(\.isFinite) else {
                throw SpikeKitError.runtime("normalization \(name) must be finite, got \(values)")
            }
        }
        guard standardDeviation.allSatisfy({ $0 > 0 }) else {
            throw SpikeKitError.runtime("normalization standardDeviation must be positive, got \(standardDeviation)")
        }
    }

    /// The normalised value of `byte` in `channel`.
    public func normalize(_ byte: UInt8, channel: Int) -> Float {
        let m = mean.count == 1 ? mean[0] : mean[channel]
        let s = standardDeviation.count == 1 ? standardDeviation[0] : standardDeviation[channel]
        return (Float(byte) / 255 - m) / s
    }

    /// The normalised value of each of the 256 byte values in `channel` (a lookup table).
    func table(channel: Int) -> [Float] {
        (0..<256).map { normalize(UInt8($0), channel: channel) }
    }
}
