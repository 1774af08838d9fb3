/// Turns a `SpikingNetwork` into a NIR graph, and says where NIR cannot express what SpikeKit simulates.
///
/// The mapping, per time step t with step length dt (`timeStep`, default 10⁻⁴ s, snnTorch's choice):
///
/// - A synapse becomes `Conv2d` (weights `[C_out, C_in, kH, kW]`, a zero bias if it has none),
///   `Affine` (with bias) or `Linear`; its input is flattened by a `Flatten` node first when the
///   synapse is fully connected and its input is an image. The weights are those SpikeKit simulates:
///   threshold balancing's θ and the low-latency recipe's spike value β·μ are already folded in
///   (`SpikingNetwork.rescaled`), so the spikes stay binary on both sides.
/// - A population with leak λ = 1 becomes `IF` with r = 1 (snnTorch imports only r = 1 and reads
///   v[t] = v[t−1] + r·I[t]); one with λ < 1 becomes `LIF` with τ = dt/(1 − λ), r = τ/dt, v_leak = 0,
///   whose Euler step v ← v + (dt/τ)(v_leak − v + r·I) is SpikeKit's u ← λ·u + I exactly (the
///   per-step input gain r·dt/τ is 1). v_threshold = θ (strict: a spike when v > θ), v_reset = 0.
/// - A `cuba-lif` population (synaptic current i ← α_i·i + I, membrane v ← λ·u + i) becomes
///   `CubaLIF` with τ_syn = dt/(1 − α_i), w_in = τ_syn/dt, τ_mem = dt/(1 − λ), r = τ_mem/dt, v_leak = 0
///   (per-step gains 1; see `currentBasedLIF`), named `<layer>_cubalif`, with the exact 32-bit λ and
///   α_i in its metadata (`spikekit_leak`, `spikekit_current_decay`).
/// - Reset: NIR resets to v_reset. SpikeKit's reset to zero is exactly that; its reset by
///   subtraction (u ← u − θ) has no NIR field, so the export records it in the node's metadata
///   (`spikekit_reset` = "subtract") and warns. snnTorch's `IF` import happens to subtract.
/// - A partly charged initial membrane u⁰ = ρ·θ has no NIR field either: metadata
///   `spikekit_initial_membrane` = ρ and a warning.
/// - Average pooling of spikes becomes `AvgPool2d` (each output carries the window mean, a fraction),
///   or with `sumPoolWithScale`, `SumPool2d` followed by `Scale` = 1/k² (for tools without AvgPool2d).
/// - The output layer only accumulates: its membrane is Σ_t (W·x^t + b), no threshold, no reset, and
///   the class is its argmax. It becomes the synapse node feeding `Output`; a consumer sums the
///   output over the steps (graph metadata `spikekit_output` = "sum over time steps").
/// - Direct input (the analog image into the first synapse at every step) needs nothing in the
///   graph: the consumer feeds the same image at every step. Poisson input is recorded in metadata
///   (`spikekit_encoding`), as are the pixel normalisation and the number of steps when known.
/// - The delayed ordering (threshold on the previous step's membrane) is not NIR's semantics: the
///   export warns and records `spikekit_ordering`; the immediate ordering is NIR's.
/// - A residual block becomes two branches from its input that NIR sums at the block's second
///   population: conv1 → population → conv2, and the shortcut: a `Conv2d` (projection), a `Scale`
///   (an identity rescaled per channel) or a plain edge (the identity). The second population's
///   metadata names the block and an identity shortcut (`spikekit_block`, `spikekit_shortcut`).
/// - Max pooling is refused (no NIR node for gating max pooling).
///
/// Node names are the layer names with any character other than letters, digits and `_` replaced by
/// `_` (torch-based importers use them as module names); a population is `<layer>_if`, `<layer>_lif` or `<layer>_cubalif`.
public struct NIRExport {
    /// Seconds per SpikeKit time step, for τ and r.
    public var timeStep: Double = 1e-4
    /// Export average pooling as SumPool2d + Scale instead of AvgPool2d.
    public var sumPoolWithScale = false

    public init(timeStep: Double = 1e-4, sumPoolWithScale: Bool = false) {
        self.timeStep = timeStep
        self.sumPoolWithScale = sumPoolWithScale
    }

