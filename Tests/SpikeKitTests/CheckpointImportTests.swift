import Foundation
import Testing
@testable import SpikeKit

/// Importing per-layer `.npy` weights in PyTorch layout.
@Suite struct CheckpointImportTests {
    /// conv1 (bias), block1.conv1, block1.conv2, block1.shortcut, fc1 (bias), fc2: eight tensors.
    static let spec = ArchitectureSpec(name: "import", layers: [
        .conv(outChannels: 3, kernel: 3, stride: 1, padding: 1, bias: true), .relu,
        .residual(outChannels: 4, stride: 2, activation: .relu), .flatten,
        .linear(outputs: 6, bias: true), .relu, .linear(outputs: 3),
    ])
    static let shapes: [(name: String, shape: [Int])] = [
        ("conv1.weight", [3, 2, 3, 3]), ("conv1.bias", [3]), ("block1.conv1.weight", [4, 3, 3, 3]),
        ("block1.conv2.weight", [4, 4, 3, 3]), ("block1.shortcut.weight", [4, 3, 1, 1]),
        ("fc1.weight", [6, 64]), ("fc1.bias", [6]), ("fc2.weight", [3, 6]),
    ]

    /// Writes one file per tensor with names whose plain sort would misorder them, and returns the tensors.
    func writeFiles(to directory: TemporaryDirectory, names: [String]) throws -> [Tensor] {
        try zip(Self.shapes, names).enumerated().map { index, pair in
            let tensor = ANNTestSupport.random(pair.0.shape, seed: UInt64(index + 1))
            try NumPy.write(tensor, to: directory.url.appendingPathComponent(pair.1))
            return tensor
        }
    }

    static let orderedNames = ["1_conv.npy", "2_conv_bias.npy", "3_b1c1.npy", "4_b1c2.npy", "5_b1sc.npy",
                               "9_fc1.npy", "10_fc1_bias.npy", "11_fc2.npy"]

    @Test func importsInNaturalFileNameOrder() throws {
        let directory = TemporaryDirectory()
        let tensors = try writeFiles(to: directory, names: Self.orderedNames)
        try Data("not a weight".utf8).write(to: directory.url.appendingPathComponent("README.txt"))
        let network = try WeightImporter.importNPY(architecture: Self.spec, inputShape: [2, 8, 8], directory: directory.url)
        #expect(network.parameters.map(\.name) == Self.shapes.map(\.name))
        #expect(network.parameters.map(\.value) == tensors)
    }

    @Test func importsThroughAMappingFile() throws {
        let directory = TemporaryDirectory()
        let files = ["a.npy", "b.npy", "c.npy", "d.npy", "e.npy", "f.npy", "g.npy", "h.npy"]
        let tensors = try writeFiles(to: directory, names: files)
        // Keys are layer names (for weights) or tensor names; deliberately unordered.
        let mapping = ["fc2": "h.npy", "conv1": "a.npy", "conv1.bias": "b.npy", "block1.conv1": "c.npy",
                       "block1.conv2.weight": "d.npy", "block1.shortcut": "e.npy", "fc1": "f.npy", "fc1.bias": "g.npy"]
        let mappingURL = directory.url.appendingPathComponent("mapping.json")
        try JSONEncoder().encode(mapping).write(to: mappingURL)
        let network = try WeightImporter.importNPY(architecture: Self.spec, inputShape: [2, 8, 8], directory: directory.url,
                                                   mapping: mappingURL)
        #expect(network.parameters.map(\.value) == tensors)
    }

    @Test func shapeMismatchNamesTheLayerAndBothShapes() throws {
        let directory = TemporaryDirectory()
        _ = try writeFiles(to: directory, names: Self.orderedNames)
        // fc1 saved transposed, [64, 6] instead of [6, 64].
        try NumPy.write(ANNTestSupport.random([64, 6], seed: 1), to: directory.url.appendingPathComponent("9_fc1.npy"))
        do {
            _ = try WeightImporter.importNPY(architecture: Self.spec, inputShape: [2, 8, 8], directory: directory.url)
            Issue.record("a transposed weight was accepted")
        } catch SpikeKitError.checkpoint(let path, let reason) {
            #expect(path.hasSuffix("9_fc1.npy"))
            #expect(reason == "layer 'fc1' expects a weight of shape [6, 64], but the file holds shape [64, 6]")
        }
    }

    @Test func refusesWrongFileCountAndBadMappings() throws {
        let directory = TemporaryDirectory()
        _ = try writeFiles(to: directory, names: Array(Self.orderedNames.dropLast()))
        do {
            _ = try WeightImporter.importNPY(architecture: Self.spec, inputShape: [2, 8, 8], directory: directory.url)
            Issue.record("seven files for eight tensors were accepted")
        } catch SpikeKitError.checkpoint(_, let reason) {
            #expect(reason.hasPrefix("found 7 .npy files, but the network has 8 weight tensors"))
            #expect(reason.contains("fc2.weight [3, 6]"))
        }
        let mappingURL = directory.url.appendingPathComponent("mapping.json")
        try JSONEncoder().encode(["conv1": "1_conv.npy", "fc3": "x.npy"]).write(to: mappingURL)
        do {
            _ = try WeightImporter.importNPY(architecture: Self.spec, inputShape: [2, 8, 8], directory: directory.url,
                                             mapping: mappingURL)
            Issue.record("an unknown layer in the mapping was accepted")
        } catch SpikeKitError.checkpoint(_, let reason) {
            #expect(reason.contains("'fc3' is not a weight layer") && reason.contains("did you mean 'fc"))
        }
        try JSONEncoder().encode(["conv1": "1_conv.npy"]).write(to: mappingURL)
        do {
            _ = try WeightImporter.importNPY(architecture: Self.spec, inputShape: [2, 8, 8], directory: directory.url,
                                             mapping: mappingURL)
            Issue.record("an incomplete mapping was accepted")
        } catch SpikeKitError.checkpoint(_, let reason) {
            #expect(reason.hasPrefix("no file for conv1.bias, block1.conv1.weight"))
        }
    }

    @Test func naturalOrder() {
        let names = ["10_fc.npy", "2_conv.npy", "1_conv.npy", "layer11.npy", "layer2.npy", "a.npy", "02_x.npy"]
        #expect(names.sorted(by: WeightImporter.naturalOrder)
                    == ["1_conv.npy", "02_x.npy", "2_conv.npy", "10_fc.npy", "a.npy", "layer2.npy", "layer11.npy"])
    }
}
