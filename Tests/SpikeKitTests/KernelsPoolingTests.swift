import Testing
@testable import SpikeKit

@Suite struct KernelsPoolingTests {
    /// Every window of a pooling call: (plane, output index in plane, input indices in plane, row-major).
    static func windows(_ shape: [Int], kernel: Int, stride: Int) -> [(plane: Int, output: Int, inputs: [Int])] {
        let (h, w) = (shape[2], shape[3])
        let (ho, wo) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
        var result: [(Int, Int, [Int])] = []
        for plane in 0..<(shape[0] * shape[1]) {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var inputs: [Int] = []
                    for ky in 0..<kernel { for kx in 0..<kernel { inputs.append((oy * stride + ky) * w + ox * stride + kx) } }
                    result.append((plane, oy * wo + ox, inputs))
                }
            }
        }
        return result
    }

    static let cases: [(shape: [Int], kernel: Int, stride: Int)] = [
        ([2, 3, 4, 4], 2, 2), ([1, 2, 5, 7], 2, 2), ([2, 1, 7, 6], 3, 2), ([1, 1, 3, 3], 3, 1),
        ([3, 2, 6, 5], 2, 1), ([1, 1, 1, 1], 1, 1),
    ]

    @Test func averageMatchesTheDefinition() {
        for (index, (shape, kernel, stride)) in Self.cases.enumerated() {
            let x = KernelsTestSupport.randomTensor(shape, seed: UInt64(index))
            let y = Pooling.averageForward(input: x, kernel: kernel, stride: stride)
            let ho = (shape[2] - kernel) / stride + 1, wo = (shape[3] - kernel) / stride + 1
            #expect(y.shape == [shape[0], shape[1], ho, wo])
            let inputPlane = shape[2] * shape[3], outputPlane = ho * wo
            var expected = [Double](repeating: 0, count: y.count)
            let dy = KernelsTestSupport.randomTensor(y.shape, seed: UInt64(50 + index))
            var expectedGradient = [Double](repeating: 0, count: x.count)
            for window in Self.windows(shape, kernel: kernel, stride: stride) {
                let o = window.plane * outputPlane + window.output
                for i in window.inputs {
                    expected[o] += Double(x.scalars[window.plane * inputPlane + i]) / Double(kernel * kernel)
                    expectedGradient[window.plane * inputPlane + i] += Double(dy.scalars[o]) / Double(kernel * kernel)
                }
            }
            KernelsTestSupport.expectClose(y.scalars, expected, "averageForward \(shape) k\(kernel) s\(stride)")
            let dx = Pooling.averageBackward(gradientOutput: dy, inputShape: shape, kernel: kernel, stride: stride)
            #expect(dx.shape == shape)
            KernelsTestSupport.expectClose(dx.scalars, expectedGradient, "averageBackward \(shape) k\(kernel) s\(stride)")
        }
    }

    @Test func maxMatchesTheDefinition() {
        for (index, (shape, kernel, stride)) in Self.cases.enumerated() {
            let x = KernelsTestSupport.randomTensor(shape, seed: UInt64(200 + index))
            let (y, argmax) = Pooling.maxForward(input: x, kernel: kernel, stride: stride)
            let inputPlane = shape[2] * shape[3], outputPlane = y.shape[2] * y.shape[3]
            let dy = KernelsTestSupport.randomTensor(y.shape, seed: UInt64(300 + index))
            var expectedGradient = [Double](repeating: 0, count: x.count)
            for window in Self.windows(shape, kernel: kernel, stride: stride) {
                let o = window.plane * outputPlane + window.output
                let values = window.inputs.map { x.scalars[window.plane * inputPlane + $0] }
                let best = values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) }!
                #expect(y.scalars[o] == values[best])
                #expect(Int(argmax[o]) == window.inputs[best])
                expectedGradient[window.plane * inputPlane + window.inputs[best]] += Double(dy.scalars[o])
            }
            let dx = Pooling.maxBackward(gradientOutput: dy, argmax: argmax, inputShape: shape)
            KernelsTestSupport.expectClose(dx.scalars, expectedGradient, "maxBackward \(shape) k\(kernel) s\(stride)")
        }
    }

    @Test func handComputedPooling() {
        let x = Tensor(shape: [1, 1, 2, 4], scalars: [1, 5, 2, 2, 3, -1, 0, 2])
        #expect(Pooling.averageForward(input: x, kernel: 2, stride: 2).scalars == [2, 1.5])
        let (y, argmax) = Pooling.maxForward(input: x, kernel: 2, stride: 2)
        #expect(y.scalars == [5, 2])
        #expect(argmax == [1, 2])  // ties go to the first in row-major order
        let dx = Pooling.maxBackward(gradientOutput: Tensor(shape: [1, 1, 1, 2], scalars: [10, 20]), argmax: argmax,
                                     inputShape: [1, 1, 2, 4])
        #expect(dx.scalars == [0, 10, 20, 0, 0, 0, 0, 0])
        let nan = Tensor(shape: [1, 1, 2, 2], scalars: [1, .nan, 3, 2])
        #expect(Pooling.maxForward(input: nan, kernel: 2, stride: 2).output.scalars[0].isNaN)
    }

    @Test func largeBatchIsThreadInvariant() {
        // Big enough to be split over threads; each plane is independent, so results must agree.
        let x = KernelsTestSupport.randomTensor([8, 16, 28, 28], seed: 7)
        let single = Pooling.averageForward(input: x, kernel: 2, stride: 2, threads: 1)
        let (singleMax, singleArgmax) = Pooling.maxForward(input: x, kernel: 2, stride: 2, threads: 1)
        let dy = KernelsTestSupport.randomTensor(single.shape, seed: 8)
        let singleBackward = Pooling.averageBackward(gradientOutput: dy, inputShape: x.shape, kernel: 2, stride: 2, threads: 1)
        let singleMaxBackward = Pooling.maxBackward(gradientOutput: dy, argmax: singleArgmax, inputShape: x.shape, threads: 1)
        for threads in [2, 3] {
            KernelsTestSupport.expectBitIdentical(Pooling.averageForward(input: x, kernel: 2, stride: 2, threads: threads).scalars,
                                                  single.scalars, "averageForward, \(threads) threads")
            let (y, argmax) = Pooling.maxForward(input: x, kernel: 2, stride: 2, threads: threads)
            KernelsTestSupport.expectBitIdentical(y.scalars, singleMax.scalars, "maxForward, \(threads) threads")
            #expect(argmax == singleArgmax)
            KernelsTestSupport.expectBitIdentical(
                Pooling.averageBackward(gradientOutput: dy, inputShape: x.shape, kernel: 2, stride: 2, threads: threads).scalars,
                singleBackward.scalars, "averageBackward, \(threads) threads")
            KernelsTestSupport.expectBitIdentical(
                Pooling.maxBackward(gradientOutput: dy, argmax: argmax, inputShape: x.shape, threads: threads).scalars,
                singleMaxBackward.scalars, "maxBackward, \(threads) threads")
        }
    }
}