    /// How the network is simulated, as far as the graph should record it.
    public struct Context: Sendable {
        public var encoding: InputEncoding?
        public var ordering: SpikeOrdering?
        public var timeSteps: Int?
        /// Free-form entries copied into the graph metadata (for instance the pixel normalisation).
        public var extra: [String: String]

        public init(encoding: InputEncoding? = nil, ordering: SpikeOrdering? = nil, timeSteps: Int? = nil,
                    extra: [String: String] = [:]) {
            self.encoding = encoding
            self.ordering = ordering
            self.timeSteps = timeSteps
            self.extra = extra
        }

        /// Reads what a SpikeKit checkpoint records (`encoding`, `ordering`, `timeSteps`, `normalization`, `dataset`).
        public init(checkpointMetadata m: [String: String]) {
            self.init(encoding: m["encoding"].flatMap(InputEncoding.init(rawValue:)),
                      ordering: m["ordering"].flatMap(SpikeOrdering.init(rawValue:)),
                      timeSteps: m["timeSteps"].flatMap { Int($0) },
                      extra: m.filter { ["normalization", "dataset", "stage", "run"].contains($0.key) })
        }
    }

    /// The graph, and the warnings about what the consumer will simulate differently unless it reads the metadata.
    public func export(_ network: SpikingNetwork, context: Context = Context()) throws -> (graph: NIRGraph, warnings: [String]) {
        try network.validate()
        guard timeStep > 0 && timeStep.isFinite else { throw SpikeKitError.usage("the NIR time step must be positive, got \(timeStep)") }
        var b = Builder()
        var warnings: [String] = []
        var shape = network.inputShape
        var flat = shape.height == 1 && shape.width == 1
        var previous = b.add("input", .input(shape: Self.nirShape(shape, flat: flat)))

        for layer in network.layers {
            switch layer {
            case .synaptic(let s, let neurons, _):
                if case .linear = s.connectivity, !flat {
                    previous = b.chain(previous, b.add(s.name + "_flatten",
                                                       .flatten(startDim: 0, endDim: -1, inputShape: Self.nirShape(shape, flat: false))))
                    flat = true
                }
                previous = b.chain(previous, b.add(s.name, try Self.synapseNode(s)))
                shape = s.outputShape
                if case .convolution = s.connectivity { flat = false } else { flat = true }
                guard let neurons else {
                    previous = b.chain(previous, b.add("output", .output(shape: [shape.count])))
                    continue
                }
                let name = population(s.name, neurons, dims: Self.nirShape(shape, flat: flat), builder: &b, warnings: &warnings)
                previous = b.chain(previous, name)
            case .averagePool(let name, let input, let k, let s, let p):
                if sumPoolWithScale {
                    previous = b.chain(previous, b.add(name, .sumPool2d(kernel: [k, k], stride: [s, s], padding: [p, p])))
                    let out = layer.outputShape
                    previous = b.chain(previous, b.add(name + "_scale",
                                                       .scale(.filled(1 / Double(k * k), shape: Self.nirShape(out, flat: false)))))
                } else {
                    previous = b.chain(previous, b.add(name, .avgPool2d(kernel: [k, k], stride: [s, s], padding: [p, p])))
                }
                _ = input
                shape = layer.outputShape
            case .maxPool(let name, _, _, _, _):
                throw SpikeKitError.model(layer: name, reason: "max pooling of spikes (gating) has no NIR node; "
                                          + "export a network with average pooling")
            case .flatten(let name, let input):
                if !flat {
                    previous = b.chain(previous, b.add(name, .flatten(startDim: 0, endDim: -1, inputShape: Self.nirShape(input, flat: false))))
                }
                flat = true
                shape = layer.outputShape
            case .residual(let block):
                // Two branches from the block's input that NIR sums at the second population: conv1 →
                // neurons1 → conv2, and the shortcut (a Conv2d, a Scale for a rescaled identity, or a
                // plain edge for the identity).
                let input = previous
                var main = b.chain(input, b.add(block.conv1.name, try Self.synapseNode(block.conv1)))
                let dims = Self.nirShape(block.conv1.outputShape, flat: false)
                main = b.chain(main, population(block.conv1.name, block.neurons1, dims: dims, builder: &b, warnings: &warnings))
                main = b.chain(main, b.add(block.conv2.name, try Self.synapseNode(block.conv2)))
                shape = block.conv2.outputShape
                let merge = population(block.name, block.neurons2, dims: Self.nirShape(shape, flat: false), builder: &b, warnings: &warnings)
                b.chain(main, merge)
                b.metadata[merge, default: [:]]["spikekit_block"] = .string(block.name)
                switch block.shortcut.connectivity {
                case .identity:
                    b.metadata[merge, default: [:]]["spikekit_shortcut"] = .string(block.shortcut.name)
                    let scales = (0..<shape.channels).map { Double(block.shortcut.identityWeight(channel: $0)) }
                    if scales.allSatisfy({ $0 == 1 }) {
                        b.chain(input, merge)
                    } else {
                        let perElement = scales.flatMap { [Double](repeating: $0, count: shape.height * shape.width) }
                        let scale = NIRNode.scale(NIRArray(shape: Self.nirShape(shape, flat: false), values: perElement))
                        b.chain(b.chain(input, b.add(block.shortcut.name, scale)), merge)
                    }
                default:
                    b.chain(b.chain(input, b.add(block.shortcut.name, try Self.synapseNode(block.shortcut))), merge)
                }
                previous = merge
                flat = false
            }
        }

        var metadata: [String: NIRMetadataValue] = [
            "spikekit_output": .string("the output node carries the output layer's current; SpikeKit sums it over the "
                                       + "time steps (no threshold, no reset) and predicts the argmax"),
            "spikekit_dt": .number(timeStep),
        ]
        if let e = context.encoding {
            metadata["spikekit_encoding"] = .string(e.rawValue)
            if e == .poisson {
                warnings.append("the network was simulated with Poisson input: feed it spike trains of sign(x)·[U < |x|] "
                                + "(metadata 'spikekit_encoding'), not the analog image")
            }
        }
        if let o = context.ordering {
            metadata["spikekit_ordering"] = .string(o.rawValue)
            if o == .delayed {
                warnings.append("the network was simulated with the delayed ordering (a spike at t when u^{t−1} > θ), "
                                + "which NIR cannot say; NIR consumers threshold the current membrane (SpikeKit's 'immediate')")
            }
        }
        if let t = context.timeSteps { metadata["spikekit_time_steps"] = .number(Double(t)) }
        for (key, value) in context.extra { metadata["spikekit_" + key] = .string(value) }
        return (NIRGraph(nodes: b.nodes, edges: b.edges, metadata: metadata, nodeMetadata: b.metadata), warnings)
    }

