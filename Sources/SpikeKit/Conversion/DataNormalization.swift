/// Data-based normalisation (Diehl et al. 2015; Rueckauer et al. 2017): run the ANN on calibration
/// data, take each neuron layer's maximum — or its p-th percentile, which ignores rare outliers and
/// lets the layer fire faster — ReLU activation λ_l, and scale the weights W_l ← W_l·λ_{l−1}/λ_l
/// with every threshold θ = 1. Optionally per channel (λ_{l,c}).
///
/// λ_0, the scale of the network's input, is 1: the SNN presents the image as it is (a Poisson spike
/// has probability |x|, a direct current is x), which for pixels normalised to [−1, 1] is the input
/// maximum Diehl et al. use. The output layer keeps λ = 1 (the argmax is unchanged by a positive scale).
public struct DataNormalization: Sendable {
    /// The percentile of the activations taken as λ (100 = the maximum).
    public var percentile: Double
    /// One λ per channel instead of one per layer.
    public var channelWise: Bool

    public init(percentile: Double = 99.99, channelWise: Bool = false) {
        self.percentile = percentile
        self.channelWise = channelWise
    }

    /// The nearest-rank percentile of `values` (the value at rank ⌈p/100·n⌉ in ascending order);
    /// 0 for an empty list.
    public static func percentile(_ values: [Float], _ p: Double) -> Float {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// λ for one population from its recorded activations given as `[samples][channels][positions]`
    /// flattened (NCHW without the batch dimension repeated per sample): one value, or one per channel.
    /// A λ of 0 (a layer that never activates) is replaced by 1 so the weights stay finite.
    public func scales(activations: [Float], channels: Int, positions: Int) -> [Float] {
        func safe(_ v: Float) -> Float { v > 0 && v.isFinite ? v : 1 }
        guard channelWise && channels > 1 else { return [safe(Self.percentile(activations, percentile))] }
        let samples = activations.count / max(channels * positions, 1)
        return (0..<channels).map { c in
            var values: [Float] = []
            values.reserveCapacity(samples * positions)
            for n in 0..<samples {
                let base = (n * channels + c) * positions
                values.append(contentsOf: activations[base..<(base + positions)])
            }
            return safe(Self.percentile(values, percentile))
        }
    }

    /// The network with weights rescaled by `scales` (one entry per spiking population, in
    /// `SpikingNetwork.populations` order without the output) and every threshold set to 1.
    public func normalize(_ network: SpikingNetwork, scales: [[Float]]) -> SpikingNetwork {
        network.rescaled(spikeValues: scales, currentScales: scales).mapNeurons { _, neurons in
            var p = neurons
            p.threshold = 1
            return p
        }
    }
}
