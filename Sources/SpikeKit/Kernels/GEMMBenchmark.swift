import Dispatch

/// What `GEMMBenchmark.run` measured: SGEMM throughput per thread count, the reference networks'
/// convolutions, whether the results were right, and whether fused multiply-adds are fast.
public struct GEMMBenchmarkReport: Codable, Sendable, Equatable {
    /// Throughput of the square-ish product at one thread count.
    public struct Result: Codable, Sendable, Equatable {
        public var threads: Int
        /// 2·m·n·k / best time, in 10⁹ flop/s.
        public var gflops: Double
    }

    /// One convolution layer of a reference network (DESIGN §8), run with all cores on a batch.
    public struct ConvolutionResult: Codable, Sendable, Equatable {
        public var network: String
        public var layer: String
        /// The per-image im2col product of the forward pass: [m × k] · [k × n], m = Cout, n = Ho·Wo,
        /// k = Cin·kh·kw.
        public var m: Int
        public var n: Int
        public var k: Int
        public var batch: Int
        /// Forward-pass throughput over the batch (2·m·n·k·batch / best time).
        public var gflops: Double
        /// Throughput of the input-gradient and weight-gradient passes (same flop count).
        public var backwardInputGflops: Double
        public var backwardWeightGflops: Double
    }

    public var m: Int
    public var n: Int
    public var k: Int
    public var results: [Result]
    public var convolutions: [ConvolutionResult]
    /// True when sampled entries of every measured product matched a naive double-precision sum.
    public var verified: Bool
    /// True when `SIMD.addProduct` runs at least about as fast as a separate multiply and add,
    /// i.e. the library was compiled for a CPU with FMA (see `FusedMultiplyAddProbe`).
    public var fusedMultiplyAdd: Bool
    /// Time of the fused loop over the time of the unfused loop (≈1 or less when FMA is native,
    /// tens when every fused multiply-add is a library call).
    public var fusedMultiplyAddSlowdown: Double
}

/// Times SGEMM and the reference convolutions, checking their own results.
///
/// Only the product itself is timed (inputs are made and a warm-up call is done beforehand); the
/// reported figure is the best of `repetitions` runs, the usual way to measure a kernel on a shared
/// machine. After timing, sampled entries are compared against a naive double-precision sum, so a
/// fast wrong answer reports `verified: false`.
public struct GEMMBenchmark {
    /// Reference convolutions: CNN-S on 28×28×1 and VGG5 on 32×32×3 (3×3, pad 1, DESIGN §8).
    public static let referenceConvolutions: [(network: String, layer: String, geometry: ConvolutionGeometry)] = [
        ("cnn-s", "conv1", ConvolutionGeometry(inChannels: 1, outChannels: 16, inputHeight: 28, inputWidth: 28,
                                               kernelHeight: 3, kernelWidth: 3, padding: 1)),
        ("cnn-s", "conv2", ConvolutionGeometry(inChannels: 16, outChannels: 32, inputHeight: 14, inputWidth: 14,
                                               kernelHeight: 3, kernelWidth: 3, padding: 1)),
        ("vgg5", "conv1", ConvolutionGeometry(inChannels: 3, outChannels: 64, inputHeight: 32, inputWidth: 32,
                                              kernelHeight: 3, kernelWidth: 3, padding: 1)),
        ("vgg5", "conv2", ConvolutionGeometry(inChannels: 64, outChannels: 128, inputHeight: 16, inputWidth: 16,
                                              kernelHeight: 3, kernelWidth: 3, padding: 1)),
        ("vgg5", "conv3", ConvolutionGeometry(inChannels: 128, outChannels: 128, inputHeight: 16, inputWidth: 16,
                                              kernelHeight: 3, kernelWidth: 3, padding: 1)),
    ]

    /// Measures an m × k by k × n product on 1 … `Parallel.coreCount` threads, then the reference
    /// convolutions on batches of `convolutionBatch` images with all threads (0 skips them).
    public static func run(m: Int = 1024, n: Int = 1024, k: Int = 1024, repetitions: Int = 5,
                           convolutionBatch: Int = 64) -> GEMMBenchmarkReport {
        precondition(m >= 1 && n >= 1 && k >= 1 && repetitions >= 1,
                     "GEMMBenchmark.run: sizes and repetitions must be ≥ 1 (m \(m), n \(n), k \(k), repetitions \(repetitions))")
        var generator = SeededGenerator(seed: 2024)
        let a = (0..<(m * k)).map { _ in generator.nextUniform() * 2 - 1 }
        let b = (0..<(k * n)).map { _ in generator.nextUniform() * 2 - 1 }
        var c = [Float](repeating: 0, count: m * n)
        var verified = true
        var results: [GEMMBenchmarkReport.Result] = []
        for threads in 1...Parallel.coreCount {
            let seconds = bestTime(repetitions: repetitions) {
                sgemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k,
                      b: b, ldb: n, beta: 0, c: &c, ldc: n, threads: threads)
            }
            verified = verified && checkProduct(a: a, b: b, c: c, m: m, n: n, k: k, generator: &generator)
            results.append(.init(threads: threads, gflops: 2 * Double(m) * Double(n) * Double(k) / seconds / 1e9))
        }

