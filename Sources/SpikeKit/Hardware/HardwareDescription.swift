import Foundation

/// A neuromorphic chip as SpikeKit prices it: a 2-D mesh of tiles, each holding `coresPerTile`
/// cores; per-core limits that decide how a network is split (`HardwareMapping`); the bits of its
/// fixed-point state (`HardwareQuantization`); and the energy and latency of every kind of event
/// (`HardwareEstimate`). It is a plain JSON object (this type's `Codable` form), so a user can copy a
/// preset (`spikekit hardware --preset loihi --print`), edit it and load it with
/// `"hardware": {"file": "my-chip.json"}`.
///
/// The event model follows SANA-FE (Boyle et al., "SANA-FE: Simulating Advanced Neuromorphic
/// Architectures for Fast Exploration", IEEE TCAD 2025; its `loihi.yaml`): every step each mapped
/// neuron is accessed; a neuron that has input or a non-zero membrane is also updated; a neuron that
/// fires pays `spikeOut` and sends one message per distinct destination core; each message pays
/// `messageIn` at the receiving core and one `synapticEvent` per synapse it reaches there; each
/// message crosses the mesh by dimension-order (x then y) routing, paying one hop per tile boundary.
///
/// A description whose `mapsCores` is false (the 45 nm CMOS presets) has no cores and no mesh: it
/// prices operation counts only, as `EnergyModel` does.
public struct HardwareDescription: Codable, Sendable, Equatable {
    /// The preset's (or file's) name, reported as `hardware.preset`.
    public var name: String
    /// Where every figure comes from.
    public var source: String
    /// False for per-operation models with no cores (no mapping, no traffic, no time).
    public var mapsCores: Bool
    /// Tiles along x and y of one chip's mesh.
    public var meshWidth: Int
    public var meshHeight: Int
    /// Cores that share one tile's router (0 hops between them).
    public var coresPerTile: Int
    /// How many chips may be used (nil: as many as the network needs).
    public var maximumChips: Int?
    /// Per-core limits and number formats.
    public var core: CoreLimits
    /// Energy of each event, picojoules.
    public var energy: EventCosts
    /// Latency of each event, nanoseconds (the same fields as `energy`).
    public var latency: EventCosts
    /// The step barrier (global synchronisation), seconds, by the number of tiles the mapping uses:
    /// the entry with the largest `minimumTiles` ≤ the tiles used applies (SANA-FE's `latency_sync`
    /// table, which it looks up with the count of mapped tiles).
    public var stepBarrierSeconds: [BarrierEntry]
    /// Static (leakage) power of one used chip, watts, charged for the whole time of an image.
    public var staticWattsPerChip: Double
    /// Messages one link of a route buffers (nil: unlimited); bounds how far a sender runs ahead of
    /// a busy receiver in `HardwareActivity.queuedStepTime`.
    public var linkBufferMessages: Int?
    /// For per-operation models: one multiply-accumulate (the direct-input layer and the ANN), pJ.
    public var macPicojoules: Double

    public struct CoreLimits: Codable, Sendable, Equatable {
        /// Neurons (compartments) one core holds.
        public var neurons: Int?
        /// Distinct input axons one core accepts (distinct presynaptic neurons of its neurons).
        public var fanIn: Int?
        /// Output axons one core provides (Σ over its neurons of their destination cores).
        public var fanOut: Int?
        /// Synapse memory of one core, bits (each synapse costs `weightBits`).
        public var synapseMemoryBits: Int?
        /// Distinct cores one core may send to (Speck's 2 destinations), nil: no limit.
        public var destinationCores: Int?
        /// Largest kernel side a convolution may have (Speck's 16×16), nil: no limit.
        public var maximumKernel: Int?
        /// Fixed-point formats; nil means the chip keeps that quantity in floating point.
        public var weightBits: Int?
        public var thresholdBits: Int?
        public var membraneBits: Int?