    /// The node of a population after the synapse `synapse` (named `<synapse>_if`, `_lif` or `_cubalif`),
    /// with the metadata and warnings for what NIR cannot say about it.
    func population(_ synapse: String, _ neurons: NeuronParameters, dims: [Int], builder b: inout Builder,
                    warnings: inout [String]) -> String {
        let threshold = NIRArray.filled(Double(neurons.threshold), shape: dims)
        let zeros = NIRArray.filled(0, shape: dims)
        let name: String
        if neurons.model == .currentBasedLIF {
            name = b.add(synapse + "_cubalif", currentBasedLIF(neurons, dims: dims))
            b.metadata[name, default: [:]]["spikekit_leak"] = .number(Double(neurons.leak))
            b.metadata[name, default: [:]]["spikekit_current_decay"] = .number(Double(neurons.currentDecay))
        } else if neurons.leak == 1 {
            name = b.add(synapse + "_if", .integrateAndFire(r: .filled(1, shape: dims), vThreshold: threshold, vReset: zeros))
        } else {
            let tau = timeStep / (1 - Double(neurons.leak))
            name = b.add(synapse + "_lif", .leakyIntegrateAndFire(tau: .filled(tau, shape: dims), r: .filled(tau / timeStep, shape: dims),
                                                                 vLeak: zeros, vThreshold: threshold, vReset: zeros))
            b.metadata[name, default: [:]]["spikekit_leak"] = .number(Double(neurons.leak))
        }
        if neurons.reset == .subtract {
            b.metadata[name, default: [:]]["spikekit_reset"] = .string("subtract")
            warnings.append("'\(name)': SpikeKit resets by subtraction (u ← u − θ); NIR resets to v_reset = 0. "
                            + "The node's metadata says 'spikekit_reset: subtract' (snnTorch's IF import subtracts).")
        }
        if neurons.initialMembrane != 0 {
            b.metadata[name, default: [:]]["spikekit_initial_membrane"] = .number(Double(neurons.initialMembrane))
            warnings.append("'\(name)': membranes start at \(neurons.initialMembrane)·θ, which NIR cannot say "
                            + "(metadata 'spikekit_initial_membrane'); a consumer starts them at 0.")
        }
        return name
    }

