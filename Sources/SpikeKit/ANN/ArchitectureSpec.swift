/// A network's architecture as data: a name and the explicit list of its layers, in order.
///
/// Sizes that follow from the input (a convolution's input channels, a linear layer's inputs) are
/// not stored; `Network(spec:inputShape:seed:)` infers them, so one spec describes the network for
/// any input size it fits. The spec is saved in every checkpoint, so a network can be rebuilt from
/// its file alone. Its JSON form is `{"name": "cnn-s", "layers": [{"type": "conv", ...}, ...]}`
/// (see `LayerSpec`); a layer object may carry a `"name"`, which becomes the layer's name and the
/// prefix of its tensors (`features.0` → `features.0.weight`, as in a PyTorch `state_dict`).
/// Unnamed layers are named by kind and count (`conv1`, `fc2`; see `NetworkBuilder`).
public struct ArchitectureSpec: Equatable, Sendable {
    public var name: String
    public var layers: [LayerSpec]
    /// One entry per layer: the user's name, or nil for the automatic one.
    public var layerNames: [String?]

    public init(name: String, layers: [LayerSpec], layerNames: [String?]? = nil) {
        precondition(layerNames.map { $0.count == layers.count } ?? true, "one name (or nil) per layer")
        self.name = name
        self.layers = layers
        self.layerNames = layerNames ?? Array(repeating: nil, count: layers.count)
    }

    /// The spec with every dropout probability replaced by `p` (nil keeps them).
    public func overridingDropout(_ p: Float?) -> ArchitectureSpec {
        guard let p else { return self }
        return replacingLayers { layer in
            if case .dropout = layer { return .dropout(p: p) }
            return layer
        }
    }

    /// The spec with every plain ReLU (also inside residual blocks) replaced by `activation`.
    public func replacingReLU(with activation: ActivationSpec) -> ArchitectureSpec {
        guard case .clippedRelu = activation else { return self }
        return replacingLayers { layer in
            switch layer {
            case .relu: return activation.layerSpec
            case .residual(let outChannels, let stride, .relu):
                return .residual(outChannels: outChannels, stride: stride, activation: activation)
            default: return layer
            }
        }
    }

    private func replacingLayers(_ transform: (LayerSpec) -> LayerSpec) -> ArchitectureSpec {
        ArchitectureSpec(name: name, layers: layers.map(transform), layerNames: layerNames)
    }
}

extension ArchitectureSpec: Codable {
    private enum CodingKeys: String, CodingKey { case name, layers }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let layers = try container.decode([NamedLayer].self, forKey: .layers)
        self.init(name: try container.decode(String.self, forKey: .name), layers: layers.map(\.spec),
                  layerNames: layers.map(\.name))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(zip(layers, layerNames).map { NamedLayer(spec: $0, name: $1) }, forKey: .layers)
    }
}

/// A layer object with its optional `"name"` beside the `LayerSpec` fields.
fileprivate struct NamedLayer: Codable {
    var spec: LayerSpec
    var name: String?
    private enum NameKey: String, CodingKey { case name }

    init(spec: LayerSpec, name: String?) {
        self.spec = spec
        self.name = name
    }

    init(from decoder: any Decoder) throws {
        spec = try LayerSpec(from: decoder)
        name = try decoder.container(keyedBy: NameKey.self).decodeIfPresent(String.self, forKey: .name)
    }

    func encode(to encoder: any Encoder) throws {
        try spec.encode(to: encoder)
        var container = encoder.container(keyedBy: NameKey.self)
        try container.encodeIfPresent(name, forKey: .name)
    }
}

