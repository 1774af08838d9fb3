/// Builds a `SpikingNetwork` from a NIR graph: the inverse of `NIRExport`, and the way networks made
/// in other tools come into SpikeKit to be simulated event-driven, counted and priced.
///
/// The graph must be one chain Input → … → Output (every node one edge in and one out), except for
/// residual blocks: a node that feeds two branches which join (NIR sums its inputs) at a population,
/// one branch Conv2d → neurons → Conv2d, the other nothing (an identity shortcut), a `Scale` (an
/// identity scaled per channel) or a `Conv2d` (a projection). Nodes map as
/// follows, dt being the step length (`timeStep`, else the graph's `spikekit_dt`, else 10⁻⁴ s):
///
/// - `Conv2d` (any groups, dilation 1, equal stride and padding in H and W), `Linear`, `Affine` →
///   a synapse. It must be followed by a population (`IF`, `LIF`, `CubaLIF`, `Threshold`), by `Scale`s (folded
///   into its weights and bias), or by `Output`, which makes it the output accumulator.
/// - `IF` → λ = 1 and input gain g = r; `LIF` (v_leak = 0) → λ = 1 − dt/τ, g = r·dt/τ. A gain other
///   than 1 is folded into the incoming synapse's weights and bias (per output neuron). A
///   v_threshold that differs between neurons is folded the same way: the population gets the
///   largest θ_max and neuron i's incoming weights and bias are multiplied by θ_max/θ_i, so
///   v_i·θ_max/θ_i crosses θ_max exactly when v_i crosses θ_i (up to float rounding; exact when the
///   ratios are powers of two). After a convolution θ may vary by channel, not by position (the
///   weights are shared over positions). v_reset must be 0 (reset to zero), unless the node's
///   metadata says `spikekit_reset` = "subtract" or the import is told `reset: .subtract`.
/// - `Threshold` → a population that forgets its membrane each step (leak = the smallest normal
///   float, reset to zero): it spikes when this step's input exceeds the threshold. Exact except for
///   a residue of 10⁻³⁸ of the previous membrane.
/// - `AvgPool2d` → average pooling; `SumPool2d` → average pooling with its k² folded into the next
///   synapse's weights. Square kernels, equal strides, equal padding (at most half the kernel; zeros counted in the mean).
/// - `Flatten` of all dimensions → flatten. `Scale` → folded into the next synapse's inputs (per
///   input element or channel) or, right after a synapse, into that synapse's outputs.
/// - A graph that ends with spiking neurons (… → IF → Output) gets an identity output accumulator,
///   so the output potentials are the last population's spike counts.
/// - `CubaLIF` (v_leak = 0) → SpikeKit's `cuba-lif` neurons, by the Euler step every NIR tool uses
///   (snnTorch's `Synaptic`, Norse's CubaLIF): α_i = 1 − dt/τ_syn, λ = 1 − dt/τ_mem, and the per-step
///   gain g = (w_in·dt/τ_syn)·(r·dt/τ_mem) folded into the incoming synapse (see `currentBasedLIF`).
/// - Every other node type is refused by name.
public struct NIRImport: Sendable {
    /// How the imported IF, LIF and CubaLIF neurons reset after a spike (`model.nirReset`).
    public enum ResetRule: String, CaseIterable, Sendable {
        /// As the graph says: NIR's reset to v_reset (which must be 0), or SpikeKit's subtraction
        /// where a node's `spikekit_reset` metadata says so.
        case graph
        /// By subtraction of the threshold, whatever the graph says: how Sinabs (`MembraneSubtract`,
        /// its default) and snnTorch (`reset_mechanism="subtract"`, its default) simulate the
        /// networks they export, though NIR's IF and LIF nodes cannot record it.
        case subtract
    }

    /// Seconds per time step; nil: the graph's `spikekit_dt` metadata, else 10⁻⁴ s.
    public var timeStep: Double?
    /// The reset of every imported population (`Threshold` nodes always forget their membrane).
    public var reset: ResetRule

    public init(timeStep: Double? = nil, reset: ResetRule = .graph) {
        self.timeStep = timeStep
        self.reset = reset
    }

    /// At most this many neurons (or input values) in one layer, and in the identity output layer
    /// that counts a spiking end's spikes (its weights are n²).
    static let maximumNeurons = 1 << 24
    static let maximumCountedOutputs = 4_096

    /// The node types `network(from:)` maps.
    public static let supportedTypes = ["Input", "Output", "Affine", "Linear", "Conv2d", "IF", "LIF", "CubaLIF",
                                        "Threshold", "SumPool2d", "AvgPool2d", "Flatten", "Scale"]

