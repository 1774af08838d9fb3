import Foundation
import Testing
@testable import SpikeKit

/// Grouped and depthwise convolutions (`ConvolutionGeometry.groups`) through every part that reads a
/// convolution: the ANN's forward and backward passes against a direct loop, the SNN's weight layout,
/// event-driven against dense simulation (both neuron models, orderings, encodings, resets; 1, 2, 4
/// threads; the networks also pool with padding), conversion from the ANN, the checkpoint, and the
/// hardware fan-in and fan-out.
@Suite struct GroupedConvolutionTests {
    /// y[n][o][oy][ox] = Σ over the input channels of o's group, and the kernel, of x·w: the
    /// definition, for the ANN kernels to be checked against.
    static func directConvolution(_ x: Tensor, _ w: Tensor, _ g: ConvolutionGeometry) -> Tensor {
        let n = x.shape[0]
        var y = Tensor(shape: g.outputShape(batch: n))
        let (ci, co) = (g.inChannelsPerGroup, g.outChannelsPerGroup)
        for b in 0..<n { for o in 0..<g.outChannels { for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth {
            var acc: Double = 0
            let first = (o / co) * ci
            for i in 0..<ci { for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                guard iy >= 0, iy < g.inputHeight, ix >= 0, ix < g.inputWidth else { continue }
                let xv = x.scalars[((b * g.inChannels + first + i) * g.inputHeight + iy) * g.inputWidth + ix]
                acc += Double(xv) * Double(w.scalars[((o * ci + i) * g.kernelHeight + ky) * g.kernelWidth + kx])
            } } }
            y.scalars[((b * g.outChannels + o) * g.outputHeight + oy) * g.outputWidth + ox] = Float(acc)
        } } } }
        return y
    }

    static func random(_ shape: [Int], _ g: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in g.nextNormal() })
    }

    static let geometries: [ConvolutionGeometry] = [
        ConvolutionGeometry(inChannels: 4, outChannels: 6, inputHeight: 7, inputWidth: 6, kernelHeight: 3, kernelWidth: 3,
                            stride: 1, padding: 1, groups: 2),
        ConvolutionGeometry(inChannels: 6, outChannels: 6, inputHeight: 8, inputWidth: 8, kernelHeight: 3, kernelWidth: 3,
                            stride: 2, padding: 1, groups: 6),
        ConvolutionGeometry(inChannels: 4, outChannels: 8, inputHeight: 5, inputWidth: 5, kernelHeight: 1, kernelWidth: 1,
                            stride: 1, padding: 0, groups: 4),
    ]

    @Test(arguments: geometries)
    func annPassesMatchTheDefinition(_ g: ConvolutionGeometry) throws {
        var rng = SeededGenerator(seed: UInt64(g.groups * 31 + g.stride))
        let x = Self.random(g.inputShape(batch: 3), &rng), w = Self.random(g.weightShape, &rng)
        let y = Convolution.forward(input: x, weight: w, geometry: g)
        let reference = Self.directConvolution(x, w, g)
        #expect(zip(y.scalars, reference.scalars).allSatisfy { abs($0 - $1) <= 1e-4 * (1 + abs($1)) }, "forward \(g)")
        // The backward passes against the forward's linearity: for L = Σ r·y, dL/dx and dL/dW are the
        // passes of r, and L(x + εe) − L(x − εe) = 2ε·dL/dx·e exactly up to rounding.
        let r = Self.random(g.outputShape(batch: 3), &rng)
        let dx = Convolution.backwardInput(gradientOutput: r, weight: w, geometry: g)
        let dw = Convolution.backwardWeight(gradientOutput: r, input: x, geometry: g)
        func loss(_ x: Tensor, _ w: Tensor) -> Double {
            zip(Self.directConvolution(x, w, g).scalars, r.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        for _ in 0..<6 {
            let i = rng.nextInt(below: x.scalars.count), j = rng.nextInt(below: w.scalars.count)
            var xp = x, xm = x, wp = w, wm = w
            xp.scalars[i] += 0.5; xm.scalars[i] -= 0.5; wp.scalars[j] += 0.5; wm.scalars[j] -= 0.5
            expectClose(Double(dx.scalars[i]), (loss(xp, w) - loss(xm, w)), relative: 1e-3, absolute: 1e-3, "dL/dx[\(i)] \(g)")
            expectClose(Double(dw.scalars[j]), (loss(x, wp) - loss(x, wm)), relative: 1e-3, absolute: 1e-3, "dL/dW[\(j)] \(g)")
        }
        // Same bits for any thread count.
        #expect(Convolution.forward(input: x, weight: w, geometry: g, threads: 1).scalars
                == Convolution.forward(input: x, weight: w, geometry: g, threads: 2).scalars)
    }

    @Test(arguments: geometries)
    func synapseLayoutRoundTripsAndCountsItsFanOut(_ g: ConvolutionGeometry) {
        var rng = SeededGenerator(seed: 5)
        let w = (0..<g.weightShape.reduce(1, *)).map { _ in rng.nextNormal() }
        let synapse = Synapse.convolution(name: "c", geometry: g, pytorchWeights: w)
        #expect(synapse.pytorchWeights() == w)
        #expect(synapse.annMACsPerImage == g.outputHeight * g.outputWidth * g.outChannels * g.inChannelsPerGroup * 9
                    / (g.kernelHeight == 1 ? 9 : 1))
        // The direct current of an image (the SNN's W·x) equals the ANN's convolution of it.
        let x = Self.random(g.inputShape(batch: 1), &rng)
        let current = InputEncoder.directCurrent(imageHWC: InputEncoder.imageHWC(x, sample: 0), synapse: synapse)
        let y = Convolution.forward(input: x, weight: Tensor(shape: g.weightShape, scalars: w), geometry: g)
        for c in 0..<g.outChannels { for p in 0..<(g.outputHeight * g.outputWidth) {
            let ann = y.scalars[c * g.outputHeight * g.outputWidth + p], snn = current[p * g.outChannels + c]
            #expect(abs(ann - snn) <= 1e-4 * (1 + abs(ann)), "channel \(c) position \(p) of \(g)")
        } }
        // The targets and weights `forEachTarget` lists (what hardware mapping and export read) sum to
        // the same current.
        let hwc = InputEncoder.imageHWC(x, sample: 0)
        var listed = [Float](repeating: 0, count: current.count)
        for i in hwc.indices { synapse.forEachTarget(ofInput: i) { target, weight in listed[target] += hwc[i] * weight } }
        #expect(zip(listed, current).allSatisfy { abs($0 - $1) <= 1e-4 * (1 + abs($1)) }, "forEachTarget of \(g)")
        // Every input reaches kernel-offsets × C_out/G targets, the hardware graph's list of them agrees.
        let projection = HardwareGraph.Projection(source: nil, target: 0, synapseIndex: 0, synapse: synapse, pools: [],
                                                  isOffChipCurrent: false)
        for input in [0, g.inChannels - 1, synapse.inputShape.count / 2] {
            var targets: [Int] = []
            projection.forEachTarget(ofSynapseInput: input) { targets.append($0) }
            #expect(targets.count == synapse.fanOut(ofInput: input), "fan-out of input \(input) of \(g)")
            let group = g.group(ofInputChannel: input % g.inChannels)
            #expect(targets.allSatisfy { ($0 % g.outChannels) / g.outChannelsPerGroup == group })
        }
    }

    static let seeds: [UInt64] = Array(1...20)

    @Test(arguments: seeds)
    func eventDrivenMatchesDenseReference(seed: UInt64) throws {
        let input = FeatureShape(height: 8 + Int(seed % 3), width: 8, channels: 2 + 2 * Int(seed % 2))
        let reset: ResetMode = seed % 3 == 0 ? .zero : .subtract
        let leak: Float = seed % 2 == 0 ? 1 : 0.9
        var net = RandomSpikingNetworks.grouped(seed: seed, input: input, leak: leak, reset: reset, bias: seed % 4 == 0)
        if seed % 5 < 2 { net = BenchmarkNetworks.withNeurons(net, model: .currentBasedLIF, currentDecay: 0.5) }
        for ordering in SpikeOrdering.allCases {
            for encoding in InputEncoding.allCases {
                let images = RandomSpikingNetworks.images(2, input, seed: seed, lower: encoding == .poisson ? -1 : 0)
                try CurrentBasedNeuronTests.compare(net, images: images, encoding: encoding, ordering: ordering, seed: seed,
                                                    context: "grouped seed \(seed) \(ordering) \(encoding) \(reset) λ=\(leak)")
            }
        }
    }

    @Test func convertsFromTheANNAndSavesInTheCheckpoint() throws {
        let spec = ArchitectureSpec(name: "grouped", layers: [
            .conv(outChannels: 8, kernel: 3, padding: 1, groups: 2), .relu,
            .conv(outChannels: 8, kernel: 3, stride: 2, padding: 1, groups: 8, bias: true), .batchNorm, .relu,
            .avgPool(kernel: 2, stride: 1, padding: 1), .conv(outChannels: 4, kernel: 1), .relu,
            .maxPool(kernel: 3, stride: 2, padding: 1), .flatten, .linear(outputs: 3),
        ])
        let ann = try Network(spec: spec, inputShape: [2, 6, 6], seed: 4)
        var rng = SeededGenerator(seed: 9)
        let images = Tensor(shape: [4, 2, 6, 6], scalars: (0..<(4 * 72)).map { _ in rng.nextUniform() })
        let snn = try ANNToSNNConverter.convert(ann, recipe: .dataNormalization(DataNormalization(percentile: 100)),
                                                calibration: images).network
        guard case .convolution(let depthwise) = snn.synapses[1].connectivity else {
            Issue.record("the depthwise layer did not become a convolution"); return
        }
        #expect(depthwise.groups == 8 && snn.synapses[1].weights.count == 8 * 9)
        let directory = TemporaryDirectory()
        let url = directory.url.appendingPathComponent("grouped.safetensors")
        try SpikingNetworkCheckpoint.save(snn, to: url)
        let (loaded, _) = try SpikingNetworkCheckpoint.load(from: url)
        #expect(loaded.synapses.map(\.weights) == snn.synapses.map(\.weights))
        #expect(loaded.synapses.map(\.connectivity) == snn.synapses.map(\.connectivity))
        let options = SimulationOptions(timeSteps: 16, encoding: .direct, ordering: .immediate, seed: 1, checkpoints: [16],
                                        threads: 2)
        let a = try EventScheduler(network: snn).run(images: images, options: options)
        let b = try DenseReferenceSimulator(network: loaded).run(images: images, options: options)
        expectIdentical(a, b, "converted grouped network, saved and loaded")
        #expect(a.spikes.dropLast().allSatisfy { $0.reduce(0, +) > 0 }, "a population never spiked: \(a.spikes)")
    }
}
