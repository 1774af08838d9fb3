import Foundation

/// A whole spiking network in one safetensors file, so a converted or fine-tuned SNN can be
/// simulated, priced or fine-tuned again without redoing the conversion.
///
/// Tensors: one per weight in PyTorch layout, named after its synapse, `<synapse>.weight`
/// (`[out, in]` with NCHW-flattened inputs for a linear synapse, `[c_out, c_in, kh, kw]` for a
/// convolution) and `<synapse>.bias` (`[c_out]`) when the synapse has a bias. Identity shortcuts have
/// no tensor. Metadata: `format` = `spikekit-spiking-network`, `formatVersion` = `1`, and
/// `spikingNetwork`, a JSON object with the structure:
///
///     {"inputShape": {"height": 28, "width": 28, "channels": 1},
///      "layers": [
///        {"kind": "synaptic", "name": "conv1", "inputDropout": 0,
///         "synapse": {"name": "conv1", "kind": "convolution", "bias": false,
///                     "inputShape": {...}, "outputShape": {...},
///                     "geometry": {"inChannels": 1, "outChannels": 16, "inputHeight": 28, "inputWidth": 28,
///                                  "kernelHeight": 3, "kernelWidth": 3, "stride": 1, "padding": 1}},
///         "neurons": {"threshold": 1.25, "leak": 1, "reset": "subtract"}},
///        {"kind": "averagePool", "name": "pool1", "input": {...}, "kernel": 2, "stride": 2},
///        {"kind": "maxPool", ...}, {"kind": "flatten", "name": "flatten", "input": {...}},
///        {"kind": "residual", "name": "block1", "conv1": {synapse}, "neurons1": {...},
///         "conv2": {synapse}, "shortcut": {synapse, kind "identity" or "convolution"}, "neurons2": {...}},
///        {"kind": "synaptic", "name": "fc", "synapse": {..., "kind": "linear"}, "inputDropout": 0}]}
///
/// The output layer is the last `synaptic` layer and has no `neurons`. Thresholds, leaks and dropout
/// rates are written as the exact decimal value of the 32-bit float (as a double), so a loaded
/// network simulates bit-identically to the saved one. Free-form metadata (the run's recipe, its
/// statistics, the encoding it was simulated with) travels alongside under other keys.
///
/// Loading validates everything before building anything (NEST's discipline: validate into a copy,
/// then commit): the format tag, every layer kind, shape and geometry, that consecutive layers'
/// shapes chain, that every weight and bias tensor is present with the expected shape and holds only
/// finite values, and that no tensor is left over. Each problem throws
/// `SpikeKitError.checkpoint(path:reason:)` naming the layer.
public enum SpikingNetworkCheckpoint {
    /// The metadata keys SpikeKit itself writes; free-form metadata may not use them.
    public static let reservedKeys: Set<String> = ["format", "formatVersion", "spikingNetwork"]
    static let formatName = "spikekit-spiking-network"
    static let formatVersion = "1"

    // MARK: Saving

    /// Saves `network` to `url` atomically, with `metadata` (keys other than `reservedKeys`).
    public static func save(_ network: SpikingNetwork, to url: URL, metadata: [String: String] = [:]) throws {
        try Safetensors.write(try contents(of: network, metadata: metadata), to: url)
    }

