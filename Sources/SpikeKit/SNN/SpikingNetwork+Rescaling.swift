extension SpikingNetwork {
    /// The network with every synapse's weights rescaled for the populations it connects:
    /// a synapse from population q (or the network input) into population p gets
    /// w ← w · spikeValue[q] / currentScale[p], where `spikeValue[q]` is what one spike of q stands for
    /// and `currentScale[p]` is the unit of p's membrane. The output layer's current scale is 1.
    ///
    /// Data-based normalisation uses spikeValue = currentScale = λ (W_l·λ_{l−1}/λ_l); the low-latency
    /// conversion folds each spike's value β·μ into the weights it drives, with current scale 1.
    /// Arrays hold one value per channel or a single value; the network input's spike value is 1.
    public func rescaled(spikeValues: [[Float]], currentScales: [[Float]]) -> SpikingNetwork {
        var copy = self
        var previous: [Float] = [1]
        var p = 0
        for i in copy.layers.indices {
            switch copy.layers[i] {
            case .synaptic(let s, let neurons, let dropout):
                let scale: [Float] = neurons == nil ? [1] : currentScales[p]
                copy.layers[i] = .synaptic(s.rescaled(inputScale: previous, outputScale: scale), neurons: neurons,
                                           inputDropout: dropout)
                if neurons != nil { previous = spikeValues[p] }
                p += 1
            case .residual(var b):
                b.conv1 = b.conv1.rescaled(inputScale: previous, outputScale: currentScales[p])
                b.conv2 = b.conv2.rescaled(inputScale: spikeValues[p], outputScale: currentScales[p + 1])
                b.shortcut = b.shortcut.rescaled(inputScale: previous, outputScale: currentScales[p + 1])
                copy.layers[i] = .residual(b)
                previous = spikeValues[p + 1]
                p += 2
            case .averagePool, .maxPool, .flatten:
                break   // pooling and flatten keep each channel's scale
            }
        }
        return copy
    }
}

extension SpikingNetwork {
    /// The network with each bias divided by the unit of the spikes its synapse receives, for a
    /// network whose weights stay as the ANN's while thresholds θ take the activations' scale
    /// (threshold balancing): population p then fires at a_p / c_p with c_p = c_{p−1}·θ_p and
    /// c_0 = 1 (the input as it is), so the current W·s + b/c_{p−1} is the ANN's pre-activation in
    /// units of c_{p−1}. Without the division a bias would count c_{p−1} times too much against
    /// the spike-driven current. `thresholds` holds θ of every spiking population in order (the
    /// output layer has none). Inside a residual block, conv2 and the shortcut are divided by the
    /// unit of the block's first population (conv2's input).
    public func dividingBiasesByInputUnits(thresholds: [Float]) -> SpikingNetwork {
        var copy = self
        var unit: Float = 1
        var p = 0
        func divided(_ s: Synapse, by value: Float) -> Synapse {
            guard value != 1, let bias = s.bias else { return s }
            var t = s
            t.bias = bias.map { $0 / value }
            return t
        }
        for i in copy.layers.indices {
            switch copy.layers[i] {
            case .synaptic(let s, let neurons, let dropout):
                copy.layers[i] = .synaptic(divided(s, by: unit), neurons: neurons, inputDropout: dropout)
                if neurons != nil, p < thresholds.count { unit *= thresholds[p] }
                p += 1
            case .residual(var b):
                b.conv1 = divided(b.conv1, by: unit)
                if p < thresholds.count { unit *= thresholds[p] }
                b.conv2 = divided(b.conv2, by: unit)
                b.shortcut = divided(b.shortcut, by: unit)
                copy.layers[i] = .residual(b)
                if p + 1 < thresholds.count { unit *= thresholds[p + 1] }
                p += 2
            case .averagePool, .maxPool, .flatten:
                break
            }
        }
        return copy
    }
}
