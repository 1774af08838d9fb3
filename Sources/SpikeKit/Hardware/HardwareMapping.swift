/// A network partitioned onto a chip's cores and placed on its mesh.
///
/// Pooling: the k² neurons of one average-pooling window send their spikes to one shared input axon
/// of the next layer (a chip routes a spike to a destination axon, and several sources may name
/// the same one), whose synapses carry w/k²; so a pooled projection costs the axons and synapses of
/// its pooled input, while every source spike still fans out through them.
///
/// Partitioning: each population is cut into k contiguous slices of its neurons in
/// height-width-channel order (so a slice of a convolution layer is a band of whole rows of
/// positions, which keeps its receptive field, and so its input axons, small), with the smallest k
/// for which every slice fits the core's neuron, input-axon (`fanIn`) and synapse-memory limits.
/// A layer that no k can fit — one neuron alone has more inputs than a core has axons, or more
/// synapses than its memory, or a kernel larger than the chip allows — is refused with the layer,
/// the number and the limit named. Output axons (`fanOut`: Σ over a core's neurons of the distinct
/// cores they reach) and destination cores are checked after placement.
///
/// Placement: cores in network order fill tile after tile, row-major over one chip's mesh
/// (`coresPerTile` per tile), then the next chip ("compact"); or a user's list giving the global
/// tile index of every core (tile t lies on chip t / (width·height)). Chips are laid side by side
/// along x for routing, so a message to the next chip crosses the chip boundary as ordinary hops.
public struct HardwareMapping: Sendable {
    public struct Core: Sendable, Equatable {
        public var population: Int
        /// The population's neurons this core holds.
        public var neurons: Range<Int>
        public var chip: Int
        /// Tile coordinates on its chip, and the core's slot in the tile.
        public var x: Int
        public var y: Int
        public var slot: Int
        /// Distinct input axons, stored synapse bits, output axons.
        public var inputAxons: Int
        public var synapseBits: Int
        public var outputAxons: Int
        public var destinationCores: Int
    }

    public var hardware: HardwareDescription
    public var graph: HardwareGraph
    public var cores: [Core]
    /// For each population, the index of its first core and its slice size.
    public var firstCore: [Int]
    public var sliceSize: [Int]
    public var chips: Int
    /// Every neuron's destination cores and synapses there.
    public var routing: HardwareRouting = .empty

    /// The core holding neuron `neuron` of `population`.
    @inlinable public func core(population: Int, neuron: Int) -> Int {
        firstCore[population] + neuron / sliceSize[population]
    }

    /// Distinct tiles holding at least one core.
    public var tilesUsed: Int { Set(cores.map { [$0.chip, $0.x, $0.y] }).count }

    /// Global mesh coordinates of a core (chips side by side along x).
    public func meshPosition(_ core: Int) -> (x: Int, y: Int) {
        (cores[core].chip * hardware.meshWidth + cores[core].x, cores[core].y)
    }

    /// Maps `graph` onto `hardware`; `placement` (optional) gives each core's global tile index.
    public init(graph: HardwareGraph, hardware: HardwareDescription, placement: [Int]? = nil) throws {
        guard hardware.mapsCores else {
            throw SpikeKitError.model(layer: nil, reason: "hardware '\(hardware.name)' prices operations only and has no cores to map onto")
        }
        self.hardware = hardware
        self.graph = graph
        var cores: [Core] = []
        var firstCore: [Int] = [], sliceSize: [Int] = []
        for (p, population) in graph.populations.enumerated() {
            let size = try Self.sliceSize(population: p, graph: graph, hardware: hardware)
            firstCore.append(cores.count)
            sliceSize.append(size)
            var start = 0
            while start < population.shape.count {
                let range = start..<min(population.shape.count, start + size)
                let (axons, bits) = Self.demand(range, population: p, graph: graph, hardware: hardware)
                cores.append(Core(population: p, neurons: range, chip: 0, x: 0, y: 0, slot: 0, inputAxons: axons,
                                  synapseBits: bits, outputAxons: 0, destinationCores: 0))
                start = range.upperBound
            }
        }
        // Placement.
        let tilesPerChip = hardware.meshWidth * hardware.meshHeight
        var tiles: [Int] = []
        if let placement {
            guard placement.count == cores.count else {
                throw SpikeKitError.model(layer: nil, reason: "the placement lists \(placement.count) tiles but the mapping has \(cores.count) cores")
            }
            var used: [Int: Int] = [:]
            for (c, tile) in placement.enumerated() {
                guard tile >= 0 else { throw SpikeKitError.model(layer: nil, reason: "placement[\(c)] is \(tile); tiles are numbered from 0") }
                used[tile, default: 0] += 1
                if used[tile]! > hardware.coresPerTile {
                    throw SpikeKitError.model(layer: graph.populations[cores[c].population].name,
                                              reason: "placement puts more than \(hardware.coresPerTile) cores (coresPerTile) on tile \(tile)")
                }
            }
            tiles = placement
        } else {
            tiles = cores.indices.map { $0 / hardware.coresPerTile }
        }
        var slotsUsed: [Int: Int] = [:]
        for c in cores.indices {
            let tile = tiles[c]
            cores[c].chip = tile / tilesPerChip
            cores[c].x = (tile % tilesPerChip) % hardware.meshWidth
            cores[c].y = (tile % tilesPerChip) / hardware.meshWidth
            cores[c].slot = slotsUsed[tile, default: 0]
            slotsUsed[tile] = cores[c].slot + 1
        }
        chips = (cores.map(\.chip).max() ?? 0) + 1
        if let maximum = hardware.maximumChips, chips > maximum {
            throw SpikeKitError.model(layer: nil, reason: "the network needs \(cores.count) cores on \(chips) chips; "
                + "'\(hardware.name)' has \(hardware.coresPerChip) cores per chip and at most \(maximum) chip(s) (maximumChips)")
        }
        self.cores = cores
        self.firstCore = firstCore
        self.sliceSize = sliceSize
        // Output axons and destinations.
        let routing = HardwareRouting(mapping: self)
        self.routing = routing
        for c in self.cores.indices {
            let p = self.cores[c].population
            var axons = 0
            var destinations = Set<Int>()
            for n in self.cores[c].neurons {
                let d = routing.destinations(population: p, neuron: n)
                axons += d.count
                destinations.formUnion(d)
            }
            self.cores[c].outputAxons = axons
            self.cores[c].destinationCores = destinations.count
            let name = graph.populations[p].name
            if let limit = hardware.core.fanOut, axons > limit {
                throw SpikeKitError.model(layer: name, reason: "core \(c) needs \(axons) output axons, more than the \(limit) "
                    + "of a '\(hardware.name)' core (core.fanOut)")
            }
            if let limit = hardware.core.destinationCores, destinations.count > limit {
                throw SpikeKitError.model(layer: name, reason: "core \(c) sends to \(destinations.count) cores, more than the \(limit) "
                    + "destinations of a '\(hardware.name)' core (core.destinationCores)")
            }
        }
    }

