import Foundation

/// The `model` section: the architecture (a built-in one by name, or the user's own layer list),
/// optional starting weights with the names they are matched by, and the ANN activation. Always
/// applies.
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
    /// The user's own network (`model.layers`: the `LayerSpec` vocabulary, each layer optionally
    /// named), instead of `architecture`; nil = the built-in `architecture`.
    public var layers: ArchitectureSpec?
    /// `model.mapping`: network layer or tensor name → the name in the checkpoint, for weights saved
    /// under other names (a PyTorch `state_dict`); layer names map every tensor of the layer.
    public var mapping: [String: String]
    /// ANN weights to start from, instead of training (absolute path); nil = train or keep the
    /// seeded initialisation.
    public var checkpoint: String?
    public var activation: Activation
    /// Initial clip μ of `clippedReLU`.
    public var clipInit: Double
    /// A NIR graph to simulate as the spiking network (absolute path); nil = convert the ANN.
    public var nir: String?
    /// How a NIR graph's neurons reset (`model.nir`, or a `.nir` `conversion.checkpoint`).
    public var nirReset: NIRImport.ResetRule

    /// The defaults of `ConfigSchema`.
    public init() {
        self.init(reading: .defaults(of: "model"))
    }

    init(reading reader: ConfigReader) {
        reader.checkUnknownKeys()
        architecture = reader.choice("architecture")
        layers = ModelConfig.readLayers(reader)
        if layers != nil, reader.isPresent("architecture") {
            reader.problems.add(reader.keyPath("layers"), "give either model.architecture or model.layers, not both")
        }
        mapping = ModelConfig.readMapping(reader)
        checkpoint = reader.path("checkpoint", relativeToBase: true)
        activation = reader.choice("activation")
        clipInit = reader.number("clipInit")
        nir = reader.path("nir", relativeToBase: true)
        nirReset = reader.choice("nirReset")
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "architecture": .string(architecture.rawValue),
            "activation": .string(activation.rawValue),
            "clipInit": .number(clipInit),
        ]
        if let checkpoint { members["checkpoint"] = .string(checkpoint) }
        if let layers, let data = try? JSONEncoder().encode(layers), case .object(let spec)? = try? JSONValue.parse(data) {
            members["layers"] = spec["layers"]
            members.removeValue(forKey: "architecture")
        }
        if !mapping.isEmpty { members["mapping"] = .object(mapping.mapValues(JSONValue.string)) }
        if let nir { members["nir"] = .string(nir) }
        // Only when set, so that the configs without it keep their hash.
        if nirReset != .graph { members["nirReset"] = .string(nirReset.rawValue) }
        return .object(members)
    }

    /// The spec `model` describes for inputs of `inputShape` and `classes` outputs: `layers` as given
    /// (its last layer must give `classes` outputs), or the built-in `architecture`; the activation
    /// and a dropout override applied to either.
    public func spec(inputShape: [Int], classes: Int, dropout: Float?) throws -> ArchitectureSpec {
        let activation: ActivationSpec = self.activation == .clippedReLU ? .clippedRelu(initialClip: Float(clipInit)) : .relu
        guard let layers else {
            return try Architectures.spec(named: architecture.rawValue, inputShape: inputShape, classes: classes,
                                          activation: activation, dropout: dropout)
        }
        let spec = layers.replacingReLU(with: activation).overridingDropout(dropout)
        let shapes: [[Int]]
        do {
            shapes = try NetworkBuilder.outputShapes(spec, inputShape: inputShape)
        } catch let error as SpikeKitError {
            throw SpikeKitError.config([ConfigProblem(keyPath: "model.layers", message: "does not fit inputs of \(inputShape): \(error)")])
        }
        let names = try NetworkBuilder.layerNames(spec)
        guard let last = shapes.last, last == [classes] else {
            throw SpikeKitError.config([ConfigProblem(
                keyPath: "model.layers",
                message: "the last layer '\(names.last ?? "")' gives outputs of shape \(shapes.last ?? []), but the data has \(classes) classes; end with a linear layer of \(classes) outputs")])
        }
        return spec
    }

    /// `model.layers` decoded with `LayerSpec`'s own reader, its problems reported at their key paths
    /// (`model.layers[2].kernel`).
    private static func readLayers(_ reader: ConfigReader) -> ArchitectureSpec? {
        guard let value = reader.raw("layers") else { return nil }
        guard case .array(let elements) = value, !elements.isEmpty else {
            reader.problems.add(reader.keyPath("layers"), "expected a non-empty list of layer objects, got \(value.shortDescription)")
            return nil
        }
        let document = JSONValue.object(["name": .string("custom"), "layers": value]).serialized(pretty: false)
        do {
            return try JSONDecoder().decode(ArchitectureSpec.self, from: Data(document.utf8))
        } catch let error as DecodingError {
            let problem = DecodingProblem(error)
            reader.problems.add("model.\(problem.keyPath.isEmpty ? "layers" : problem.keyPath)", problem.message)
        } catch {
            reader.problems.add(reader.keyPath("layers"), "\(error)")
        }
        return nil
    }

    private static func readMapping(_ reader: ConfigReader) -> [String: String] {
        guard let value = reader.raw("mapping") else { return [:] }
        guard case .object(let members) = value else {
            reader.problems.add(reader.keyPath("mapping"), "expected an object of names, {\"conv1\": \"features.0\", ...}, got \(value.shortDescription)")
            return [:]
        }
        var mapping: [String: String] = [:]
        for (key, name) in members {
            guard case .string(let text) = name, !text.isEmpty else {
                reader.problems.add("\(reader.keyPath("mapping")).\(key)", "expected a tensor or layer name (a string), got \(name.shortDescription)")
                continue
            }
            mapping[key] = text
        }
        return mapping
    }
}
