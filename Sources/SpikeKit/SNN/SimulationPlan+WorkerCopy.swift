/// Per-worker copies of a simulation plan.
///
/// Reading a Swift array from several threads is safe but not free: every read that copies a
/// struct holding arrays (a `Synapse`, a fan-out table) retains and releases their storage, and when
/// two cores do that to the same storage its reference count bounces between their caches. On the
/// MLP that cost a third of the second core's time. Each worker therefore simulates with its own copy
/// of every array the hot loop touches; the copies hold the same values, so results do not change.
extension SimulationPlan {
    /// The plan with every array copied into storage of its own.
    func workerCopy() -> SimulationPlan {
        var copy = self
        copy.operations = operations.unshared()
        copy.synapses = synapses.map { synapse in
            var s = synapse
            s.weights = synapse.weights.unshared()
            s.bias = synapse.bias?.unshared()
            return s
        }
        copy.populationShapes = populationShapes.unshared()
        copy.populationNeurons = populationNeurons.unshared()
        copy.convolutionRuns = convolutionRuns.map { $0.map(ConvolutionRuns.init(unsharing:)) }
        copy.poolingTables = poolingTables.map { $0.map(FanOutTable.init(unsharing:)) }
        return copy
    }
}

extension ConvolutionRuns {
    /// The same runs in storage of their own.
    init(unsharing other: ConvolutionRuns) {
        starts = other.starts.unshared()
        targets = other.targets.unshared()
        rows = other.rows.unshared()
        lengths = other.lengths.unshared()
        mirroredWeights = other.mirroredWeights.unshared()
    }
}

extension FanOutTable {
    /// The same table in storage of its own.
    init(unsharing other: FanOutTable) {
        starts = other.starts.unshared()
        targets = other.targets.unshared()
        kernelOffsets = other.kernelOffsets.unshared()
    }
}

extension Array {
    /// A copy in newly allocated storage (a plain copy would share this array's buffer).
    func unshared() -> [Element] {
        withUnsafeBufferPointer { Array($0) }
    }
}