/// One layer of an `ArchitectureSpec`.
///
/// JSON: an object with `"type"` and the case's fields; fields with a default may be left out. Every
/// type also takes an optional `"name"` (read by `ArchitectureSpec`).
///
/// | type          | fields (default)                                                        |
/// |---------------|-------------------------------------------------------------------------|
/// | `conv`        | `outChannels`, `kernel`, `stride` (1), `padding` (0), `groups` (1; = channels: depthwise), `bias` (false) |
/// | `linear`      | `outputs`, `bias` (false)                                                |
/// | `avgPool`     | `kernel`, `stride` (= kernel), `padding` (0; zeros, counted in the mean)   |
/// | `sumPool`     | `kernel`, `stride` (= kernel): the window's sum (Sinabs `SumPool2d`)      |
/// | `maxPool`     | `kernel`, `stride` (= kernel), `padding` (0; −∞)                           |
/// | `relu`        | —                                                                        |
/// | `clippedRelu` | `initialClip` (4.0)                                                      |
/// | `dropout`     | `p`                                                                      |
/// | `flatten`     | —                                                                        |
/// | `residual`    | `outChannels`, `stride` (1), `activation` (`relu` or `clippedRelu`), `initialClip` (4.0) |
/// | `add`         | `from` (a layer's name), `shortcut` (identity; or a list of `conv` / `batchNorm` layers) |
/// | `batchNorm`   | —                                                                        |
public enum LayerSpec: Equatable, Sendable {
    case conv(outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1, bias: Bool = false)
    case linear(outputs: Int, bias: Bool = false)
    case avgPool(kernel: Int, stride: Int, padding: Int = 0)
    /// The window's sum, k² times its average.
    case sumPool(kernel: Int, stride: Int, padding: Int = 0)
    case maxPool(kernel: Int, stride: Int, padding: Int = 0)
    case relu
    case clippedRelu(initialClip: Float)
    case dropout(p: Float)
    case flatten
    case residual(outChannels: Int, stride: Int, activation: ActivationSpec = .relu)
    case batchNorm
    /// A residual add: the output of the layers since layer `from` plus the shortcut of `from`'s output
    /// (the identity, or the `shortcut` layers), then the activation that must follow.
    case add(from: String, shortcut: [LayerSpec] = [], shortcutNames: [String?] = [])

    /// The JSON `type` of each case.
    public static let typeNames = ["conv", "linear", "avgPool", "sumPool", "maxPool", "relu", "clippedRelu", "dropout",
                                   "flatten", "residual", "batchNorm", "add"]

    public var typeName: String {
        switch self {
        case .conv: return "conv"
        case .linear: return "linear"
        case .avgPool: return "avgPool"
        case .sumPool: return "sumPool"
        case .maxPool: return "maxPool"
        case .relu: return "relu"
        case .clippedRelu: return "clippedRelu"
        case .dropout: return "dropout"
        case .flatten: return "flatten"
        case .residual: return "residual"
        case .batchNorm: return "batchNorm"
        case .add: return "add"
        }
    }
}

