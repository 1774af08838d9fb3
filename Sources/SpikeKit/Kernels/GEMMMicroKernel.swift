/// The register-tiled inner kernel of `sgemm`: a 12 × 32 block of C from packed panels.
///
/// The kernel keeps the whole 12 × 32 tile in 24 `SIMD16<Float>` accumulators (24 of the 32 vector
/// registers of AVX-512; on narrower targets LLVM splits each into halves or quarters). Each step `p`
/// of the `kc` loop loads one 32-wide row of the packed B micro-panel (two vectors), broadcasts the 12
/// packed A values of column `p` and does 24 fused multiply-adds: 768 flops per 14 loads, which keeps
/// both FMA pipes busy from L1.
///
/// Packed layouts (see `GEMMPacking.swift`):
/// - A micro-panel: `a[p * 12 + r]` = op(A)[row0 + r, k0 + p], zero-padded past the last row;
/// - B micro-panel: `b[p * 32 + j]` = op(B)[k0 + p, col0 + j], zero-padded past the last column.
enum GEMMMicroKernel {
    static let rows = 12
    static let columns = 32

    /// How a finished tile of products `T` is merged into C.
    struct Update {
        /// alpha·T is scaled and added; with `loadC == false`, C is written without being read.
        var alpha: Float
        /// The factor on the old C (only used when `loadC` is true).
        var beta: Float
        var loadC: Bool
    }

    /// Computes the 12 × 32 tile and merges its first `validRows` × `validColumns` into C.
    ///
    /// `c` points at C[row0, col0] with row stride `ldc`. Elements outside the valid region are
    /// neither read nor written. A strip with at most 4 or 8 valid rows runs a loop that computes only
    /// those rows (the packed panel keeps its 12-row layout).
    @inline(__always)
    static func run(kc: Int, a: UnsafePointer<Float>, b: UnsafeRawPointer,
                    c: UnsafeMutablePointer<Float>, ldc: Int,
                    validRows: Int, validColumns: Int, update: Update) {
        if validRows > 8 {
            tile(rows: 12, kc: kc, a: a, b: b, c: c, ldc: ldc, validRows: validRows, validColumns: validColumns, update: update)
        } else if validRows > 4 {
            tile(rows: 8, kc: kc, a: a, b: b, c: c, ldc: ldc, validRows: validRows, validColumns: validColumns, update: update)
        } else {
            tile(rows: 4, kc: kc, a: a, b: b, c: c, ldc: ldc, validRows: validRows, validColumns: validColumns, update: update)
        }
    }