    /// What `save` writes: the network's tensors and metadata.
    public static func contents(of network: SpikingNetwork, metadata: [String: String] = [:]) throws -> Safetensors.Contents {
        if let clash = metadata.keys.sorted().first(where: reservedKeys.contains) {
            throw SpikeKitError.usage("checkpoint metadata key '\(clash)' is reserved by SpikeKit")
        }
        try network.validate()
        var seen = Set<String>()
        for synapse in network.synapses where !seen.insert(synapse.name).inserted {
            throw SpikeKitError.model(layer: synapse.name, reason: "two synapses share this name; their tensors would collide")
        }
        let description = NetworkDescription(network)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var allMetadata = metadata
        allMetadata["format"] = formatName
        allMetadata["formatVersion"] = formatVersion
        allMetadata["spikingNetwork"] = String(decoding: try encoder.encode(description), as: UTF8.self)
        var tensors: [(name: String, tensor: Tensor)] = []
        for synapse in network.synapses {
            switch synapse.connectivity {
            case .identity:
                // A rescaled shortcut keeps one weight per channel; a plain one has no tensor.
                if !synapse.weights.isEmpty {
                    tensors.append((synapse.name + ".weight", Tensor(shape: [synapse.weights.count], scalars: synapse.weights)))
                }
                continue
            case .linear:
                tensors.append((synapse.name + ".weight",
                                Tensor(shape: [synapse.outputShape.count, synapse.inputShape.count],
                                       scalars: synapse.pytorchWeights())))
            case .convolution(let g):
                tensors.append((synapse.name + ".weight", Tensor(shape: g.weightShape, scalars: synapse.pytorchWeights())))
            }
            if let bias = synapse.bias {
                tensors.append((synapse.name + ".bias", Tensor(shape: [bias.count], scalars: bias)))
            }
        }
        return Safetensors.Contents(tensors: tensors, metadata: allMetadata)
    }

    // MARK: Loading

    /// Loads the network saved at `url` and its free-form metadata (without `reservedKeys`).
    public static func load(from url: URL) throws -> (network: SpikingNetwork, metadata: [String: String]) {
        let contents = try Safetensors.read(from: url)
        let network = try decode(contents, path: url.path)
        return (network, contents.metadata.filter { !reservedKeys.contains($0.key) })
    }

    /// Builds the network described by already-read safetensors `contents`; `path` names the file in errors.
    public static func decode(_ contents: Safetensors.Contents, path: String) throws -> SpikingNetwork {
        func fail(_ reason: String) -> SpikeKitError { .checkpoint(path: path, reason: reason) }
        guard contents.metadata["format"] == formatName else {
            throw fail("not a SpikeKit spiking-network checkpoint (metadata 'format' is "
                       + "\(contents.metadata["format"].map { "'\($0)'" } ?? "missing"), expected '\(formatName)')")
        }
        guard contents.metadata["formatVersion"] == formatVersion else {
            throw fail("unsupported format version \(contents.metadata["formatVersion"].map { "'\($0)'" } ?? "(missing)"); "
                       + "this SpikeKit reads version \(formatVersion)")
        }
        guard let text = contents.metadata["spikingNetwork"] else { throw fail("metadata 'spikingNetwork' is missing") }
        let description: NetworkDescription
        do {
            description = try JSONDecoder().decode(NetworkDescription.self, from: Data(text.utf8))
        } catch {
            throw fail("metadata 'spikingNetwork' does not describe a spiking network (\(Self.describe(error)))")
        }
        var builder = Builder(tensors: contents.dictionary, path: path)
        let network = try builder.build(description)
        if let extra = builder.tensors.keys.sorted().first {
            throw fail("tensor '\(extra)' belongs to no synapse of the network")
        }
        do {
            try network.validate()
        } catch SpikeKitError.model(let layer, let reason) {
            throw fail(layer.map { "layer '\($0)': \(reason)" } ?? reason)
        }
        return network
    }

    /// A short account of a JSON decoding error: what is wrong and where.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        return DecodingProblem(error).description
    }
}

// MARK: - The structure as JSON

/// The `spikingNetwork` metadata object.
struct NetworkDescription: Codable {
    var inputShape: FeatureShape
    var layers: [LayerDescription]

    init(_ network: SpikingNetwork) {
        inputShape = network.inputShape
        layers = network.layers.map(LayerDescription.init)
    }
}

/// One layer: `kind` says which of the optional fields it uses.
struct LayerDescription: Codable {
    var kind: String
    var name: String
    var synapse: SynapseDescription?
    var neurons: NeuronDescription?
    var inputDropout: Double?
    var input: FeatureShape?
    var kernel: Int?
    var stride: Int?
    /// A pooling layer's padding, written only when not 0.
    var padding: Int?
    var conv1: SynapseDescription?
    var neurons1: NeuronDescription?
    var conv2: SynapseDescription?
    var shortcut: SynapseDescription?
    var neurons2: NeuronDescription?

