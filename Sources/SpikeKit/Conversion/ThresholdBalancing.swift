/// Threshold balancing: the hybrid paper's Algorithm 1 (Rathi et al. 2020, after Sengupta et al. 2019).
///
/// For each spiking population l in network order, simulate the network (integrate-and-fire, λ = 1,
/// no dropout) on one calibration batch for `T_bal` steps, with the thresholds already found for the
/// populations before l, and set θ_l to the maximum over the batch, the neurons and the steps of the
/// **single-step input current** into l (W_l·x^t, plus the shortcut for a residual block's second
/// population), not of the accumulated membrane. Populations after l are silenced during that run
/// (their threshold is the largest finite float), so they add no work. Finally every threshold is
/// multiplied by `scale` (0.7 by default; the paper lowers it for fewer steps), which trades a little
/// precision at high T for faster, earlier spiking at low T.
///
/// Biases (a user's network, or batch-norm folded into a convolution; the paper's networks have
/// none) are divided by the product of the thresholds before them, during balancing and after
/// (`SpikingNetwork.dividingBiasesByInputUnits`): spikes of layer l stand for θ_1⋯θ_l of activation,
/// so an unscaled bias would outweigh the spike-driven current.
public struct ThresholdBalancing: Sendable {
    public var timeSteps: Int
    public var scale: Float
    public var encoding: InputEncoding
    public var ordering: SpikeOrdering
    public var seed: UInt64

    public init(timeSteps: Int = 1000, scale: Float = 0.7, encoding: InputEncoding = .poisson,
                ordering: SpikeOrdering = .delayed, seed: UInt64 = 0) {
        self.timeSteps = timeSteps
        self.scale = scale
        self.encoding = encoding
        self.ordering = ordering
        self.seed = seed
    }

    /// The balanced thresholds before scaling, one per spiking population (the output layer has none).
    public func maximumCurrents(network: SpikingNetwork, calibration images: Tensor,
                                progress: ((Int, Int) -> Void)? = nil) throws -> [Float] {
        let populations = network.populations.filter { !$0.isOutput }.count
        var found: [Float] = []
        for l in 0..<populations {
            let candidate = network.mapNeurons { index, neurons in
                // Balanced as the paper does, with IF neurons (λ = 1, no synaptic-current filter): θ_l
                // is the largest single-step input current, whatever dynamics the network runs with.
                var p = neurons
                p.leak = 1
                p.model = .integrateAndFire
                p.currentDecay = 0
                p.threshold = index < l ? found[index] : .greatestFiniteMagnitude
                return p
            }.dividingBiasesByInputUnits(thresholds: found)
            let options = SimulationOptions(timeSteps: timeSteps, encoding: encoding, ordering: ordering, seed: seed,
                                            recordMaxInputCurrent: true)
            let record = try EventScheduler(network: candidate).run(images: images, options: options)
            let maximum = record.maxInputCurrent[l]
            guard maximum > 0 && maximum.isFinite else {
                throw SpikeKitError.model(layer: record.populationNames[l],
                                          reason: "threshold balancing found no positive input current (maximum \(maximum)); "
                                          + "the layer never receives input on the calibration batch")
            }
            found.append(maximum)
            progress?(l + 1, populations)
        }
        return found
    }

    /// The network with balanced, scaled thresholds (leak and reset kept as they were).
    public func balance(network: SpikingNetwork, calibration images: Tensor,
                        progress: ((Int, Int) -> Void)? = nil) throws -> (network: SpikingNetwork, maxima: [Float]) {
        let maxima = try maximumCurrents(network: network, calibration: images, progress: progress)
        let balanced = network.mapNeurons { index, neurons in
            var p = neurons
            p.threshold = maxima[index] * scale
            return p
        }.dividingBiasesByInputUnits(thresholds: maxima.map { $0 * scale })
        return (balanced, maxima)
    }
}
