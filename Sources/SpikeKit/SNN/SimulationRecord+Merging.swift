extension SimulationRecord {
    /// This record followed by `other`, a record of the next samples of the same network and options:
    /// counts add, output potentials and last-spike steps are concatenated in sample order, the
    /// maximum currents combine, the raster (of the first sample) is kept, and captured events are
    /// concatenated (`other`'s sample indices shifted by `samples`).
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
        if let theirs = other.events, !theirs.isEmpty {
            let offset = Int32(samples)
            merged.events = (events ?? []) + theirs.map { e in
                CapturedEvent(sample: e.sample + offset, step: e.step, population: e.population, neuron: e.neuron, value: e.value)
            }
        }
        if let mine = lastSpike, let theirs = other.lastSpike {
            merged.lastSpike = zip(mine, theirs).map { $0 + $1 }
        }
        return merged
    }
}