    static let kinds = ["synaptic", "averagePool", "maxPool", "flatten", "residual"]

    init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }

    init(_ layer: SpikingLayer) {
        switch layer {
        case .synaptic(let s, let neurons, let dropout):
            self.init(kind: "synaptic", name: s.name)
            synapse = SynapseDescription(s)
            self.neurons = neurons.map(NeuronDescription.init)
            inputDropout = Double(dropout)
        case .averagePool(let name, let input, let k, let s, let p), .maxPool(let name, let input, let k, let s, let p):
            if case .maxPool = layer { self.init(kind: "maxPool", name: name) } else { self.init(kind: "averagePool", name: name) }
            self.input = input
            kernel = k
            stride = s
            padding = p == 0 ? nil : p
        case .flatten(let name, let input):
            self.init(kind: "flatten", name: name)
            self.input = input
        case .residual(let b):
            self.init(kind: "residual", name: b.name)
            conv1 = SynapseDescription(b.conv1)
            neurons1 = NeuronDescription(b.neurons1)
            conv2 = SynapseDescription(b.conv2)
            shortcut = SynapseDescription(b.shortcut)
            neurons2 = NeuronDescription(b.neurons2)
        }
    }
}

/// A synapse's structure; its weights are the tensors `<name>.weight` and `<name>.bias`.
struct SynapseDescription: Codable {
    var name: String
    /// `linear`, `convolution` or `identity`.
    var kind: String
    var inputShape: FeatureShape
    var outputShape: FeatureShape
    var geometry: ConvolutionGeometry?
    var bias: Bool

    init(_ s: Synapse) {
        name = s.name
        inputShape = s.inputShape
        outputShape = s.outputShape
        bias = s.bias != nil
        switch s.connectivity {
        case .linear: kind = "linear"
        case .identity: kind = "identity"
        case .convolution(let g): kind = "convolution"; geometry = g
        }
    }
}

/// Neuron parameters. Floats are stored as doubles: `Double(Float)` is exact and its shortest
/// decimal form reads back to the same double, hence the same float.
struct NeuronDescription: Codable {
    var threshold: Double
    var leak: Double
    var reset: String
    /// Optional: absent (older files) means 0.
    var initialMembrane: Double?
    /// Optional: absent (older files, and IF/LIF populations) means "if".
    var model: String?
    /// Optional: the synaptic-current decay α_i of a "cuba-lif" population; absent means 0.
    var currentDecay: Double?

    init(_ p: NeuronParameters) {
        threshold = Double(p.threshold)
        leak = Double(p.leak)
        reset = p.reset.rawValue
        initialMembrane = p.initialMembrane == 0 ? nil : Double(p.initialMembrane)
        model = p.model == .integrateAndFire ? nil : p.model.rawValue
        currentDecay = p.currentDecay == 0 ? nil : Double(p.currentDecay)
    }
}

// MARK: - Validation and assembly

/// Builds a network from its description, consuming the tensors it uses; every check names the layer.
private struct Builder {
    var tensors: [String: Tensor]
    let path: String

    /// Extents above this are refused before any size is computed (neuron indices are 32-bit).
    static let maximumExtent = 1 << 24

    init(tensors: [String: Tensor], path: String) {
        self.tensors = tensors
        self.path = path
    }

    func fail(_ layer: String, _ reason: String) -> SpikeKitError {
        .checkpoint(path: path, reason: "layer '\(layer)': \(reason)")
    }