    /// The network, and notes about what the import changed (folded gains, added layers).
    public func network(from graph: NIRGraph, path: String) throws -> (network: SpikingNetwork, notes: [String]) {
        var state = State(path: path, dt: timeStep ?? graph.metadata["spikekit_dt"]?.number ?? 1e-4, resetRule: reset)
        guard state.dt > 0 && state.dt.isFinite else { throw state.fail(nil, "the time step must be positive, got \(state.dt)") }
        for step in try state.chain(graph) {
            switch step {
            case .node(let name): try state.visit(name, graph.nodes[name]!, metadata: graph.nodeMetadata[name] ?? [:])
            case .residual(let main, let shortcut, let merge): try state.visitResidual(main: main, shortcut: shortcut, merge: merge, graph: graph)
            }
        }
        return (try state.finish(), state.notes)
    }

    /// The discrete SpikeKit parameters of a NIR CubaLIF node, dt being the step length.
    ///
    /// NIR's equations, τ_syn·İ = −I + w_in·S and τ_mem·v̇ = (v_leak − v) + R·I, take one forward-Euler
    /// step of dt in every NIR simulator that runs them (snnTorch 1.0 `import_nir`: α = 1 − dt/τ_syn,
    /// β = 1 − dt/τ_mem, inputs scaled by w_in·dt/τ_syn; Norse 1.1 chains `LIBoxCell` and `LIFBoxCell`,
    /// the membrane reading the current after this step's update):
    ///   I^t = (1 − dt/τ_syn)·I^{t−1} + (w_in·dt/τ_syn)·S^t,  v^t = (1 − dt/τ_mem)·v^{t−1} + (R·dt/τ_mem)·I^t.
    /// Both equations are linear, so with i = (R·dt/τ_mem)·I this is SpikeKit's `cuba-lif`,
    /// i^t = α_i·i^{t−1} + g·S^t and v^t = λ·u^{t−1} + i^t, with α_i = 1 − dt/τ_syn, λ = 1 − dt/τ_mem
    /// and g = (w_in·dt/τ_syn)·(R·dt/τ_mem) per neuron, which goes into the synapse's weights and bias.
    /// The exact 32-bit λ and α_i SpikeKit exported (metadata `spikekit_leak`, `spikekit_current_decay`)
    /// are used when they agree with the time constants.
    static func currentBasedLIF(tauSyn: NIRArray, tauMem: NIRArray, r: NIRArray, vLeak: NIRArray, wIn: NIRArray, dt: Double,
                                metadata: [String: NIRMetadataValue],
                                expand: (NIRArray) throws -> [Double],
                                fail: (String) -> SpikeKitError) throws -> (leak: Float, currentDecay: Float, gain: NIRArray) {
        guard vLeak.values.allSatisfy({ $0 == 0 }) else { throw fail("v_leak must be 0 (SpikeKit leaks towards 0)") }
        guard let ts = tauSyn.uniformValue, ts > 0, ts.isFinite else {
            throw fail("tau_syn must be one positive value for the population (SpikeKit has one current decay per layer)")
        }
        guard let tm = tauMem.uniformValue, tm > 0, tm.isFinite else {
            throw fail("tau_mem must be one positive value for the population (SpikeKit has one leak per layer)")
        }
        func exact(_ value: Double, _ key: String) -> Float {
            if let saved = metadata[key]?.number, abs(value - saved) < 1e-6 { return Float(saved) }
            return Float(value)
        }
        let leak = exact(1 - dt / tm, "spikekit_leak")
        let decay = exact(1 - dt / ts, "spikekit_current_decay")
        guard leak > 0 && leak <= 1 else {
            throw fail("tau_mem = \(tm) s with dt = \(dt) s gives the leak 1 − dt/τ_mem = \(1 - dt / tm), outside (0, 1]; "
                       + "is the time step right?")
        }
        guard decay >= 0 && decay < 1 else {
            throw fail("tau_syn = \(ts) s with dt = \(dt) s gives the current decay 1 − dt/τ_syn = \(1 - dt / ts), outside [0, 1) "
                       + "(τ_syn must be at least dt); is the time step right?")
        }
        let (w, rr) = (try expand(wIn), try expand(r))
        let gain = zip(w, rr).map { ($0 * dt / ts) * ($1 * dt / tm) }
        return (leak, decay, NIRArray(shape: [gain.count], values: gain))
    }

