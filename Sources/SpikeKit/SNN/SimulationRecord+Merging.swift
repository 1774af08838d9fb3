extension SimulationRecord {
    /// This record followed by `other`, a record of the next samples of the same network and options:
    /// counts add, output potentials and last-spike steps are concatenated in sample order, the
    /// maximum currents combine, and the raster (of the first sample) is kept.
    public func appending(_ other: SimulationRecord) -> SimulationRecord {
        precondition(timeSteps == other.timeSteps && populationSizes == other.populationSizes
                     && synapseNames == other.synapseNames, "records of different simulations cannot be merged")
        var merged = self
        merged.samples += other.samples
        for p in spikes.indices {
            for t in 0..<timeSteps {
                merged.spikes[p][t] += other.spikes[p][t]
                merged.neuronUpdates[p][t] += other.neuronUpdates[p][t]
            }
            merged.maxInputCurrent[p] = max(maxInputCurrent[p], other.maxInputCurrent[p])
        }
        for s in synapticOps.indices { for t in 0..<timeSteps { merged.synapticOps[s][t] += other.synapticOps[s][t] } }
        for (step, tensor) in outputs {
            guard let next = other.outputs[step] else { continue }
            merged.outputs[step] = Tensor(shape: [tensor.shape[0] + next.shape[0], tensor.shape[1]],
                                          scalars: tensor.scalars + next.scalars)
        }
        if let mine = lastSpike, let theirs = other.lastSpike {
            merged.lastSpike = zip(mine, theirs).map { $0 + $1 }
        }
        return merged
    }
}
