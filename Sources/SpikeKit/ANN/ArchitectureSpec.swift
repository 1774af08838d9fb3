/// A network's architecture as data: a name and the explicit list of its layers, in order.
///
/// Sizes that follow from the input (a convolution's input channels, a linear layer's inputs) are
/// not stored; `Network(spec:inputShape:seed:)` infers them, so one spec describes the network for
/// any input size it fits. The spec is saved in every checkpoint, so a network can be rebuilt from
/// its file alone. Its JSON form is `{"name": "cnn-s", "layers": [{"type": "conv", ...}, ...]}`
/// (see `LayerSpec`).
public struct ArchitectureSpec: Codable, Equatable, Sendable {
    public var name: String
    public var layers: [LayerSpec]

    public init(name: String, layers: [LayerSpec]) {
        self.name = name
        self.layers = layers
    }

    /// The spec with every dropout probability replaced by `p` (nil keeps them).
    public func overridingDropout(_ p: Float?) -> ArchitectureSpec {
        guard let p else { return self }
        return ArchitectureSpec(name: name, layers: layers.map { layer in
            if case .dropout = layer { return .dropout(p: p) }
            return layer
        })
    }
}

/// One layer of an `ArchitectureSpec`.
///
/// JSON: an object with `"type"` and the case's fields; fields with a default may be left out.
///
/// | type          | fields (default)                                                        |
/// |---------------|-------------------------------------------------------------------------|
/// | `conv`        | `outChannels`, `kernel`, `stride` (1), `padding` (0), `bias` (false)    |
/// | `linear`      | `outputs`, `bias` (false)                                                |
/// | `avgPool`     | `kernel`, `stride` (= kernel)                                            |
/// | `maxPool`     | `kernel`, `stride` (= kernel)                                            |
/// | `relu`        | —                                                                        |
/// | `clippedRelu` | `initialClip` (4.0)                                                      |
/// | `dropout`     | `p`                                                                      |
/// | `flatten`     | —                                                                        |
/// | `residual`    | `outChannels`, `stride` (1), `activation` (`relu` or `clippedRelu`), `initialClip` (4.0) |
/// | `batchNorm`   | —                                                                        |
public enum LayerSpec: Equatable, Sendable {
    case conv(outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = false)
    case linear(outputs: Int, bias: Bool = false)
    case avgPool(kernel: Int, stride: Int)
    case maxPool(kernel: Int, stride: Int)
    case relu
    case clippedRelu(initialClip: Float)
    case dropout(p: Float)
    case flatten
    case residual(outChannels: Int, stride: Int, activation: ActivationSpec = .relu)
    case batchNorm

    /// The JSON `type` of each case.
    public static let typeNames = ["conv", "linear", "avgPool", "maxPool", "relu", "clippedRelu", "dropout",
                                   "flatten", "residual", "batchNorm"]

    public var typeName: String {
        switch self {
        case .conv: return "conv"
        case .linear: return "linear"
        case .avgPool: return "avgPool"
        case .maxPool: return "maxPool"
        case .relu: return "relu"
        case .clippedRelu: return "clippedRelu"
        case .dropout: return "dropout"
        case .flatten: return "flatten"
        case .residual: return "residual"
        case .batchNorm: return "batchNorm"
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
        case "conv": return ["outChannels", "kernel", "stride", "padding", "bias"]
        case "linear": return ["outputs", "bias"]
        case "avgPool", "maxPool": return ["kernel", "stride"]
        case "clippedRelu": return ["initialClip"]
        case "dropout": return ["p"]
        case "residual": return ["outChannels", "stride", "activation", "initialClip"]
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
        for key in container.allKeys where key.stringValue != "type" && !allowed.contains(key.stringValue) {
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
                         padding: try int("padding", default: 0), bias: try bool("bias"))
        case "linear": self = .linear(outputs: try int("outputs"), bias: try bool("bias"))
        case "avgPool":
            let kernel = try int("kernel")
            self = .avgPool(kernel: kernel, stride: try int("stride", default: kernel))
        case "maxPool":
            let kernel = try int("kernel")
            self = .maxPool(kernel: kernel, stride: try int("stride", default: kernel))
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
        default: self = .batchNorm
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(typeName, forKey: Key("type"))
        switch self {
        case .conv(let outChannels, let kernel, let stride, let padding, let bias):
            try container.encode(outChannels, forKey: Key("outChannels"))
            try container.encode(kernel, forKey: Key("kernel"))
            try container.encode(stride, forKey: Key("stride"))
            try container.encode(padding, forKey: Key("padding"))
            try container.encode(bias, forKey: Key("bias"))
        case .linear(let outputs, let bias):
            try container.encode(outputs, forKey: Key("outputs"))
            try container.encode(bias, forKey: Key("bias"))
        case .avgPool(let kernel, let stride), .maxPool(let kernel, let stride):
            try container.encode(kernel, forKey: Key("kernel"))
            try container.encode(stride, forKey: Key("stride"))
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
        case .relu, .flatten, .batchNorm:
            break
        }
    }
}
