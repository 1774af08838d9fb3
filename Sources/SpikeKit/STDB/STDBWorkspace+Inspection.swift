/// Read-outs of the last forward pass, for tests and diagnostics.
extension STDBWorkspace {
    /// Population `p`'s recorded spikes (the hard decisions): per step, the neuron indices.
    func spikeTrains(_ p: Int, model: STDBModel) -> [[Int32]] {
        let channel = model.layout.spikeChannel[p]
        guard channel >= 0 else { return [] }
        return (0..<timeSteps).map { t in
            let segment = trace.segment(channel: channel, step: t)
            return Array(trace.indices[segment.start..<(segment.start + segment.count)])
        }
    }

    /// The `stdb` surrogate σ'^t of every neuron of population `p` at every step, rebuilt from the
    /// trace exactly as the backward pass rebuilds it (walking t downwards from the final last-spike
    /// steps).
    func stdbDerivativeRows(_ p: Int, model: STDBModel) -> [[Float]] {
        let population = populations[p]
        guard population.neurons != nil, model.layout.surrogateChannel[p] < 0 else { return [] }
        STDBKernels.copy(population.lastSpike, into: &previousSpike[p])
        var rows = [[Float]](repeating: [], count: timeSteps)
        for t in stride(from: timeSteps - 1, through: 0, by: -1) {
            let spikes = trace.segment(channel: model.layout.spikeChannel[p], step: t)
            surrogateFromSpikeTimes(p, spikes: spikes, model: model, t: t)
            rows[t] = sigma[p]
        }
        return rows
    }
}
