/// A `SpikingNetwork` seen as a chip sees it: populations of neurons, and projections that carry a
/// source population's spikes to a target population's neurons.
///
/// Pooling between a population and the next synapse is folded into that projection: an average
/// pool followed by a convolution or linear layer is itself a linear map of the spikes, so each
/// spike of the pooled population reaches, directly, every target of its pooling window's output
/// (weight w/k², exactly the simulator's arithmetic). A max pool is not linear; it is counted the
/// same way (every spike delivered), an upper bound on the events a chip that gates would see.
/// The analog input of direct encoding is no population: on a chip it enters the first layer as a
/// constant bias current computed off-chip, so that layer's synapses hold no memory and cause no
/// events (its neurons are updated every step). Poisson input comes from off-chip as spikes
/// (`source == nil`).
public struct HardwareGraph: Sendable {
    public struct Population: Sendable {
        public var name: String
        public var shape: FeatureShape
        /// The output accumulator (never spikes).
        public var isOutput: Bool
        /// Receives a constant current every step (direct input or a bias): updated every step.
        public var hasConstantCurrent: Bool
    }

    /// A pooling step between a source population and a projection's synapse.
    public struct Pool: Sendable, Equatable {
        public var input: FeatureShape
        public var kernel: Int
        public var stride: Int
        public var padding: Int = 0
    }

    public struct Projection: Sendable {
        /// The population whose spikes travel (`nil`: off-chip input, Poisson encoding).
        public var source: Int?
        public var target: Int
        /// The index into `SpikingNetwork.synapses`.
        public var synapseIndex: Int
        public var synapse: Synapse
        public var pools: [Pool]
        /// Whether the chip runs it as a convolution (its cheaper synaptic event) or densely.
        public var isConvolution: Bool { if case .convolution = synapse.connectivity { return true } else { return false } }
        /// Direct-input layer: computed off-chip, no synapses on the chip.
        public var isOffChipCurrent: Bool
    }

    public var populations: [Population]
    public var projections: [Projection]

    public init(network: SpikingNetwork, encoding: InputEncoding) {
        var populations: [Population] = []
        var projections: [Projection] = []
        var current: Int? = nil          // the population whose spikes flow now (nil: the input)
        var pools: [Pool] = []
        var synapseIndex = 0
        func add(_ synapse: Synapse, from source: Int?, to target: Int, pools: [Pool]) {
            let offChip = source == nil && encoding == .direct
            projections.append(Projection(source: source, target: target, synapseIndex: synapseIndex, synapse: synapse,
                                          pools: pools, isOffChipCurrent: offChip))
            if offChip || synapse.bias != nil { populations[target].hasConstantCurrent = true }
            synapseIndex += 1
        }
        for layer in network.layers {
            switch layer {
            case .synaptic(let s, let neurons, _):
                populations.append(Population(name: s.name, shape: s.outputShape, isOutput: neurons == nil, hasConstantCurrent: false))
                add(s, from: current, to: populations.count - 1, pools: pools)
                current = populations.count - 1
                pools = []
            case .averagePool(_, let input, let k, let s, let p), .maxPool(_, let input, let k, let s, let p):
                pools.append(Pool(input: input, kernel: k, stride: s, padding: p))
            case .flatten:
                break
            case .residual(let b):
                populations.append(Population(name: b.name + ".conv1", shape: b.conv1.outputShape, isOutput: false, hasConstantCurrent: false))
                populations.append(Population(name: b.name + ".conv2", shape: b.conv2.outputShape, isOutput: false, hasConstantCurrent: false))
                let p1 = populations.count - 2, p2 = populations.count - 1
                add(b.conv1, from: current, to: p1, pools: pools)
                add(b.conv2, from: p1, to: p2, pools: [])
                add(b.shortcut, from: current, to: p2, pools: pools)
                current = p2
                pools = []
            }
        }
        self.populations = populations
        self.projections = projections
    }

    /// The projections whose spikes come from `population`.
    public func projections(from population: Int) -> [Int] {
        projections.indices.filter { projections[$0].source == population }
    }

    /// The projections into `population` that the chip stores (off-chip currents excluded).
    public func onChipProjections(into population: Int) -> [Int] {
        projections.indices.filter { projections[$0].target == population && !projections[$0].isOffChipCurrent }
    }
}

extension HardwareGraph.Projection {
    /// The synapse inputs (HWC indices into `synapse.inputShape`) that source neuron `neuron` drives,
    /// through the pooling chain (a neuron outside every pooling window drives nothing).
    public func synapseInputs(ofSource neuron: Int) -> [Int] {
        var indices = [neuron]
        for pool in pools {
            var next: [Int] = []
            for index in indices {
                let c = index % pool.input.channels, position = index / pool.input.channels
                let (y, x) = (position / pool.input.width, position % pool.input.width)
                let out = pool.input.pooled(kernel: pool.kernel, stride: pool.stride, padding: pool.padding)
                let (outW, py, px) = (out.width, y + pool.padding, x + pool.padding)
                for oy in 0..<out.height where py >= oy * pool.stride && py < oy * pool.stride + pool.kernel {
                    for ox in 0..<outW where px >= ox * pool.stride && px < ox * pool.stride + pool.kernel {
                        next.append((oy * outW + ox) * pool.input.channels + c)
                    }
                }
            }
            indices = next
        }
        return indices
    }

    /// Calls `body(targetNeuron)` for every target neuron (HWC index into `synapse.outputShape`) that
    /// synapse input `input` reaches.
    public func forEachTarget(ofSynapseInput input: Int, _ body: (Int) -> Void) {
        synapse.forEachTarget(ofInput: input) { target, _ in body(target) }
    }

    /// The neurons of one pooling window (k² per pool): how many source spikes share one input.
    public var poolingFactor: Int { pools.reduce(1) { $0 * $1.kernel * $1.kernel } }

    /// The synapses the chip stores for target neuron `neuron`: one per synapse input in its
    /// receptive field (a pooling window's neurons share one input axon, see `HardwareMapping`).
    public func fanIn(ofTarget neuron: Int) -> Int {
        switch synapse.connectivity {
        case .identity: return 1
        case .linear: return synapse.inputShape.count
        case .convolution(let g):
            let position = neuron / synapse.outputShape.channels
            let (oy, ox) = (position / g.outputWidth, position % g.outputWidth)
            var rows = 0, columns = 0
            for ky in 0..<g.kernelHeight {
                let y = oy * g.stride - g.padding + ky
                if y >= 0 && y < g.inputHeight { rows += 1 }
            }
            for kx in 0..<g.kernelWidth {
                let x = ox * g.stride - g.padding + kx
                if x >= 0 && x < g.inputWidth { columns += 1 }
            }
            return rows * columns * g.inChannelsPerGroup
        }
    }
}
