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
}