    /// Input axons and synapse bits of the slice `range` of population `p`.
    static func demand(_ range: Range<Int>, population p: Int, graph: HardwareGraph,
                       hardware: HardwareDescription) -> (axons: Int, bits: Int) {
        var axons = 0, synapses = 0
        for j in graph.onChipProjections(into: p) {
            let projection = graph.projections[j]
            let s = projection.synapse
            switch s.connectivity {
            case .identity:
                axons += range.count
                synapses += range.count
            case .linear:
                axons += s.inputShape.count
                synapses += range.count * s.inputShape.count
            case .convolution(let g):
                // The union of the slice's receptive fields, in input positions.
                let positions = (range.lowerBound / g.outChannels)...((range.upperBound - 1) / g.outChannels)
                var rows = Set<Int>(), seen = Set<Int>()
                for position in positions {
                    let (oy, ox) = (position / g.outputWidth, position % g.outputWidth)
                    for ky in 0..<g.kernelHeight {
                        let y = oy * g.stride - g.padding + ky
                        guard y >= 0 && y < g.inputHeight else { continue }
                        rows.insert(y)
                        for kx in 0..<g.kernelWidth {
                            let x = ox * g.stride - g.padding + kx
                            if x >= 0 && x < g.inputWidth { seen.insert(y * g.inputWidth + x) }
                        }
                    }
                }
                // The input channels of the groups the slice's output channels belong to.
                let groupsReached = range.count >= g.outChannels ? g.groups
                    : Set(range.map { ($0 % g.outChannels) / g.outChannelsPerGroup }).count
                axons += seen.count * g.inChannelsPerGroup * groupsReached
                for n in range { synapses += projection.fanIn(ofTarget: n) }
            }
        }
        return (axons, synapses * (hardware.core.weightBits ?? 32))
    }

    /// The slice size for population `p`: the largest that fits, or an error naming the limit.
    static func sliceSize(population p: Int, graph: HardwareGraph, hardware: HardwareDescription) throws -> Int {
        let population = graph.populations[p]
        let n = population.shape.count
        let limits = hardware.core
        let chip = hardware.name
        // A single neuron must fit.
        for j in graph.onChipProjections(into: p) {
            let projection = graph.projections[j]
            if case .convolution(let g) = projection.synapse.connectivity, let k = limits.maximumKernel,
               max(g.kernelHeight, g.kernelWidth) > k {
                throw SpikeKitError.model(layer: population.name, reason: "its \(g.kernelHeight)×\(g.kernelWidth) kernel is larger "
                    + "than the \(k)×\(k) a '\(chip)' core allows (core.maximumKernel)")
            }
        }
        // The widest neuron: a neuron's inputs depend only on its position (every channel of one
        // position has the same receptive field), so one neuron per position is enough.
        let channels = max(population.shape.channels, 1)
        var widest = 0, widestBits = 0
        for position in 0..<max(population.shape.positions, 1) {
            let neuron = position * channels
            guard neuron < n else { break }
            let d = demand(neuron..<(neuron + 1), population: p, graph: graph, hardware: hardware)
            widest = max(widest, d.axons); widestBits = max(widestBits, d.bits)
        }
        if let limit = limits.fanIn, widest > limit {
            throw SpikeKitError.model(layer: population.name, reason: "one neuron has \(widest) inputs, more than the \(limit) "
                + "input axons of a '\(chip)' core (core.fanIn); it cannot be split further")
        }
        if let limit = limits.synapseMemoryBits, widestBits > limit {
            throw SpikeKitError.model(layer: population.name, reason: "one neuron needs \(widestBits) synapse bits, more than the "
                + "\(limit) of a '\(chip)' core (core.synapseMemoryBits)")
        }
        func fits(_ size: Int) -> Bool {
            var start = 0
            while start < n {
                let range = start..<min(n, start + size)
                let (axons, bits) = demand(range, population: p, graph: graph, hardware: hardware)
                if let limit = limits.fanIn, axons > limit { return false }
                if let limit = limits.synapseMemoryBits, bits > limit { return false }
                start = range.upperBound
            }
            return true
        }
        var k = max(1, (n + (limits.neurons ?? n) - 1) / (limits.neurons ?? n))
        while true {
            let size = (n + k - 1) / k
            if size <= 1 || fits(size) { return max(size, 1) }
            // Grow the core count by about 10 % a try: few tries even for layers of many cores.
            k = max(k + 1, k * 11 / 10)
        }
    }
}
