import Testing
@testable import SpikeKit

@Suite struct DirectCurrentTests {
    /// The vectorised direct current equals a scalar loop doing the same fused multiply-adds in the
    /// same order, bit for bit (odd channel counts exercise the scalar tails).
    @Test(arguments: [1, 5, 16, 37])
    func matchesScalarLoop(channels: Int) {
        var g = SeededGenerator(seed: UInt64(channels))
        let geometry = ConvolutionGeometry(inChannels: 2, outChannels: channels, inputHeight: 7, inputWidth: 6,
                                           kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1)
        let weights = (0..<(2 * 9 * channels)).map { _ in g.nextNormal() }
        let x = (0..<(7 * 6 * 2)).map { i in i % 5 == 0 ? 0 : g.nextNormal() }
        var expected = [Float](repeating: 0, count: geometry.outputHeight * geometry.outputWidth * channels)
        for oy in 0..<geometry.outputHeight { for ox in 0..<geometry.outputWidth { for co in 0..<channels {
            var acc: Float = 0
            for ky in 0..<3 { for kx in 0..<3 { for ci in 0..<2 {
                let y = oy * 2 - 1 + ky, xx = ox * 2 - 1 + kx
                guard y >= 0, y < 7, xx >= 0, xx < 6 else { continue }
                let v = x[(y * 6 + xx) * 2 + ci]
                if v != 0 { acc = acc.addingProduct(v, weights[((ci * 3 + ky) * 3 + kx) * channels + co]) }
            } } }
            expected[(oy * geometry.outputWidth + ox) * channels + co] = acc
        } } }
        #expect(DirectCurrentKernels.convolution(x, weights: weights, geometry: geometry) == expected)

        let rows = (0..<(x.count * channels)).map { _ in g.nextNormal() }
        var linearExpected = [Float](repeating: 0, count: channels)
        for o in 0..<channels {
            for i in x.indices where x[i] != 0 { linearExpected[o] = linearExpected[o].addingProduct(x[i], rows[i * channels + o]) }
        }
        #expect(DirectCurrentKernels.linear(x, weights: rows, outputs: channels) == linearExpected)
    }

    /// A block of images gives, image by image, exactly the currents of one image at a time (the
    /// scheduler computes blocks; the dense reference and STDB compute one image).
    @Test(arguments: [1, 3, 17])
    func blockMatchesOneImageAtATime(images: Int) {
        var g = SeededGenerator(seed: UInt64(images) &+ 40)
        let inputs = 29, outputs = 21
        let weights = (0..<(inputs * outputs)).map { _ in g.nextNormal() }
        let xs = (0..<images).map { n in (0..<inputs).map { i in (i + n) % 4 == 0 ? 0 : g.nextNormal() } }
        let block = DirectCurrentKernels.linear(block: xs, weights: weights, outputs: outputs)
        #expect(block.count == images)
        for n in 0..<images {
            #expect(block[n] == DirectCurrentKernels.linear(xs[n], weights: weights, outputs: outputs), "image \(n)")
        }
        let synapse = Synapse.linear(name: "fc", inputShape: .flat(inputs), outputs: outputs, pytorchWeights: weights,
                                     bias: (0..<outputs).map { Float($0) * 0.1 })
        let currents = InputEncoder.directCurrents(imagesHWC: xs, synapse: synapse)
        for n in 0..<images { #expect(currents[n] == InputEncoder.directCurrent(imageHWC: xs[n], synapse: synapse)) }
        #expect(DirectCurrentKernels.linear(block: [], weights: weights, outputs: outputs).isEmpty)
    }

    /// Wide and deep enough for every path of the tiled kernel: 64-output chunks, a 16-lane chunk and
    /// a scalar tail (150 = 64 + 64 + 16 + 6), several 128-input tiles (300 inputs), and a column band,
    /// against the scalar definition fma by fma.
    @Test(arguments: [1, 5])
    func tiledBlockMatchesTheDefinition(images: Int) {
        var g = SeededGenerator(seed: UInt64(images) &+ 70)
        let inputs = 300, outputs = 150
        let weights = (0..<(inputs * outputs)).map { _ in g.nextNormal() }
        let xs = (0..<images).map { n in (0..<inputs).map { i in (i + n) % 5 == 0 ? 0 : g.nextNormal() } }
        for columns in [0..<outputs, 16..<150, 64..<80] {
            let block = DirectCurrentKernels.linear(block: xs, weights: weights, outputs: outputs, columns: columns)
            for n in 0..<images {
                for o in 0..<outputs {
                    var expected: Float = 0
                    if columns.contains(o) {
                        for i in 0..<inputs where xs[n][i] != 0 { expected = expected.addingProduct(xs[n][i], weights[i * outputs + o]) }
                    }
                    #expect(block[n][o] == expected, "image \(n), output \(o), columns \(columns)")
                }
            }
        }
    }

    /// The mask helpers against the mask's own lanes.
    @Test func laneMaskMatchesLanes() {
        var g = SeededGenerator(seed: 9)
        for _ in 0..<200 {
            let v = SIMD16<Float>((0..<16).map { _ in g.nextUniform() })
            let threshold = g.nextUniform() * 1.2
            let mask = v .> SIMD16<Float>(repeating: threshold)
            var expected: UInt32 = 0
            for lane in 0..<16 where mask[lane] { expected |= 1 << UInt32(lane) }
            #expect(LaneMask.bits(mask) == expected)
            #expect(LaneMask.any(mask) == (expected != 0))
        }
    }
}

@Suite struct LinearDeliveryRateTests {
    @Test func measuresTheDeliveryOfTheRequestedEvents() {
        let rate = SimulationBenchmark.linearDeliveryRate(inputs: 64, outputs: 48, activeInputs: 7, steps: 200, threads: 2)
        #expect(rate.inputs == 64 && rate.outputs == 48 && rate.activeInputs == 7 && rate.threads == 2)
        #expect(rate.synapticEventsPerSecond.isFinite && rate.synapticEventsPerSecond > 0)
    }
}
