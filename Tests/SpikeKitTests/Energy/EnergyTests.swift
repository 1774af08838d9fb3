import Foundation
import Testing
@testable import SpikeKit

@Suite struct EnergyTests {
    /// conv 3×3 pad 1 (1→2) on 4×4 → IF → flatten → linear (32→3) output.
    static func network(threshold: Float) -> SpikingNetwork {
        let g = ConvolutionGeometry(inChannels: 1, outChannels: 2, inputHeight: 4, inputWidth: 4,
                                    kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let conv = Synapse.convolution(name: "conv", geometry: g, pytorchWeights: [Float](repeating: 0.25, count: 18))
        let fc = Synapse.linear(name: "fc", inputShape: conv.outputShape, outputs: 3,
                                pytorchWeights: [Float](repeating: 0.1, count: 96))
        return SpikingNetwork(inputShape: FeatureShape(height: 4, width: 4, channels: 1), layers: [
            .synaptic(conv, neurons: NeuronParameters(threshold: threshold), inputDropout: 0),
            .flatten(name: "flatten", input: conv.outputShape),
            .synaptic(fc, neurons: nil, inputDropout: 0),
        ])
    }

    @Test func annMACsAreHandComputed() {
        let net = Self.network(threshold: 1)
        // conv: k²·H_out·W_out·C_in·C_out = 9·4·4·1·2 = 288; linear: 32·3 = 96.
        #expect(net.synapses.map(\.annMACsPerImage) == [288, 96])
    }

    @Test func countsAndEnergyFromASimulation() throws {
        // One Poisson-free check: a single input pixel at 1 with direct input and a threshold the
        // constant current crosses every step.
        let net = Self.network(threshold: 0.2)
        var pixels = [Float](repeating: 0, count: 16)
        pixels[5] = 1   // (1,1): reaches the 3×3 neighbourhood (9 positions × 2 channels)
        let images = Tensor(shape: [1, 1, 4, 4], scalars: pixels)
        let record = try EventScheduler(network: net).run(
            images: images, options: SimulationOptions(timeSteps: 4, encoding: .direct, ordering: .immediate))
        let counts = OperationCounts.from(record: record, network: net, timeSteps: 4, encoding: .direct)
        // Current 0.25 > 0.2 on 18 neurons each step: 18 spikes/step, each fanning out to 3 outputs.
        #expect(counts.layers[0].spikesPerImage == 72)
        #expect(counts.layers[0].synapticOpsPerImage == 0)           // direct input: MACs, not events
        #expect(counts.layers[0].receivesDirectInput)
        #expect(counts.layers[1].synapticOpsPerImage == 72 * 3)
        #expect(abs(counts.layers[0].spikeRate - 72.0 / (32 * 4)) < 1e-12)

        for model in EnergyModel.presets {
            let e = EnergyEstimate(counts: counts, model: model)
            let pj = 1e-12
            let expectedANN = (288 + 96) * model.macPicojoules * pj
            let expectedSNN = 288 * model.macPicojoules * pj + 216 * model.accumulatePicojoules * pj
                + 32 * 4 * model.neuronUpdatePicojoules * pj + 72 * model.spikePicojoules * pj
            #expect(abs(e.annJoulesPerImage - expectedANN) <= 1e-9 * expectedANN)
            #expect(abs(e.snnJoulesPerImage - expectedSNN) <= 1e-9 * expectedSNN)
            #expect(abs(e.ratio - expectedANN / expectedSNN) < 1e-9 * e.ratio)
            #expect(e.snnJoulesPerImageFirstLayerEveryStep.map { abs($0 - (expectedSNN + 3 * 288 * model.macPicojoules * pj)) < 1e-9 * $0 } == true)
        }
    }

    @Test func presetsRoundTripThroughJSON() throws {
        for model in EnergyModel.presets {
            let data = try JSONEncoder().encode(model)
            #expect(try JSONDecoder().decode(EnergyModel.self, from: data) == model)
        }
        let custom = try JSONDecoder().decode(EnergyModel.self, from: Data(#"{"macPicojoules": 1, "accumulatePicojoules": 0.5}"#.utf8))
        #expect(custom.name == "custom" && custom.spikePicojoules == 0)
        #expect(EnergyModel.named("loihi")?.neuronUpdatePicojoules == 52)
    }
}