    /// The kernel for a strip of `rows` (4, 8 or 12, a constant at each call site, so the unused
    /// accumulators and their multiply-adds are compiled away).
    @inline(__always)
    private static func tile(rows: Int, kc: Int, a: UnsafePointer<Float>, b: UnsafeRawPointer,
                             c: UnsafeMutablePointer<Float>, ldc: Int,
                             validRows: Int, validColumns: Int, update: Update) {
        var c00 = SIMD16<Float>(), c01 = SIMD16<Float>()
        var c10 = SIMD16<Float>(), c11 = SIMD16<Float>()
        var c20 = SIMD16<Float>(), c21 = SIMD16<Float>()
        var c30 = SIMD16<Float>(), c31 = SIMD16<Float>()
        var c40 = SIMD16<Float>(), c41 = SIMD16<Float>()
        var c50 = SIMD16<Float>(), c51 = SIMD16<Float>()
        var c60 = SIMD16<Float>(), c61 = SIMD16<Float>()
        var c70 = SIMD16<Float>(), c71 = SIMD16<Float>()
        var c80 = SIMD16<Float>(), c81 = SIMD16<Float>()
        var c90 = SIMD16<Float>(), c91 = SIMD16<Float>()
        var ca0 = SIMD16<Float>(), ca1 = SIMD16<Float>()
        var cb0 = SIMD16<Float>(), cb1 = SIMD16<Float>()
        var ap = a
        var bp = b
        for _ in 0..<kc {
            let b0 = bp.loadUnaligned(as: SIMD16<Float>.self)
            let b1 = bp.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            var x = SIMD16<Float>(repeating: ap[0]); c00.addProduct(x, b0); c01.addProduct(x, b1)
            x = SIMD16<Float>(repeating: ap[1]); c10.addProduct(x, b0); c11.addProduct(x, b1)
            x = SIMD16<Float>(repeating: ap[2]); c20.addProduct(x, b0); c21.addProduct(x, b1)
            x = SIMD16<Float>(repeating: ap[3]); c30.addProduct(x, b0); c31.addProduct(x, b1)
            if rows > 4 {
                x = SIMD16<Float>(repeating: ap[4]); c40.addProduct(x, b0); c41.addProduct(x, b1)
                x = SIMD16<Float>(repeating: ap[5]); c50.addProduct(x, b0); c51.addProduct(x, b1)
                x = SIMD16<Float>(repeating: ap[6]); c60.addProduct(x, b0); c61.addProduct(x, b1)
                x = SIMD16<Float>(repeating: ap[7]); c70.addProduct(x, b0); c71.addProduct(x, b1)
            }
            if rows > 8 {
                x = SIMD16<Float>(repeating: ap[8]); c80.addProduct(x, b0); c81.addProduct(x, b1)
                x = SIMD16<Float>(repeating: ap[9]); c90.addProduct(x, b0); c91.addProduct(x, b1)
                x = SIMD16<Float>(repeating: ap[10]); ca0.addProduct(x, b0); ca1.addProduct(x, b1)
                x = SIMD16<Float>(repeating: ap[11]); cb0.addProduct(x, b0); cb1.addProduct(x, b1)
            }
            ap += 12
            bp += 128
        }
        let raw = UnsafeMutableRawPointer(c)
        let stride = ldc * MemoryLayout<Float>.stride
        if validRows == 12 && validColumns == columns {
            merge(raw, c00, c01, update); merge(raw + stride, c10, c11, update)
            merge(raw + 2 * stride, c20, c21, update); merge(raw + 3 * stride, c30, c31, update)
            merge(raw + 4 * stride, c40, c41, update); merge(raw + 5 * stride, c50, c51, update)
            merge(raw + 6 * stride, c60, c61, update); merge(raw + 7 * stride, c70, c71, update)
            merge(raw + 8 * stride, c80, c81, update); merge(raw + 9 * stride, c90, c91, update)
            merge(raw + 10 * stride, ca0, ca1, update); merge(raw + 11 * stride, cb0, cb1, update)
            return
        }
        // Edge tile: only the valid rows, each merged in place when it is full width, or else staged
        // through a 32-float row with exactly the same vector arithmetic (so an element's value never
        // depends on which kind of tile it fell in).
        func edgeRow(_ r: Int, _ t0: SIMD16<Float>, _ t1: SIMD16<Float>) {
            guard r < validRows else { return }
            let target = raw + r * stride
            if validColumns == columns {
                merge(target, t0, t1, update)
                return
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: columns) { staging in
                let row = staging.baseAddress!
                let destination = target.assumingMemoryBound(to: Float.self)
                row.initialize(repeating: 0, count: columns)
                if update.loadC { row.update(from: destination, count: validColumns) }
                merge(UnsafeMutableRawPointer(row), t0, t1, update)
                destination.update(from: row, count: validColumns)
            }
        }
        edgeRow(0, c00, c01); edgeRow(1, c10, c11); edgeRow(2, c20, c21); edgeRow(3, c30, c31)
        edgeRow(4, c40, c41); edgeRow(5, c50, c51); edgeRow(6, c60, c61); edgeRow(7, c70, c71)
        edgeRow(8, c80, c81); edgeRow(9, c90, c91); edgeRow(10, ca0, ca1); edgeRow(11, cb0, cb1)
    }

    /// C[row, 0..<32] = alpha·T (+ beta·C when `loadC`), or C += alpha·T when beta is 1.
    @inline(__always)
    private static func merge(_ row: UnsafeMutableRawPointer, _ t0: SIMD16<Float>, _ t1: SIMD16<Float>,
                              _ update: Update) {
        var v0 = t0 * update.alpha
        var v1 = t1 * update.alpha
        if update.loadC {
            let old0 = row.loadUnaligned(as: SIMD16<Float>.self)
            let old1 = row.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            if update.beta == 1 {
                v0 += old0
                v1 += old1
            } else {
                v0 += old0 * update.beta
                v1 += old1 * update.beta
            }
        }
        row.storeBytes(of: v0, as: SIMD16<Float>.self)
        row.storeBytes(of: v1, toByteOffset: 64, as: SIMD16<Float>.self)
    }
}
