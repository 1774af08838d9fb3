import Foundation
import Testing
@testable import SpikeKit

/// Named layers, a PyTorch-style `state_dict` loaded by name (batch-norm statistics included), and
/// the output check of `spikekit import`.
@Suite struct StateDictImportTests {
    /// A network that is none of the presets, with PyTorch module names: stride-2 convolution with
    /// a bias, batch-norm, max pooling, a linear layer with a bias.
    static let layersJSON = #"""
        [{"type": "conv", "name": "features.0", "outChannels": 4, "kernel": 3, "stride": 2, "padding": 1, "bias": true},
         {"type": "batchNorm", "name": "features.1"}, {"type": "relu", "name": "features.2"},
         {"type": "maxPool", "name": "features.3", "kernel": 2},
         {"type": "flatten"}, {"type": "linear", "name": "classifier", "outputs": 3, "bias": true}]
        """#
    static let inputShape = [2, 8, 8]

    static func spec() throws -> ArchitectureSpec {
        let document = #"{"name": "custom", "layers": \#(layersJSON)}"#
        return try JSONDecoder().decode(ArchitectureSpec.self, from: Data(document.utf8))
    }

    /// The tensors PyTorch's `state_dict()` of that network holds, random but valid.
    static func stateDict() -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        let shapes: [(String, [Int])] = [
            ("features.0.weight", [4, 2, 3, 3]), ("features.0.bias", [4]), ("features.1.weight", [4]), ("features.1.bias", [4]),
            ("features.1.running_mean", [4]), ("classifier.weight", [3, 16]), ("classifier.bias", [3]),
        ]
        for (index, (name, shape)) in shapes.enumerated() { tensors[name] = ANNTestSupport.random(shape, seed: UInt64(index + 1)) }
        tensors["features.1.running_var"] = Tensor(shape: [4], scalars: [0.5, 1.5, 2, 0.25])
        return tensors
    }

    @Test func namedLayersNameTheirTensorsAndRoundTripThroughJSON() throws {
        let spec = try Self.spec()
        let network = try Network(spec: spec, inputShape: Self.inputShape, seed: 1)
        #expect(network.layers.map(\.name) == ["features.0", "features.1", "features.2", "features.3", "flatten1", "classifier"])
        #expect((network.parameters + network.buffers).map(\.name).sorted() == Self.stateDict().keys.sorted())
        let again = try JSONDecoder().decode(ArchitectureSpec.self, from: JSONEncoder().encode(spec))
        #expect(again == spec)
    }

    @Test func duplicateNamesAndMisfittingShapesNameTheLayers() throws {
        var spec = try Self.spec()
        spec.layerNames[2] = "features.0"
        #expect(throws: SpikeKitError.self) { try Network(spec: spec, inputShape: Self.inputShape, seed: 1) }
        do {
            _ = try Network(spec: spec, inputShape: Self.inputShape, seed: 1)
        } catch {
            #expect("\(error)".contains("layers 1 and 3 are both named 'features.0'"))
        }
        // A linear layer straight after the pooling: both layers and both shapes in the message.
        let misfit = ArchitectureSpec(name: "m", layers: [.conv(outChannels: 4, kernel: 3), .maxPool(kernel: 2, stride: 2), .linear(outputs: 3)],
                                      layerNames: ["c", "p", "fc"])
        do {
            _ = try Network(spec: misfit, inputShape: Self.inputShape, seed: 1)
            Issue.record("a linear layer on images was accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("'fc'") && text.contains("[4, 3, 3]") && text.contains("from layer 'p'"), "\(text)")
        }
    }

    @Test func loadsAStateDictByNameWithBatchNormStatistics() throws {
        let tensors = Self.stateDict()
        let network = try Network(spec: try Self.spec(), inputShape: Self.inputShape, seed: 0, initialize: false)
        try StateDictImporter.load(tensors, into: network, source: "test")
        for parameter in network.parameters + network.buffers { #expect(parameter.value == tensors[parameter.name]) }
        // The batch-norm is folded into the convolution before it at conversion: y = a·conv(x) + b.
        let folded = try #require(network.layers[1] as? BatchNorm2D).foldInto(conv: try #require(network.layers[0] as? Conv2D))
        let gamma = tensors["features.1.weight"]!.scalars[1], variance: Float = 1.5
        let factor = gamma / (variance + 1e-5).squareRoot()
        #expect(abs(folded.weight.scalars[18] - tensors["features.0.weight"]!.scalars[18] * factor) < 1e-6)
        let expectedBias = tensors["features.1.bias"]!.scalars[1]
            + factor * (tensors["features.0.bias"]!.scalars[1] - tensors["features.1.running_mean"]!.scalars[1])
        #expect(abs(folded.bias.scalars[1] - expectedBias) < 1e-6)
    }

    @Test func everyMissingUnusedAndMisshapenTensorIsListedAtOnce() throws {
        var tensors = Self.stateDict()
        tensors.removeValue(forKey: "features.1.running_mean")
        tensors["classifier.weight"] = ANNTestSupport.random([16, 3], seed: 9)
        tensors["head.weight"] = ANNTestSupport.random([2], seed: 9)
        let network = try Network(spec: try Self.spec(), inputShape: Self.inputShape, seed: 0, initialize: false)
        do {
            try StateDictImporter.load(tensors, into: network, source: "model.safetensors")
            Issue.record("a broken state dict was accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("model.safetensors") && text.contains("3 tensor problems"), "\(text)")
            #expect(text.contains("missing: 'features.1.running_mean', shape [4]"))
            #expect(text.contains("misshapen: 'classifier.weight' has shape [16, 3], the network's 'classifier.weight' needs [3, 16]"))
            #expect(text.contains("unused: 'head.weight'"))
        }
    }

    @Test func aMappingRenamesLayersAndTensors() throws {
        // The preset-style automatic names against PyTorch's: a layer name maps all of its tensors.
        var spec = try Self.spec()
        spec.layerNames = Array(repeating: nil, count: spec.layers.count)
        let network = try Network(spec: spec, inputShape: Self.inputShape, seed: 0, initialize: false)
        let mapping = ["conv1": "features.0", "bn1": "features.1", "fc1.weight": "classifier.weight", "fc1.bias": "classifier.bias"]
        try StateDictImporter.load(Self.stateDict(), into: network, mapping: mapping, source: "test")
        #expect(network.parameters.first { $0.name == "bn1.weight" }?.value == Self.stateDict()["features.1.weight"])
        #expect(throws: SpikeKitError.self) {
            try StateDictImporter.load(Self.stateDict(), into: network, mapping: mapping.merging(["conv9": "x"]) { a, _ in a }, source: "test")
        }
    }

    @Test func readsASafetensorsStateDictWithIntegerBuffersAndANPYFolder() throws {
        let directory = TemporaryDirectory()
        var tensors = Self.stateDict()
        let file = directory.url.appendingPathComponent("model.safetensors")
        try Safetensors.write(Safetensors.Contents(tensors: tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }), to: file)
        let (fromFile, foreign) = try StateDictImporter.network(at: file, spec: { try Self.spec() }, inputShape: Self.inputShape)
        #expect(foreign)
        #expect(fromFile.parameters.first { $0.name == "classifier.bias" }?.value == tensors["classifier.bias"])
        // A SpikeKit checkpoint is read as itself.
        let saved = directory.url.appendingPathComponent("ann.safetensors")
        try NetworkCheckpoint.save(fromFile, to: saved)
        #expect(try StateDictImporter.network(at: saved, spec: { throw SpikeKitError.runtime("not asked") }, inputShape: Self.inputShape).foreign == false)
        // A folder of <name>.npy files; PyTorch's integer step counter is ignored.
        let folder = directory.url.appendingPathComponent("npy")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        tensors["features.1.num_batches_tracked"] = Tensor(shape: [], scalars: [7])
        for (name, tensor) in tensors { try NumPy.write(tensor, to: folder.appendingPathComponent("\(name).npy")) }
        let fromFolder = try StateDictImporter.network(at: folder, spec: { try Self.spec() }, inputShape: Self.inputShape).network
        #expect(fromFolder.buffers.map(\.value) == fromFile.buffers.map(\.value))
    }

    @Test func int64TensorsDecode() throws {
        // {"n":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}} then 3 and -1 as little-endian int64.
        let header = Array(#"{"n":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#.utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
        bytes += withUnsafeBytes(of: Int64(3).littleEndian, Array.init) + withUnsafeBytes(of: Int64(-1).littleEndian, Array.init)
        let contents = try Safetensors.decode(Data(bytes), path: "i64")
        #expect(contents["n"]?.scalars == [3, -1])
    }

    @Test func theOutputCheckPassesOnTheSameNetworkAndNamesTheFirstDivergingLayer() throws {
        let network = try Network(spec: try Self.spec(), inputShape: Self.inputShape, seed: 3)
        let inputs = ANNTestSupport.random([5] + Self.inputShape, seed: 4)
        let recorded = network.forwardRecording(inputs)
        let good = try ImportCheck.run(network: network, inputs: inputs, outputs: recorded.last!)
        #expect(good.passed && good.agreeingPredictions == 5 && good.output.maximumDifference == 0)
        // The reference's batch-norm output is off: the check names that layer, not the output.
        var layers = ["features.0": recorded[0], "features.1": recorded[1], "features.3": recorded[3]]
        layers["features.1"]?.scalars[7] += 0.5
        var outputs = recorded.last!
        outputs.scalars[2] += 0.5
        let bad = try ImportCheck.run(network: network, inputs: inputs, outputs: outputs, layerOutputs: layers)
        #expect(!bad.passed)
        #expect(bad.firstDivergence?.layer == "features.1")
        #expect(bad.summary.contains("features.1"))
        #expect(throws: SpikeKitError.self) {
            try ImportCheck.run(network: network, inputs: inputs, outputs: outputs, layerOutputs: ["features.9": recorded[0]])
        }
    }
}