    /// A `cuba-lif` population (i ← α_i·i + I, v ← λ·u + i) as NIR's CubaLIF, by the inverse of the
    /// Euler step `NIRImport.currentBasedLIF` reads (and snnTorch's `Synaptic` export writes):
    /// τ_syn = dt/(1 − α_i), w_in = τ_syn/dt, τ_mem = dt/(1 − λ), r = τ_mem/dt, so both per-step
    /// gains w_in·dt/τ_syn and r·dt/τ_mem are 1. λ = 1 (no membrane leak) has no finite τ_mem; it is
    /// written as τ_mem = 2³⁰·dt, r = 2³⁰ (powers of two, so r·dt/τ_mem is exactly 1), whose leak
    /// 1 − 2⁻³⁰ is 1 in 32-bit floats.
    func currentBasedLIF(_ neurons: NeuronParameters, dims: [Int]) -> NIRNode {
        let tauSyn = timeStep / (1 - Double(neurons.currentDecay))
        let tauMem = neurons.leak == 1 ? timeStep * Self.noLeakSteps : timeStep / (1 - Double(neurons.leak))
        return .currentBasedLIF(tauSyn: .filled(tauSyn, shape: dims), tauMem: .filled(tauMem, shape: dims),
                                r: .filled(tauMem / timeStep, shape: dims), vLeak: .filled(0, shape: dims),
                                vThreshold: .filled(Double(neurons.threshold), shape: dims), vReset: .filled(0, shape: dims),
                                wIn: .filled(tauSyn / timeStep, shape: dims))
    }

    /// τ_mem/dt of a CubaLIF population that does not leak.
    static let noLeakSteps = Double(1 << 30)

    /// SpikeKit's height × width × channels as NIR's channels-first shape.
    static func nirShape(_ s: FeatureShape, flat: Bool) -> [Int] { flat ? [s.count] : [s.channels, s.height, s.width] }

    static func synapseNode(_ s: Synapse) throws -> NIRNode {
        let w = s.pytorchWeights().map(Double.init)
        switch s.connectivity {
        case .linear:
            let weight = NIRArray(shape: [s.outputShape.count, s.inputShape.count], values: w)
            if let bias = s.bias { return .affine(weight: weight, bias: NIRArray(shape: [bias.count], values: bias.map(Double.init))) }
            return .linear(weight: weight)
        case .convolution(let g):
            let bias = s.bias.map { $0.map(Double.init) } ?? [Double](repeating: 0, count: g.outChannels)
            return .conv2d(weight: NIRArray(shape: g.weightShape, values: w), bias: NIRArray(shape: [g.outChannels], values: bias),
                           stride: [g.stride, g.stride], padding: [g.padding, g.padding], dilation: [1, 1], groups: g.groups,
                           inputShape: [g.inputHeight, g.inputWidth])
        case .identity:
            throw SpikeKitError.model(layer: s.name, reason: "an identity synapse outside a residual block cannot be exported")
        }
    }

    /// Collects nodes with unique, importer-safe names and the chain of edges.
    struct Builder {
        var nodes: [String: NIRNode] = [:]
        var edges: [NIREdge] = []
        var metadata: [String: [String: NIRMetadataValue]] = [:]

        mutating func add(_ name: String, _ node: NIRNode) -> String {
            var safe = String(name.map { $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII || $0 == "_" ? $0 : "_" })
            if safe.isEmpty { safe = "node" }
            var unique = safe
            var k = 2
            while nodes[unique] != nil { unique = "\(safe)_\(k)"; k += 1 }
            nodes[unique] = node
            return unique
        }

        @discardableResult
        mutating func chain(_ from: String, _ to: String) -> String {
            edges.append(NIREdge(from, to))
            return to
        }
    }
}