    /// The conversion state while walking the chain.
    struct State {
        let path: String
        let dt: Double
        let resetRule: ResetRule
        var notes: [String] = []
        var inputShape: FeatureShape?
        /// The shape of what flows out of the last node, and whether it is a flat vector (after a
        /// Flatten, the shape of the image it flattened).
        var shape = FeatureShape.flat(1)
        var flat = true
        var layers: [SpikingLayer] = []
        /// A synapse waiting for its neurons (or for Output).
        var pending: (name: String, synapse: Synapse)?
        /// A per-element (CHW order) factor to fold into the next synapse's inputs.
        var inputScale: [Double]?
        var sawOutput = false
        /// A residual block waiting for its second population: its name, first half and shortcut.
        var residual: (name: String, conv1: Synapse, neurons1: NeuronParameters, shortcut: Synapse)?

        func fail(_ node: String?, _ reason: String) -> SpikeKitError {
            .checkpoint(path: path, reason: node.map { "NIR node '\($0)': \(reason)" } ?? reason)
        }

        /// One step of the walk from Input to Output: a node, or a residual block — two branches from
        /// the previous node (`main` the longer, `shortcut` the other, possibly empty) that NIR sums at
        /// the population `merge`.
        enum Step {
            case node(String)
            case residual(main: [String], shortcut: [String], merge: String)
        }

        /// The walk from Input to Output, checking the graph is one chain with, at most, residual blocks.
        func chain(_ graph: NIRGraph) throws -> [Step] {
            for (name, node) in graph.nodes.sorted(by: { $0.key < $1.key }) {
                if case .other(let type) = node {
                    throw fail(name, "type '\(type)' is not supported (supported: \(NIRImport.supportedTypes.joined(separator: ", ")))")
                }
            }
            var outgoing: [String: [String]] = [:], incoming: [String: Int] = [:]
            for e in graph.edges {
                guard graph.nodes[e.source] != nil, graph.nodes[e.target] != nil else {
                    throw fail(nil, "edge \(e.source) → \(e.target) names a node the graph does not have")
                }
                outgoing[e.source, default: []].append(e.target)
                incoming[e.target, default: 0] += 1
            }
            let inputs = graph.nodes.filter { if case .input = $0.value { return true } else { return false } }.keys.sorted()
            guard inputs.count == 1, let start = inputs.first else {
                throw fail(nil, "the graph must have exactly one Input node, it has \(inputs.count)")
            }
            func isPopulation(_ name: String) -> Bool {
                switch graph.nodes[name] {
                case .integrateAndFire?, .leakyIntegrateAndFire?, .currentBasedLIF?, .threshold?: return true
                default: return false
                }
            }
            var steps: [Step] = [.node(start)]
            var seen: Set<String> = [start]
            var current = start
            while true {
                let next = (outgoing[current] ?? []).sorted()
                if case .output = graph.nodes[current]! {
                    guard next.isEmpty else { throw fail(current, "an Output node cannot have outgoing edges") }
                    break
                }
                let branching = "it feeds \(next.count) nodes (\(next.joined(separator: ", "))); only chains and residual blocks "
                    + "(two branches that join at a population) are supported"
                if next.count == 2 {
                    // Follow each branch through nodes with one edge in and one out, to where they join.
                    func branch(_ first: String) throws -> (nodes: [String], end: String) {
                        var nodes: [String] = [], n = first
                        while (incoming[n] ?? 0) == 1 {
                            guard !seen.contains(n), nodes.count < graph.nodes.count else { throw fail(n, "the graph has a cycle") }
                            nodes.append(n)
                            guard let out = outgoing[n], out.count == 1 else { throw fail(current, branching) }
                            n = out[0]
                        }
                        return (nodes, n)
                    }
                    let a = try branch(next[0]), b = try branch(next[1])
                    guard a.end == b.end, incoming[a.end] == 2, isPopulation(a.end), !seen.contains(a.end) else { throw fail(current, branching) }
                    let (main, shortcut) = a.nodes.count >= b.nodes.count ? (a.nodes, b.nodes) : (b.nodes, a.nodes)
                    steps.append(.residual(main: main, shortcut: shortcut, merge: a.end))
                    seen.formUnion(main + shortcut + [a.end])
                    current = a.end
                    continue
                }
                guard next.count == 1 else {
                    throw fail(current, next.isEmpty ? "the chain stops here without reaching an Output node" : branching)
                }
                guard (incoming[next[0]] ?? 0) == 1 else {
                    throw fail(next[0], "it receives \(incoming[next[0]] ?? 0) edges; only chains and residual blocks are supported "
                               + "(no other sums, no recurrence)")
                }
                guard !seen.contains(next[0]) else { throw fail(next[0], "the graph has a cycle") }
                steps.append(.node(next[0]))
                seen.insert(next[0])
                current = next[0]
            }
            if let stray = graph.nodes.keys.sorted().first(where: { !seen.contains($0) }) {
                throw fail(stray, "the node is not on the chain from Input to Output")
            }
            return steps
        }

