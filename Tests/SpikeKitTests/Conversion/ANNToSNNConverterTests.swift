import Testing
@testable import SpikeKit

@Suite struct ANNToSNNConverterTests {
    static func tinyCNN(activation: LayerSpec = .relu) throws -> Network {
        let spec = ArchitectureSpec(name: "tiny", layers: [
            .conv(outChannels: 4, kernel: 3, padding: 1), activation, .avgPool(kernel: 2, stride: 2),
            .flatten, .dropout(p: 0.2), .linear(outputs: 12), activation, .linear(outputs: 3),
        ])
        return try Network(spec: spec, inputShape: [1, 6, 6], seed: 7)
    }

    static func images(_ n: Int) -> Tensor {
        var g = SeededGenerator(seed: 21)
        return Tensor(shape: [n, 1, 6, 6], scalars: (0..<(n * 36)).map { _ in g.nextUniform() })
    }

    @Test func structureMirrorsTheANN() throws {
        let ann = try Self.tinyCNN()
        let (snn, populations) = try SpikingNetworkBuilder.build(from: ann)
        #expect(populations.map(\.name) == [ann.layers[0].name, ann.layers[5].name])
        #expect(snn.synapses.count == 3)
        #expect(snn.outputCount == 3)
        guard case .synaptic(_, _, let dropout) = snn.layers[3] else { Issue.record("expected the linear layer"); return }
        #expect(dropout == 0.2)
    }

    @Test func refusesWhatItCannotConvert() throws {
        let spec = ArchitectureSpec(name: "no-relu", layers: [.conv(outChannels: 2, kernel: 3, padding: 1),
                                                              .avgPool(kernel: 2, stride: 2), .flatten, .linear(outputs: 3)])
        let net = try Network(spec: spec, inputShape: [1, 4, 4], seed: 1)
        #expect { try SpikingNetworkBuilder.build(from: net) } throws: { error in
            "\(error)".contains(net.layers[0].name) && "\(error)".contains("ReLU")
        }
        let endsWithRelu = ArchitectureSpec(name: "relu-out", layers: [.flatten, .linear(outputs: 3), .relu])
        let net2 = try Network(spec: endsWithRelu, inputShape: [1, 2, 2], seed: 1)
        #expect(throws: SpikeKitError.self) { try SpikingNetworkBuilder.build(from: net2) }
    }

    /// With data-norm (max) thresholds and direct input, the SNN's output potential divided by T
    /// approaches the ANN's logits as T grows (rate coding: the error of an IF neuron's rate is
    /// bounded by θ/T per layer).
    @Test func outputRateApproachesANNActivation() throws {
        let ann = try Self.tinyCNN()
        let images = Self.images(8)
        let result = try ANNToSNNConverter.convert(ann, recipe: .dataNormalization(DataNormalization(percentile: 100)),
                                                   calibration: images)
        let logits = ann.forward(images, training: false)
        let steps = [8, 64, 512]
        let record = try EventScheduler(network: result.network).run(
            images: images, options: SimulationOptions(timeSteps: 512, encoding: .direct, ordering: .immediate, checkpoints: steps))
        var errors: [Double] = []
        for t in steps {
            let out = try #require(record.outputs[t])
            let error = zip(out.scalars, logits.scalars).map { Double($0 / Float(t) - $1) }.map(abs).max() ?? 0
            errors.append(error)
        }
        #expect(errors[2] < errors[0], "errors by T: \(errors)")
        #expect(errors[2] < 0.05 * (logits.scalars.map { abs(Double($0)) }.max() ?? 1) + 0.02, "errors by T: \(errors)")
    }

    @Test func lowLatencyUsesClipsAndFits() throws {
        let ann = try Self.tinyCNN(activation: .clippedRelu(initialClip: 1.5))
        let result = try ANNToSNNConverter.convert(ann, recipe: .lowLatency(LowLatencyConversion(timeSteps: 4)),
                                                   calibration: Self.images(16))
        #expect(result.layers.count == 2)
        for layer in result.layers {
            let (alpha, clip) = (try #require(layer.alpha), try #require(layer.clip))
            #expect(clip == 1.5)
            #expect(abs(layer.threshold - alpha * clip) < 1e-6)
        }
        // A plain-ReLU network is refused by the low-latency recipe, naming the layer.
        #expect(throws: SpikeKitError.self) {
            try ANNToSNNConverter.convert(try Self.tinyCNN(), recipe: .lowLatency(LowLatencyConversion()), calibration: Self.images(4))
        }
    }

    @Test func thresholdBalancingOnAConvertedNetwork() throws {
        let result = try ANNToSNNConverter.convert(try Self.tinyCNN(), recipe: .thresholdBalancing(
            ThresholdBalancing(timeSteps: 30, scale: 0.5, encoding: .direct)), calibration: Self.images(6))
        #expect(result.layers.count == 2)
        for layer in result.layers {
            let scale = try #require(layer.scale)
            #expect(scale > 0 && abs(layer.threshold - 0.5 * scale) < 1e-6)
        }
    }
}
