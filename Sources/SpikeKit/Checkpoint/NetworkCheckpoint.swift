import Foundation

/// A whole trained network in one safetensors file: every parameter and buffer under its name
/// (`conv1.weight`, `block2.shortcut.weight`, `clip3.mu`, `bn1.running_mean`), and in the metadata
/// the architecture spec (JSON), the input shape (JSON array), a format tag and any free-form
/// entries (epoch, dataset, ...).
///
/// Loading rebuilds the network from the spec and fills it, refusing a file whose tensors do not
/// match it exactly (a missing or unexpected tensor, another shape, a NaN or infinite value), with an
/// error that names the tensor.
public enum NetworkCheckpoint {
    /// The metadata keys SpikeKit itself writes; free-form metadata may not use them.
    public static let reservedKeys: Set<String> = ["format", "formatVersion", "architecture", "inputShape"]
    static let formatName = "spikekit-network"
    static let formatVersion = "1"

    /// Saves `network` to `url` atomically with `metadata` (keys other than `reservedKeys`).
    public static func save(_ network: Network, to url: URL, metadata: [String: String] = [:]) throws {
        try Safetensors.write(try contents(of: network, metadata: metadata), to: url)
    }

    /// What `save` writes: the network's tensors and metadata.
    public static func contents(of network: Network, metadata: [String: String] = [:]) throws -> Safetensors.Contents {
        if let clash = metadata.keys.sorted().first(where: reservedKeys.contains) {
            throw SpikeKitError.usage("checkpoint metadata key '\(clash)' is reserved by SpikeKit")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let architecture = String(decoding: try encoder.encode(network.architecture), as: UTF8.self)
        var allMetadata = metadata
        allMetadata["format"] = formatName
        allMetadata["formatVersion"] = formatVersion
        allMetadata["architecture"] = architecture
        allMetadata["inputShape"] = "[" + network.inputShape.map(String.init).joined(separator: ",") + "]"
        let tensors = (network.parameters + network.buffers).map { (name: $0.name, tensor: $0.value) }
        return Safetensors.Contents(tensors: tensors, metadata: allMetadata)
    }

    /// Loads the network saved at `url` and its free-form metadata (without `reservedKeys`).
    public static func load(from url: URL) throws -> (network: Network, metadata: [String: String]) {
        try decode(try Safetensors.read(from: url), path: url.path)
    }

    /// The network and free-form metadata of already-read safetensors `contents`; `path` names the
    /// file in errors.
    public static func decode(_ contents: Safetensors.Contents, path: String) throws -> (network: Network, metadata: [String: String]) {
        func fail(_ reason: String) -> SpikeKitError { .checkpoint(path: path, reason: reason) }
        guard contents.metadata["format"] == formatName else {
            throw fail("not a SpikeKit network checkpoint (metadata 'format' is \(contents.metadata["format"].map { "'\($0)'" } ?? "missing"), expected '\(formatName)')")
        }
        guard let architectureText = contents.metadata["architecture"] else { throw fail("metadata 'architecture' is missing") }
        let spec: ArchitectureSpec
        do {
            spec = try JSONDecoder().decode(ArchitectureSpec.self, from: Data(architectureText.utf8))
        } catch {
            throw fail("metadata 'architecture' is not a valid architecture (\(error))")
        }
        guard let shapeText = contents.metadata["inputShape"],
              let inputShape = try? JSONDecoder().decode([Int].self, from: Data(shapeText.utf8)) else {
            throw fail("metadata 'inputShape' is missing or not a JSON array of integers")
        }
        // Compare the architecture's size with the file's before allocating it.
        let weights: Int
        do {
            weights = try NetworkBuilder.weightCount(spec, inputShape: inputShape)
        } catch let error as SpikeKitError {
            throw fail("the architecture cannot be built: \(error)")
        }
        let stored = contents.tensors.reduce(0) { $0 + $1.tensor.count }
        guard weights <= stored else {
            throw fail("the \(spec.name) architecture on \(inputShape) inputs needs "
                       + "\(weights == Int.max ? "more than 2^63" : String(weights)) weights, but the file holds \(stored) values")
        }
        let network: Network
        do {
            network = try Network(spec: spec, inputShape: inputShape, seed: 0, initialize: false)
        } catch let error as SpikeKitError {
            throw fail("the architecture cannot be built: \(error)")
        }
        var tensors = contents.dictionary
        for parameter in network.parameters + network.buffers {
            guard let tensor = tensors.removeValue(forKey: parameter.name) else {
                throw fail("tensor '\(parameter.name)' is missing (the \(spec.name) architecture needs it)")
            }
            guard tensor.shape == parameter.value.shape else {
                throw fail("tensor '\(parameter.name)' has shape \(tensor.shape), but the \(spec.name) architecture needs \(parameter.value.shape)")
            }
            if let k = NumericalGuard.firstNonFinite(tensor.scalars) {
                throw fail("tensor '\(parameter.name)' holds NaN or infinite values (\(tensor.scalars[k]) at element \(k))")
            }
            parameter.assign(tensor)
        }
        if let extra = tensors.keys.sorted().first {
            throw fail("tensor '\(extra)' is not a parameter of the \(spec.name) architecture")
        }
        return (network, contents.metadata.filter { !reservedKeys.contains($0.key) })
    }
}
