/// C = beta·C + A·Bᵀ by dot products, for outputs too small to fill `sgemm`'s 12 × 32 tiles.
///
/// Both operands are row-major with rows contiguous along the shared dimension (A is m × k, B is
/// n × k), which is how a convolution's weight gradient dY_n · col(x_n)ᵀ arrives. When n, the patch
/// size Cin·kh·kw, is 9 or 27 (a first layer), `sgemm` would spend most of each tile on padding; here
/// every output is a dot product over k, computed 16 lanes at a time in blocks of 4 rows of A by
/// 3 rows of B (12 accumulators fed by 7 loads). Each output's lanes are then added in a fixed tree
/// and the k mod 16 tail is added last, so every element has one fixed order of operations.
enum InnerProductGEMM {
    static let width = 16

    /// `beta` must be 0 (C is overwritten without being read) or 1 (accumulate).
    static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                         b: UnsafePointer<Float>, ldb: Int, beta: Float,
                         c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(beta == 0 || beta == 1, "InnerProductGEMM: beta must be 0 or 1, got \(beta)")
        let accumulate = beta == 1
        let rowBlocks = m / 4 * 4, columnBlocks = n / 3 * 3
        for i in stride(from: 0, to: rowBlocks, by: 4) {
            for j in stride(from: 0, to: columnBlocks, by: 3) {
                block4x3(k: k, a: a + i * lda, lda: lda, b: b + j * ldb, ldb: ldb,
                         c: c + i * ldc + j, ldc: ldc, accumulate: accumulate)
            }
            for j in columnBlocks..<n {
                for r in 0..<4 {
                    store(dot(k: k, a + (i + r) * lda, b + j * ldb), c + (i + r) * ldc + j, accumulate)
                }
            }
        }
        for i in rowBlocks..<m {
            for j in 0..<n {
                store(dot(k: k, a + i * lda, b + j * ldb), c + i * ldc + j, accumulate)
            }
        }
    }

    @inline(__always)
    private static func store(_ value: Float, _ target: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        target.pointee = accumulate ? target.pointee + value : value
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>, _ offset: Int) -> SIMD16<Float> {
        UnsafeRawPointer(p + offset).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// The lanes of `v` added in a fixed tree.
    @inline(__always)
    private static func reduce(_ v: SIMD16<Float>) -> Float {
        let h8 = v.lowHalf + v.highHalf
        let h4 = h8.lowHalf + h8.highHalf
        let h2 = h4.lowHalf + h4.highHalf
        return h2[0] + h2[1]
    }

    /// One dot product with the same lane layout, tree and tail as `block4x3`.
    @inline(__always)
    private static func dot(k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
        var acc = SIMD16<Float>()
        let vectorEnd = k / width * width
        for p in stride(from: 0, to: vectorEnd, by: width) { acc.addProduct(load(a, p), load(b, p)) }
        var sum = reduce(acc)
        for p in vectorEnd..<k { sum.addProduct(a[p], b[p]) }
        return sum
    }

    @inline(__always)
    private static func block4x3(k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        var s00 = SIMD16<Float>(), s01 = SIMD16<Float>(), s02 = SIMD16<Float>()
        var s10 = SIMD16<Float>(), s11 = SIMD16<Float>(), s12 = SIMD16<Float>()
        var s20 = SIMD16<Float>(), s21 = SIMD16<Float>(), s22 = SIMD16<Float>()
        var s30 = SIMD16<Float>(), s31 = SIMD16<Float>(), s32 = SIMD16<Float>()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
        let b0 = b, b1 = b + ldb, b2 = b + 2 * ldb
        let vectorEnd = k / width * width
        for p in stride(from: 0, to: vectorEnd, by: width) {
            let y0 = load(b0, p), y1 = load(b1, p), y2 = load(b2, p)
            var x = load(a0, p); s00.addProduct(x, y0); s01.addProduct(x, y1); s02.addProduct(x, y2)
            x = load(a1, p); s10.addProduct(x, y0); s11.addProduct(x, y1); s12.addProduct(x, y2)
            x = load(a2, p); s20.addProduct(x, y0); s21.addProduct(x, y1); s22.addProduct(x, y2)
            x = load(a3, p); s30.addProduct(x, y0); s31.addProduct(x, y1); s32.addProduct(x, y2)
        }
        func finish(_ r: Int, _ j: Int, _ lanes: SIMD16<Float>) {
            var sum = reduce(lanes)
            let row = a + r * lda, column = b + j * ldb
            for p in vectorEnd..<k { sum.addProduct(row[p], column[p]) }
            store(sum, c + r * ldc + j, accumulate)
        }
        finish(0, 0, s00); finish(0, 1, s01); finish(0, 2, s02)
        finish(1, 0, s10); finish(1, 1, s11); finish(1, 2, s12)
        finish(2, 0, s20); finish(2, 1, s21); finish(2, 2, s22)
        finish(3, 0, s30); finish(3, 1, s31); finish(3, 2, s32)
    }
}