        public init(neurons: Int? = nil, fanIn: Int? = nil, fanOut: Int? = nil, synapseMemoryBits: Int? = nil,
                    destinationCores: Int? = nil, maximumKernel: Int? = nil, weightBits: Int? = nil, thresholdBits: Int? = nil, membraneBits: Int? = nil) {
            self.neurons = neurons
            self.fanIn = fanIn
            self.fanOut = fanOut
            self.synapseMemoryBits = synapseMemoryBits
            self.destinationCores = destinationCores
            self.maximumKernel = maximumKernel
            self.weightBits = weightBits
            self.thresholdBits = thresholdBits
            self.membraneBits = membraneBits
        }
    }

    /// One cost per kind of event (picojoules in `energy`, nanoseconds in `latency`).
    public struct EventCosts: Codable, Sendable, Equatable {
        /// A synaptic event of a dense (linear) connection.
        public var synapticEventDense: Double
        /// A synaptic event of a convolutional connection.
        public var synapticEventConvolution: Double
        /// Reading a neuron's state, every neuron every step.
        public var neuronAccess: Double
        /// Updating a neuron that has input or a non-zero membrane.
        public var neuronUpdate: Double
        /// A neuron's spike leaving the soma.
        public var spikeOut: Double
        /// Sending one message to one destination core.
        public var messageOut: Double
        /// Receiving one message at a core.
        public var messageIn: Double
        /// One hop east or west between tiles.
        public var hopEastWest: Double
        /// One hop north or south between tiles.
        public var hopNorthSouth: Double

        public init(synapticEventDense: Double = 0, synapticEventConvolution: Double = 0, neuronAccess: Double = 0,
                    neuronUpdate: Double = 0, spikeOut: Double = 0, messageOut: Double = 0, messageIn: Double = 0,
                    hopEastWest: Double = 0, hopNorthSouth: Double = 0) {
            self.synapticEventDense = synapticEventDense
            self.synapticEventConvolution = synapticEventConvolution
            self.neuronAccess = neuronAccess
            self.neuronUpdate = neuronUpdate
            self.spikeOut = spikeOut
            self.messageOut = messageOut
            self.messageIn = messageIn
            self.hopEastWest = hopEastWest
            self.hopNorthSouth = hopNorthSouth
        }

        static let fields = ["synapticEventDense", "synapticEventConvolution", "neuronAccess", "neuronUpdate",
                             "spikeOut", "messageOut", "messageIn", "hopEastWest", "hopNorthSouth"]
    }

    /// `tiles used ≥ minimumTiles` → `seconds` (the largest matching entry wins).
    public struct BarrierEntry: Codable, Sendable, Equatable {
        public var minimumTiles: Int
        public var seconds: Double
        public init(minimumTiles: Int, seconds: Double) {
            self.minimumTiles = minimumTiles
            self.seconds = seconds
        }
    }

    public init(name: String, source: String, mapsCores: Bool, meshWidth: Int, meshHeight: Int, coresPerTile: Int,
                maximumChips: Int? = nil, core: CoreLimits, energy: EventCosts, latency: EventCosts,
                stepBarrierSeconds: [BarrierEntry], staticWattsPerChip: Double = 0, macPicojoules: Double = 0,
                linkBufferMessages: Int? = nil) {
        self.name = name
        self.source = source
        self.mapsCores = mapsCores
        self.meshWidth = meshWidth
        self.meshHeight = meshHeight
        self.coresPerTile = coresPerTile
        self.maximumChips = maximumChips
        self.core = core
        self.energy = energy
        self.latency = latency
        self.stepBarrierSeconds = stepBarrierSeconds
        self.staticWattsPerChip = staticWattsPerChip
        self.macPicojoules = macPicojoules
        self.linkBufferMessages = linkBufferMessages
    }

    /// Cores on one chip.
    public var coresPerChip: Int { meshWidth * meshHeight * coresPerTile }

