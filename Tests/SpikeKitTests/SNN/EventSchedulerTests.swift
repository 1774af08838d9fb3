import Testing
@testable import SpikeKit

/// Compares two records: identical spikes per step, synaptic operations, output potentials, last
/// spike steps and maximum currents. Prints the first difference on failure.
func expectIdentical(_ a: SimulationRecord, _ b: SimulationRecord, _ context: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.spikes == b.spikes, "spikes differ (\(context)): \(a.spikes) vs \(b.spikes)", sourceLocation: sourceLocation)
    #expect(a.synapticOps == b.synapticOps, "synaptic ops differ (\(context))", sourceLocation: sourceLocation)
    #expect(a.maxInputCurrent == b.maxInputCurrent,
            "max currents differ (\(context)): \(a.maxInputCurrent) vs \(b.maxInputCurrent)", sourceLocation: sourceLocation)
    #expect(a.outputs.keys.sorted() == b.outputs.keys.sorted(), "checkpoints differ (\(context))", sourceLocation: sourceLocation)
    for (step, tensor) in a.outputs {
        guard let other = b.outputs[step] else { continue }
        if let k = tensor.scalars.indices.first(where: { tensor.scalars[$0] != other.scalars[$0] }) {
            Issue.record("output potentials differ at step \(step), element \(k): \(tensor.scalars[k]) vs \(other.scalars[k]) (\(context))",
                         sourceLocation: sourceLocation)
        }
    }
    if let la = a.lastSpike, let lb = b.lastSpike {
        #expect(la == lb, "last spike steps differ (\(context))", sourceLocation: sourceLocation)
    }
}

@Suite struct EventSchedulerTests {
    static let seeds: [UInt64] = Array(1...20)

    @Test(arguments: seeds)
    func mlpMatchesDenseReference(seed: UInt64) throws {
        let input = FeatureShape(height: 3, width: 4, channels: 2)
        for ordering in SpikeOrdering.allCases {
            for (leak, reset) in [(Float(1), ResetMode.subtract), (0.9, .subtract), (1, .zero), (0.8, .zero)] {
                for encoding in InputEncoding.allCases {
                    let net = RandomSpikingNetworks.mlp(seed: seed, inputs: input, leak: leak, reset: reset, bias: seed % 5 == 0)
                    let images = RandomSpikingNetworks.images(3, input, seed: seed, lower: encoding == .poisson ? -1 : 0)
                    let options = SimulationOptions(timeSteps: 12, encoding: encoding, ordering: ordering, seed: seed,
                                                    checkpoints: [1, 5], recordLastSpike: true, recordMaxInputCurrent: true,
                                                    threads: 2)
                    let event = try EventScheduler(network: net).run(images: images, options: options)
                    let dense = try DenseReferenceSimulator(network: net).run(images: images, options: options)
                    expectIdentical(event, dense, "mlp seed \(seed) \(ordering) λ=\(leak) \(reset) \(encoding)")
                    #expect(event.spikes.joined().reduce(0, +) > 0, "no spikes at all: the test would prove nothing")
                }
            }
        }
    }

    @Test(arguments: seeds)
    func convolutionalMatchesDenseReference(seed: UInt64) throws {
        let input = FeatureShape(height: 9 + Int(seed % 3), width: 8, channels: 1 + Int(seed % 2))
        let orderings: [SpikeOrdering] = seed % 2 == 0 ? [.delayed] : [.immediate]
        for ordering in orderings {
            for leak: Float in [1, 0.85] {
                for encoding in InputEncoding.allCases {
                    let net = RandomSpikingNetworks.convolutional(
                        seed: seed, input: input, leak: leak, reset: seed % 3 == 0 ? .zero : .subtract,
                        maxPool: seed % 4 == 3, residual: seed % 3 != 1, projectionShortcut: seed % 2 == 1, bias: seed % 7 == 0)
                    let images = RandomSpikingNetworks.images(2, input, seed: seed, lower: encoding == .poisson ? -1 : 0)
                    let options = SimulationOptions(timeSteps: 10, encoding: encoding, ordering: ordering, seed: seed,
                                                    checkpoints: [3], recordLastSpike: true, recordMaxInputCurrent: true,
                                                    threads: 2)
                    let event = try EventScheduler(network: net).run(images: images, options: options)
                    let dense = try DenseReferenceSimulator(network: net).run(images: images, options: options)
                    expectIdentical(event, dense, "conv seed \(seed) \(ordering) λ=\(leak) \(encoding)")
                    // Without last-spike and current records a population that feeds average pooling
                    // skips its spike list (`EventKernels.stepIntoPooling`): still the same result.
                    let plain = SimulationOptions(timeSteps: 10, encoding: encoding, ordering: ordering, seed: seed,
                                                  checkpoints: [3], threads: 2)
                    expectIdentical(try EventScheduler(network: net).run(images: images, options: plain),
                                    try DenseReferenceSimulator(network: net).run(images: images, options: plain),
                                    "conv seed \(seed) \(ordering) λ=\(leak) \(encoding), no records")
                    // Every spiking population should be active somewhere, or the comparison is vacuous.
                    let active = event.spikes.dropLast().filter { $0.reduce(0, +) > 0 }.count
                    #expect(active >= 1, "seed \(seed): no population spiked")
                }
            }
        }
    }

