/// The low-latency conversion (Datta & Beerel, DATE 2022): an ANN trained with clipped ReLUs
/// y = min(max(x, 0), μ_l) becomes an SNN with the `immediate` ordering and direct input, where each
/// population's threshold is θ_l = α_l·μ_l and each spike carries β_l·μ_l, folded into the weights of
/// the synapses it drives (so hardware still sees binary spikes). α_l and β_l are fitted per layer on
/// the recorded pre-activations for the target number of steps (`LowLatencyFit`).
public struct LowLatencyConversion: Sendable {
    /// The T the α/β fit targets.
    public var timeSteps: Int
    /// Grid points for α in (0, 1.5].
    public var gridPoints: Int
    /// At most this many pre-activations per layer enter the fit (a seeded subsample beyond it).
    public var maximumSamples: Int
    public var seed: UInt64

    public init(timeSteps: Int = 2, gridPoints: Int = 150, maximumSamples: Int = 200_000, seed: UInt64 = 0) {
        self.timeSteps = timeSteps
        self.gridPoints = gridPoints
        self.maximumSamples = maximumSamples
        self.seed = seed
    }

    /// Fits α, β for every population and returns the converted network and the fits.
    public func convert(_ network: SpikingNetwork, populations: [SpikingNetworkBuilder.PopulationInfo],
                        recordings: [ActivationRecorder.Recording]) throws -> (SpikingNetwork, [LowLatencyFit.Result]) {
        var fits: [LowLatencyFit.Result] = []
        for (index, info) in populations.enumerated() {
            guard let mu = info.clip else {
                throw SpikeKitError.model(layer: info.name, reason: "the low-latency recipe needs clipped-ReLU activations "
                                          + "(train with model.activation \"clipped-relu\"); this layer has a plain ReLU")
            }
            guard mu > 0 && mu.isFinite else {
                throw SpikeKitError.model(layer: info.name, reason: "the trained clip μ is \(mu); it must be positive")
            }
            let samples = subsample(recordings[index].preActivations, stream: index)
            let rho = network.populationNeurons[index]?.initialMembrane ?? 0
            fits.append(LowLatencyFit.fit(samples: samples, clip: mu, timeSteps: timeSteps, gridPoints: gridPoints,
                                          initialMembrane: rho))
        }
        let mus = populations.map { $0.clip ?? 1 }
        let spikeValues = zip(fits, mus).map { [$0.beta * $1] }
        let converted = network.rescaled(spikeValues: spikeValues, currentScales: mus.map { _ in [1] })
            .mapNeurons { index, neurons in
                var p = neurons
                p.threshold = fits[index].alpha * mus[index]
                return p
            }
        return (converted, fits)
    }

    private func subsample(_ values: [Float], stream: Int) -> [Float] {
        guard values.count > maximumSamples else { return values }
        var generator = SeededGenerator(seed: seed, stream: 0x4C4C, stream)
        return (0..<maximumSamples).map { _ in values[generator.nextInt(below: values.count)] }
    }
}
