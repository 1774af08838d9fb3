/// Copies blocks of op(A) and op(B) into the panel layouts `GEMMMicroKernel` reads.
///
/// Packing turns any transpose and leading dimension into unit-stride streams, so the micro-kernel
/// has one shape only, and pads partial strips with zeros so it never needs a bounds check. A strip
/// is `GEMMMicroKernel.rows` rows of A (or `columns` columns of B) by `kc` steps of the shared
/// dimension; strips are stored one after another.
enum GEMMPacking {
    /// Packs rows `row0 ..< row0 + rows` (at most 12) of op(A), columns `k0 ..< k0 + kc`, into
    /// `destination[p * 12 + r]`, zero-padding rows past `rows`.
    @inline(__always)
    static func packA(transpose: Bool, a: UnsafePointer<Float>, lda: Int, row0: Int, rows: Int,
                      k0: Int, kc: Int, into destination: UnsafeMutablePointer<Float>) {
        let mr = GEMMMicroKernel.rows
        if transpose {
            // op(A)[i, p] = A[p, i]: the 12 values for one p are contiguous in A.
            for p in 0..<kc {
                let source = a + (k0 + p) * lda + row0
                let target = destination + p * mr
                if rows == mr {
                    target.update(from: source, count: mr)
                } else {
                    for r in 0..<rows { target[r] = source[r] }
                    for r in rows..<mr { target[r] = 0 }
                }
            }
        } else {
            // op(A)[i, p] = A[i, p]: read each row contiguously, write with stride 12.
            for r in 0..<rows {
                let source = a + (row0 + r) * lda + k0
                var target = destination + r
                for p in 0..<kc {
                    target.pointee = source[p]
                    target += mr
                }
            }
            if rows < mr {
                for p in 0..<kc {
                    for r in rows..<mr { destination[p * mr + r] = 0 }
                }
            }
        }
    }

    /// Packs columns `column0 ..< column0 + columns` (at most 32) of op(B), rows `k0 ..< k0 + kc`,
    /// into `destination[p * 32 + j]`, zero-padding columns past `columns`.
    @inline(__always)
    static func packB(transpose: Bool, b: UnsafePointer<Float>, ldb: Int, column0: Int, columns: Int,
                      k0: Int, kc: Int, into destination: UnsafeMutablePointer<Float>) {
        let nr = GEMMMicroKernel.columns
        if transpose {
            // op(B)[p, j] = B[j, p]: read each of B's rows contiguously, write with stride 32.
            for j in 0..<columns {
                let source = b + (column0 + j) * ldb + k0
                var target = destination + j
                for p in 0..<kc {
                    target.pointee = source[p]
                    target += nr
                }
            }
            if columns < nr {
                for p in 0..<kc {
                    for j in columns..<nr { destination[p * nr + j] = 0 }
                }
            }
        } else {
            // op(B)[p, j] = B[p, j]: each step is one contiguous run of up to 32 values.
            for p in 0..<kc {
                let source = b + (k0 + p) * ldb + column0
                let target = destination + p * nr
                if columns == nr {
                    target.update(from: source, count: nr)
                } else {
                    target.update(from: source, count: columns)
                    (target + columns).update(repeating: 0, count: nr - columns)
                }
            }
        }
    }
}
