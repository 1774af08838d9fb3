/// How thresholds (and weight scales) of a converted network are chosen.
public enum ConversionRecipe: Sendable {
    /// The hybrid paper's Algorithm 1 on the SNN itself.
    case thresholdBalancing(ThresholdBalancing)
    /// Max / percentile normalisation of the ANN's activations.
    case dataNormalization(DataNormalization)
    /// The ultra-low-latency conversion of a clipped-ReLU ANN.
    case lowLatency(LowLatencyConversion)

    /// The recipe's config name.
    public var name: String {
        switch self {
        case .thresholdBalancing: return "threshold-balancing"
        case .dataNormalization: return "data-norm"
        case .lowLatency: return "low-latency"
        }
    }
}

/// The statistics a conversion found for one population, for the report.
public struct ConversionLayerStatistics: Sendable, Equatable, Codable {
    public var name: String
    /// The threshold θ the population ends up with.
    public var threshold: Float
    /// Threshold balancing: the maximum input current; data-norm: λ (the largest, when per channel).
    public var scale: Float?
    /// Low-latency: α, β and the clip μ.
    public var alpha: Float?
    public var beta: Float?
    public var clip: Float?
}

/// The result of a conversion: the spiking network and what was measured to build it.
public struct ConversionResult: Sendable {
    public var network: SpikingNetwork
    public var recipe: String
    public var layers: [ConversionLayerStatistics]
}

/// Converts a trained ANN to a spiking network. It only orchestrates: `SpikingNetworkBuilder` makes
/// the structure (refusing what cannot be converted), `ActivationRecorder` records ANN activations
/// when the recipe needs them, and the `ConversionRecipe` sets thresholds and weight scales.
public enum ANNToSNNConverter {
    public static func convert(_ ann: Network, recipe: ConversionRecipe, calibration images: Tensor,
                               reset: ResetMode = .subtract, leak: Float = 1, initialMembrane: Float = 0,
                               neuronModel: NeuronModel = .integrateAndFire, currentDecay: Float = 0,
                               progress: ((String) -> Void)? = nil) throws -> ConversionResult {
        let (structure, populations) = try SpikingNetworkBuilder.build(from: ann, reset: reset, leak: leak,
                                                                       initialMembrane: initialMembrane,
                                                                       neuronModel: neuronModel, currentDecay: currentDecay)
        switch recipe {
        case .thresholdBalancing(let balancing):
            let (network, maxima) = try balancing.balance(network: structure, calibration: images) { done, total in
                progress?("threshold balancing: layer \(done)/\(total)")
            }
            let layers = populations.indices.map { i in
                ConversionLayerStatistics(name: populations[i].name, threshold: maxima[i] * balancing.scale, scale: maxima[i])
            }
            return ConversionResult(network: network, recipe: recipe.name, layers: layers)
        case .dataNormalization(let normalization):
            let recordings = ActivationRecorder.record(network: ann, images: images)
            let scales = recordings.map {
                normalization.scales(activations: $0.activations, channels: $0.channels, positions: $0.positions)
            }
            let network = normalization.normalize(structure, scales: scales)
            let layers = populations.indices.map { i in
                ConversionLayerStatistics(name: populations[i].name, threshold: 1, scale: scales[i].max())
            }
            return ConversionResult(network: network, recipe: recipe.name, layers: layers)
        case .lowLatency(let lowLatency):
            let recordings = ActivationRecorder.record(network: ann, images: images)
            return try lowLatencyResult(structure, populations: populations, recordings: recordings, conversion: lowLatency)
        }
    }

    /// The low-latency conversion fitted for each of `timeSteps` (Datta & Beerel fit α, β per T),
    /// from one build of the structure and one recording of the calibration batch: T → result.
    public static func convertLowLatency(_ ann: Network, _ lowLatency: LowLatencyConversion, forEach timeSteps: [Int],
                                         calibration images: Tensor, reset: ResetMode = .subtract, leak: Float = 1,
                                         initialMembrane: Float = 0, neuronModel: NeuronModel = .integrateAndFire,
                                         currentDecay: Float = 0) throws -> [Int: ConversionResult] {
        let (structure, populations) = try SpikingNetworkBuilder.build(from: ann, reset: reset, leak: leak,
                                                                       initialMembrane: initialMembrane,
                                                                       neuronModel: neuronModel, currentDecay: currentDecay)
        let recordings = ActivationRecorder.record(network: ann, images: images)
        var results: [Int: ConversionResult] = [:]
        for t in timeSteps {
            var fit = lowLatency
            fit.timeSteps = t
            results[t] = try lowLatencyResult(structure, populations: populations, recordings: recordings, conversion: fit)
        }
        return results
    }

    private static func lowLatencyResult(_ structure: SpikingNetwork, populations: [SpikingNetworkBuilder.PopulationInfo],
                                         recordings: [ActivationRecorder.Recording],
                                         conversion: LowLatencyConversion) throws -> ConversionResult {
        let (network, fits) = try conversion.convert(structure, populations: populations, recordings: recordings)
        let layers = populations.indices.map { i in
            ConversionLayerStatistics(name: populations[i].name, threshold: fits[i].alpha * (populations[i].clip ?? 1),
                                      alpha: fits[i].alpha, beta: fits[i].beta, clip: populations[i].clip)
        }
        return ConversionResult(network: network, recipe: ConversionRecipe.lowLatency(conversion).name, layers: layers)
    }
}