        /// A residual block: the shortcut from the block's input (nothing: the identity; `Scale`: an
        /// identity scaled per channel; `Conv2d`, with `Scale`s folded), then the main branch, which
        /// must be Conv2d → neurons → Conv2d, then the population `merge` that sums both.
        mutating func visitResidual(main: [String], shortcut: [String], merge: String, graph: NIRGraph) throws {
            let metadata = graph.nodeMetadata[merge] ?? [:]
            let blockName = metadata["spikekit_block"]?.string ?? merge
            guard pending == nil, !flat else {
                throw fail(merge, "a residual block needs an image [C, H, W] from neurons, pooling or the input before it")
            }
            guard inputScale == nil else { throw fail(merge, "a Scale before a residual block cannot be folded into its two branches") }
            let input = shape
            for name in shortcut {
                let node = graph.nodes[name]!
                switch node {
                case .conv2d, .scale: try visit(name, node, metadata: [:])
                default: throw fail(name, "a residual block's shortcut may hold only Conv2d and Scale nodes, not \(node.typeName)")
                }
            }
            let shortcutSynapse: Synapse
            if let (_, synapse) = pending {
                shortcutSynapse = synapse
                pending = nil
            } else {
                var channelScale: [Float]?
                if let scale = takeInputScale() {
                    let positions = input.height * input.width
                    channelScale = try (0..<input.channels).map { c in
                        let s = scale[c * positions]
                        guard scale[(c * positions)..<((c + 1) * positions)].allSatisfy({ $0 == s }) else {
                            throw fail(shortcut.last ?? merge, "a Scale on an identity shortcut must be the same at every position of a channel")
                        }
                        return Float(s)
                    }
                }
                shortcutSynapse = Synapse.identity(name: metadata["spikekit_shortcut"]?.string ?? blockName + "_shortcut",
                                                   shape: input, channelScale: channelScale)
            }
            guard inputScale == nil else { throw fail(shortcut.last ?? merge, "a Scale ends the shortcut where nothing can take it") }
            let shortcutOutput = shortcutSynapse.outputShape
            shape = input; flat = false
            let before = layers.count
            for name in main { try visit(name, graph.nodes[name]!, metadata: graph.nodeMetadata[name] ?? [:]) }
            guard layers.count == before + 1, case .synaptic(let conv1, let neurons1?, _) = layers[before], case .convolution = conv1.connectivity,
                  let conv2 = pending?.synapse, case .convolution = conv2.connectivity, inputScale == nil else {
                throw fail(merge, "a residual block's longer branch must be Conv2d → neurons → Conv2d, got \(main.joined(separator: " → "))")
            }
            guard shape == shortcutOutput else {
                throw fail(merge, "its branches bring \(shape) and \(shortcutOutput) values; they must match")
            }
            layers.removeLast()
            residual = (blockName, conv1, neurons1, shortcutSynapse)
            try visit(merge, graph.nodes[merge]!, metadata: metadata)
        }

        static func featureShape(_ dims: [Int]) -> (FeatureShape, Bool)? {
            guard dims.allSatisfy({ $0 >= 1 && $0 <= NIRImport.maximumNeurons }) else { return nil }
            switch dims.count {
            case 1: return (.flat(dims[0]), true)
            case 3:
                guard dims[0] * dims[1] <= NIRImport.maximumNeurons, dims[0] * dims[1] * dims[2] <= NIRImport.maximumNeurons else { return nil }
                return (FeatureShape(height: dims[1], width: dims[2], channels: dims[0]), false)
            default: return nil
            }
        }

