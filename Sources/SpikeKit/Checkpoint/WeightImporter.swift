import Foundation

/// Builds a network from weights trained elsewhere: one NumPy `.npy` file per weight tensor, in
/// PyTorch's layout (convolution `[out, in, kh, kw]`, linear `[out, in]`), which is SpikeKit's.
///
/// The importable tensors are the weights of the convolution and linear layers in network order
/// (inside a residual block: conv1, conv2, then the shortcut), each followed by its bias when the
/// layer has one — the order of a PyTorch `state_dict` for these networks. Files are matched to them
///
/// - by name order: every `*.npy` in the directory, sorted naturally (digit runs compare as numbers,
///   so `10_fc.npy` comes after `2_conv.npy`), one file per tensor; or
/// - by a JSON mapping file `{"conv1": "features.0.weight.npy", "fc1.bias": "b.npy", ...}` whose keys
///   are layer names (meaning the weight), or tensor names (`conv1.weight`, `fc1.bias`), and whose
///   file names are relative to the directory. Every tensor must be mapped.
///
/// Everything else (clips, batch-norm statistics) keeps its initial value. A shape mismatch is refused
/// with a message naming the layer and both shapes; so are a wrong file count, unmapped tensors and
/// unknown names in the mapping.
public enum WeightImporter {
    /// The network of `architecture` for `inputShape` inputs with the weights read from `directory`.
    public static func importNPY(architecture: ArchitectureSpec, inputShape: [Int], directory: URL,
                                 mapping: URL? = nil) throws -> Network {
        // Every weight is replaced by a file, so there is nothing to draw at random.
        let network = try Network(spec: architecture, inputShape: inputShape, seed: 0, initialize: false)
        let targets = importableTensors(of: network)
        let files = try mapping.map { try mappedFiles(targets, directory: directory, mapping: $0) }
            ?? orderedFiles(targets, directory: directory)
        for ((layer, parameter), file) in zip(targets, files) {
            let tensor = try NumPy.read(from: file)
            let role = parameter.name.hasSuffix(".bias") ? "bias" : "weight"
            guard tensor.shape == parameter.value.shape else {
                throw SpikeKitError.checkpoint(path: file.path,
                                               reason: "layer '\(layer)' expects a \(role) of shape \(parameter.value.shape), but the file holds shape \(tensor.shape)")
            }
            if let k = NumericalGuard.firstNonFinite(tensor.scalars) {
                throw SpikeKitError.checkpoint(path: file.path, reason: "tensor '\(parameter.name)' (the \(role) of layer '\(layer)') "
                                               + "holds \(tensor.scalars[k]) at element \(k); weights must be finite")
            }
            parameter.assign(tensor)
        }
        return network
    }

    /// (layer name, tensor) for every importable tensor, in order.
    static func importableTensors(of network: Network) -> [(layer: String, parameter: Parameter)] {
        network.layers.flatMap(WeightLayers.flatten).flatMap { entry in
            [(entry.layer.name, entry.weight)] + (entry.bias.map { [(entry.layer.name, $0)] } ?? [])
        }
    }

    private static func orderedFiles(_ targets: [(layer: String, parameter: Parameter)], directory: URL) throws -> [URL] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.lowercased().hasSuffix(".npy") }
        } catch {
            throw SpikeKitError.io(path: directory.path, reason: "cannot list the directory (\(error.localizedDescription))")
        }
        let sorted = names.sorted(by: naturalOrder)
        guard sorted.count == targets.count else {
            let expected = targets.map { "\($0.parameter.name) \($0.parameter.value.shape)" }.joined(separator: ", ")
            throw SpikeKitError.checkpoint(path: directory.path,
                                           reason: "found \(sorted.count) .npy files, but the network has \(targets.count) weight tensors, in order: \(expected)")
        }
        return sorted.map { directory.appendingPathComponent($0) }
    }

    private static func mappedFiles(_ targets: [(layer: String, parameter: Parameter)], directory: URL, mapping: URL) throws -> [URL] {
        let table = try readMapping(mapping)
        // A layer name stands for its weight.
        var byTensor: [String: String] = [:]
        let tensorNames = targets.map(\.parameter.name)
        let layerNames = Set(targets.map(\.layer))
        for (key, file) in table {
            let tensor = layerNames.contains(key) ? "\(key).weight" : key
            guard tensorNames.contains(tensor) else {
                let hint = NameSuggestion.closest(to: key, in: Array(layerNames) + tensorNames).map { "; did you mean '\($0)'?" } ?? ""
                throw SpikeKitError.checkpoint(path: mapping.path, reason: "'\(key)' is not a weight layer or tensor of the network\(hint) (weight tensors: \(tensorNames.joined(separator: ", ")))")
            }
            guard byTensor[tensor] == nil else {
                throw SpikeKitError.checkpoint(path: mapping.path, reason: "'\(tensor)' is mapped twice")
            }
            byTensor[tensor] = file
        }
        let missing = tensorNames.filter { byTensor[$0] == nil }
        guard missing.isEmpty else {
            throw SpikeKitError.checkpoint(path: mapping.path, reason: "no file for \(missing.joined(separator: ", "))")
        }
        return tensorNames.map { name in
            let file = byTensor[name] ?? ""
            return file.hasPrefix("/") ? URL(fileURLWithPath: file) : directory.appendingPathComponent(file)
        }
    }

    /// A mapping file: a JSON object of names, `{"conv1": "features.0.weight.npy"}` or `{"conv1": "features.0"}`.
    public static func readMapping(_ url: URL) throws -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SpikeKitError.io(path: url.path, reason: "cannot read the mapping file (\(error.localizedDescription))")
        }
        guard let table = try? JSONDecoder().decode([String: String].self, from: data) else {
            throw SpikeKitError.checkpoint(path: url.path, reason: "the mapping must be a JSON object of strings, {\"layer name\": \"file.npy\"}")
        }
        return table
    }

    /// Natural order: digit runs compare by value (`2_conv` < `10_fc`), other text by Unicode order;
    /// ties fall back to plain comparison.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        let left = chunks(a), right = chunks(b)
        for (x, y) in zip(left, right) where x != y {
            switch (x, y) {
            case (.number(let p, let pText), .number(let q, let qText)):
                return p != q ? p < q : pText < qText
            case (.number, .text): return true
            case (.text, .number): return false
            case (.text(let p), .text(let q)): return p < q
            }
        }
        return left.count != right.count ? left.count < right.count : a < b
    }

    private enum Chunk: Equatable {
        case number(Double, String)
        case text(String)
    }

    private static func chunks(_ text: String) -> [Chunk] {
        var result: [Chunk] = []
        var current = ""
        var inDigits = false
        func flush() {
            guard !current.isEmpty else { return }
            result.append(inDigits ? .number(Double(current) ?? 0, current) : .text(current))
            current = ""
        }
        for character in text {
            let digit = character.isASCII && character.isNumber
            if digit != inDigits { flush(); inDigits = digit }
            current.append(character)
        }
        flush()
        return result
    }
}
