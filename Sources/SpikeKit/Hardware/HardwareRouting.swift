/// Where each neuron's spike goes on a mapped chip: for every source neuron, the cores it reaches
/// and how many synapses (dense and convolutional) it drives on each. One spike then costs one
/// message per entry (SANA-FE's one message per destination core) and those synaptic events.
///
/// Stored compressed-row style: `entries[offsets[p][n] ..< offsets[p][n + 1]]`. Off-chip input
/// (Poisson encoding) is stored as population index `graph.populations.count`.
public struct HardwareRouting: Sendable {
    public struct Entry: Sendable, Equatable {
        public var core: Int32
        public var denseSynapses: Int32
        public var convolutionSynapses: Int32
    }

    public var offsets: [[Int]]
    public var entries: [[Entry]]

    /// No routes (a placeholder until a mapping is complete).
    public static let empty = HardwareRouting(offsets: [], entries: [])

    init(offsets: [[Int]], entries: [[Entry]]) {
        self.offsets = offsets
        self.entries = entries
    }

    public init(mapping: HardwareMapping) {
        let graph = mapping.graph
        let inputIndex = graph.populations.count
        var offsets: [[Int]] = []
        var entries: [[Entry]] = []
        for p in 0...inputIndex {
            let projections = graph.projections.filter { p == inputIndex ? $0.source == nil && !$0.isOffChipCurrent : $0.source == p }
            let count: Int
            if p < inputIndex { count = graph.populations[p].shape.count }
            else { count = projections.first.map { $0.pools.first?.input.count ?? $0.synapse.inputShape.count } ?? 0 }
            var rowOffsets = [0]
            var rows: [Entry] = []
            rowOffsets.reserveCapacity(count + 1)
            var dense: [Int: Int32] = [:], convolution: [Int: Int32] = [:]
            for neuron in 0..<count {
                dense.removeAll(keepingCapacity: true)
                convolution.removeAll(keepingCapacity: true)
                for projection in projections {
                    let isConvolution = projection.isConvolution
                    for input in projection.synapseInputs(ofSource: neuron) {
                        projection.forEachTarget(ofSynapseInput: input) { target in
                            let core = mapping.core(population: projection.target, neuron: target)
                            if isConvolution { convolution[core, default: 0] += 1 } else { dense[core, default: 0] += 1 }
                        }
                    }
                }
                for core in Set(dense.keys).union(convolution.keys).sorted() {
                    rows.append(Entry(core: Int32(core), denseSynapses: dense[core] ?? 0, convolutionSynapses: convolution[core] ?? 0))
                }
                rowOffsets.append(rows.count)
            }
            offsets.append(rowOffsets)
            entries.append(rows)
        }
        self.offsets = offsets
        self.entries = entries
    }

    /// The destination cores of `neuron` of population `population`.
    public func destinations(population: Int, neuron: Int) -> [Int] {
        (offsets[population][neuron]..<offsets[population][neuron + 1]).map { Int(entries[population][$0].core) }
    }
}