        mutating func visit(_ name: String, _ node: NIRNode, metadata: [String: NIRMetadataValue]) throws {
            if pending != nil {
                switch node {
                case .integrateAndFire, .leakyIntegrateAndFire, .threshold, .scale, .output, .currentBasedLIF: break
                default: throw fail(name, "a synapse must be followed by neurons (IF, LIF, CubaLIF, Threshold), Scale or Output, "
                                    + "not \(node.typeName)")
                }
            }
            switch node {
            case .input(let dims):
                guard let (s, f) = Self.featureShape(dims) else {
                    throw fail(name, "input shape \(dims) must be [C, H, W] or [n] with positive extents")
                }
                inputShape = s; shape = s; flat = f
            case .output(let dims):
                if let (_, synapse) = pending {
                    layers.append(.synaptic(synapse, neurons: nil, inputDropout: 0))
                    pending = nil
                } else {
                    // The graph ends with spiking neurons: count their spikes in an identity accumulator.
                    guard !layers.isEmpty else { throw fail(name, "the graph has no layers") }
                    let n = shape.count
                    guard n <= NIRImport.maximumCountedOutputs else {
                        throw fail(name, "the graph ends with \(n) spiking neurons; SpikeKit counts at most "
                                   + "\(NIRImport.maximumCountedOutputs) in an added output layer (end it with a synapse instead)")
                    }
                    var eye = [Float](repeating: 0, count: n * n)
                    for i in 0..<n { eye[i * n + i] = 1 }
                    var weights = eye
                    if let scale = inputScale { for i in 0..<n { weights[i * n + i] = Float(scale[i]) } ; inputScale = nil }
                    layers.append(.synaptic(Synapse.linear(name: name, inputShape: shape, outputs: n, pytorchWeights: weights),
                                            neurons: nil, inputDropout: 0))
                    notes.append("the graph ends with spiking neurons: an identity output layer '\(name)' counts their spikes")
                    shape = .flat(n); flat = true
                }
                guard dims.reduce(1, *) == shape.count else {
                    throw fail(name, "output shape \(dims) does not hold the \(shape.count) values that reach it")
                }
                sawOutput = true
            case .linear(let weight):
                try addLinear(name, weight: weight, bias: nil)
            case .affine(let weight, let bias):
                try addLinear(name, weight: weight, bias: bias)
            case .conv2d(let weight, let bias, let stride, let padding, let dilation, let groups, let inputDims):
                try addConvolution(name, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
                                   groups: groups, inputDims: inputDims)
            case .integrateAndFire(let r, let vThreshold, let vReset):
                try addNeurons(name, leak: 1, gain: r, threshold: vThreshold, reset: vReset, metadata: metadata)
            case .leakyIntegrateAndFire(let tau, let r, let vLeak, let vThreshold, let vReset):
                guard vLeak.values.allSatisfy({ $0 == 0 }) else { throw fail(name, "v_leak must be 0 (SpikeKit leaks towards 0)") }
                guard let t = tau.uniformValue, t > 0, t.isFinite else { throw fail(name, "tau must be one positive value for the population") }
                var leak = Float(1 - dt / t)
                // The exact 32-bit leak SpikeKit exported, when it agrees with τ.
                if let saved = metadata["spikekit_leak"]?.number, abs(Double(leak) - saved) < 1e-6 { leak = Float(saved) }
                guard leak > 0 && leak <= 1 else {
                    throw fail(name, "tau = \(t) s with dt = \(dt) s gives the leak 1 − dt/τ = \(1 - dt / t), outside (0, 1]; "
                               + "is the time step right?")
                }
                let gain = NIRArray(shape: r.shape, values: r.values.map { $0 * dt / t })
                try addNeurons(name, leak: leak, gain: gain, threshold: vThreshold, reset: vReset, metadata: metadata)
            case .threshold(let t):
                try addNeurons(name, leak: .leastNormalMagnitude, gain: .filled(1, shape: t.shape), threshold: t,
                               reset: .filled(0, shape: t.shape), metadata: metadata, forgets: true)
                notes.append("'\(name)': the stateless Threshold is simulated as neurons that keep 10⁻³⁸ of their membrane")
            case .currentBasedLIF(let tauSyn, let tauMem, let r, let vLeak, let vThreshold, let vReset, let wIn):
                let shape = self.shape
                let p = try NIRImport.currentBasedLIF(tauSyn: tauSyn, tauMem: tauMem, r: r, vLeak: vLeak, wIn: wIn, dt: dt,
                                                      metadata: metadata,
                                                      expand: { try self.expand(name, $0, to: shape) },
                                                      fail: { self.fail(name, $0) })
                try addNeurons(name, leak: p.leak, gain: p.gain, threshold: vThreshold, reset: vReset, metadata: metadata,
                               model: .currentBasedLIF, currentDecay: p.currentDecay, gainFormula: "w_in·r·dt²/(τ_syn·τ_mem)")
            case .sumPool2d(let k, let s, let p), .avgPool2d(let k, let s, let p):
                try addPooling(name, kernel: k, stride: s, padding: p, sum: { if case .sumPool2d = node { return true }; return false }())
            case .flatten(let start, let end, let inputDims):
                let rank = flat ? 1 : 3
                guard start == 0 || start == -rank, end == -1 || end == rank - 1 else {
                    throw fail(name, "only flattening all dimensions is supported (start_dim 0, end_dim −1), got \(start)…\(end)")
                }
                if let dims = inputDims, dims.reduce(1, *) != shape.count {
                    throw fail(name, "input_type \(dims) does not match the \(shape) values that reach it")
                }
                // SpikeKit's flatten leaves events in the image's height-width-channel order, so `shape`
                // stays the image's: the next fully connected synapse maps CHW columns onto it.
                if !flat { layers.append(.flatten(name: name, input: shape)) }
                flat = true
            case .scale(let s):
                let values = try expand(name, s, to: shape)
                if case (let pname, var synapse)? = pending {
                    // Right after a synapse: scale its outputs (per channel for a convolution).
                    try scaleOutputs(&synapse, values, name)
                    pending = (pname, synapse); _ = pname
                } else {
                    inputScale = zip(inputScale ?? [Double](repeating: 1, count: values.count), values).map { $0 * $1 }
                }
            case .other(let type):
                throw fail(name, "type '\(type)' is not supported")
            }
        }