extension LayerSpec: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static func allowedKeys(_ type: String) -> [String] {
        switch type {
        case "conv": return ["outChannels", "kernel", "stride", "padding", "groups", "bias"]
        case "linear": return ["outputs", "bias"]
        case "avgPool", "sumPool", "maxPool": return ["kernel", "stride", "padding"]
        case "clippedRelu": return ["initialClip"]
        case "dropout": return ["p"]
        case "residual": return ["outChannels", "stride", "activation", "initialClip"]
        case "add": return ["from", "shortcut"]
        default: return []
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let type = try container.decode(String.self, forKey: Key("type"))
        guard LayerSpec.typeNames.contains(type) else {
            let hint = NameSuggestion.closest(to: type, in: LayerSpec.typeNames).map { "; did you mean '\($0)'?" } ?? ""
            throw DecodingError.dataCorruptedError(forKey: Key("type"), in: container,
                                                   debugDescription: "unknown layer type '\(type)'\(hint) (known: \(LayerSpec.typeNames.joined(separator: ", ")))")
        }
        let allowed = LayerSpec.allowedKeys(type)
        for key in container.allKeys where !["type", "name"].contains(key.stringValue) && !allowed.contains(key.stringValue) {
            let hint = NameSuggestion.closest(to: key.stringValue, in: allowed).map { "; did you mean '\($0)'?" } ?? ""
            throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                   debugDescription: "unknown field '\(key.stringValue)' for a '\(type)' layer\(hint)")
        }
        func int(_ key: String) throws -> Int { try container.decode(Int.self, forKey: Key(key)) }
        func int(_ key: String, default value: Int) throws -> Int { try container.decodeIfPresent(Int.self, forKey: Key(key)) ?? value }
        func bool(_ key: String) throws -> Bool { try container.decodeIfPresent(Bool.self, forKey: Key(key)) ?? false }
        func float(_ key: String, default value: Float? = nil) throws -> Float {
            if let value { return try container.decodeIfPresent(Float.self, forKey: Key(key)) ?? value }
            return try container.decode(Float.self, forKey: Key(key))
        }
        switch type {
        case "conv":
            self = .conv(outChannels: try int("outChannels"), kernel: try int("kernel"), stride: try int("stride", default: 1),
                         padding: try int("padding", default: 0), groups: try int("groups", default: 1), bias: try bool("bias"))
        case "linear": self = .linear(outputs: try int("outputs"), bias: try bool("bias"))
        case "avgPool":
            let kernel = try int("kernel")
            self = .avgPool(kernel: kernel, stride: try int("stride", default: kernel), padding: try int("padding", default: 0))
        case "sumPool":
            let kernel = try int("kernel")
            self = .sumPool(kernel: kernel, stride: try int("stride", default: kernel), padding: try int("padding", default: 0))
        case "maxPool":
            let kernel = try int("kernel")
            self = .maxPool(kernel: kernel, stride: try int("stride", default: kernel), padding: try int("padding", default: 0))
        case "relu": self = .relu
        case "clippedRelu": self = .clippedRelu(initialClip: try float("initialClip", default: 4))
        case "dropout": self = .dropout(p: try float("p"))
        case "flatten": self = .flatten
        case "residual":
            let activationName = try container.decodeIfPresent(String.self, forKey: Key("activation")) ?? "relu"
            let activation: ActivationSpec
            switch activationName {
            case "relu": activation = .relu
            case "clippedRelu": activation = .clippedRelu(initialClip: try float("initialClip", default: 4))
            default:
                throw DecodingError.dataCorruptedError(forKey: Key("activation"), in: container,
                                                       debugDescription: "unknown activation '\(activationName)' (known: relu, clippedRelu)")
            }
            self = .residual(outChannels: try int("outChannels"), stride: try int("stride", default: 1), activation: activation)
        case "add":
            let shortcut = try container.decodeIfPresent([NamedLayer].self, forKey: Key("shortcut")) ?? []
            self = .add(from: try container.decode(String.self, forKey: Key("from")), shortcut: shortcut.map(\.spec),
                        shortcutNames: shortcut.map(\.name))
        default: self = .batchNorm
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(typeName, forKey: Key("type"))
        switch self {
        case .conv(let outChannels, let kernel, let stride, let padding, let groups, let bias):
            try container.encode(outChannels, forKey: Key("outChannels"))
            try container.encode(kernel, forKey: Key("kernel"))
            try container.encode(stride, forKey: Key("stride"))
            try container.encode(padding, forKey: Key("padding"))
            // Written only when grouped, so configs without groups keep their effective JSON (and hash).
            if groups != 1 { try container.encode(groups, forKey: Key("groups")) }
            try container.encode(bias, forKey: Key("bias"))
        case .linear(let outputs, let bias):
            try container.encode(outputs, forKey: Key("outputs"))
            try container.encode(bias, forKey: Key("bias"))
        case .avgPool(let kernel, let stride, let padding), .sumPool(let kernel, let stride, let padding),
             .maxPool(let kernel, let stride, let padding):
            try container.encode(kernel, forKey: Key("kernel"))
            try container.encode(stride, forKey: Key("stride"))
            // Written only when padded, so configs without it keep their effective JSON (and hash).
            if padding != 0 { try container.encode(padding, forKey: Key("padding")) }
        case .clippedRelu(let clip):
            try container.encode(clip, forKey: Key("initialClip"))
        case .dropout(let p):
            try container.encode(p, forKey: Key("p"))
        case .residual(let outChannels, let stride, let activation):
            try container.encode(outChannels, forKey: Key("outChannels"))
            try container.encode(stride, forKey: Key("stride"))
            switch activation {
            case .relu:
                try container.encode("relu", forKey: Key("activation"))
            case .clippedRelu(let clip):
                try container.encode("clippedRelu", forKey: Key("activation"))
                try container.encode(clip, forKey: Key("initialClip"))
            }
        case .add(let from, let shortcut, let names):
            try container.encode(from, forKey: Key("from"))
            if !shortcut.isEmpty {
                let named = shortcut.indices.map { NamedLayer(spec: shortcut[$0], name: $0 < names.count ? names[$0] : nil) }
                try container.encode(named, forKey: Key("shortcut"))
            }
        case .relu, .flatten, .batchNorm:
            break
        }
    }
}
