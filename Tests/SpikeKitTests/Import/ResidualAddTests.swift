import Foundation
import Testing
@testable import SpikeKit

/// `add` layers in `model.layers`: a residual connection between named layers, read and checked
/// with the layers' names, trained as one `ResidualAdd`, and converted to a spiking residual block.
@Suite struct ResidualAddTests {
    /// The preset block `residual(outChannels: 8, stride: 2)` written out as layers, with the names
    /// its sublayers have, so that the two networks' tensors are the same by name.
    static func writtenOut(batchNorm: Bool = false) -> ArchitectureSpec {
        var layers: [LayerSpec] = [.conv(outChannels: 4, kernel: 3, padding: 1), .relu,
                                   .conv(outChannels: 8, kernel: 3, stride: 2, padding: 1)]
        var names: [String?] = ["conv1", "stem", "block1.conv1"]
        if batchNorm { layers.append(.batchNorm); names.append("block1.bn1") }
        layers += [.relu, .conv(outChannels: 8, kernel: 3, padding: 1)]
        names += ["block1.relu1", "block1.conv2"]
        if batchNorm { layers.append(.batchNorm); names.append("block1.bn2") }
        layers += [.add(from: "stem", shortcut: [.conv(outChannels: 8, kernel: 1, stride: 2)] + (batchNorm ? [.batchNorm] : []),
                        shortcutNames: ["block1.shortcut"] + (batchNorm ? ["block1.shortcut_bn"] : [])),
                   .relu, .flatten, .linear(outputs: 3)]
        names += ["block1", "block1.relu2", "flatten1", "fc1"]
        return ArchitectureSpec(name: "written", layers: layers, layerNames: names)
    }

    static let preset = ArchitectureSpec(name: "preset", layers: [
        .conv(outChannels: 4, kernel: 3, padding: 1), .relu, .residual(outChannels: 8, stride: 2), .flatten, .linear(outputs: 3),
    ], layerNames: ["conv1", "stem", "block1", "flatten1", "fc1"])

    static func images(_ n: Int) -> Tensor {
        var g = SeededGenerator(seed: 41)
        return Tensor(shape: [n, 2, 8, 8], scalars: (0..<(n * 128)).map { _ in g.nextUniform() })
    }

    @Test func theWrittenOutBlockIsThePresetBlock() throws {
        let preset = try Network(spec: Self.preset, inputShape: [2, 8, 8], seed: 3)
        let written = try Network(spec: Self.writtenOut(), inputShape: [2, 8, 8], seed: 5)
        #expect(written.layers.count == preset.layers.count && written.layers[2] is ResidualAdd)
        #expect(preset.parameters.map(\.name) == written.parameters.map(\.name))
        for (a, b) in zip(preset.parameters, written.parameters) { b.value = a.value }
        let x = Self.images(4)
        #expect(preset.forward(x, training: false).scalars == written.forward(x, training: false).scalars)
        // Converted the same way, they are the same spiking network: the same spikes, step by step.
        let recipe = ConversionRecipe.dataNormalization(DataNormalization(percentile: 100))
        let a = try ANNToSNNConverter.convert(preset, recipe: recipe, calibration: x).network
        let b = try ANNToSNNConverter.convert(written, recipe: recipe, calibration: x).network
        let options = SimulationOptions(timeSteps: 12, encoding: .direct, ordering: .immediate, seed: 1, checkpoints: [12])
        let ra = try EventScheduler(network: a).run(images: x, options: options)
        let rb = try EventScheduler(network: b).run(images: x, options: options)
        expectIdentical(ra, rb, "preset block vs written-out block")
        #expect(ra.spikes[1].reduce(0, +) > 0 && ra.spikes[2].reduce(0, +) > 0, "the block's populations never spiked")
    }

