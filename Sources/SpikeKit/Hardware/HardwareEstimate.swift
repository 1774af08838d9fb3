/// Energy, time and utilisation of one simulation on one chip: the `hardware` object of a
/// simulation in `report.json`.
///
/// Energy per image (picojoules × counts from `HardwareActivity`, summed over cores and steps):
///
///     synapse  = Σ dense events·E_dense + Σ convolution events·E_conv
///     neuron   = neurons·T·E_access + Σ updates·E_update
///     spike    = Σ spikes·E_spike + Σ messages·(E_out + E_in)      ("spike and message")
///     network  = Σ hops_EW·E_EW + Σ hops_NS·E_NS
///     static   = P_static · chips · secondsPerImage
///
/// Time: `secondsPerStep` is the mean over steps of `HardwareActivity.stepSeconds`;
/// `secondsPerImage` = T · secondsPerStep (the latency of one image: the chip runs T steps per image);
/// throughput = 1 / secondsPerImage; energy-delay product = joulesPerImage · secondsPerImage.
/// For a per-operation description (`mapsCores == false`) only `joulesPerImage` is given:
/// synaptic operations · E_syn + the direct-input layer's MACs · E_MAC (once per image).
public struct HardwareEstimate: Codable, Sendable, Equatable {
    public var preset: String
    /// Energy per image (nil when the network could not be mapped: see `mappingError`).
    public var joulesPerImage: Double?
    public var breakdown: Breakdown?
    /// Why the network does not fit the chip (layer, number and limit), when it does not.
    public var mappingError: String?
    public var secondsPerStep: Double?
    /// The step time with messages queued in the order they are made (`HardwareActivity.queuedStepTime`,
    /// SANA-FE's "detailed" model without congestion), seconds.
    public var secondsPerStepQueued: Double?
    public var secondsPerImage: Double?
    public var imagesPerSecond: Double?
    public var energyDelayProduct: Double?
    public var cores: Int?
    public var chips: Int?
    /// Samples whose captured events were counted.
    public var countedImages: Int?
    public var spikesPerImage: Double?
    public var messagesPerImage: Double?
    public var hopsPerImage: Double?
    public var synapticEventsPerImage: Double?
    /// The core that set the step time most often, and its layer.
    public var slowestCore: Int?
    public var slowestLayer: String?
    public var layers: [Layer]?
    /// Per core: its layer, neurons, utilisation and work.
    public var coreDetails: [CoreDetail]?
    /// Test accuracy with weights, thresholds and membranes at the chip's precision, and the
    /// quantisation applied (nil when the chip keeps floats or it was not simulated).
    public var quantizedTestAccuracy: Double?
    public var precision: String?

    public struct Breakdown: Codable, Sendable, Equatable {
        public var synapse: Double
        public var neuron: Double
        public var spikeAndMessage: Double
        public var network: Double
        public var staticEnergy: Double
        /// Off-chip MACs of a per-operation model's direct-input layer (0 on mapped chips).
        public var inputMACs: Double

        enum CodingKeys: String, CodingKey {
            case synapse, neuron, spikeAndMessage, network, staticEnergy = "static", inputMACs
        }
    }

    public struct Layer: Codable, Sendable, Equatable {
        public var name: String
        public var neurons: Int
        public var cores: Int
        /// Neurons / (cores · neuron limit).
        public var neuronUtilisation: Double
        /// Mean over its cores of input axons / fan-in limit and synapse bits / memory.
        public var fanInUtilisation: Double?
        public var memoryUtilisation: Double?
        public var joulesPerImage: Double
        public var spikesPerImage: Double
        public var synapticEventsPerImage: Double
    }

    public struct CoreDetail: Codable, Sendable, Equatable {
        public var layer: String
        public var chip: Int
        public var x: Int
        public var y: Int
        public var neurons: Int
        public var inputAxons: Int
        public var synapseBits: Int
        public var outputAxons: Int
        /// Mean busy time per step (the larger of neuron and receive work), seconds.
        public var busySecondsPerStep: Double
    }

    /// A network the chip refused: no energy or time, the reason, and (filled in by the caller) the
    /// accuracy at the chip's precision.
    public init(refusedBy hardware: HardwareDescription, reason: String) {
        preset = hardware.name
        mappingError = reason
    }

    /// The estimate of a per-operation model from operation counts.
    public init(operationCounts counts: OperationCounts, hardware: HardwareDescription) {
        let pico = 1e-12
        let direct = counts.layers.first?.receivesDirectInput ?? false
        let macs = direct ? (counts.layers.first?.annMACsPerImage ?? 0) : 0
        let ops = counts.synapticOpsPerImage - (direct ? (counts.layers.first?.synapticOpsPerImage ?? 0) : 0)
        let synapse = ops * hardware.energy.synapticEventDense * pico
        let input = macs * hardware.macPicojoules * pico
        preset = hardware.name
        breakdown = Breakdown(synapse: synapse, neuron: 0, spikeAndMessage: 0, network: 0, staticEnergy: 0, inputMACs: input)
        joulesPerImage = synapse + input
        synapticEventsPerImage = ops
        spikesPerImage = counts.spikesPerImage
    }