    mutating func build(_ description: NetworkDescription) throws -> SpikingNetwork {
        try check(description.inputShape, "the input shape", layer: "input")
        guard !description.layers.isEmpty else {
            throw SpikeKitError.checkpoint(path: path, reason: "the network has no layers")
        }
        var shape = description.inputShape
        var layers: [SpikingLayer] = []
        for (index, d) in description.layers.enumerated() {
            let name = d.name.isEmpty ? "#\(index)" : d.name
            let layer: SpikingLayer
            switch d.kind {
            case "synaptic":
                guard let s = d.synapse else { throw fail(name, "a synaptic layer needs 'synapse'") }
                let synapse = try self.synapse(s, layer: name)
                let dropout = Float(d.inputDropout ?? 0)
                guard dropout >= 0 && dropout < 1 else {
                    throw fail(name, "input dropout must be in [0, 1), got \(d.inputDropout ?? 0)")
                }
                layer = .synaptic(synapse, neurons: try d.neurons.map { try neurons($0, layer: name) }, inputDropout: dropout)
            case "averagePool", "maxPool":
                guard let input = d.input, let k = d.kernel, let s = d.stride else {
                    throw fail(name, "a pooling layer needs 'input', 'kernel' and 'stride'")
                }
                try check(input, "its input shape", layer: name)
                let p = d.padding ?? 0
                guard k >= 1, s >= 1, p >= 0, p <= k / 2, k <= input.height + 2 * p, k <= input.width + 2 * p else {
                    throw fail(name, "pooling kernel \(k) stride \(s) padding \(p) does not fit its \(input) input")
                }
                layer = d.kind == "maxPool" ? .maxPool(name: d.name, input: input, kernel: k, stride: s, padding: p)
                                            : .averagePool(name: d.name, input: input, kernel: k, stride: s, padding: p)
            case "flatten":
                guard let input = d.input else { throw fail(name, "a flatten layer needs 'input'") }
                try check(input, "its input shape", layer: name)
                layer = .flatten(name: d.name, input: input)
            case "residual":
                guard let c1 = d.conv1, let n1 = d.neurons1, let c2 = d.conv2, let sc = d.shortcut, let n2 = d.neurons2 else {
                    throw fail(name, "a residual block needs 'conv1', 'neurons1', 'conv2', 'shortcut' and 'neurons2'")
                }
                let conv1 = try synapse(c1, layer: name), conv2 = try synapse(c2, layer: name)
                let shortcut = try synapse(sc, layer: name)
                guard conv1.outputShape == conv2.inputShape, conv2.outputShape == shortcut.outputShape,
                      conv1.inputShape == shortcut.inputShape else {
                    throw fail(name, "the block's shapes do not chain (conv1 \(conv1.inputShape)→\(conv1.outputShape), "
                               + "conv2 \(conv2.inputShape)→\(conv2.outputShape), "
                               + "shortcut \(shortcut.inputShape)→\(shortcut.outputShape))")
                }
                layer = .residual(ResidualBlock(name: d.name, conv1: conv1, neurons1: try neurons(n1, layer: name),
                                                conv2: conv2, shortcut: shortcut, neurons2: try neurons(n2, layer: name)))
            default:
                var reason = "unknown layer kind '\(d.kind)' (known kinds: \(LayerDescription.kinds.joined(separator: ", ")))"
                if let suggestion = NameSuggestion.closest(to: d.kind, in: LayerDescription.kinds) {
                    reason += "; did you mean '\(suggestion)'?"
                }
                throw fail(name, reason)
            }
            guard layer.inputShape.count == shape.count else {
                let source = index == 0 ? "the \(shape) network input" : "\(shape) events from the layer before"
                throw fail(name, "expects \(layer.inputShape) inputs but receives \(source)")
            }
            shape = layer.outputShape
            layers.append(layer)
        }
        return SpikingNetwork(inputShape: description.inputShape, layers: layers)
    }

    /// Every extent positive and bounded, so no size computation can overflow.
    func check(_ shape: FeatureShape, _ what: String, layer: String) throws {
        let extents = [shape.height, shape.width, shape.channels]
        guard extents.allSatisfy({ $0 >= 1 && $0 <= Self.maximumExtent }),
              shape.height * shape.width <= Self.maximumExtent, shape.count <= Int(Int32.max) else {
            throw fail(layer, "\(what) \(shape) is not a valid extent")
        }
    }

