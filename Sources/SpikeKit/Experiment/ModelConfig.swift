import Foundation

/// The `model` section: the architecture, optional starting weights and the ANN activation.
/// Always applies.
public struct ModelConfig: Equatable, Sendable {
    /// The built-in networks (DESIGN §8); raw values are the names used in configs.
    public enum Architecture: String, CaseIterable, Sendable {
        case mlp
        case cnnS = "cnn-s"
        case vgg5, vgg9, vgg11, vgg16
        case resnet12, resnet20, resnet34
    }

    /// `relu`, or `clippedReLU`: min(max(x, 0), μ) with a trainable clip μ per layer (used by the
    /// low-latency recipe, and implied by it).
    public enum Activation: String, CaseIterable, Sendable {
        case relu
        case clippedReLU = "clipped-relu"
    }

    public var architecture: Architecture
    /// ANN weights to start from, instead of training (absolute path); nil = train or keep the
    /// seeded initialisation.
    public var checkpoint: String?
    public var activation: Activation
    /// Initial clip μ of `clippedReLU`.
    public var clipInit: Double
    /// A NIR graph to simulate as the spiking network (absolute path); nil = convert the ANN.
    public var nir: String?

    /// The defaults of `ConfigSchema`.
    public init() {
        self.init(reading: .defaults(of: "model"))
    }

    init(reading reader: ConfigReader) {
        reader.checkUnknownKeys()
        architecture = reader.choice("architecture")
        checkpoint = reader.path("checkpoint", relativeToBase: true)
        activation = reader.choice("activation")
        clipInit = reader.number("clipInit")
        nir = reader.path("nir", relativeToBase: true)
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "architecture": .string(architecture.rawValue),
            "activation": .string(activation.rawValue),
            "clipInit": .number(clipInit),
        ]
        if let checkpoint { members["checkpoint"] = .string(checkpoint) }
        if let nir { members["nir"] = .string(nir) }
        return .object(members)
    }
}