    /// conv 3×3 (20 channels: one 16-lane vector and a scalar tail per position) → average pooling
    /// 2×2 → linear output, on 8×8 single-channel images.
    static func wideNetwork(seed: UInt64, leak: Float, reset: ResetMode = .subtract) -> SpikingNetwork {
        var g = SeededGenerator(seed: seed &+ 900)
        let input = FeatureShape(height: 8, width: 8, channels: 1)
        let geometry = ConvolutionGeometry(inChannels: 1, outChannels: 20, inputHeight: 8, inputWidth: 8,
                                           kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let conv = Synapse.convolution(name: "conv", geometry: geometry,
                                       pytorchWeights: RandomSpikingNetworks.weights(20 * 9, fanIn: 9, gain: 3, &g))
        let pooled = FeatureShape(height: 4, width: 4, channels: 20)
        let fc = Synapse.linear(name: "fc", inputShape: pooled, outputs: 3,
                                pytorchWeights: RandomSpikingNetworks.weights(3 * pooled.count, fanIn: pooled.count, gain: 2, &g))
        return SpikingNetwork(inputShape: input, layers: [
            .synaptic(conv, neurons: RandomSpikingNetworks.neurons(&g, leak: leak, reset: reset), inputDropout: 0),
            .averagePool(name: "pool", input: conv.outputShape, kernel: 2, stride: 2),
            .flatten(name: "flatten", input: pooled),
            .synaptic(fc, neurons: nil, inputDropout: 0),
        ])
    }

    /// A population of 20 channels feeding average pooling, with and without the records that keep
    /// the spike list: identical to the dense reference.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func wideConvolutionIntoAveragePoolingMatchesDenseReference(seed: UInt64) throws {
        let input = FeatureShape(height: 8, width: 8, channels: 1)
        for leak: Float in [1, 0.9] {
            let net = Self.wideNetwork(seed: seed, leak: leak)
            for encoding in InputEncoding.allCases {
                for ordering in SpikeOrdering.allCases {
                    let images = RandomSpikingNetworks.images(2, input, seed: seed, lower: encoding == .poisson ? -1 : 0)
                    let plain = SimulationOptions(timeSteps: 9, encoding: encoding, ordering: ordering, seed: seed,
                                                  checkpoints: [4], threads: 2)
                    let event = try EventScheduler(network: net).run(images: images, options: plain)
                    expectIdentical(event, try DenseReferenceSimulator(network: net).run(images: images, options: plain),
                                    "seed \(seed) λ=\(leak) \(encoding) \(ordering)")
                    #expect(event.spikes[0].reduce(0, +) > 0, "the wide population never spiked: nothing was compared")
                }
            }
        }
    }

    /// Direct input into a population that feeds average pooling is simulated up to 64 steps ahead
    /// of the rest (`EventKernels.constantCurrentIntoPooling`); across several such chunks it must
    /// still be the dense reference, spike for spike.
    @Test(arguments: [UInt64(2), 4, 5])
    func directInputAheadOfTheTimeLoopMatchesDenseReference(seed: UInt64) throws {
        let input = FeatureShape(height: 8, width: 8, channels: 1)
        for ordering in SpikeOrdering.allCases {
            for (leak, reset): (Float, ResetMode) in [(1, .subtract), (0.9, .zero)] {
                let net = Self.wideNetwork(seed: seed, leak: leak, reset: reset)
                // Dim images, so the first population keeps changing its spike pattern over 150 steps.
                let images = Tensor(shape: [2, 1, 8, 8],
                                    scalars: RandomSpikingNetworks.images(2, input, seed: seed, lower: 0).scalars.map { $0 * 0.3 })
                let options = SimulationOptions(timeSteps: 150, encoding: .direct, ordering: ordering, seed: seed,
                                                checkpoints: [1, 64, 65, 150], threads: 2)
                let event = try EventScheduler(network: net).run(images: images, options: options)
                expectIdentical(event, try DenseReferenceSimulator(network: net).run(images: images, options: options),
                                "seed \(seed) \(ordering) λ=\(leak)")
                #expect(event.spikes[0].suffix(80).reduce(0, +) > 0, "the first population is silent after the first chunk")
            }
        }
    }

