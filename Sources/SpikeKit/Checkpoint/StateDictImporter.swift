import Foundation

/// Loads weights saved by another framework — a PyTorch `state_dict` written with
/// `safetensors.torch.save_file(model.state_dict(), path)`, or a folder with one `<tensor name>.npy`
/// per tensor — into a network built from its spec, matching tensors **by name**.
///
/// A network tensor `L.suffix` (say `conv1.weight`, `bn1.running_var`, `block1.conv2.weight`) is
/// looked up as `mapping["L.suffix"]`, else as `mapping[P] + rest` for the longest prefix `P` of it
/// that the mapping names (a layer name maps every tensor of the layer), else under its own name —
/// so layers named after the PyTorch modules (`model.layers[i].name = "features.0"`) need no mapping.
/// PyTorch's layouts are SpikeKit's (convolution `[out, in, kh, kw]`, linear `[out, in]`,
/// batch-norm `[C]`), so nothing is transposed. Batch-norm layers keep γ, β and the running
/// statistics; the conversion folds them into the convolution before them (`BatchNorm2D.foldInto`),
/// with its bias.
///
/// Required: every convolution and linear weight and bias, every batch-norm tensor. Optional: the
/// clips of clipped ReLUs (kept at `initialClip` when absent). Ignored: `num_batches_tracked`.
/// Every missing, misshapen, non-finite or unused tensor is listed in one error, each with its name
/// and, for a misshapen one, both shapes.
public enum StateDictImporter {
    /// The tensors by name of a safetensors file (whatever its metadata) or of a folder of `.npy`
    /// files (the name is the file name without `.npy`).
    public static func readTensors(at url: URL) throws -> [String: Tensor] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw SpikeKitError.io(path: url.path, reason: "no such file or folder")
        }
        guard isFolder.boolValue else {
            return try Safetensors.read(from: url).dictionary.filter { !isIgnored($0.key) }
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.lowercased().hasSuffix(".npy") }
        } catch {
            throw SpikeKitError.io(path: url.path, reason: "cannot list the folder (\(error.localizedDescription))")
        }
        guard !names.isEmpty else { throw SpikeKitError.checkpoint(path: url.path, reason: "the folder holds no .npy files") }
        var tensors: [String: Tensor] = [:]
        for file in names {
            let name = String(file.dropLast(4))
            guard !isIgnored(name) else { continue }
            tensors[name] = try NumPy.read(from: url.appendingPathComponent(file))
        }
        return tensors
    }

    /// Whether a saved tensor carries nothing SpikeKit uses (PyTorch's batch-norm step counter).
    static func isIgnored(_ name: String) -> Bool { name.hasSuffix("num_batches_tracked") }

    /// The name under which `tensor` (a network tensor name) is looked up in the saved tensors.
    static func sourceName(of tensor: String, mapping: [String: String]) -> String {
        if let direct = mapping[tensor] { return direct }
        var prefix = Substring(tensor)
        while let dot = prefix.lastIndex(of: ".") {
            prefix = prefix[..<dot]
            if let mapped = mapping[String(prefix)] { return mapped + tensor.dropFirst(prefix.count) }
        }
        return tensor
    }

    /// Assigns the saved `tensors` to `network`'s parameters and buffers; `source` names the file in
    /// errors. Throws one error listing every problem; on error the network is left unchanged.
    public static func load(_ tensors: [String: Tensor], into network: Network, mapping: [String: String] = [:],
                            source: String) throws {
        let optional = Set(network.layers.flatMap(allLayers).compactMap { ($0 as? ClippedReLU)?.clip.name })
        var problems: [String] = []
        var used: Set<String> = []
        var assignments: [(Parameter, Tensor)] = []
        let networkNames = Set((network.parameters + network.buffers).map(\.name))
        for key in mapping.keys.sorted() where !networkNames.contains(key) && !networkNames.contains(where: { $0.hasPrefix(key + ".") }) {
            let hint = NameSuggestion.closest(to: key, in: Array(networkNames)).map { " (did you mean '\($0)'?)" } ?? ""
            problems.append("mapping: '\(key)' is no layer or tensor of the network\(hint)")
        }
        for parameter in network.parameters + network.buffers {
            let name = sourceName(of: parameter.name, mapping: mapping)
            guard let tensor = tensors[name] else {
                if !optional.contains(parameter.name) {
                    let alias = name == parameter.name ? "" : " (looked up as '\(name)')"
                    problems.append("missing: '\(parameter.name)'\(alias), shape \(parameter.value.shape)")
                }
                continue
            }
            used.insert(name)
            if tensor.shape != parameter.value.shape {
                // A single-element tensor (a 0-d PyTorch scalar) fits a [1] parameter.
                guard tensor.count == 1, parameter.value.count == 1 else {
                    problems.append("misshapen: '\(name)' has shape \(tensor.shape), the network's '\(parameter.name)' needs \(parameter.value.shape)")
                    continue
                }
            }
            if let k = NumericalGuard.firstNonFinite(tensor.scalars) {
                problems.append("non-finite: '\(name)' holds \(tensor.scalars[k]) at element \(k)")
                continue
            }
            assignments.append((parameter, Tensor(shape: parameter.value.shape, scalars: tensor.scalars)))
        }
        let unused = tensors.keys.filter { !used.contains($0) }.sorted(by: WeightImporter.naturalOrder)
        for name in unused {
            problems.append("unused: '\(name)', shape \(tensors[name]?.shape ?? []) (no tensor of the network has this name; map it in model.mapping or name the layer)")
        }
        guard problems.isEmpty else {
            let known = (network.parameters + network.buffers).map { "\($0.name) \($0.value.shape)" }.joined(separator: ", ")
            throw SpikeKitError.checkpoint(path: source, reason: "\(problems.count) tensor problem\(problems.count == 1 ? "" : "s"):\n  "
                                           + problems.joined(separator: "\n  ") + "\nthe network's tensors: \(known)")
        }
        for (parameter, value) in assignments { parameter.assign(value) }
    }

    /// `layer` and, depth first, its sublayers.
    private static func allLayers(_ layer: any Layer) -> [any Layer] {
        [layer] + layer.sublayers.flatMap(allLayers)
    }
}

extension StateDictImporter {
    /// The network saved at `url`: a SpikeKit checkpoint as it is (its own spec; `foreign` false), or
    /// a foreign state dict (a safetensors file without SpikeKit's metadata, or a folder of `.npy`
    /// files) loaded into `spec`'s network for `inputShape` by name (`foreign` true). `spec` is asked
    /// for only in the second case.
    public static func network(at url: URL, spec: () throws -> ArchitectureSpec, inputShape: [Int],
                               mapping: [String: String] = [:]) throws -> (network: Network, foreign: Bool) {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
        let tensors: [String: Tensor]
        if exists && !isFolder.boolValue {
            let contents = try Safetensors.read(from: url)
            if contents.metadata["format"] == NetworkCheckpoint.formatName {
                return (try NetworkCheckpoint.decode(contents, path: url.path).network, false)
            }
            tensors = contents.dictionary.filter { !isIgnored($0.key) }
        } else {
            tensors = try readTensors(at: url)
        }
        // Every weight is replaced by a saved tensor, so there is nothing to draw at random.
        let network = try Network(spec: try spec(), inputShape: inputShape, seed: 0, initialize: false)
        try load(tensors, into: network, mapping: mapping, source: url.path)
        return (network, true)
    }
}
