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