        var convolutions: [GEMMBenchmarkReport.ConvolutionResult] = []
        let batch = convolutionBatch
        for reference in referenceConvolutions where batch > 0 {
            let g = reference.geometry
            let input = randomTensor(g.inputShape(batch: batch), &generator)
            let weight = randomTensor(g.weightShape, &generator)
            let gradient = randomTensor(g.outputShape(batch: batch), &generator)
            var output = Tensor(shape: [0])
            let forward = bestTime(repetitions: repetitions) {
                output = Convolution.forward(input: input, weight: weight, geometry: g, threads: Parallel.coreCount)
            }
            verified = verified && checkConvolution(input: input, weight: weight, output: output, geometry: g,
                                                    generator: &generator)
            let backwardInput = bestTime(repetitions: repetitions) {
                _ = Convolution.backwardInput(gradientOutput: gradient, weight: weight, geometry: g, threads: Parallel.coreCount)
            }
            let backwardWeight = bestTime(repetitions: repetitions) {
                _ = Convolution.backwardWeight(gradientOutput: gradient, input: input, geometry: g, threads: Parallel.coreCount)
            }
            let flops = 2 * Double(g.multiplyAccumulates) * Double(batch)
            convolutions.append(.init(network: reference.network, layer: reference.layer,
                                      m: g.outChannels, n: g.outputPixels, k: g.patchSize, batch: batch,
                                      gflops: flops / forward / 1e9,
                                      backwardInputGflops: flops / backwardInput / 1e9,
                                      backwardWeightGflops: flops / backwardWeight / 1e9))
        }

        let slowdown = FusedMultiplyAddProbe.slowdown()
        return GEMMBenchmarkReport(m: m, n: n, k: k, results: results, convolutions: convolutions,
                                   verified: verified, fusedMultiplyAdd: slowdown < 3,
                                   fusedMultiplyAddSlowdown: slowdown)
    }

    /// The best wall time of `repetitions` calls, after one untimed warm-up call.
    static func bestTime(repetitions: Int, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            let end = DispatchTime.now().uptimeNanoseconds
            best = min(best, Double(end - start) / 1e9)
        }
        return max(best, 1e-9)
    }

    /// A sample position in `0..<bound` (modulo bias is irrelevant for picking test entries).
    private static func index(below bound: Int, _ generator: inout SeededGenerator) -> Int {
        Int(generator.next() % UInt64(bound))
    }

    private static func randomTensor(_ shape: [Int], _ generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.nextUniform() * 2 - 1 })
    }

    /// Compares 16 sampled entries of C = A·B against a double-precision dot product.
    private static func checkProduct(a: [Float], b: [Float], c: [Float], m: Int, n: Int, k: Int,
                                     generator: inout SeededGenerator) -> Bool {
        var samples = [(0, 0), (m - 1, n - 1)]
        for _ in 0..<14 { samples.append((index(below: m, &generator), index(below: n, &generator))) }
        return samples.allSatisfy { i, j in
            var exact = 0.0, magnitude = 0.0
            for p in 0..<k {
                exact += Double(a[i * k + p]) * Double(b[p * n + j])
                magnitude += abs(Double(a[i * k + p]) * Double(b[p * n + j]))
            }
            return abs(Double(c[i * n + j]) - exact) <= 1e-5 * magnitude + 1e-6
        }
    }

    /// Compares 16 sampled outputs of a convolution against the defining sum.
    private static func checkConvolution(input: Tensor, weight: Tensor, output: Tensor, geometry g: ConvolutionGeometry,
                                         generator: inout SeededGenerator) -> Bool {
        let batch = input.shape[0]
        return (0..<16).allSatisfy { _ in
            let n = index(below: batch, &generator), o = index(below: g.outChannels, &generator)
            let oy = index(below: g.outputHeight, &generator), ox = index(below: g.outputWidth, &generator)
            var exact = 0.0, magnitude = 0.0
            for c in 0..<g.inChannels {
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                        if iy < 0 || iy >= g.inputHeight || ix < 0 || ix >= g.inputWidth { continue }
                        let term = Double(weight[o, c, ky, kx]) * Double(input[n, c, iy, ix])
                        exact += term
                        magnitude += abs(term)
                    }
                }
            }
            return abs(Double(output[n, o, oy, ox]) - exact) <= 1e-5 * magnitude + 1e-6
        }
    }
}
