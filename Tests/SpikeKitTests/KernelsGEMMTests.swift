import Foundation
import Testing
@testable import SpikeKit

@Suite struct KernelsGEMMTests {
    /// C = alpha·op(A)·op(B) + beta·C in double precision, straight from the definition.
    static func naive(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int) -> [Double] {
        var result = c.map(Double.init)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                result[i * ldc + j] = Double(alpha) * sum + old
            }
        }
        return result
    }

    /// Runs sgemm and the naive product on random operands with padded leading dimensions.
    static func check(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                      alpha: Float = 1, beta: Float = 0, pad: Int = 0, threads: Int = 1, seed: UInt64 = 1,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        let lda = (transposeA ? m : k) + pad, ldb = (transposeB ? k : n) + pad, ldc = n + pad
        let a = KernelsTestSupport.randomArray(max(1, (transposeA ? k : m) * lda), seed: seed)
        let b = KernelsTestSupport.randomArray(max(1, (transposeB ? n : k) * ldb), seed: seed + 1)
        var c = KernelsTestSupport.randomArray(max(1, m * ldc), seed: seed + 2)
        let expected = naive(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                             a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
              a: a, lda: max(1, lda), b: b, ldb: max(1, ldb), beta: beta, c: &c, ldc: max(1, ldc), threads: threads)
        KernelsTestSupport.expectClose(c, expected, tolerance: 1e-5 * Double(max(1, k)),
                                       "sgemm tA=\(transposeA) tB=\(transposeB) m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta) pad=\(pad)",
                                       sourceLocation: sourceLocation)
    }

    static let transposes = [(false, false), (false, true), (true, false), (true, true)]

    @Test func edgeSizesAllTransposes() {
        // Sizes around the 12 × 32 tile and 1-sized edges.
        let sizes = [(1, 1, 1), (1, 7, 3), (5, 1, 4), (3, 4, 1), (12, 32, 8), (13, 33, 9), (11, 31, 17),
                     (25, 65, 2), (7, 40, 19)]
        var seed: UInt64 = 10
        for (ta, tb) in Self.transposes {
            for (m, n, k) in sizes {
                Self.check(transposeA: ta, transposeB: tb, m: m, n: n, k: k, seed: seed)
                seed += 3
            }
        }
    }

    @Test func alphaBetaAndPaddedStrides() {
        for (ta, tb) in Self.transposes {
            Self.check(transposeA: ta, transposeB: tb, m: 14, n: 35, k: 10, alpha: 0.5, beta: -1.5, pad: 3)
            Self.check(transposeA: ta, transposeB: tb, m: 9, n: 20, k: 6, alpha: -2, beta: 1, pad: 1)
            Self.check(transposeA: ta, transposeB: tb, m: 6, n: 5, k: 4, alpha: 0, beta: 0.25)
        }
    }

    @Test func sharedDimensionCrossesBlocks() {
        // k > 256 runs several blocks of the shared dimension; the later ones accumulate into C.
        Self.check(transposeA: false, transposeB: false, m: 13, n: 34, k: 600, alpha: 1, beta: 0.5)
        Self.check(transposeA: true, transposeB: true, m: 5, n: 3, k: 300)
    }

    @Test func columnsCrossPanels() {
        // n > 2048 uses more than one packed panel of B.
        Self.check(transposeA: false, transposeB: false, m: 2, n: 2100, k: 3, beta: 2)
        Self.check(transposeA: false, transposeB: true, m: 3, n: 2081, k: 2)
    }

    @Test func emptySharedDimensionScalesC() {
        var c: [Float] = [1, 2, 3, 4, 5, 6]
        sgemm(transposeA: false, transposeB: false, m: 2, n: 3, k: 0, alpha: 1, a: [], lda: 1, b: [], ldb: 3,
              beta: 2, c: &c, ldc: 3)
        #expect(c == [2, 4, 6, 8, 10, 12])
        sgemm(transposeA: false, transposeB: false, m: 2, n: 3, k: 0, alpha: 1, a: [], lda: 1, b: [], ldb: 3,
              beta: 0, c: &c, ldc: 3)
        #expect(c == [0, 0, 0, 0, 0, 0])
    }

    @Test func betaZeroOverwritesNaN() {
        var c = [Float](repeating: .nan, count: 4)
        sgemm(transposeA: false, transposeB: false, m: 2, n: 2, k: 2, alpha: 1, a: [1, 2, 3, 4], lda: 2,
              b: [5, 6, 7, 8], ldb: 2, beta: 0, c: &c, ldc: 2)
        #expect(c == [19, 22, 43, 50])
    }

    @Test func handComputedTransposes() {
        // A = [[1, 2, 3], [4, 5, 6]] (2 × 3), B = [[1, 0], [0, 1], [1, 1]] (3 × 2).
        let a: [Float] = [1, 2, 3, 4, 5, 6], b: [Float] = [1, 0, 0, 1, 1, 1]
        var c = [Float](repeating: 0, count: 4)
        sgemm(transposeA: false, transposeB: false, m: 2, n: 2, k: 3, alpha: 1, a: a, lda: 3, b: b, ldb: 2,
              beta: 0, c: &c, ldc: 2)
        #expect(c == [4, 5, 10, 11])
        // Aᵀ·Aᵀᵀ: Aᵀ is 3 × 2, (Aᵀ)(A) = 3 × 3 Gram matrix of A's columns.
        var gram = [Float](repeating: 0, count: 9)
        sgemm(transposeA: true, transposeB: false, m: 3, n: 3, k: 2, alpha: 1, a: a, lda: 3, b: a, ldb: 3,
              beta: 0, c: &gram, ldc: 3)
        #expect(gram == [17, 22, 27, 22, 29, 36, 27, 36, 45])
    }

    @Test(arguments: [(61, 97, 270), (150, 20, 600), (13, 40, 3000)])
    func threadCountDoesNotChangeBits(m: Int, n: Int, k: Int) {
        // Large enough (2·m·n·k ≥ 3·10⁶ flops) to run in parallel; odd sizes leave edge tiles. Each
        // product runs both ways of sharing work (independent blocks of C, shared panels of B).
        #expect(2 * m * n * k >= GEMMDriver.parallelFlops)
        let a = KernelsTestSupport.randomArray(m * k, seed: 5), b = KernelsTestSupport.randomArray(k * n, seed: 6)
        let start = KernelsTestSupport.randomArray(m * n, seed: 7)
        var reference: [Float] = []
        for threads in [1, 2, 3] {
            for sharedPanelFlops in [0, Int.max] {
                var c = start
                a.withUnsafeBufferPointer { aBuffer in
                    b.withUnsafeBufferPointer { bBuffer in
                        c.withUnsafeMutableBufferPointer { cBuffer in
                            sgemmUnsafe(transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 0.75,
                                        a: aBuffer.baseAddress!, lda: k, b: bBuffer.baseAddress!, ldb: k, beta: 0.5,
                                        c: cBuffer.baseAddress!, ldc: n, threads: threads,
                                        sharedPanelFlops: sharedPanelFlops)
                        }
                    }
                }
                if reference.isEmpty { reference = c } else {
                    KernelsTestSupport.expectBitIdentical(c, reference,
                                                          "sgemm \(m)×\(n)×\(k) on \(threads) threads, shared panels below \(sharedPanelFlops)")
                }
            }
        }
        let expected = Self.naive(transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 0.75, a: a, lda: k,
                                  b: b, ldb: k, beta: 0.5, c: start, ldc: n)
        KernelsTestSupport.expectClose(reference, expected, tolerance: 1e-5 * Double(k), "sgemm \(m)×\(n)×\(k)")
    }

    @Test func innerProductPathMatchesTheDefinition() {
        // Blocks of 4 × 3 plus leftover rows and columns, and a k that is not a multiple of 16.
        for (m, n, k) in [(16, 9, 784), (6, 5, 37), (1, 1, 3), (4, 3, 16), (9, 27, 50)] {
            for beta: Float in [0, 1] {
                let a = KernelsTestSupport.randomArray(m * k, seed: UInt64(m * 100 + k))
                let b = KernelsTestSupport.randomArray(n * k, seed: UInt64(n * 100 + k + 1))
                var c = KernelsTestSupport.randomArray(m * n, seed: 3)
                let expected = Self.naive(transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k,
                                          b: b, ldb: k, beta: beta, c: c, ldc: n)
                a.withUnsafeBufferPointer { aBuffer in
                    b.withUnsafeBufferPointer { bBuffer in
                        c.withUnsafeMutableBufferPointer { cBuffer in
                            InnerProductGEMM.multiply(m: m, n: n, k: k, a: aBuffer.baseAddress!, lda: k,
                                                      b: bBuffer.baseAddress!, ldb: k, beta: beta,
                                                      c: cBuffer.baseAddress!, ldc: n)
                        }
                    }
                }
                KernelsTestSupport.expectClose(c, expected, tolerance: 1e-5 * Double(k), "inner product \(m)×\(n)×\(k) β=\(beta)")
            }
        }
    }

    @Test func matmulOfTensors() {
        let a = KernelsTestSupport.randomTensor([4, 6], seed: 20), b = KernelsTestSupport.randomTensor([5, 6], seed: 21)
        let product = matmul(a, b, transposeB: true)
        #expect(product.shape == [4, 5])
        let expected = Self.naive(transposeA: false, transposeB: true, m: 4, n: 5, k: 6, alpha: 1, a: a.scalars, lda: 6,
                                  b: b.scalars, ldb: 6, beta: 0, c: [Float](repeating: 0, count: 20), ldc: 5)
        KernelsTestSupport.expectClose(product.scalars, expected, "matmul")
        let gram = matmul(a, a, transposeA: true)
        #expect(gram.shape == [6, 6])
    }

    @Test func benchmarkChecksItsOwnResult() throws {
        let report = GEMMBenchmark.run(m: 30, n: 40, k: 20, repetitions: 1, convolutionBatch: 0)
        #expect(report.verified)
        #expect(report.results.map(\.threads) == Array(1...Parallel.coreCount))
        #expect(report.results.allSatisfy { $0.gflops > 0 })
        #expect(report.fusedMultiplyAddSlowdown > 0)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        #expect(json?["m"] as? Int == 30)
        #expect(json?["verified"] as? Bool == true)
        #expect((json?["results"] as? [[String: Any]])?.first?["threads"] as? Int == 1)
    }
}
