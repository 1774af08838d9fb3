/// What one simulation of a batch produced: output potentials at the requested steps, and exact
/// activity counts per population and per synapse and step.
///
/// Counts are 64-bit integers summed over the batch (integer sums do not depend on the order in
/// which samples finish). Because the simulation is causal, the first T′ steps of a run of T steps are
/// exactly a run of T′ steps, so one run yields the accuracy and activity for every T′ ≤ T.
public struct SimulationRecord: Sendable {
    /// Steps simulated.
    public var timeSteps: Int
    /// Samples simulated.
    public var samples: Int
    /// Population names and neuron counts, in `SpikingNetwork.populations` order (output layer last).
    public var populationNames: [String]
    public var populationSizes: [Int]
    /// `spikes[p][t]`: spikes of population p at step t, summed over the batch.
    public var spikes: [[Int64]]
    /// `neuronUpdates[p][t]`: membrane updates the simulator performed (touched neurons).
    public var neuronUpdates: [[Int64]]
    /// Largest single-step input current any neuron of population p received (≥ 0), if recorded.
    public var maxInputCurrent: [Float]
    /// Synapse names in `SpikingNetwork.synapses` order.
    public var synapseNames: [String]
    /// `synapticOps[s][t]`: synaptic operations (the fan-out of every delivered event) of synapse s at
    /// step t, summed over the batch. A synapse fed by the direct encoder performs none (its dense
    /// current is counted as ANN MACs, once per image).
    public var synapticOps: [[Int64]]
    /// Output potentials (Σ_t W·x^t) after each checkpoint step: `outputs[T′]` is `[samples, classes]`.
    public var outputs: [Int: Tensor]
    /// `lastSpike[p]`: per sample and neuron (sample-major), the last step at which the neuron spiked,
    /// −1 if never. Present when requested.
    public var lastSpike: [[Int32]]?
    /// Spike times of a few neurons for plots, when requested.
    public var raster: SpikeRaster?
    /// Every event of the first `SimulationOptions.captureEventsForSamples` samples, in simulation
    /// order; nil when no capture was asked for.
    public var events: [CapturedEvent]? = nil

    /// Totals over the first `steps` steps.
    public func totalSpikes(population p: Int, steps: Int? = nil) -> Int64 {
        spikes[p].prefix(steps ?? timeSteps).reduce(0, +)
    }
    public func totalSynapticOps(synapse s: Int, steps: Int? = nil) -> Int64 {
        synapticOps[s].prefix(steps ?? timeSteps).reduce(0, +)
    }
    public func totalNeuronUpdates(population p: Int, steps: Int? = nil) -> Int64 {
        neuronUpdates[p].prefix(steps ?? timeSteps).reduce(0, +)
    }

    /// The predicted class of each sample after `steps` steps (argmax of the output potential; the
    /// lowest index wins a tie).
    public func predictions(steps: Int) -> [Int] {
        guard let out = outputs[steps] else { return [] }
        let classes = out.shape[1]
        return (0..<out.shape[0]).map { n in
            var best = 0
            var bestValue = out.scalars[n * classes]
            for k in 1..<classes where out.scalars[n * classes + k] > bestValue {
                best = k
                bestValue = out.scalars[n * classes + k]
            }
            return best
        }
    }

    /// The number of correct predictions after `steps` steps.
    public func correct(labels: [Int32], steps: Int) -> Int {
        zip(predictions(steps: steps), labels).reduce(0) { $0 + ($1.0 == Int($1.1) ? 1 : 0) }
    }
}

/// Spike times of a bounded set of neurons of one sample, for raster plots.
public struct SpikeRaster: Sendable, Codable {
    /// Per population: the neuron indices followed.
    public var neurons: [[Int]]
    /// Per population and followed neuron: the steps at which it spiked.
    public var times: [[[Int]]]
    public var populationNames: [String]
}

/// What a simulation run should do and record.
public struct SimulationOptions: Sendable {
    public var timeSteps: Int
    public var encoding: InputEncoding
    public var ordering: SpikeOrdering
    /// Seed of the Poisson encoder.
    public var seed: UInt64
    /// Steps after which to keep the output potentials (always includes `timeSteps`).
    public var checkpoints: [Int]
    /// The dataset index of the batch's first sample (keys each sample's Poisson stream).
    public var firstSampleIndex: Int
    /// Record each neuron's last spike step (for STDB).
    public var recordLastSpike: Bool
    /// Record the largest single-step input current per population (for threshold balancing).
    public var recordMaxInputCurrent: Bool
    /// Follow this many neurons per population of the batch's first sample for a raster (0 = none).
    public var rasterNeuronsPerPopulation: Int
    /// Worker threads.
    public var threads: Int
    /// Keep every event (input, and spikes of every population) of the batch's first this many
    /// samples in `SimulationRecord.events` (0 = none; other samples pay nothing for it).
    public var captureEventsForSamples: Int
    /// When a batch has fewer samples than `threads`, the threads share each sample (each simulating
    /// a block of every layer's neurons) if the network has at least this many spiking neurons per
    /// thread; smaller networks run one sample per thread, since their layers' work between two
    /// synchronisations would be shorter than the synchronisation. The results are the same either way.
    public var minimumNeuronsPerBlock: Int = 4_096

    public init(timeSteps: Int, encoding: InputEncoding = .direct, ordering: SpikeOrdering = .delayed, seed: UInt64 = 0,
                checkpoints: [Int] = [], firstSampleIndex: Int = 0, recordLastSpike: Bool = false,
                recordMaxInputCurrent: Bool = false, rasterNeuronsPerPopulation: Int = 0,
                threads: Int = Parallel.threadCount, captureEventsForSamples: Int = 0) {
        self.timeSteps = timeSteps
        self.encoding = encoding
        self.ordering = ordering
        self.seed = seed
        self.checkpoints = checkpoints
        self.firstSampleIndex = firstSampleIndex
        self.recordLastSpike = recordLastSpike
        self.recordMaxInputCurrent = recordMaxInputCurrent
        self.rasterNeuronsPerPopulation = rasterNeuronsPerPopulation
        self.threads = threads
        self.captureEventsForSamples = captureEventsForSamples
    }

    /// The sorted, unique checkpoint steps within 1...timeSteps, always ending with timeSteps.
    var effectiveCheckpoints: [Int] {
        Array(Set(checkpoints.filter { $0 >= 1 && $0 <= timeSteps } + [timeSteps])).sorted()
    }
}
