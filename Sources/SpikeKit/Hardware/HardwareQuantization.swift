/// A spiking network with its weights and thresholds rounded to a chip's fixed-point formats, so the
/// same event-driven engine simulates it at the chip's precision.
///
/// Per weight layer a scale s = max|w| / (2^(b−1) − 1) (b = `weightBits`): every weight becomes
/// s · clamp(round(w / s), −(2^(b−1) − 1), 2^(b−1) − 1) (round half away from zero, symmetric
/// saturation — Loihi's 8-bit signed weight mantissa under one exponent per synapse group,
/// nengo-loihi's per-connection discretisation). A bias is rounded on the same grid. The threshold of
/// the population the layer feeds is put on the same grid, θ' = s · clamp(round(θ / s), 1,
/// 2^(t) − 1) (t = `thresholdBits`, unsigned); a population fed by two layers (a residual block's
/// conv2 and projection shortcut) uses the larger of their scales for both. Identity shortcuts keep
/// weight 1.
///
/// Membranes: the simulator keeps them in `Float`. With weights and threshold on one grid, a
/// membrane driven by unit spikes is a sum of integer multiples of s — exactly what a chip's
/// integer membrane holds — as long as it stays inside ±2^(m−1) steps (m = `membraneBits`); the
/// engine does not saturate there. Inputs that are not unit spikes (the analog direct-input current,
/// average-pooled events of value 1/k², a leak < 1, the initial membrane ρθ) are not on the grid;
/// the report says so rather than pretend to model them.
public enum HardwareQuantization {
    public struct LayerScale: Sendable, Equatable {
        public var name: String
        public var scale: Float
        public var saturatedWeights: Int
        public var thresholdSteps: Int?
        public var thresholdSaturated: Bool
    }

    /// A weight quantised with `scale` on `bits` signed bits, and whether it saturated.
    @inlinable public static func quantize(_ w: Float, scale: Float, bits: Int) -> (value: Float, saturated: Bool) {
        guard scale > 0 else { return (0, false) }
        let limit = Float((1 << (bits - 1)) - 1)
        let steps = (w / scale).rounded(.toNearestOrAwayFromZero)
        let clamped = min(max(steps, -limit), limit)
        return (clamped * scale, clamped != steps)
    }

    /// The scale that maps max|w| to the largest code, for `bits` signed bits.
    public static func scale(of weights: [Float], bits: Int) -> Float {
        let m = weights.reduce(Float(0)) { max($0, abs($1)) }
        return m > 0 ? m / Float((1 << (bits - 1)) - 1) : 1
    }

    /// The network at `hardware`'s precision (unchanged when the chip keeps weights in floats).
    public static func quantize(_ network: SpikingNetwork, hardware: HardwareDescription)
        -> (network: SpikingNetwork, layers: [LayerScale]) {
        guard let bits = hardware.core.weightBits else { return (network, []) }
        let thresholdBits = hardware.core.thresholdBits
        var copy = network
        var report: [LayerScale] = []
        func apply(_ synapse: inout Synapse, scale: Float) -> Int {
            var saturated = 0
            for i in synapse.weights.indices {
                let q = quantize(synapse.weights[i], scale: scale, bits: bits)
                synapse.weights[i] = q.value
                if q.saturated { saturated += 1 }
            }
            if var bias = synapse.bias {
                for i in bias.indices { bias[i] = (bias[i] / scale).rounded(.toNearestOrAwayFromZero) * scale }
                synapse.bias = bias
            }
            return saturated
        }
        func threshold(_ neurons: inout NeuronParameters, scale: Float) -> (Int?, Bool) {
            var steps = max(1, (neurons.threshold / scale).rounded(.toNearestOrAwayFromZero))
            var saturated = false
            if let t = thresholdBits {
                let limit = Float((1 << t) - 1)
                if steps > limit { steps = limit; saturated = true }
            }
            neurons.threshold = steps * scale
            return (Int(steps), saturated)
        }
        for i in copy.layers.indices {
            switch copy.layers[i] {
            case .synaptic(var s, var neurons, let dropout):
                let scale = Self.scale(of: s.weights, bits: bits)
                let saturated = apply(&s, scale: scale)
                var steps: Int? = nil, thresholdSaturated = false
                if var n = neurons {
                    (steps, thresholdSaturated) = threshold(&n, scale: scale)
                    neurons = n
                }
                copy.layers[i] = .synaptic(s, neurons: neurons, inputDropout: dropout)
                report.append(LayerScale(name: s.name, scale: scale, saturatedWeights: saturated, thresholdSteps: steps,
                                         thresholdSaturated: thresholdSaturated))
            case .residual(var b):
                let s1 = Self.scale(of: b.conv1.weights, bits: bits)
                let saturated1 = apply(&b.conv1, scale: s1)
                let (steps1, sat1) = threshold(&b.neurons1, scale: s1)
                let s2 = max(Self.scale(of: b.conv2.weights, bits: bits), Self.scale(of: b.shortcut.weights, bits: bits))
                let saturated2 = apply(&b.conv2, scale: s2) + (b.shortcut.connectivity == .identity ? 0 : apply(&b.shortcut, scale: s2))
                let (steps2, sat2) = threshold(&b.neurons2, scale: s2)
                copy.layers[i] = .residual(b)
                report.append(LayerScale(name: b.conv1.name, scale: s1, saturatedWeights: saturated1, thresholdSteps: steps1,
                                         thresholdSaturated: sat1))
                report.append(LayerScale(name: b.conv2.name, scale: s2, saturatedWeights: saturated2, thresholdSteps: steps2,
                                         thresholdSaturated: sat2))
            default:
                break
            }
        }
        return (copy, report)
    }

    /// One line naming the formats, for the report.
    public static func summary(_ hardware: HardwareDescription) -> String? {
        guard let w = hardware.core.weightBits else { return nil }
        var parts = ["\(w)-bit weights (per-layer scale, round half away from zero, symmetric saturation)"]
        if let t = hardware.core.thresholdBits { parts.append("\(t)-bit thresholds on the weight grid") }
        if let m = hardware.core.membraneBits {
            parts.append("membranes float in the engine (exact on the grid for unit spikes within \(m) bits; not saturated)")
        }
        return parts.joined(separator: "; ")
    }
}