    /// The barrier when `tiles` tiles are used.
    public func barrierSeconds(tiles: Int) -> Double {
        stepBarrierSeconds.filter { $0.minimumTiles <= max(tiles, 1) }.max { $0.minimumTiles < $1.minimumTiles }?.seconds
            ?? stepBarrierSeconds.first?.seconds ?? 0
    }

    /// Checks that sizes are positive and costs finite and non-negative; `context` names the file.
    public func validate(context: String) throws {
        func fail(_ key: String, _ message: String) -> SpikeKitError {
            .config([ConfigProblem(keyPath: "\(context).\(key)", message: message)])
        }
        if mapsCores {
            for (key, value) in [("meshWidth", meshWidth), ("meshHeight", meshHeight), ("coresPerTile", coresPerTile)]
            where value < 1 {
                throw fail(key, "must be a positive integer, got \(value)")
            }
        }
        let limits: [(String, Int?)] = [("core.neurons", core.neurons), ("core.fanIn", core.fanIn),
                                        ("core.fanOut", core.fanOut), ("core.synapseMemoryBits", core.synapseMemoryBits),
                                        ("core.maximumKernel", core.maximumKernel),
                                        ("core.destinationCores", core.destinationCores),
                                        ("linkBufferMessages", linkBufferMessages), ("maximumChips", maximumChips)]
        for (key, value) in limits { if let value, value < 1 { throw fail(key, "must be a positive integer or absent, got \(value)") } }
        for (key, bits) in [("core.weightBits", core.weightBits), ("core.thresholdBits", core.thresholdBits),
                            ("core.membraneBits", core.membraneBits)] {
            if let bits, !(2...32).contains(bits) { throw fail(key, "must be between 2 and 32 bits, got \(bits)") }
        }
        for (group, costs) in [("energy", energy), ("latency", latency)] {
            let values = [costs.synapticEventDense, costs.synapticEventConvolution, costs.neuronAccess, costs.neuronUpdate,
                          costs.spikeOut, costs.messageOut, costs.messageIn, costs.hopEastWest, costs.hopNorthSouth]
            for (field, value) in zip(EventCosts.fields, values) where !(value >= 0 && value.isFinite) {
                throw fail("\(group).\(field)", "must be a finite number ≥ 0, got \(value)")
            }
        }
        for (i, entry) in stepBarrierSeconds.enumerated() where !(entry.seconds >= 0 && entry.seconds.isFinite) || entry.minimumTiles < 1 {
            throw fail("stepBarrierSeconds[\(i)]", "needs minimumTiles ≥ 1 and seconds ≥ 0")
        }
        if !(staticWattsPerChip >= 0 && staticWattsPerChip.isFinite) { throw fail("staticWattsPerChip", "must be ≥ 0") }
    }

    /// Reads a description from a JSON file, naming the file (and, for malformed JSON, what the
    /// decoder said) on failure.
    public static func load(from url: URL) throws -> HardwareDescription {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpikeKitError.io(path: url.path, reason: "cannot read the hardware description (\(error.localizedDescription))")
        }
        let description: HardwareDescription
        do { description = try JSONDecoder().decode(HardwareDescription.self, from: data) } catch let error as DecodingError {
            throw SpikeKitError.dataFile(path: url.path, offset: nil, reason: "not a hardware description: \(Self.explain(error))")
        } catch {
            throw SpikeKitError.dataFile(path: url.path, offset: nil, reason: "not valid JSON: \(error.localizedDescription)")
        }
        try description.validate(context: url.lastPathComponent)
        return description
    }

    /// The description as pretty, key-sorted JSON (what `load` reads).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    static func explain(_ error: DecodingError) -> String {
        let problem = DecodingProblem(error)
        return problem.keyPath.isEmpty ? problem.message : "'\(problem.keyPath)': \(problem.message)"
    }
}
