import Foundation
import Testing
@testable import SpikeKit

/// Spiking-network checkpoints: a loaded network is the saved one (same structure, weights and neuron
/// parameters, bit-identical simulation), and files that do not describe a valid network are refused
/// with the layer named.
@Suite struct SpikingNetworkCheckpointTests {
    typealias R = RandomSpikingNetworks

    /// Networks covering every layer kind: linear with bias, convolutions with stride and padding,
    /// average and max pooling, residual blocks with identity and projection shortcuts, leaks, both
    /// resets and input dropout.
    static func networks() -> [(String, SpikingNetwork)] {
        let image = FeatureShape(height: 9, width: 8, channels: 2)
        var mlp = R.mlp(seed: 5, inputs: FeatureShape(height: 3, width: 4, channels: 2), leak: 0.9, reset: .zero, bias: true)
        if case .synaptic(let s, let n, _) = mlp.layers[2] { mlp.layers[2] = .synaptic(s, neurons: n, inputDropout: 0.2) }
        return [
            ("mlp with bias, leak, zero reset and dropout", mlp),
            ("conv, average pool, identity shortcut", R.convolutional(seed: 3, input: image, leak: 1, reset: .subtract, maxPool: false,
                                                                        residual: true, projectionShortcut: false)),
            ("conv with bias, max pool, projection shortcut", R.convolutional(seed: 7, input: image, leak: 0.85, reset: .subtract,
                                                                               maxPool: true, residual: true,
                                                                               projectionShortcut: true, bias: true)),
            ("conv, max pool, no block", R.convolutional(seed: 4, input: image, leak: 1, reset: .zero, maxPool: true,
                                                         residual: false, projectionShortcut: false)),
        ]
    }

    @Test func roundTripSimulatesBitIdentically() throws {
        let directory = TemporaryDirectory()
        let charged = Self.networks().contains { $0.1.populationNeurons.contains { ($0?.initialMembrane ?? 0) > 0 } }
        #expect(charged, "no network has a partly charged initial membrane: its round trip would go untested")
        for (label, network) in Self.networks() {
            let url = directory.url.appendingPathComponent("snn.safetensors")
            try SpikingNetworkCheckpoint.save(network, to: url, metadata: ["recipe": "test", "note": label])
            let (loaded, metadata) = try SpikingNetworkCheckpoint.load(from: url)
            #expect(metadata == ["recipe": "test", "note": label])
            #expect(loaded.inputShape == network.inputShape)
            #expect(loaded.layers.map(\.name) == network.layers.map(\.name), "\(label)")
            #expect(loaded.layers.map(\.outputShape) == network.layers.map(\.outputShape), "\(label)")
            let (a, b) = (loaded.synapses, network.synapses)
            #expect(a.map(\.name) == b.map(\.name) && a.map(\.connectivity) == b.map(\.connectivity), "\(label)")
            #expect(a.map(\.weights) == b.map(\.weights), "\(label): weights differ")
            #expect(a.map(\.bias) == b.map(\.bias), "\(label): biases differ")
            var neurons: [NeuronParameters] = [], savedNeurons: [NeuronParameters] = []
            _ = loaded.mapNeurons { neurons.append($1); return $1 }
            _ = network.mapNeurons { savedNeurons.append($1); return $1 }
            #expect(neurons == savedNeurons && !neurons.isEmpty, "\(label)")
            let dropouts = loaded.layers.map { layer -> Float in if case .synaptic(_, _, let d) = layer { return d }; return -1 }
            let savedDropouts = network.layers.map { layer -> Float in if case .synaptic(_, _, let d) = layer { return d }; return -1 }
            #expect(dropouts == savedDropouts)

            for encoding in InputEncoding.allCases {
                let images = R.images(3, network.inputShape, seed: 11, lower: encoding == .poisson ? -1 : 0)
                let options = SimulationOptions(timeSteps: 9, encoding: encoding, ordering: .delayed, seed: 3,
                                                checkpoints: [4], recordLastSpike: true, recordMaxInputCurrent: true, threads: 2)
                let original = try EventScheduler(network: network).run(images: images, options: options)
                let reloaded = try EventScheduler(network: loaded).run(images: images, options: options)
                expectIdentical(original, reloaded, "\(label), \(encoding)")
                #expect(original.spikes.joined().reduce(0, +) > 0, "no spikes: the comparison would prove nothing")
            }
        }
    }

