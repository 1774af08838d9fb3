import Foundation
import Testing
@testable import SpikeKit

/// ResNet20 on CIFAR-sized input converted end to end: each synapse's ANN multiply-accumulates are
/// what its ANN layer does (its weight count times its output positions, read off the ANN's own
/// tensors), identity shortcuts cost no MAC and one synaptic operation per event, and the event-driven
/// operation counts equal the dense reference's.
@Suite struct ResNetOperationCountsTests {
    @Test func resnet20CountsWhatItsANNLayersImply() throws {
        let spec = try Architectures.spec(named: "resnet20", inputShape: [3, 32, 32], classes: 10)
        let ann = try Network(spec: spec, inputShape: [3, 32, 32], seed: 2)
        var g = SeededGenerator(seed: 3)
        let images = Tensor(shape: [2, 3, 32, 32], scalars: (0..<(2 * 3072)).map { _ in g.nextUniform() })
        // The ANN's MACs per weight layer, from the tensors it produces.
        var expected: [String: Int] = [:]
        var context = ForwardContext(training: false)
        var x = images.slice(0..<1)
        for layer in ann.layers {
            if let block = layer as? ResidualBasicBlock {
                let h = block.conv1.forward(x, context: &context)
                expected[block.conv1.name] = block.conv1.weight.value.count * h.shape[2] * h.shape[3]
                let y = block.conv2.forward(block.activation1.forward(h, context: &context), context: &context)
                expected[block.conv2.name] = block.conv2.weight.value.count * y.shape[2] * y.shape[3]
                if let projection = block.shortcut {
                    expected[projection.name] = projection.weight.value.count * y.shape[2] * y.shape[3]
                }
            }
            let y = layer.forward(x, context: &context)
            if let conv = layer as? Conv2D { expected[conv.name] = conv.weight.value.count * y.shape[2] * y.shape[3] }
            if let linear = layer as? Linear { expected[linear.name] = linear.weight.value.count }
            x = y
        }
        let snn = try ANNToSNNConverter.convert(ann, recipe: .dataNormalization(DataNormalization(percentile: 100)),
                                                calibration: images).network
        var identities = 0
        for synapse in snn.synapses {
            if synapse.connectivity == .identity {
                identities += 1
                #expect(synapse.annMACsPerImage == 0 && synapse.fanOut(ofInput: 0) == 1, "\(synapse.name)")
            } else {
                #expect(synapse.annMACsPerImage == expected[synapse.name], "\(synapse.name): \(synapse.annMACsPerImage) vs \(expected[synapse.name] ?? -1)")
            }
        }
        #expect(identities == 5 && expected.count == snn.synapses.count - identities)
        let options = SimulationOptions(timeSteps: 3, encoding: .direct, ordering: .immediate, seed: 1, checkpoints: [3], threads: 2)
        let event = try EventScheduler(network: snn).run(images: images.slice(0..<1), options: options)
        let dense = try DenseReferenceSimulator(network: snn).run(images: images.slice(0..<1), options: options)
        expectIdentical(event, dense, "resnet20")
    }
}