    mutating func synapse(_ d: SynapseDescription, layer: String) throws -> Synapse {
        let label = d.name == layer ? "" : "synapse '\(d.name)': "
        guard !d.name.isEmpty else { throw fail(layer, "a synapse has no name") }
        try check(d.inputShape, label + "the input shape", layer: layer)
        try check(d.outputShape, label + "the output shape", layer: layer)
        let synapse: Synapse
        switch d.kind {
        case "identity":
            guard d.inputShape == d.outputShape, !d.bias else {
                throw fail(layer, label + "an identity synapse maps a shape onto itself without bias, "
                           + "got \(d.inputShape)→\(d.outputShape)\(d.bias ? " with bias" : "")")
            }
            // Present only for a shortcut a recipe rescaled: one weight per channel.
            guard tensors[d.name + ".weight"] != nil else { return Synapse.identity(name: d.name, shape: d.inputShape) }
            let scales = try weight(d.name + ".weight", shape: [d.inputShape.channels], layer: layer)
            return Synapse.identity(name: d.name, shape: d.inputShape, channelScale: scales)
        case "linear":
            guard d.outputShape.height == 1, d.outputShape.width == 1 else {
                throw fail(layer, label + "a linear synapse's outputs are 1×1×n, got \(d.outputShape)")
            }
            let (inputs, outputs) = (d.inputShape.count, d.outputShape.channels)
            let w = try weight(d.name + ".weight", shape: [outputs, inputs], layer: layer)
            synapse = Synapse.linear(name: d.name, inputShape: d.inputShape, outputs: outputs, pytorchWeights: w)
        case "convolution":
            guard let g = d.geometry else { throw fail(layer, label + "a convolution needs 'geometry'") }
            if let problem = g.problem { throw fail(layer, label + problem) }
            guard [g.kernelHeight, g.kernelWidth, g.stride, g.padding].allSatisfy({ $0 <= Self.maximumExtent }) else {
                throw fail(layer, label + "the convolution's kernel, stride or padding is out of range")
            }
            let input = FeatureShape(height: g.inputHeight, width: g.inputWidth, channels: g.inChannels)
            let output = FeatureShape(height: g.outputHeight, width: g.outputWidth, channels: g.outChannels)
            guard input == d.inputShape, output == d.outputShape else {
                throw fail(layer, label + "the geometry maps \(input)→\(output), but the shapes say \(d.inputShape)→\(d.outputShape)")
            }
            let w = try weight(d.name + ".weight", shape: g.weightShape, layer: layer)
            synapse = Synapse.convolution(name: d.name, geometry: g, pytorchWeights: w)
        default:
            throw fail(layer, label + "unknown synapse kind '\(d.kind)' (known kinds: linear, convolution, identity)")
        }
        var result = synapse
        if d.bias {
            result.bias = try weight(d.name + ".bias", shape: [d.outputShape.channels], layer: layer)
        }
        return result
    }

    /// The tensor `name` with exactly `shape` and finite values, removed from the pool.
    mutating func weight(_ name: String, shape: [Int], layer: String) throws -> [Float] {
        guard let tensor = tensors.removeValue(forKey: name) else {
            throw fail(layer, "tensor '\(name)' is missing")
        }
        guard tensor.shape == shape else {
            throw fail(layer, "tensor '\(name)' has shape \(tensor.shape), expected \(shape)")
        }
        if let k = tensor.scalars.firstIndex(where: { !$0.isFinite }) {
            throw fail(layer, "tensor '\(name)' holds a non-finite value (\(tensor.scalars[k]) at element \(k))")
        }
        return tensor.scalars
    }

    func neurons(_ d: NeuronDescription, layer: String) throws -> NeuronParameters {
        guard let reset = ResetMode(rawValue: d.reset) else {
            throw fail(layer, "unknown reset '\(d.reset)' (known: \(ResetMode.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let threshold = Float(d.threshold), leak = Float(d.leak), initial = Float(d.initialMembrane ?? 0)
        guard let model = NeuronModel(rawValue: d.model ?? NeuronModel.integrateAndFire.rawValue) else {
            throw fail(layer, "unknown neuron model '\(d.model ?? "")' (known: \(NeuronModel.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let parameters = NeuronParameters(threshold: threshold, leak: leak, reset: reset, initialMembrane: initial,
                                          model: model, currentDecay: Float(d.currentDecay ?? 0))
        if let problem = parameters.problem { throw fail(layer, problem) }
        return parameters
    }
}
