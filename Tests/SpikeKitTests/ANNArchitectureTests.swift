import Foundation
import Testing
@testable import SpikeKit

/// The nine reference architectures: layer shapes and parameter counts against hand arithmetic.
@Suite struct ANNArchitectureTests {
    /// The network for `name`, with zero weights (drawing tens of millions of normals in a debug build
    /// would dominate the test).
    func network(_ name: String, _ input: [Int], classes: Int = 10) throws -> Network {
        let spec = try Architectures.spec(named: name, inputShape: input, classes: classes)
        return try Network(spec: spec, inputShape: input, seed: 0, initialize: false)
    }

    func conv(_ cin: Int, _ cout: Int, _ k: Int = 3) -> Int { cin * cout * k * k }

    @Test func mlp() throws {
        let small = try network("mlp", [1, 28, 28])
        #expect(small.parameterCount == 784 * 512 + 512 * 512 + 512 * 10)
        #expect(small.outputShapes.map(\.self) == [[784], [512], [512], [512], [512], [10]])
        let colour = try network("mlp", [3, 32, 32])
        #expect(colour.parameterCount == 3072 * 512 + 512 * 512 + 512 * 10)
    }

    @Test func cnnS() throws {
        let small = try network("cnn-s", [1, 28, 28])
        #expect(small.parameterCount == conv(1, 16) + conv(16, 32) + 32 * 7 * 7 * 128 + 128 * 10)
        #expect(small.outputShapes == [[16, 28, 28], [16, 28, 28], [16, 14, 14], [32, 14, 14], [32, 14, 14],
                                       [32, 7, 7], [1568], [1568], [128], [128], [128], [10]])
        #expect(small.layers.map(\.name) == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten1",
                                             "dropout1", "fc1", "relu3", "dropout2", "fc2"])
        let colour = try network("cnn-s", [3, 32, 32])
        #expect(colour.parameterCount == conv(3, 16) + conv(16, 32) + 32 * 8 * 8 * 128 + 128 * 10)
        #expect(colour.outputShapes[6] == [2048])
    }

    @Test func vgg5() throws {
        let features = { (c: Int) in self.conv(c, 64) + self.conv(64, 128) + self.conv(128, 128) }
        let classifier = { (flat: Int) in flat * 4096 + 4096 * 4096 + 4096 * 10 }
        let small = try network("vgg5", [1, 28, 28])      // 28 → 14 → 7
        #expect(small.parameterCount == features(1) + classifier(128 * 7 * 7))
        let colour = try network("vgg5", [3, 32, 32])     // 32 → 16 → 8
        #expect(colour.parameterCount == features(3) + classifier(128 * 8 * 8))
        // conv, relu, pool (the A took the dropout's place), conv, relu, dropout, conv, relu, pool, ...
        #expect(colour.architecture.layers.prefix(9).map(\.typeName)
                    == ["conv", "relu", "avgPool", "conv", "relu", "dropout", "conv", "relu", "avgPool"])
        #expect(colour.outputShape == [10])
    }

    @Test func vgg9() throws {
        let features = { (c: Int) in
            self.conv(c, 64) + self.conv(64, 128) + self.conv(128, 256) + self.conv(256, 256) + self.conv(256, 512)
                + self.conv(512, 512) + self.conv(512, 512)
        }
        let classifier = { (flat: Int) in flat * 4096 + 4096 * 4096 + 4096 * 10 }
        let small = try network("vgg9", [1, 28, 28])      // four pools: 28 → 14 → 7 → 3 → 1
        #expect(small.parameterCount == features(1) + classifier(512 * 1 * 1))
        let colour = try network("vgg9", [3, 32, 32])     // 32 → 16 → 8 → 4 → 2
        #expect(colour.parameterCount == features(3) + classifier(512 * 2 * 2))
        #expect(colour.parameterCount == 32_065_216)
    }

    @Test func vgg11() throws {
        let features = { (c: Int) in
            self.conv(c, 64) + self.conv(64, 128) + self.conv(128, 256) + self.conv(256, 256) + self.conv(256, 512)
                + 4 * self.conv(512, 512)
        }
        let small = try network("vgg11", [1, 28, 28])     // three pools: 28 → 14 → 7 → 3
        #expect(small.parameterCount == features(1) + 512 * 3 * 3 * 4096 + 4096 * 4096 + 4096 * 10)
        let colour = try network("vgg11", [3, 32, 32])    // 32 → 16 → 8 → 4
        #expect(colour.parameterCount == features(3) + 512 * 4 * 4 * 4096 + 4096 * 4096 + 4096 * 10)
        // CIFAR-100 uses the 1024-1024 classifier.
        let hundred = try network("vgg11", [3, 32, 32], classes: 100)
        #expect(hundred.parameterCount == features(3) + 512 * 4 * 4 * 1024 + 1024 * 1024 + 1024 * 100)
    }

    @Test func vgg16() throws {
        let features = { (c: Int) in
            self.conv(c, 64) + self.conv(64, 64) + self.conv(64, 128) + self.conv(128, 128) + self.conv(128, 256)
                + 2 * self.conv(256, 256) + self.conv(256, 512) + 5 * self.conv(512, 512)
        }
        let classifier = { (flat: Int) in flat * 4096 + 4096 * 4096 + 4096 * 10 }
        let small = try network("vgg16", [1, 28, 28])     // 28 → 14 → 7 → 3 → 1
        #expect(small.parameterCount == features(1) + classifier(512))
        let colour = try network("vgg16", [3, 32, 32])    // 32 → 16 → 8 → 4 → 2
        #expect(colour.parameterCount == features(3) + classifier(2048))
        #expect(colour.outputShapes.last == [10])
        #expect(colour.weightLayers.count == 16)
    }

    /// conv1 3×3 in→out (stride s), conv2 3×3 out→out, and a 1×1 shortcut when the shape changes.
    func block(_ cin: Int, _ cout: Int, stride: Int) -> Int {
        conv(cin, cout) + conv(cout, cout) + (stride != 1 || cin != cout ? cin * cout : 0)
    }

    func resnetCount(_ c: Int, blocks: [Int], classes: Int = 10) -> Int {
        var total = conv(c, 64) + conv(64, 64) + conv(64, 64)
        var cin = 64
        for (stage, (cout, stride)) in zip([64, 128, 256, 512], [1, 2, 2, 2]).enumerated() {
            for b in 0..<blocks[stage] {
                total += block(cin, cout, stride: b == 0 ? stride : 1)
                cin = cout
            }
        }
        return total + 512 * 2 * 2 * classes
    }

    @Test func resnets() throws {
        for (name, blocks) in [("resnet12", [1, 1, 1, 1]), ("resnet20", [2, 2, 2, 2]), ("resnet34", [3, 4, 6, 3])] {
            // 28: pool 28 → 14, stages 14 → 14 → 7 → 4 → 2;  32: 32 → 16 → 16 → 8 → 4 → 2.
            let small = try network(name, [1, 28, 28])
            #expect(small.parameterCount == resnetCount(1, blocks: blocks), "\(name) 28×28")
            #expect(small.outputShapes[small.outputShapes.count - 3] == [512, 2, 2])
            let colour = try network(name, [3, 32, 32])
            #expect(colour.parameterCount == resnetCount(3, blocks: blocks), "\(name) 32×32")
            #expect(colour.outputShapes[colour.outputShapes.count - 3] == [512, 2, 2])
        }
        // Spelled-out totals for the 32×32×3 ResNet12: 75,456 stem + 4,890,624 blocks + 20,480 classifier.
        #expect(try network("resnet12", [3, 32, 32]).parameterCount == 4_986_560)
        let resnet20 = try network("resnet20", [3, 32, 32])
        let blocks = resnet20.layers.compactMap { $0 as? ResidualBasicBlock }
        #expect(blocks.map(\.stride) == [1, 1, 2, 1, 2, 1, 2, 1])
        #expect(blocks.map { $0.shortcut != nil } == [false, false, true, false, true, false, true, false])
    }

    /// Bias-free residual blocks without batch norm: each block's branch ends scaled by 1/√blocks, so
    /// eight blocks grow the activations' scale by about 2× (under 3×) rather than the ~16× (26× measured) that
    /// He initialisation alone gives (a ResNet20 then diverges in its first steps).
    @Test func residualBranchesStartScaledDown() throws {
        let blocks = 8
        let layers: [LayerSpec] = [.conv(outChannels: 8, kernel: 3, padding: 1), .relu]
            + Array(repeating: .residual(outChannels: 8, stride: 1, activation: .relu), count: blocks) + [.flatten, .linear(outputs: 10)]
        let spec = ArchitectureSpec(name: "deep", layers: layers)
        let network = try Network(spec: spec, inputShape: [3, 8, 8], seed: 5)
        let outputs = network.forwardRecording(ANNTestSupport.random([16, 3, 8, 8], seed: 6))
        func rms(_ t: Tensor) -> Float { (t.scalars.reduce(0) { $0 + $1 * $1 } / Float(t.scalars.count)).squareRoot() }
        let growth = rms(outputs[1 + blocks]) / rms(outputs[1])
        #expect(growth > 1 && growth < 3, "activations grew \(growth)× over \(blocks) residual blocks")
    }

    @Test func forwardShapesMatchDeclaredShapes() throws {
        for name in ["mlp", "cnn-s"] {
            let spec = try Architectures.spec(named: name, inputShape: [1, 28, 28], classes: 10)
            let network = try Network(spec: spec, inputShape: [1, 28, 28], seed: 1)
            let outputs = network.forwardRecording(ANNTestSupport.random([2, 1, 28, 28], seed: 3))
            #expect(outputs.map { Array($0.shape.dropFirst()) } == network.outputShapes)
            #expect(outputs.allSatisfy { $0.shape[0] == 2 })
        }
    }

    @Test func clippedActivationAndDropoutOverride() throws {
        let spec = try Architectures.spec(named: "resnet12", inputShape: [3, 32, 32], classes: 10,
                                          activation: .clippedRelu(initialClip: 2.5), dropout: 0.1)
        #expect(!spec.layers.contains(.relu))
        #expect(spec.layers.contains(.clippedRelu(initialClip: 2.5)))
        #expect(spec.layers.contains(.residual(outChannels: 512, stride: 2, activation: .clippedRelu(initialClip: 2.5))))
        #expect(spec.layers.filter { if case .dropout(let p) = $0 { return p == 0.1 } else { return false } }.count == 2)
        let network = try Network(spec: spec, inputShape: [3, 32, 32], seed: 0, initialize: false)
        // One clip per stem activation and two per block.
        let clips = network.parameters.filter { $0.name.hasSuffix(".mu") }
        #expect(clips.count == 3 + 2 * 4 && clips.allSatisfy { $0.value.scalars == [2.5] })
    }

    @Test func unknownNameSuggestsTheClosest() {
        #expect(throws: SpikeKitError.config([ConfigProblem(
            keyPath: "model.architecture",
            message: "unknown architecture 'vgg166' (known: \(Architectures.names.joined(separator: ", ")))",
            suggestion: "vgg16")])) {
            _ = try Architectures.spec(named: "vgg166", inputShape: [1, 28, 28], classes: 10)
        }
        #expect(throws: SpikeKitError.self) {
            _ = try Architectures.spec(named: "cnns", inputShape: [1, 28, 28], classes: 1)
        }
    }

    @Test func inputTooSmallIsRefused() {
        // VGG16's four pools need at least 16×16 inputs.
        #expect(throws: SpikeKitError.self) {
            _ = try Architectures.spec(named: "vgg16", inputShape: [3, 8, 8], classes: 10)
        }
        // A linear layer on an image is a model error naming the layer and the one before it.
        let spec = ArchitectureSpec(name: "bad", layers: [.conv(outChannels: 2, kernel: 3), .linear(outputs: 3)])
        #expect(throws: SpikeKitError.model(layer: "fc1", reason: "needs flat inputs, but receives [2, 6, 6]; put a flatten layer before it (from layer 'conv1')")) {
            _ = try Network(spec: spec, inputShape: [1, 8, 8], seed: 0)
        }
    }

    @Test func specRoundTripsThroughJSON() throws {
        let spec = ArchitectureSpec(name: "custom", layers: [
            .conv(outChannels: 8, kernel: 3, stride: 2, padding: 1, bias: true), .batchNorm, .clippedRelu(initialClip: 3),
            .maxPool(kernel: 2, stride: 2), .residual(outChannels: 8, stride: 1, activation: .relu),
            .residual(outChannels: 16, stride: 2, activation: .clippedRelu(initialClip: 2)), .avgPool(kernel: 2, stride: 1),
            .flatten, .dropout(p: 0.25), .linear(outputs: 10, bias: true), .relu,
        ])
        let data = try JSONEncoder().encode(spec)
        #expect(try JSONDecoder().decode(ArchitectureSpec.self, from: data) == spec)
        // Defaults may be left out.
        let short = #"{"name": "s", "layers": [{"type": "conv", "outChannels": 4, "kernel": 3}, {"type": "avgPool", "kernel": 2}]}"#
        let decoded = try JSONDecoder().decode(ArchitectureSpec.self, from: Data(short.utf8))
        #expect(decoded.layers == [.conv(outChannels: 4, kernel: 3, stride: 1, padding: 0, bias: false), .avgPool(kernel: 2, stride: 2)])
        // Unknown types and fields are refused with a suggestion.
        let typo = #"{"name": "s", "layers": [{"type": "conv", "outChanels": 4, "kernel": 3}]}"#
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(ArchitectureSpec.self, from: Data(typo.utf8)) }
        let unknown = #"{"name": "s", "layers": [{"type": "lineer", "outputs": 4}]}"#
        do {
            _ = try JSONDecoder().decode(ArchitectureSpec.self, from: Data(unknown.utf8))
            Issue.record("an unknown layer type decoded")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription.contains("did you mean 'linear'"))
        }
    }

    @Test func heInitialisationIsSeededAndScaled() throws {
        let spec = try Architectures.spec(named: "cnn-s", inputShape: [1, 28, 28], classes: 10)
        let a = try Network(spec: spec, inputShape: [1, 28, 28], seed: 5)
        let b = try Network(spec: spec, inputShape: [1, 28, 28], seed: 5)
        let c = try Network(spec: spec, inputShape: [1, 28, 28], seed: 6)
        #expect(a.parameters.map(\.value) == b.parameters.map(\.value))
        #expect(a.parameters[0].value != c.parameters[0].value)
        // fc1 has fanIn 1568: std √(2/1568) ≈ 0.0357 over 200,704 draws.
        let fc1 = a.parameters[2].value.scalars
        let mean = fc1.reduce(0, +) / Float(fc1.count)
        let std = (fc1.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(fc1.count)).squareRoot()
        #expect(abs(mean) < 1e-3 && abs(std - (2 / 1568 as Float).squareRoot()) < 1e-3)
    }
}