        /// A scale array broadcast to every element of `shape` (CHW order): a scalar, one per channel, or one per element.
        func expand(_ name: String, _ a: NIRArray, to shape: FeatureShape) throws -> [Double] {
            let n = shape.count
            if a.values.count == 1 { return [Double](repeating: a.values[0], count: n) }
            if a.values.count == n { return a.values }
            if a.values.count == shape.channels {
                let positions = shape.height * shape.width
                return (0..<n).map { a.values[$0 / positions] }
            }
            throw fail(name, "an array of shape \(a.shape) does not fit the \(shape) values it applies to")
        }

        mutating func takeInputScale() -> [Double]? { defer { inputScale = nil }; return inputScale }

        mutating func addLinear(_ name: String, weight: NIRArray, bias: NIRArray?) throws {
            guard weight.shape.count == 2 else { throw fail(name, "weight must be [out, in], got shape \(weight.shape)") }
            let (outputs, inputs) = (weight.shape[0], weight.shape[1])
            guard inputs == shape.count, outputs >= 1 else {
                throw fail(name, "weight [\(outputs), \(inputs)] does not take the \(shape.count) values that reach it")
            }
            var w = weight.values
            if let scale = takeInputScale() {
                for o in 0..<outputs { for i in 0..<inputs { w[o * inputs + i] *= scale[i] } }
            }
            let b = try bias.map { bias -> [Float] in
                guard bias.values.count == outputs else { throw fail(name, "bias has \(bias.values.count) values, expected \(outputs)") }
                return bias.values.map { Float($0) }
            }
            try checkFinite(name, w + (bias?.values ?? []))
            // A flat input keeps SpikeKit's shape; an image input is flattened implicitly (NCHW order = CHW).
            pending = (name, Synapse.linear(name: name, inputShape: shape, outputs: outputs, pytorchWeights: w.map { Float($0) }, bias: b))
            shape = .flat(outputs); flat = true
        }