    /// The estimate of a mapped chip from its traffic.
    public init(activity a: HardwareActivity, mapping: HardwareMapping) {
        let hw = mapping.hardware
        let e = hw.energy, lat = hw.latency
        let pico = 1e-12
        let T = Double(a.timeSteps)
        let coreCount = mapping.cores.count
        var layerEnergy = [Double](repeating: 0, count: mapping.graph.populations.count)
        var layerSpikes = layerEnergy, layerEvents = layerEnergy
        var synapse = 0.0, neuron = 0.0, spike = 0.0
        var details: [CoreDetail] = []
        for c in 0..<coreCount {
            let core = mapping.cores[c]
            let dense = HardwareActivity.total(a.denseSynapticEvents, core: c)
            let conv = HardwareActivity.total(a.convolutionSynapticEvents, core: c)
            let updates = HardwareActivity.total(a.neuronUpdates, core: c)
            let spikes = HardwareActivity.total(a.spikes, core: c)
            let out = HardwareActivity.total(a.messagesOut, core: c)
            let inbound = HardwareActivity.total(a.messagesIn, core: c)
            let s = (dense * e.synapticEventDense + conv * e.synapticEventConvolution) * pico
            let n = (Double(core.neurons.count) * T * e.neuronAccess + updates * e.neuronUpdate) * pico
            let m = (spikes * e.spikeOut + out * e.messageOut + inbound * e.messageIn) * pico
            synapse += s; neuron += n; spike += m
            layerEnergy[core.population] += s + n + m
            layerSpikes[core.population] += spikes
            layerEvents[core.population] += dense + conv
            var busy = 0.0
            for t in 0..<a.timeSteps {
                let work = Double(core.neurons.count) * lat.neuronAccess + a.neuronUpdates[c][t] * lat.neuronUpdate
                    + a.spikes[c][t] * lat.spikeOut + a.messagesOut[c][t] * lat.messageOut
                let receive = a.messagesIn[c][t] * lat.messageIn + a.denseSynapticEvents[c][t] * lat.synapticEventDense
                    + a.convolutionSynapticEvents[c][t] * lat.synapticEventConvolution
                busy += max(work, receive) * 1e-9
            }
            details.append(CoreDetail(layer: mapping.graph.populations[core.population].name, chip: core.chip, x: core.x, y: core.y,
                                      neurons: core.neurons.count, inputAxons: core.inputAxons, synapseBits: core.synapseBits,
                                      outputAxons: core.outputAxons, busySecondsPerStep: busy / max(T, 1)))
        }
        let hopsEW = a.hopsEastWest.reduce(0, +), hopsNS = a.hopsNorthSouth.reduce(0, +)
        let network = (hopsEW * e.hopEastWest + hopsNS * e.hopNorthSouth) * pico
        let perStep = a.stepSeconds.isEmpty ? 0 : a.stepSeconds.reduce(0, +) / Double(a.stepSeconds.count)
        let perImage = perStep * T
        let staticEnergy = hw.staticWattsPerChip * Double(mapping.chips) * perImage
        preset = hw.name
        breakdown = Breakdown(synapse: synapse, neuron: neuron, spikeAndMessage: spike, network: network,
                              staticEnergy: staticEnergy, inputMACs: 0)
        joulesPerImage = synapse + neuron + spike + network + staticEnergy
        secondsPerStep = perStep
        secondsPerStepQueued = a.queuedStepSeconds.isEmpty ? nil : a.queuedStepSeconds.reduce(0, +) / Double(a.queuedStepSeconds.count)
        secondsPerImage = perImage
        imagesPerSecond = perImage > 0 ? 1 / perImage : nil
        energyDelayProduct = (synapse + neuron + spike + network + staticEnergy) * perImage
        cores = coreCount
        chips = mapping.chips
        countedImages = a.samples
        spikesPerImage = HardwareActivity.total(a.spikes)
        messagesPerImage = HardwareActivity.total(a.messagesOut)
        hopsPerImage = hopsEW + hopsNS
        synapticEventsPerImage = HardwareActivity.total(a.denseSynapticEvents) + HardwareActivity.total(a.convolutionSynapticEvents)
        if let top = a.slowestCoreCount.indices.max(by: { a.slowestCoreCount[$0] < a.slowestCoreCount[$1] }) {
            slowestCore = top
            slowestLayer = mapping.graph.populations[mapping.cores[top].population].name
        }
        let limits = hw.core
        layers = mapping.graph.populations.enumerated().map { p, population in
            let own = mapping.cores.filter { $0.population == p }
            let count = max(own.count, 1)
            return Layer(
                name: population.name, neurons: population.shape.count, cores: own.count,
                neuronUtilisation: Double(population.shape.count) / Double(count * (limits.neurons ?? population.shape.count)),
                fanInUtilisation: limits.fanIn.map { limit in own.reduce(0) { $0 + Double($1.inputAxons) } / Double(count * limit) },
                memoryUtilisation: limits.synapseMemoryBits.map { limit in own.reduce(0) { $0 + Double($1.synapseBits) } / Double(count * limit) },
                joulesPerImage: layerEnergy[p], spikesPerImage: layerSpikes[p], synapticEventsPerImage: layerEvents[p])
        }
        coreDetails = details
    }
}