    @Test func aBatchNormalisedBlockTrainsAndConverts() throws {
        let network = try Network(spec: Self.writtenOut(batchNorm: true), inputShape: [2, 8, 8], seed: 7)
        let block = try #require(network.layers.compactMap { $0 as? ResidualAdd }.first)
        #expect(block.buffers.count == 6 && block.basicBlockParts?.projectionNorm != nil)
        ANNTestSupport.checkGradients(of: block, input: ANNTestSupport.random([3, 4, 8, 8], seed: 8, in: -1...2),
                                      step: 1e-2, absoluteTolerance: 5e-3, relativeTolerance: 3e-2)
        // Running statistics away from (0, 1), so the fold matters.
        for bn in block.sublayers.compactMap({ $0 as? BatchNorm2D }) {
            bn.runningMean.value.scalars = bn.runningMean.value.scalars.indices.map { Float($0 % 3) * 0.1 }
            bn.runningVariance.value.scalars = bn.runningVariance.value.scalars.indices.map { 0.5 + Float($0 % 4) * 0.25 }
        }
        let (snn, populations) = try SpikingNetworkBuilder.build(from: network)
        #expect(populations.map(\.name) == ["conv1", "block1.conv1", "block1.conv2"])
        guard case .residual(let spiking) = snn.layers[1] else { Issue.record("no spiking residual block"); return }
        let parts = try #require(block.basicBlockParts)
        let folded = try #require(parts.projectionNorm).foldInto(conv: try #require(parts.projection))
        #expect(spiking.shortcut.pytorchWeights() == folded.weight.scalars && spiking.shortcut.bias == folded.bias.scalars)
        let x = Self.images(2)
        let converted = try ANNToSNNConverter.convert(network, recipe: .dataNormalization(DataNormalization(percentile: 100)),
                                                      calibration: x).network
        let options = SimulationOptions(timeSteps: 10, encoding: .poisson, ordering: .delayed, seed: 2, checkpoints: [10],
                                        recordLastSpike: true, threads: 2)
        expectIdentical(try EventScheduler(network: converted).run(images: x, options: options),
                        try DenseReferenceSimulator(network: converted).run(images: x, options: options), "batch-normalised block")
    }

    @Test func configsReadAddLayersAndWriteThemBack() throws {
        let json = #"{"model": {"layers": [{"type": "conv", "outChannels": 4, "kernel": 3, "padding": 1}, {"type": "relu", "name": "stem"}, {"type": "conv", "outChannels": 4, "kernel": 3, "padding": 1}, {"type": "relu"}, {"type": "conv", "outChannels": 4, "kernel": 3, "padding": 1}, {"type": "add", "name": "layer1.0", "from": "stem"}, {"type": "relu"}, {"type": "flatten"}, {"type": "linear", "outputs": 10}]}}"#
        let config = try ConfigTestSupport.decode(json)
        let spec = try config.model.spec(inputShape: [1, 6, 6], classes: 10, dropout: nil)
        let network = try Network(spec: spec, inputShape: [1, 6, 6], seed: 1)
        #expect(network.layers.map(\.name) == ["conv1", "stem", "layer1.0", "flatten1", "fc1"])
        #expect(try ConfigTestSupport.decode(config.effectiveJSON()).model.layers == config.model.layers)
    }

    @Test(arguments: [
        (#"{"type": "add", "from": "stm"}, {"type": "relu"}"#, "'from' names no earlier layer: 'stm'; did you mean 'stem'?"),
        (#"{"type": "add", "from": "c2"}, {"type": "relu"}"#, "its branch from 'c2' is empty"),
        (#"{"type": "add", "from": "stem"}, {"type": "flatten"}"#, "must be followed by a relu or clippedRelu layer"),
        (#"{"type": "add", "from": "stem", "shortcut": [{"type": "relu"}]}, {"type": "relu"}"#,
         "its shortcut may hold conv and batchNorm layers only"),
        (#"{"type": "conv", "outChannels": 6, "kernel": 1}, {"type": "add", "from": "stem"}, {"type": "relu"}"#,
         "gives [6, 6, 6], but the shortcut gives [4, 6, 6] (the identity; give a shortcut"),
    ])
    func badAddsAreRefusedByName(tail: String, message: String) throws {
        let json = #"{"model": {"layers": [{"type": "conv", "outChannels": 4, "kernel": 3, "padding": 1}, {"type": "relu", "name": "stem"}, {"type": "conv", "name": "c2", "outChannels": 4, "kernel": 3, "padding": 1}, "# + tail
            + #", {"type": "flatten"}, {"type": "linear", "outputs": 10}]}}"#
        let config = try ConfigTestSupport.decode(json)
        do {
            _ = try config.model.spec(inputShape: [1, 6, 6], classes: 10, dropout: nil)
            Issue.record("accepted: \(tail)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
