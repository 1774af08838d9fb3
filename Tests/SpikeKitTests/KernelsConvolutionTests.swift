import Foundation
import Testing
@testable import SpikeKit

@Suite struct KernelsConvolutionTests {
    typealias Geometry = ConvolutionGeometry

    /// The input pixel a tap reads, or nil where it falls in the zero padding.
    static func source(_ g: Geometry, _ oy: Int, _ ox: Int, _ ky: Int, _ kx: Int) -> (Int, Int)? {
        let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
        return iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth ? (iy, ix) : nil
    }

    /// Calls `body(n, o, c, oy, ox, ky, kx, iy, ix)` for every term of the convolution sum.
    static func forEachTerm(_ g: Geometry, batch: Int, _ body: (Int, Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        for n in 0..<batch { for o in 0..<g.outChannels { for c in 0..<g.inChannels {
            for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth {
                for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                    if let (iy, ix) = source(g, oy, ox, ky, kx) { body(n, o, c, oy, ox, ky, kx, iy, ix) }
                } }
            } }
        } } }
    }

    // Flat indices into x [N, Cin, H, W], y [N, Cout, Ho, Wo] and W [Cout, Cin, kh, kw].
    static func xIndex(_ g: Geometry, _ n: Int, _ c: Int, _ iy: Int, _ ix: Int) -> Int {
        ((n * g.inChannels + c) * g.inputHeight + iy) * g.inputWidth + ix
    }
    static func yIndex(_ g: Geometry, _ n: Int, _ o: Int, _ oy: Int, _ ox: Int) -> Int {
        ((n * g.outChannels + o) * g.outputHeight + oy) * g.outputWidth + ox
    }
    static func wIndex(_ g: Geometry, _ o: Int, _ c: Int, _ ky: Int, _ kx: Int) -> Int {
        ((o * g.inChannels + c) * g.kernelHeight + ky) * g.kernelWidth + kx
    }

    static func naiveForward(_ x: Tensor, _ w: Tensor, _ g: Geometry) -> [Double] {
        let batch = x.shape[0]
        var y = [Double](repeating: 0, count: batch * g.outChannels * g.outputPixels)
        forEachTerm(g, batch: batch) { n, o, c, oy, ox, ky, kx, iy, ix in
            y[yIndex(g, n, o, oy, ox)] += Double(w.scalars[wIndex(g, o, c, ky, kx)]) * Double(x.scalars[xIndex(g, n, c, iy, ix)])
        }
        return y
    }

    static func naiveBackwardInput(_ dy: Tensor, _ w: Tensor, _ g: Geometry) -> [Double] {
        let batch = dy.shape[0]
        var dx = [Double](repeating: 0, count: batch * g.inChannels * g.inputPixels)
        forEachTerm(g, batch: batch) { n, o, c, oy, ox, ky, kx, iy, ix in
            dx[xIndex(g, n, c, iy, ix)] += Double(w.scalars[wIndex(g, o, c, ky, kx)]) * Double(dy.scalars[yIndex(g, n, o, oy, ox)])
        }
        return dx
    }

    static func naiveBackwardWeight(_ dy: Tensor, _ x: Tensor, _ g: Geometry) -> [Double] {
        var dw = [Double](repeating: 0, count: g.weightShape.reduce(1, *))
        forEachTerm(g, batch: x.shape[0]) { n, o, c, oy, ox, ky, kx, iy, ix in
            dw[wIndex(g, o, c, ky, kx)] += Double(dy.scalars[yIndex(g, n, o, oy, ox)]) * Double(x.scalars[xIndex(g, n, c, iy, ix)])
        }
        return dw
    }

    static let geometries: [(batch: Int, geometry: Geometry)] = [
        (2, Geometry(inChannels: 1, outChannels: 3, inputHeight: 5, inputWidth: 5, kernelHeight: 3, kernelWidth: 3, padding: 1)),
        (3, Geometry(inChannels: 2, outChannels: 5, inputHeight: 7, inputWidth: 6, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1)),
        (1, Geometry(inChannels: 3, outChannels: 13, inputHeight: 9, inputWidth: 11, kernelHeight: 2, kernelWidth: 3)),
        (2, Geometry(inChannels: 4, outChannels: 6, inputHeight: 6, inputWidth: 6, kernelHeight: 1, kernelWidth: 1)),
        (2, Geometry(inChannels: 5, outChannels: 4, inputHeight: 8, inputWidth: 7, kernelHeight: 1, kernelWidth: 1, stride: 2)),
        (1, Geometry(inChannels: 1, outChannels: 1, inputHeight: 1, inputWidth: 1, kernelHeight: 1, kernelWidth: 1)),
        (2, Geometry(inChannels: 2, outChannels: 3, inputHeight: 4, inputWidth: 5, kernelHeight: 3, kernelWidth: 3, stride: 3, padding: 2)),
        (9, Geometry(inChannels: 3, outChannels: 17, inputHeight: 12, inputWidth: 11, kernelHeight: 5, kernelWidth: 5, padding: 2)),
        // Small maps (VGG16's last blocks): several images per product, the last group partial.
        (21, Geometry(inChannels: 6, outChannels: 20, inputHeight: 2, inputWidth: 2, kernelHeight: 3, kernelWidth: 3, padding: 1)),
        (5, Geometry(inChannels: 7, outChannels: 9, inputHeight: 4, inputWidth: 4, kernelHeight: 3, kernelWidth: 3, padding: 1)),
    ]

    @Test func allPassesMatchTheDefinition() {
        for (index, (batch, g)) in Self.geometries.enumerated() {
            #expect(g.problem == nil)
            let seed = UInt64(100 + 10 * index)
            let x = KernelsTestSupport.randomTensor(g.inputShape(batch: batch), seed: seed)
            let w = KernelsTestSupport.randomTensor(g.weightShape, seed: seed + 1)
            let dy = KernelsTestSupport.randomTensor(g.outputShape(batch: batch), seed: seed + 2)
            let y = Convolution.forward(input: x, weight: w, geometry: g, threads: 2)
            #expect(y.shape == g.outputShape(batch: batch))
            KernelsTestSupport.expectClose(y.scalars, Self.naiveForward(x, w, g), "forward \(g)")
            let dx = Convolution.backwardInput(gradientOutput: dy, weight: w, geometry: g, threads: 2)
            #expect(dx.shape == x.shape)
            KernelsTestSupport.expectClose(dx.scalars, Self.naiveBackwardInput(dy, w, g), "backwardInput \(g)")
            let dw = Convolution.backwardWeight(gradientOutput: dy, input: x, geometry: g, threads: 2)
            #expect(dw.shape == w.shape)
            KernelsTestSupport.expectClose(dw.scalars, Self.naiveBackwardWeight(dy, x, g), "backwardWeight \(g)")
        }
    }

    @Test func gradientsMatchFiniteDifferences() {
        // L = Σ r·y + ½ Σ y², so dL/dy = r + y; both gradients are checked by central differences.
        let g = Geometry(inChannels: 2, outChannels: 3, inputHeight: 5, inputWidth: 4, kernelHeight: 3, kernelWidth: 3,
                         stride: 2, padding: 1)
        let x = KernelsTestSupport.randomTensor(g.inputShape(batch: 2), seed: 1)
        let w = KernelsTestSupport.randomTensor(g.weightShape, seed: 2)
        let r = KernelsTestSupport.randomTensor(g.outputShape(batch: 2), seed: 3)
        func loss(_ x: Tensor, _ w: Tensor) -> Double {
            let y = Convolution.forward(input: x, weight: w, geometry: g, threads: 1)
            return zip(y.scalars, r.scalars).reduce(0.0) { $0 + Double($1.1) * Double($1.0) + 0.5 * Double($1.0) * Double($1.0) }
        }
        let y = Convolution.forward(input: x, weight: w, geometry: g, threads: 1)
        let dy = Tensor(shape: y.shape, scalars: zip(r.scalars, y.scalars).map { $0 + $1 })
        let dx = Convolution.backwardInput(gradientOutput: dy, weight: w, geometry: g, threads: 1)
        let dw = Convolution.backwardWeight(gradientOutput: dy, input: x, geometry: g, threads: 1)
        let h: Float = 1e-2
        for i in stride(from: 0, to: x.count, by: 3) {
            var plus = x, minus = x
            plus.scalars[i] += h
            minus.scalars[i] -= h
            let numeric = (loss(plus, w) - loss(minus, w)) / Double(2 * h)
            #expect(abs(numeric - Double(dx.scalars[i])) <= 2e-3 * (1 + abs(numeric)),
                    "dL/dx[\(i)]: analytic \(dx.scalars[i]), finite difference \(numeric)")
        }
        for i in 0..<w.count {
            var plus = w, minus = w
            plus.scalars[i] += h
            minus.scalars[i] -= h
            let numeric = (loss(x, plus) - loss(x, minus)) / Double(2 * h)
            #expect(abs(numeric - Double(dw.scalars[i])) <= 2e-3 * (1 + abs(numeric)),
                    "dL/dW[\(i)]: analytic \(dw.scalars[i]), finite difference \(numeric)")
        }
    }

    @Test(arguments: [
        // 9 samples → chunks of 4, 4, 1 for the weight gradient; a wide patch (GEMM) and a narrow one
        // (dot products) take the two weight-gradient paths.
        Geometry(inChannels: 3, outChannels: 17, inputHeight: 12, inputWidth: 11, kernelHeight: 5, kernelWidth: 5, padding: 2),
        Geometry(inChannels: 1, outChannels: 16, inputHeight: 10, inputWidth: 9, kernelHeight: 3, kernelWidth: 3, padding: 1),
        Geometry(inChannels: 6, outChannels: 20, inputHeight: 2, inputWidth: 2, kernelHeight: 3, kernelWidth: 3, padding: 1),
    ])
    func threadCountDoesNotChangeBits(g: Geometry) {
        let batch = 9
        let x = KernelsTestSupport.randomTensor(g.inputShape(batch: batch), seed: 40)
        let w = KernelsTestSupport.randomTensor(g.weightShape, seed: 41)
        let dy = KernelsTestSupport.randomTensor(g.outputShape(batch: batch), seed: 42)
        let reference = (Convolution.forward(input: x, weight: w, geometry: g, threads: 1),
                         Convolution.backwardInput(gradientOutput: dy, weight: w, geometry: g, threads: 1),
                         Convolution.backwardWeight(gradientOutput: dy, input: x, geometry: g, threads: 1))
        for threads in [2, 3, 16] {
            KernelsTestSupport.expectBitIdentical(
                Convolution.forward(input: x, weight: w, geometry: g, threads: threads).scalars,
                reference.0.scalars, "forward, \(threads) threads")
            KernelsTestSupport.expectBitIdentical(
                Convolution.backwardInput(gradientOutput: dy, weight: w, geometry: g, threads: threads).scalars,
                reference.1.scalars, "backwardInput, \(threads) threads")
            KernelsTestSupport.expectBitIdentical(
                Convolution.backwardWeight(gradientOutput: dy, input: x, geometry: g, threads: threads).scalars,
                reference.2.scalars, "backwardWeight, \(threads) threads")
        }
    }

    /// Small output maps put several images into one product; every image's output and input gradient
    /// must be the bits it gets alone (one image per product).
    @Test func groupedImagesGiveEachImagesOwnBits() {
        let g = Geometry(inChannels: 6, outChannels: 20, inputHeight: 2, inputWidth: 2, kernelHeight: 3, kernelWidth: 3, padding: 1)
        let batch = 21
        #expect(Convolution.imagesPerProduct(g, batch: batch) > 1 && Convolution.imagesPerProduct(g, batch: 1) == 1)
        let x = KernelsTestSupport.randomTensor(g.inputShape(batch: batch), seed: 50)
        let w = KernelsTestSupport.randomTensor(g.weightShape, seed: 51)
        let dy = KernelsTestSupport.randomTensor(g.outputShape(batch: batch), seed: 52)
        let y = Convolution.forward(input: x, weight: w, geometry: g, threads: 2)
        let dx = Convolution.backwardInput(gradientOutput: dy, weight: w, geometry: g, threads: 2)
        for n in [0, 7, 20] {
            let alone = Convolution.forward(input: x.slice(n..<(n + 1)), weight: w, geometry: g, threads: 1)
            KernelsTestSupport.expectBitIdentical(y.slice(n..<(n + 1)).scalars, alone.scalars, "forward, image \(n)")
            let aloneGradient = Convolution.backwardInput(gradientOutput: dy.slice(n..<(n + 1)), weight: w, geometry: g, threads: 1)
            KernelsTestSupport.expectBitIdentical(dx.slice(n..<(n + 1)).scalars, aloneGradient.scalars, "backwardInput, image \(n)")
        }
    }

    @Test func handComputedExample() {
        // A 3×3 image of 1…9 with a 2×2 kernel [[1, 0], [0, -1]], no padding: y = x[i, j] − x[i+1, j+1] = −4.
        let g = Geometry(inChannels: 1, outChannels: 1, inputHeight: 3, inputWidth: 3, kernelHeight: 2, kernelWidth: 2)
        let x = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
        let w = Tensor(shape: [1, 1, 2, 2], scalars: [1, 0, 0, -1])
        #expect(Convolution.forward(input: x, weight: w, geometry: g).scalars == [-4, -4, -4, -4])
        // With all-ones output gradient, dW[ky, kx] is the sum of the 2×2 window at that offset.
        let ones = Tensor(shape: [1, 1, 2, 2], repeating: 1)
        #expect(Convolution.backwardWeight(gradientOutput: ones, input: x, geometry: g).scalars == [12, 16, 24, 28])
        #expect(Convolution.backwardInput(gradientOutput: ones, weight: w, geometry: g).scalars
                == [1, 1, 0, 1, 0, -1, 0, -1, -1])
    }

    @Test func emptyBatch() {
        let g = Geometry(inChannels: 2, outChannels: 3, inputHeight: 4, inputWidth: 4, kernelHeight: 3, kernelWidth: 3)
        let w = KernelsTestSupport.randomTensor(g.weightShape, seed: 9)
        let y = Convolution.forward(input: Tensor(shape: g.inputShape(batch: 0)), weight: w, geometry: g)
        #expect(y.shape == [0, 3, 2, 2])
        let dw = Convolution.backwardWeight(gradientOutput: y, input: Tensor(shape: g.inputShape(batch: 0)), geometry: g)
        #expect(dw.scalars == [Float](repeating: 0, count: w.count))
    }

    @Test func geometryArithmeticAndValidation() throws {
        let g = Geometry(inChannels: 16, outChannels: 32, inputHeight: 14, inputWidth: 14, kernelHeight: 3, kernelWidth: 3,
                         padding: 1)
        #expect(g.outputHeight == 14 && g.outputWidth == 14)
        #expect(g.multiplyAccumulates == 9 * 16 * 32 * 196)
        let strided = Geometry(inChannels: 1, outChannels: 1, inputHeight: 7, inputWidth: 8, kernelHeight: 3,
                               kernelWidth: 3, stride: 2)
        #expect(strided.outputHeight == 3 && strided.outputWidth == 3)
        #expect(Geometry(inChannels: 0, outChannels: 1, inputHeight: 4, inputWidth: 4, kernelHeight: 3, kernelWidth: 3).problem != nil)
        #expect(Geometry(inChannels: 1, outChannels: 1, inputHeight: 2, inputWidth: 4, kernelHeight: 3, kernelWidth: 3).problem != nil)
        #expect(Geometry(inChannels: 1, outChannels: 1, inputHeight: 4, inputWidth: 4, kernelHeight: 3, kernelWidth: 3, stride: 0).problem != nil)
        let decoded = try JSONDecoder().decode(Geometry.self, from: JSONEncoder().encode(g))
        #expect(decoded == g)
    }
}