    @Test func resultsDoNotDependOnThreadCount() throws {
        let input = FeatureShape(height: 10, width: 10, channels: 1)
        let net = RandomSpikingNetworks.convolutional(seed: 5, input: input, leak: 1, reset: .subtract, maxPool: false,
                                                      residual: true, projectionShortcut: true)
        let images = RandomSpikingNetworks.images(7, input, seed: 5, lower: -1)
        var records: [SimulationRecord] = []
        for threads in [1, 2, 4] {
            let options = SimulationOptions(timeSteps: 8, encoding: .poisson, ordering: .delayed, seed: 9,
                                            recordLastSpike: true, recordMaxInputCurrent: true,
                                            rasterNeuronsPerPopulation: 3, threads: threads)
            records.append(try EventScheduler(network: net).run(images: images, options: options))
        }
        expectIdentical(records[0], records[1], "1 vs 2 threads")
        expectIdentical(records[0], records[2], "1 vs 4 threads")
        #expect(records[0].neuronUpdates == records[2].neuronUpdates)
        #expect(records[0].raster?.times == records[2].raster?.times)
    }

    @Test func eventEngineSkipsUntouchedNeurons() throws {
        // With Poisson input and sparse activity the event engine must update fewer neurons than the
        // dense simulation, which updates all of them every step.
        let input = FeatureShape(height: 12, width: 12, channels: 1)
        let net = RandomSpikingNetworks.convolutional(seed: 2, input: input, leak: 1, reset: .subtract, maxPool: false,
                                                      residual: false, projectionShortcut: false)
        let images = RandomSpikingNetworks.images(2, input, seed: 1, lower: -0.2).scalars.map { $0 * 0.1 }
        let tensor = Tensor(shape: [2, 1, 12, 12], scalars: images)
        let options = SimulationOptions(timeSteps: 6, encoding: .poisson, seed: 3)
        let event = try EventScheduler(network: net).run(images: tensor, options: options)
        let dense = try DenseReferenceSimulator(network: net).run(images: tensor, options: options)
        expectIdentical(event, dense, "sparse input")
        #expect(event.totalNeuronUpdates(population: 0) < dense.totalNeuronUpdates(population: 0))
    }

    @Test func synapticOpsCountFanOutExactly() throws {
        // One input event at a corner of a 3×3, pad-1 convolution reaches 2×2 output positions.
        let g = ConvolutionGeometry(inChannels: 1, outChannels: 5, inputHeight: 4, inputWidth: 4,
                                    kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let conv = Synapse.convolution(name: "c", geometry: g, pytorchWeights: [Float](repeating: 0.1, count: 45))
        #expect(conv.fanOut(ofInput: 0) == 4 * 5)
        #expect(conv.fanOut(ofInput: 5) == 9 * 5)   // (1,1) is interior
        var current = [Float](repeating: 0, count: conv.outputShape.count)
        var touched = [UInt8](repeating: 0, count: conv.outputShape.positions)
        let ops = EventKernels.deliver(SpikeEvents(indices: [0, 5], values: []), through: conv, runs: nil,
                                       current: &current, touched: &touched)
        #expect(ops == 4 * 5 + 9 * 5)
        #expect(touched.filter { $0 != 0 }.count == 9)
    }

    @Test func rejectsMismatchedImages() throws {
        let net = RandomSpikingNetworks.mlp(seed: 1, inputs: FeatureShape(height: 2, width: 2, channels: 1), leak: 1, reset: .subtract)
        let images = Tensor(shape: [1, 1, 3, 3])
        #expect(throws: SpikeKitError.self) {
            try EventScheduler(network: net).run(images: images, options: SimulationOptions(timeSteps: 4))
        }
    }
}
