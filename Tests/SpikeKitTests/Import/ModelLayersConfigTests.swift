import Foundation
import Testing
@testable import SpikeKit

/// `model.layers`, `model.mapping` and `stdb.trainLimit` in configs: read with key paths, checked
/// against the data at run time, and run end to end from a PyTorch-named state dict.
@Suite struct ModelLayersConfigTests {
    static let layers = #"""
        [{"type": "conv", "name": "features.0", "outChannels": 4, "kernel": 3, "stride": 2, "padding": 1, "bias": true},
         {"type": "batchNorm", "name": "features.1"}, {"type": "relu"}, {"type": "maxPool", "kernel": 2},
         {"type": "flatten"}, {"type": "linear", "name": "fc", "outputs": 10, "bias": true}]
        """#

    @Test func layersDecodeIntoASpecThatFitsTheData() throws {
        let config = try ConfigTestSupport.decode(#"{"model": {"layers": \#(Self.layers), "mapping": {"fc": "head"}}, "conversion": {}, "stdb": {"trainLimit": 30}}"#)
        let spec = try #require(config.model.layers)
        #expect(spec.layers.count == 6 && spec.layerNames[0] == "features.0" && spec.layerNames[2] == nil)
        #expect(config.model.mapping == ["fc": "head"])
        #expect(config.stdb?.trainLimit == 30)
        let built = try config.model.spec(inputShape: [1, 28, 28], classes: 10, dropout: nil)
        #expect(try Network(spec: built, inputShape: [1, 28, 28], seed: 1).outputShape == [10])
        // The effective config writes the layers back, and reads again to the same spec.
        let again = try ConfigTestSupport.decode(config.effectiveJSON())
        #expect(again.model.layers == spec)
    }

    @Test func problemsCarryTheLayersKeyPath() {
        let badKernel = ConfigTestSupport.problems(#"{"model": {"layers": [{"type": "conv", "outChannels": 4, "kernel": "3"}]}}"#)
        #expect(ConfigTestSupport.problem(at: "model.layers[0].kernel", in: badKernel) != nil)
        let unknownType = ConfigTestSupport.problems(#"{"model": {"layers": [{"type": "flatten"}, {"type": "lineer", "outputs": 3}]}}"#)
        #expect(ConfigTestSupport.problem(at: "model.layers[1].type", in: unknownType)?.message.contains("did you mean 'linear'") == true)
        let missing = ConfigTestSupport.problems(#"{"model": {"layers": [{"type": "flatten"}, {"type": "linear"}]}}"#)
        #expect(ConfigTestSupport.problem(at: "model.layers[1]", in: missing)?.message == "missing key 'outputs'")
        let both = ConfigTestSupport.problems(#"{"model": {"architecture": "mlp", "layers": [{"type": "flatten"}, {"type": "linear", "outputs": 10}]}}"#)
        #expect(ConfigTestSupport.problem(at: "model.layers", in: both)?.message.contains("not both") == true)
        let mapping = ConfigTestSupport.problems(#"{"model": {"mapping": {"fc": 3}}}"#)
        #expect(ConfigTestSupport.problem(at: "model.mapping.fc", in: mapping) != nil)
    }

    @Test func groupedConvolutionsReadAndAreCheckedAgainstTheirChannels() throws {
        let config = try ConfigTestSupport.decode(#"{"model": {"layers": [{"type": "conv", "outChannels": 8, "kernel": 3, "padding": 1}, {"type": "relu"}, {"type": "conv", "name": "dw", "outChannels": 8, "kernel": 3, "groups": 8}, {"type": "relu"}, {"type": "flatten"}, {"type": "linear", "outputs": 10}]}}"#)
        let spec = try config.model.spec(inputShape: [1, 12, 12], classes: 10, dropout: nil)
        let network = try Network(spec: spec, inputShape: [1, 12, 12], seed: 1)
        let depthwise = try #require(network.layers.compactMap { $0 as? Conv2D }.last)
        #expect(depthwise.groups == 8 && depthwise.weight.value.shape == [8, 1, 3, 3])
        // An ungrouped conv writes no `groups`, so configs without groups keep their effective JSON.
        #expect(!config.effectiveJSON().contains(#""groups":1"#) && !config.effectiveJSON().contains(#""groups" : 1"#))
        #expect(try ConfigTestSupport.decode(config.effectiveJSON()).model.layers == config.model.layers)
        let bad = try ConfigTestSupport.decode(#"{"model": {"layers": [{"type": "conv", "name": "c", "outChannels": 6, "kernel": 3, "groups": 4}, {"type": "relu"}, {"type": "flatten"}, {"type": "linear", "outputs": 10}]}}"#)
        do {
            _ = try bad.model.spec(inputShape: [4, 8, 8], classes: 10, dropout: nil)
            Issue.record("groups 4 with 6 output channels were accepted")
        } catch {
            #expect("\(error)".contains("layer 'c'") && "\(error)".contains("groups 4 must be positive and divide"), "\(error)")
        }
    }

    @Test func paddedPoolingReadsAndConverts() throws {
        let config = try ConfigTestSupport.decode(#"{"model": {"layers": [{"type": "conv", "outChannels": 4, "kernel": 3}, {"type": "relu"}, {"type": "maxPool", "name": "p", "kernel": 3, "stride": 2, "padding": 1}, {"type": "flatten"}, {"type": "linear", "outputs": 10}]}}"#)
        let spec = try config.model.spec(inputShape: [1, 9, 9], classes: 10, dropout: nil)
        let network = try Network(spec: spec, inputShape: [1, 9, 9], seed: 1)
        // 9 → conv 7 → pool ⌊(7 + 2 − 3) / 2⌋ + 1 = 4.
        #expect(network.layers.compactMap { $0 as? Flatten }.count == 1)
        #expect(try NetworkBuilder.outputShapes(spec, inputShape: [1, 9, 9])[2] == [4, 4, 4])
        #expect(try ConfigTestSupport.decode(config.effectiveJSON()).model.layers == config.model.layers)
        let (snn, _) = try SpikingNetworkBuilder.build(from: network)
        guard case .maxPool(let name, _, 3, 2, 1) = snn.layers[1] else { Issue.record("\(snn.layers[1])"); return }
        #expect(name == "p" && snn.layers[1].outputShape == FeatureShape(height: 4, width: 4, channels: 4))
        let tooMuch = try ConfigTestSupport.decode(#"{"model": {"layers": [{"type": "avgPool", "name": "q", "kernel": 2, "padding": 2}, {"type": "flatten"}, {"type": "linear", "outputs": 10}]}}"#)
        do {
            _ = try tooMuch.model.spec(inputShape: [1, 8, 8], classes: 10, dropout: nil)
            Issue.record("padding 2 with a 2×2 window was accepted")
        } catch {
            #expect("\(error)".contains("padding 2 must be at most half the kernel 2"), "\(error)")
        }
    }

    @Test func batchNormAfterALinearLayerFoldsIntoIt() throws {
        let config = try ConfigTestSupport.decode(#"{"model": {"layers": [{"type": "flatten"}, {"type": "linear", "name": "fc1", "outputs": 16, "bias": true}, {"type": "batchNorm", "name": "bn1"}, {"type": "relu"}, {"type": "linear", "outputs": 10}]}}"#)
        let spec = try config.model.spec(inputShape: [1, 4, 4], classes: 10, dropout: nil)
        let network = try Network(spec: spec, inputShape: [1, 4, 4], seed: 3)
        let bn = try #require(network.layers.compactMap { $0 as? BatchNorm2D }.first)
        bn.runningMean.value = Tensor(shape: [16], scalars: (0..<16).map { Float($0) / 10 })
        bn.runningVariance.value = Tensor(shape: [16], scalars: (0..<16).map { 0.5 + Float($0) / 8 })
        let linear = try #require(network.layers.compactMap { $0 as? Linear }.first)
        let (snn, _) = try SpikingNetworkBuilder.build(from: network)
        let (weight, bias) = bn.foldInto(linear: linear)
        #expect(snn.synapses[0].pytorchWeights() == weight.scalars && snn.synapses[0].bias == bias.scalars)
        let images = Tensor(shape: [2, 1, 4, 4], scalars: (0..<32).map { Float($0 % 7) / 7 })
        #expect(network.forward(images, training: true).shape == [2, 10])
    }

    @Test func theLastLayerMustGiveOneOutputPerClass() throws {
        let config = try ConfigTestSupport.decode(#"{"model": {"layers": [{"type": "flatten"}, {"type": "linear", "name": "head", "outputs": 7}]}}"#)
        do {
            _ = try config.model.spec(inputShape: [1, 28, 28], classes: 10, dropout: nil)
            Issue.record("7 outputs for 10 classes were accepted")
        } catch {
            #expect("\(error)".contains("the last layer 'head' gives outputs of shape [7], but the data has 10 classes"))
        }
    }

    @Test func aRunStartsFromAPyTorchNamedStateDict() throws {
        let directory = TemporaryDirectory()
        // The state dict a PyTorch module with these names would save (random weights).
        let spec = try ConfigTestSupport.decode(#"{"model": {"layers": \#(Self.layers)}}"#).model.spec(inputShape: [1, 28, 28], classes: 10, dropout: nil)
        let source = try Network(spec: spec, inputShape: [1, 28, 28], seed: 5)
        let tensors = (source.parameters + source.buffers).map { (name: $0.name, tensor: $0.value) }
        let file = directory.url.appendingPathComponent("state_dict.safetensors")
        try Safetensors.write(Safetensors.Contents(tensors: tensors), to: file)
        let config = try ConfigTestSupport.decode(#"""
            {"data": {"testLimit": 20}, "model": {"layers": \#(Self.layers), "checkpoint": "\#(file.path)"},
             "conversion": {"calibrationImages": 10, "balancingSteps": 8}, "simulation": {"timeSteps": [4]},
             "output": {"directory": "\#(directory.url.path)"}}
            """#)
        let quiet = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })
        let (report, _) = try ExperimentRunner(config: config, configURL: nil, options: RunOptions(), progress: quiet).run()
        let expected = source.accuracy(on: try config.data.load(seed: 1).test)
        #expect(report.ann?.testAccuracy == expected)
        #expect(report.simulations.count == 1)
    }
}