        mutating func addConvolution(_ name: String, weight: NIRArray, bias: NIRArray, stride: [Int], padding: [Int],
                                     dilation: [Int], groups: Int, inputDims: [Int]?) throws {
            guard !flat || (shape.height == 1 && shape.width == 1 && false) else {
                throw fail(name, "a convolution needs an image input [C, H, W], but a flat vector reaches it")
            }
            guard weight.shape.count == 4 else { throw fail(name, "weight must be [C_out, C_in, kH, kW], got \(weight.shape)") }
            guard groups >= 1, shape.channels % groups == 0, weight.shape[0] % groups == 0 else {
                throw fail(name, "groups \(groups) must be positive and divide the \(shape.channels) input and \(weight.shape[0]) output channels")
            }
            guard dilation == [1, 1] else { throw fail(name, "dilation \(dilation) is not supported (only 1)") }
            guard stride[0] == stride[1], padding[0] == padding[1], stride[0] >= 1, padding[0] >= 0 else {
                throw fail(name, "stride \(stride) and padding \(padding) must be the same in height and width")
            }
            let (co, ci, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
            guard ci * groups == shape.channels else {
                throw fail(name, "weight takes \(ci) input channels per group (\(groups) groups), but \(shape.channels) reach it")
            }
            if let dims = inputDims, dims.suffix(2) != [shape.height, shape.width] {
                throw fail(name, "input_shape \(dims) does not match the \(shape.height)×\(shape.width) images that reach it")
            }
            guard padding[0] < max(kh, kw) else { throw fail(name, "padding \(padding[0]) is not smaller than the \(kh)×\(kw) kernel") }
            let g = ConvolutionGeometry(inChannels: ci * groups, outChannels: co, inputHeight: shape.height, inputWidth: shape.width,
                                        kernelHeight: kh, kernelWidth: kw, stride: stride[0], padding: padding[0], groups: groups)
            if let problem = g.problem { throw fail(name, problem) }
            guard g.outputHeight * g.outputWidth <= NIRImport.maximumNeurons / max(1, co) else {
                throw fail(name, "the convolution's \(g.outputHeight)×\(g.outputWidth)×\(co) outputs are more than SpikeKit simulates in one layer")
            }
            var w = weight.values
            if let scale = takeInputScale() {
                // Per input channel only: a convolution shares its weights over positions. Input channel
                // c is column c − g·ci of the outputs of its group g.
                let positions = shape.height * shape.width
                for c in 0..<(ci * groups) {
                    let s = scale[c * positions]
                    guard scale[(c * positions)..<((c + 1) * positions)].allSatisfy({ $0 == s }) else {
                        throw fail(name, "a Scale before a convolution must be the same at every position of a channel")
                    }
                    let (group, local) = c.quotientAndRemainder(dividingBy: ci)
                    for o in (group * co / groups)..<((group + 1) * co / groups) {
                        for k in 0..<(kh * kw) { w[(o * ci + local) * kh * kw + k] *= s }
                    }
                }
            }
            guard bias.values.count == co else { throw fail(name, "bias has \(bias.values.count) values, expected \(co)") }
            try checkFinite(name, w + bias.values)
            let b: [Float]? = bias.values.allSatisfy { $0 == 0 } ? nil : bias.values.map { Float($0) }
            pending = (name, Synapse.convolution(name: name, geometry: g, pytorchWeights: w.map { Float($0) }, bias: b))
            shape = FeatureShape(height: g.outputHeight, width: g.outputWidth, channels: co); flat = false
        }

        func checkFinite(_ name: String, _ values: [Double]) throws {
            if let v = values.first(where: { !$0.isFinite || abs($0) > Double(Float.greatestFiniteMagnitude) }) {
                throw fail(name, "holds a value that is not a finite 32-bit float (\(v))")
            }
        }

        /// Multiplies a synapse's outputs (weights and bias) by `values` (CHW order over its outputs).
        func scaleOutputs(_ synapse: inout Synapse, _ values: [Double], _ name: String) throws {
            let out = synapse.outputShape
            var perChannel = [Double](repeating: 1, count: out.channels)
            let positions = out.height * out.width
            for c in 0..<out.channels {
                let s = values[c * positions]
                guard values[(c * positions)..<((c + 1) * positions)].allSatisfy({ $0 == s }) else {
                    throw fail(name, "a per-position scale after a convolution cannot be folded into it")
                }
                perChannel[c] = s
            }
            if case .identity = synapse.connectivity {
                let scales = (0..<out.channels).map { Float(Double(synapse.identityWeight(channel: $0)) * perChannel[$0]) }
                synapse = Synapse.identity(name: synapse.name, shape: out, channelScale: scales.allSatisfy { $0 == 1 } ? nil : scales)
                return
            }
            var w = synapse.pytorchWeights()
            let per = w.count / max(1, out.channels)
            for o in 0..<w.count {
                // PyTorch layout: the output channel is the leading index for both kinds of synapse.
                let c = o / per
                w[o] = Float(Double(w[o]) * perChannel[c])
            }
            var rebuilt: Synapse
            switch synapse.connectivity {
            case .linear: rebuilt = Synapse.linear(name: synapse.name, inputShape: synapse.inputShape, outputs: out.count, pytorchWeights: w)
            case .convolution(let g): rebuilt = Synapse.convolution(name: synapse.name, geometry: g, pytorchWeights: w)
            case .identity: rebuilt = synapse
            }
            rebuilt.bias = synapse.bias.map { b in b.indices.map { Float(Double(b[$0]) * perChannel[$0]) } }
            synapse = rebuilt
        }

        mutating func addNeurons(_ name: String, leak: Float, gain: NIRArray, threshold: NIRArray, reset: NIRArray,
                                 metadata: [String: NIRMetadataValue], model: NeuronModel = .integrateAndFire,
                                 currentDecay: Float = 0, gainFormula: String? = nil, forgets: Bool = false) throws {
            guard case (let synapseName, var synapse)? = pending else {
                throw fail(name, "neurons must follow a synapse (Conv2d, Linear or Affine)")
            }
            pending = nil
            guard threshold.values.count == shape.count || threshold.values.count == 1 else {
                throw fail(name, "v_threshold has \(threshold.values.count) values for \(shape.count) neurons")
            }
            guard let theta = threshold.values.max(), threshold.values.allSatisfy({ $0 > 0 && Float($0) > 0 }),
                  theta.isFinite, theta <= Double(Float.greatestFiniteMagnitude) else {
                throw fail(name, "v_threshold must be positive and finite for every neuron")
            }
            let subtract = !forgets && (resetRule == .subtract || metadata["spikekit_reset"]?.string == "subtract")
            if !subtract && !reset.values.allSatisfy({ $0 == 0 }) {
                throw fail(name, "v_reset must be 0 (reset to zero); other reset potentials are not supported "
                           + "(a network simulated with reset by subtraction, as Sinabs and snnTorch do, imports with model.nirReset \"subtract\")")
            }
            var gains = [Double](repeating: 1, count: shape.count)
            if let g = gain.uniformValue, abs(g - 1) <= 1e-6 {
                // The usual case: no gain to fold.
            } else if case let g = try expand(name, gain, to: shape), g.contains(where: { abs($0 - 1) > 1e-6 }) {
                gains = g
                let formula = gainFormula ?? "r·dt\(leak == 1 ? "" : "/τ")"
                notes.append("'\(name)': the input gain \(formula) = \(gains[0]) is folded into '\(synapseName)'")
            }
            if threshold.uniformValue == nil {
                // One θ per population: neuron i's input is scaled by θ_max/θ_i instead.
                let thresholds = try expand(name, threshold, to: shape)
                let positions = shape.height * shape.width
                if positions > 1, let c = (0..<shape.channels).first(where: { c in
                    thresholds[(c * positions)..<((c + 1) * positions)].contains { $0 != thresholds[c * positions] }
                }) {
                    throw fail(name, "v_threshold differs between positions of channel \(c); after a convolution, whose weights are "
                               + "shared over positions, it may differ by channel only")
                }
                for i in gains.indices { gains[i] *= theta / thresholds[i] }
                notes.append("'\(name)': v_threshold differs between neurons (\(thresholds.min() ?? theta) to \(theta)); "
                             + "each neuron's input is scaled by \(theta)/θ_i in '\(synapseName)' and the population fires at θ = \(theta)")
            }
            if gains.contains(where: { $0 != 1 }) {
                try scaleOutputs(&synapse, gains, name)
                if residual != nil { try scaleOutputs(&residual!.shortcut, gains, name) }
            }
            var initial: Float = 0
            if let rho = metadata["spikekit_initial_membrane"]?.number {
                guard rho >= 0 && rho < 1 else { throw fail(name, "spikekit_initial_membrane must be in [0, 1), got \(rho)") }
                initial = Float(rho)
            }
            let neurons = NeuronParameters(threshold: Float(theta), leak: leak, reset: subtract ? .subtract : .zero,
                                           initialMembrane: initial, model: model, currentDecay: currentDecay)
            if let r = residual {
                layers.append(.residual(ResidualBlock(name: r.name, conv1: r.conv1, neurons1: r.neurons1, conv2: synapse,
                                                      shortcut: r.shortcut, neurons2: neurons)))
                residual = nil
            } else {
                layers.append(.synaptic(synapse, neurons: neurons, inputDropout: 0))
            }
            _ = synapseName
        }

        mutating func addPooling(_ name: String, kernel: [Int], stride: [Int], padding: [Int], sum: Bool) throws {
            guard !flat else { throw fail(name, "pooling needs an image input [C, H, W], but a flat vector reaches it") }
            guard kernel[0] == kernel[1], stride[0] == stride[1], kernel[0] >= 1, stride[0] >= 1 else {
                throw fail(name, "only square kernels with equal strides are supported, got kernel \(kernel) stride \(stride)")
            }
            let k = kernel[0], s = stride[0], p = padding.first ?? 0
            guard padding.count == 2, padding[0] == padding[1], p >= 0, p <= k / 2 else {
                throw fail(name, "padding \(padding) must be the same in height and width and at most half the kernel \(k)")
            }
            guard k <= shape.height + 2 * p, k <= shape.width + 2 * p else { throw fail(name, "kernel \(k) does not fit the \(shape) input") }
            if let scale = inputScale, scale.contains(where: { $0 != scale[0] }) {
                throw fail(name, "a non-uniform Scale before pooling cannot be folded")
            }
            let layer = SpikingLayer.averagePool(name: name, input: shape, kernel: k, stride: s, padding: p)
            layers.append(layer)
            shape = layer.outputShape
            let factor = sum ? Double(k * k) : 1
            let carried = inputScale?.first ?? 1
            inputScale = carried * factor == 1 ? nil : [Double](repeating: carried * factor, count: shape.count)
        }

        func finish() throws -> SpikingNetwork {
            guard let inputShape else { throw fail(nil, "the graph has no Input node") }
            guard sawOutput else { throw fail(nil, "the graph has no Output node") }
            let network = SpikingNetwork(inputShape: inputShape, layers: layers)
            do { try network.validate() } catch SpikeKitError.model(let layer, let reason) {
                throw fail(layer, reason)
            }
            return network
        }
    }
}