    @Test func tensorsArePyTorchLayoutNamedBySynapse() throws {
        let directory = TemporaryDirectory()
        let url = directory.url.appendingPathComponent("snn.safetensors")
        let network = Self.networks()[2].1
        try SpikingNetworkCheckpoint.save(network, to: url)
        let contents = try Safetensors.read(from: url)
        let names = Set(contents.tensors.map(\.name))
        #expect(names == ["conv1.weight", "conv1.bias", "conv2.weight", "block.conv1.weight", "block.conv2.weight",
                          "block.shortcut.weight", "fc.weight"])
        for synapse in network.synapses where synapse.connectivity != .identity {
            let tensor = try #require(contents[synapse.name + ".weight"])
            #expect(tensor.scalars == synapse.pytorchWeights())
            if case .convolution(let g) = synapse.connectivity { #expect(tensor.shape == g.weightShape) }
            if case .linear = synapse.connectivity { #expect(tensor.shape == [synapse.outputShape.count, synapse.inputShape.count]) }
        }
        #expect(contents.metadata["format"] == "spikekit-spiking-network")
        // The identity shortcut of another network has no tensor at all.
        try SpikingNetworkCheckpoint.save(Self.networks()[1].1, to: url)
        #expect(try Safetensors.read(from: url)["block.shortcut.weight"] == nil)
    }

    @Test func savingRefusesReservedMetadataAndDuplicateNames() throws {
        let directory = TemporaryDirectory()
        let url = directory.url.appendingPathComponent("snn.safetensors")
        let network = Self.networks()[0].1
        #expect(throws: SpikeKitError.usage("checkpoint metadata key 'spikingNetwork' is reserved by SpikeKit")) {
            try SpikingNetworkCheckpoint.save(network, to: url, metadata: ["spikingNetwork": "x"])
        }
        var duplicate = network
        if case .synaptic(var s, let n, let d) = duplicate.layers[2] {
            s.name = "fc1"
            duplicate.layers[2] = .synaptic(s, neurons: n, inputDropout: d)
        }
        #expect(throws: SpikeKitError.self) { try SpikingNetworkCheckpoint.save(duplicate, to: url) }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    // MARK: Corrupt files

    /// Saves network 2 (conv with bias, max pool, projection shortcut), applies `edit` to the file's
    /// contents and returns the path.
    func tampered(_ directory: TemporaryDirectory, _ edit: (inout Safetensors.Contents) throws -> Void) throws -> URL {
        let url = directory.url.appendingPathComponent("snn-\(UUID().uuidString).safetensors")
        try SpikingNetworkCheckpoint.save(Self.networks()[2].1, to: url)
        var contents = try Safetensors.read(from: url)
        try edit(&contents)
        try Safetensors.write(contents, to: url)
        return url
    }

    /// Edits the structure JSON as a Foundation object tree.
    func editStructure(_ contents: inout Safetensors.Contents, _ edit: (inout [String: Any]) -> Void) throws {
        let text = try #require(contents.metadata["spikingNetwork"])
        var object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        edit(&object)
        contents.metadata["spikingNetwork"] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    /// Changes layer `index` of the structure JSON.
    func editLayer(_ contents: inout Safetensors.Contents, _ index: Int, _ edit: (inout [String: Any]) -> Void) throws {
        try editStructure(&contents) { object in
            var layers = object["layers"] as? [[String: Any]] ?? []
            edit(&layers[index])
            object["layers"] = layers
        }
    }

    func expectRefusal(_ url: URL, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try SpikingNetworkCheckpoint.load(from: url)
            Issue.record("loading succeeded", sourceLocation: sourceLocation)
        } catch SpikeKitError.checkpoint(let path, let reason) {
            #expect(path == url.path, sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(reason.contains(fragment), "'\(fragment)' not in: \(reason)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    func replaceTensor(_ contents: inout Safetensors.Contents, _ name: String, with tensor: Tensor?) {
        contents.tensors = contents.tensors.compactMap { entry in
            guard entry.name == name else { return entry }
            return tensor.map { (name, $0) }
        }
    }

    @Test func refusesUnknownLayerKind() throws {
        let directory = TemporaryDirectory()
        let url = try tampered(directory) { try editLayer(&$0, 1) { $0["kind"] = "maxPol" } }
        expectRefusal(url, ["layer 'pool1'", "unknown layer kind 'maxPol'", "did you mean 'maxPool'"])
        let synapseKind = try tampered(directory) { try editLayer(&$0, 0) { layer in
            var synapse = layer["synapse"] as? [String: Any] ?? [:]
            synapse["kind"] = "sparse"
            layer["synapse"] = synapse
        } }
        expectRefusal(synapseKind, ["layer 'conv1'", "unknown synapse kind 'sparse'"])
    }

    @Test func refusesShapesThatDoNotChain() throws {
        let directory = TemporaryDirectory()
        // The pooling layer claims a larger input than conv1 produces.
        let url = try tampered(directory) { try editLayer(&$0, 1) { layer in
            var input = layer["input"] as? [String: Any] ?? [:]
            input["channels"] = 99
            layer["input"] = input
        } }
        expectRefusal(url, ["layer 'pool1'", "receives"])
        // A convolution whose geometry disagrees with its declared shapes.
        let geometry = try tampered(directory) { try editLayer(&$0, 2) { layer in
            var synapse = layer["synapse"] as? [String: Any] ?? [:]
            var g = synapse["geometry"] as? [String: Any] ?? [:]
            g["padding"] = 0
            synapse["geometry"] = g
            layer["synapse"] = synapse
        } }
        expectRefusal(geometry, ["layer 'conv2'", "the geometry maps"])
        // A residual block whose shortcut does not fit.
        let block = try tampered(directory) { try editLayer(&$0, 3) { layer in
            var shortcut = layer["shortcut"] as? [String: Any] ?? [:]
            shortcut["kind"] = "identity"
            shortcut.removeValue(forKey: "geometry")
            layer["shortcut"] = shortcut
        } }
        expectRefusal(block, ["layer 'block'", "synapse 'block.shortcut'", "identity"])
        // Negative extents never reach a size computation.
        let negative = try tampered(directory) { try editStructure(&$0) { object in
            object["inputShape"] = ["height": -9, "width": 8, "channels": 2]
        } }
        expectRefusal(negative, ["layer 'input'", "not a valid extent"])
    }

    @Test func refusesMissingWrongOrNonFiniteTensors() throws {
        let directory = TemporaryDirectory()
        let missing = try tampered(directory) { replaceTensor(&$0, "block.conv2.weight", with: nil) }
        expectRefusal(missing, ["layer 'block'", "tensor 'block.conv2.weight' is missing"])
        let missingBias = try tampered(directory) { replaceTensor(&$0, "conv1.bias", with: nil) }
        expectRefusal(missingBias, ["layer 'conv1'", "tensor 'conv1.bias' is missing"])
        let wrongShape = try tampered(directory) { contents in
            let fc = contents["fc.weight"] ?? Tensor(shape: [1])
            replaceTensor(&contents, "fc.weight", with: Tensor(shape: [fc.shape[0], fc.shape[1] - 1]))
        }
        expectRefusal(wrongShape, ["layer 'fc'", "tensor 'fc.weight' has shape", "expected"])
        let nonFinite = try tampered(directory) { contents in
            var w = contents["conv2.weight"] ?? Tensor(shape: [1])
            w.scalars[5] = .nan
            replaceTensor(&contents, "conv2.weight", with: w)
        }
        expectRefusal(nonFinite, ["layer 'conv2'", "tensor 'conv2.weight' holds a non-finite value", "element 5"])
        let extra = try tampered(directory) { $0.tensors.append(("conv9.weight", Tensor(shape: [2]))) }
        expectRefusal(extra, ["tensor 'conv9.weight' belongs to no synapse"])
    }

    @Test func refusesBadNeuronParametersAndMetadata() throws {
        let directory = TemporaryDirectory()
        let threshold = try tampered(directory) { try editLayer(&$0, 2) { layer in
            var neurons = layer["neurons"] as? [String: Any] ?? [:]
            neurons["threshold"] = -1
            layer["neurons"] = neurons
        } }
        expectRefusal(threshold, ["layer 'conv2'", "threshold must be positive"])
        let reset = try tampered(directory) { try editLayer(&$0, 3) { layer in
            var neurons = layer["neurons2"] as? [String: Any] ?? [:]
            neurons["reset"] = "hard"
            layer["neurons2"] = neurons
        } }
        expectRefusal(reset, ["layer 'block'", "unknown reset 'hard'"])
        let initial = try tampered(directory) { try editLayer(&$0, 2) { layer in
            var neurons = layer["neurons"] as? [String: Any] ?? [:]
            neurons["initialMembrane"] = 1.5
            layer["neurons"] = neurons
        } }
        expectRefusal(initial, ["layer 'conv2'", "initial membrane", "[0, 1)"])
        // The output layer given neurons is no longer an output layer.
        let output = try tampered(directory) { try editLayer(&$0, 5) { layer in
            layer["neurons"] = ["threshold": 1, "leak": 1, "reset": "subtract"]
        } }
        expectRefusal(output, ["layer 'fc'", "output"])
        let notJSON = try tampered(directory) { $0.metadata["spikingNetwork"] = "{\"inputShape\": 3" }
        expectRefusal(notJSON, ["metadata 'spikingNetwork' does not describe a spiking network"])
        let missingKey = try tampered(directory) { try editStructure(&$0) { $0.removeValue(forKey: "layers") } }
        expectRefusal(missingKey, ["missing key 'layers'"])
        let version = try tampered(directory) { $0.metadata["formatVersion"] = "9" }
        expectRefusal(version, ["unsupported format version '9'"])
    }

    @Test func refusesOtherFiles() throws {
        let directory = TemporaryDirectory()
        // An ANN checkpoint is a valid safetensors file, but not a spiking network.
        let ann = directory.url.appendingPathComponent("ann.safetensors")
        let network = try Network(spec: ArchitectureSpec(name: "tiny", layers: [.flatten, .linear(outputs: 3, bias: false)]),
                                  inputShape: [1, 2, 2], seed: 1)
        try NetworkCheckpoint.save(network, to: ann)
        expectRefusal(ann, ["not a SpikeKit spiking-network checkpoint", "'spikekit-network'"])
        // A truncated file.
        let url = try tampered(directory) { _ in }
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 10).write(to: url)
        expectRefusal(url, ["data_offsets"])
        // Not a file at all.
        #expect(throws: SpikeKitError.self) {
            try SpikingNetworkCheckpoint.load(from: directory.url.appendingPathComponent("absent.safetensors"))
        }
    }
}
