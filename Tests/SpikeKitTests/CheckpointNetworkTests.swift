import Foundation
import Testing
@testable import SpikeKit

/// Whole-network checkpoints: exact round trips and refusal of files that do not fit.
@Suite struct CheckpointNetworkTests {
    static let spec = ArchitectureSpec(name: "mixed", layers: [
        .conv(outChannels: 4, kernel: 3, stride: 1, padding: 1, bias: true), .batchNorm, .clippedRelu(initialClip: 3),
        .residual(outChannels: 6, stride: 2, activation: .clippedRelu(initialClip: 2)), .maxPool(kernel: 2, stride: 2),
        .flatten, .dropout(p: 0.2), .linear(outputs: 5, bias: true),
    ])

    func trainedNetwork() throws -> Network {
        let network = try Network(spec: Self.spec, inputShape: [2, 8, 8], seed: 3)
        // Change every tensor away from its initial value, including clips and running statistics.
        for (k, parameter) in (network.parameters + network.buffers).enumerated() {
            parameter.value = ANNTestSupport.random(parameter.value.shape, seed: UInt64(k), in: 0.1...1.5)
        }
        return network
    }

    @Test func roundTripIsExact() throws {
        let directory = TemporaryDirectory()
        let url = directory.url.appendingPathComponent("net.safetensors")
        let network = try trainedNetwork()
        try NetworkCheckpoint.save(network, to: url, metadata: ["epoch": "7", "dataset": "fashion-mnist"])
        let (loaded, metadata) = try NetworkCheckpoint.load(from: url)
        #expect(metadata == ["epoch": "7", "dataset": "fashion-mnist"])
        #expect(loaded.architecture == Self.spec && loaded.inputShape == [2, 8, 8])
        #expect((loaded.parameters + loaded.buffers).map(\.name) == (network.parameters + network.buffers).map(\.name))
        #expect((loaded.parameters + loaded.buffers).map(\.value) == (network.parameters + network.buffers).map(\.value))
        let x = ANNTestSupport.random([3, 2, 8, 8], seed: 5)
        #expect(loaded.forward(x, training: false) == network.forward(x, training: false))
        let names = try Safetensors.read(from: url).tensors.map(\.name)
        #expect(names.contains("block1.shortcut.weight") && names.contains("clip1.mu") && names.contains("bn1.running_var"))
    }

    /// Rewrites the checkpoint at `url` after `edit` changes its contents.
    func tamper(_ url: URL, _ edit: (inout Safetensors.Contents) -> Void) throws {
        var contents = try Safetensors.read(from: url)
        edit(&contents)
        try Safetensors.write(contents, to: url)
    }

    func expectLoadFailure(_ url: URL, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try NetworkCheckpoint.load(from: url)
            Issue.record("loading succeeded", sourceLocation: sourceLocation)
        } catch SpikeKitError.checkpoint(_, let reason) {
            #expect(reason.contains(fragment), "reason: \(reason)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func refusesFilesThatDoNotFit() throws {
        let directory = TemporaryDirectory()
        let url = directory.url.appendingPathComponent("net.safetensors")
        let network = try trainedNetwork()
        func fresh() throws { try NetworkCheckpoint.save(network, to: url) }

        try fresh()
        try tamper(url) { $0.tensors.removeAll { $0.name == "fc1.bias" } }
        expectLoadFailure(url, "tensor 'fc1.bias' is missing")

        try fresh()
        try tamper(url) { contents in
            contents.tensors = contents.tensors.map { $0.name == "conv1.weight" ? ($0.name, Tensor(shape: [4, 2, 9])) : $0 }
        }
        expectLoadFailure(url, "tensor 'conv1.weight' has shape [4, 2, 9], but the mixed architecture needs [4, 2, 3, 3]")

        try fresh()
        try tamper(url) { $0.tensors.append(("extra", Tensor(shape: [1]))) }
        expectLoadFailure(url, "tensor 'extra' is not a parameter")

        try fresh()
        try tamper(url) { contents in
            contents.tensors = contents.tensors.map { $0.name == "clip1.mu" ? ($0.name, Tensor(shape: [1], scalars: [.nan])) : $0 }
        }
        expectLoadFailure(url, "tensor 'clip1.mu' holds NaN")

        try fresh()
        try tamper(url) { $0.metadata["architecture"] = #"{"name": "x", "layers": [{"type": "conv"}]}"# }
        expectLoadFailure(url, "metadata 'architecture' is not a valid architecture")

        try fresh()
        try tamper(url) { $0.metadata["format"] = nil }
        expectLoadFailure(url, "not a SpikeKit network checkpoint")

        #expect(throws: SpikeKitError.self) { try NetworkCheckpoint.save(network, to: url, metadata: ["architecture": "x"]) }
        let missing = directory.url.appendingPathComponent("none")
        do {
            _ = try NetworkCheckpoint.load(from: missing)
            Issue.record("loading a missing file succeeded")
        } catch SpikeKitError.io(let path, _) {
            #expect(path == missing.path)
        }
    }
}
