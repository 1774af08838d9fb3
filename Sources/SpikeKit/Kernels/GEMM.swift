/// Single-precision matrix multiply, row-major: C = alpha·op(A)·op(B) + beta·C.
///
/// op(X) is X or its transpose; op(A) is m × k, op(B) is k × n, C is m × n, and `lda`, `ldb`, `ldc`
/// are the row strides of A, B and C as stored. This is the BLAS `sgemm` contract in row-major
/// form, including its edge rules: `k == 0` or `alpha == 0` gives C = beta·C without reading A or B,
/// and `beta == 0` overwrites C without reading it (so NaNs in an uninitialised C do not leak).
///
/// The algorithm is Goto's (K. Goto, R. van de Geijn, "Anatomy of high-performance matrix
/// multiplication", ACM TOMS 34(3), 2008): the shared dimension is cut into blocks of `kc`, op(B) into
/// column panels of `nc`; each block of op(A) and op(B) is packed (`GEMMPacking`) into strips the
/// 12 × 32 register-tiled micro-kernel (`GEMMMicroKernel`) streams through.
///
/// Threads split C into disjoint blocks of whole micro-tiles; the shared dimension is never split
/// across threads, and `kc` does not depend on the thread count, so every element of C is computed by
/// exactly the same sequence of operations for any `threads`: results are bit-identical.
public func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                  a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float, c: inout [Float], ldc: Int,
                  threads: Int = Parallel.threadCount) {
    GEMMShape.check(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    aCount: a.count, lda: lda, bCount: b.count, ldb: ldb, cCount: c.count, ldc: ldc)
    a.withUnsafeBufferPointer { aBuffer in
        b.withUnsafeBufferPointer { bBuffer in
            c.withUnsafeMutableBufferPointer { cBuffer in
                guard let aBase = aBuffer.baseAddress, let bBase = bBuffer.baseAddress,
                      let cBase = cBuffer.baseAddress else {
                    // An empty array can only mean an empty A, B or C, which `check` allowed only
                    // when there is nothing to multiply; C still gets its beta scaling.
                    if let cBase = cBuffer.baseAddress {
                        GEMMDriver.scale(m: m, n: n, beta: beta, c: cBase, ldc: ldc)
                    }
                    return
                }
                sgemmUnsafe(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                            a: aBase, lda: lda, b: bBase, ldb: ldb, beta: beta, c: cBase, ldc: ldc,
                            threads: threads)
            }
        }
    }
}

/// The matrix product of two rank-2 tensors, op(a)·op(b).
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul needs rank-2 tensors, got \(a.shape) and \(b.shape)")
    let m = transposeA ? a.shape[1] : a.shape[0]
    let k = transposeA ? a.shape[0] : a.shape[1]
    let kB = transposeB ? b.shape[1] : b.shape[0]
    let n = transposeB ? b.shape[0] : b.shape[1]
    precondition(k == kB, "matmul: inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
    var c = [Float](repeating: 0, count: m * n)
    sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
          a: a.scalars, lda: max(1, a.shape[1]), b: b.scalars, ldb: max(1, b.shape[1]),
          beta: 0, c: &c, ldc: max(1, n))
    return Tensor(shape: [m, n], scalars: c)
}

/// `sgemm` on raw memory, for kernels that multiply sub-blocks of larger buffers without copying.
///
/// The matrices start at `a + aOffset`, `b + bOffset`, `c + cOffset`. `scratch`, if given, holds the
/// packed panels: at least `sgemmScratchCount(m:n:k:)` floats, 64-byte aligned for best speed, used by
/// this call only (a kernel calling `sgemmUnsafe` per sample passes each worker its own slice, so it
/// allocates once per call instead of once per product). Without it the panels are allocated here.
/// `sharedPanelFlops` chooses between the two ways of using threads (see `GEMMDriver`); both give
/// the same bits, and tests set it to reach each.
/// The caller guarantees the buffers are large enough (see `GEMMShape.check`).
func sgemmUnsafe(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                 a: UnsafePointer<Float>, aOffset: Int = 0, lda: Int,
                 b: UnsafePointer<Float>, bOffset: Int = 0, ldb: Int, beta: Float,
                 c: UnsafeMutablePointer<Float>, cOffset: Int = 0, ldc: Int,
                 threads: Int = Parallel.threadCount, scratch: UnsafeMutablePointer<Float>? = nil,
                 sharedPanelFlops: Int = GEMMDriver.sharedPanelFlops) {
    precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size m=\(m) n=\(n) k=\(k)")
    if m == 0 || n == 0 { return }
    let cBase = c + cOffset
    if k == 0 || alpha == 0 {
        GEMMDriver.scale(m: m, n: n, beta: beta, c: cBase, ldc: ldc)
        return
    }
    let run = { (panels: UnsafeMutablePointer<Float>) in
        GEMMDriver.run(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                       a: a + aOffset, lda: lda, b: b + bOffset, ldb: ldb, beta: beta, c: cBase, ldc: ldc,
                       threads: threads, panels: panels, sharedPanelFlops: sharedPanelFlops)
    }
    if let scratch {
        run(scratch)
    } else {
        withAlignedScratch(count: sgemmScratchCount(m: m, n: n, k: k), run)
    }
}

/// The number of floats of scratch `sgemmUnsafe` needs for its packed panels.
func sgemmScratchCount(m: Int, n: Int, k: Int) -> Int {
    let mr = GEMMMicroKernel.rows, nr = GEMMMicroKernel.columns
    let kc = min(GEMMDriver.kc, k), nc = min(GEMMDriver.nc, n)
    return (m + mr - 1) / mr * mr * kc + (nc + nr - 1) / nr * nr * kc
}

/// Runs `body` with `count` floats of uninitialised, 64-byte aligned memory.
func withAlignedScratch<Result>(count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> Result) rethrows -> Result {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
    defer { raw.deallocate() }
    return try body(raw.bindMemory(to: Float.self, capacity: max(1, count)))
}

/// Validation of the sizes and strides passed to `sgemm`.
enum GEMMShape {
    /// The number of values a row-major `rows` × `columns` matrix with row stride `ld` spans.
    static func span(rows: Int, columns: Int, ld: Int) -> Int {
        rows == 0 || columns == 0 ? 0 : (rows - 1) * ld + columns
    }

    static func check(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                      aCount: Int, lda: Int, bCount: Int, ldb: Int, cCount: Int, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size m=\(m) n=\(n) k=\(k)")
        // A as stored is m × k, or k × m when transposed; likewise B is k × n or n × k.
        let (aRows, aColumns) = transposeA ? (k, m) : (m, k)
        let (bRows, bColumns) = transposeB ? (n, k) : (k, n)
        precondition(lda >= max(1, aColumns), "sgemm: lda=\(lda) < \(aColumns) columns of A (\(aRows)×\(aColumns))")
        precondition(ldb >= max(1, bColumns), "sgemm: ldb=\(ldb) < \(bColumns) columns of B (\(bRows)×\(bColumns))")
        precondition(ldc >= max(1, n), "sgemm: ldc=\(ldc) < n=\(n)")
        precondition(aCount >= span(rows: aRows, columns: aColumns, ld: lda),
                     "sgemm: A has \(aCount) values, needs \(span(rows: aRows, columns: aColumns, ld: lda)) for \(aRows)×\(aColumns), lda \(lda)")
        precondition(bCount >= span(rows: bRows, columns: bColumns, ld: ldb),
                     "sgemm: B has \(bCount) values, needs \(span(rows: bRows, columns: bColumns, ld: ldb)) for \(bRows)×\(bColumns), ldb \(ldb)")
        precondition(cCount >= span(rows: m, columns: n, ld: ldc),
                     "sgemm: C has \(cCount) values, needs \(span(rows: m, columns: n, ld: ldc)) for \(m)×\(n), ldc \(ldc)")
    }
}

/// The blocked, packed, parallel loop nest behind `sgemmUnsafe`.
enum GEMMDriver {
    /// Block of the shared dimension: a 256 × 32 B micro-panel (32 KiB) stays in L1 while a column of
    /// A micro-panels streams through it.
    static let kc = 256
    /// Rows of A packed per task: a 192 × 256 A block (192 KiB) stays in L2.
    static let mcStrips = 16
    /// Columns of B per packed panel (2048 × 256 floats = 2 MiB, in the shared L3).
    static let nc = 2048
    /// Below this many flops a product runs on one thread: waking workers costs more than it saves.
    static let parallelFlops = 3_000_000
    /// Below this many flops, threads work on independent blocks of C (one hand-off in all, each
    /// packing its own panels); above it they share each packed panel of B (two hand-offs per block of
    /// the shared dimension, no packing twice).
    static let sharedPanelFlops = 200_000_000

    static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if beta == 1 { return }
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    static func run(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                    c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int, panels: UnsafeMutablePointer<Float>,
                    sharedPanelFlops: Int = sharedPanelFlops) {
        let mr = GEMMMicroKernel.rows, nr = GEMMMicroKernel.columns
        let mStrips = (m + mr - 1) / mr
        let kcMax = min(kc, k)
        let ncMax = min(nc, n)
        let aPanelCount = mStrips * mr * kcMax
        let aPanel = SendablePointer(panels)
        let bPanel = SendablePointer(panels + aPanelCount)
        let aSource = SendableConstPointer(a), bSource = SendableConstPointer(b)
        let cTarget = SendablePointer(c)

        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        let workers = flops < Double(parallelFlops) ? 1 : max(1, threads)
        if workers > 1 && flops < Double(sharedPanelFlops) {
            runIndependentBlocks(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                                 a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, workers: workers)
            return
        }
        let mBlocks = (mStrips + mcStrips - 1) / mcStrips

        var jc = 0
        while jc < n {
            let ncCurrent = min(ncMax, n - jc)
            let nStrips = (ncCurrent + nr - 1) / nr
            // Column groups only split work among threads; tiles and their arithmetic stay the same.
            let nGroups = workers == 1 ? 1 : min(nStrips, max(1, (4 * workers + mBlocks - 1) / mBlocks))
            var pc = 0
            while pc < k {
                let kcCurrent = min(kcMax, k - pc)
                let column0 = jc
                let k0 = pc
                parallelFor(mStrips + nStrips, threads: workers) { item in
                    if item < mStrips {
                        let row0 = item * mr
                        GEMMPacking.packA(transpose: transposeA, a: aSource.base, lda: lda, row0: row0,
                                          rows: min(mr, m - row0), k0: k0, kc: kcCurrent,
                                          into: aPanel.base + item * mr * kcCurrent)
                    } else {
                        let strip = item - mStrips
                        let first = column0 + strip * nr
                        GEMMPacking.packB(transpose: transposeB, b: bSource.base, ldb: ldb, column0: first,
                                          columns: min(nr, column0 + ncCurrent - first), k0: k0, kc: kcCurrent,
                                          into: bPanel.base + strip * nr * kcCurrent)
                    }
                }
                // The first block of the shared dimension applies beta; later ones accumulate.
                let update = pc == 0
                    ? GEMMMicroKernel.Update(alpha: alpha, beta: beta, loadC: beta != 0)
                    : GEMMMicroKernel.Update(alpha: alpha, beta: 1, loadC: true)
                parallelFor(mBlocks * nGroups, threads: workers) { task in
                    let block = task / nGroups, group = task % nGroups
                    let stripBegin = block * mcStrips, stripEnd = min(mStrips, stripBegin + mcStrips)
                    let columnStripBegin = nStrips * group / nGroups
                    let columnStripEnd = nStrips * (group + 1) / nGroups
                    for js in columnStripBegin..<columnStripEnd {
                        let column = column0 + js * nr
                        let columns = min(nr, column0 + ncCurrent - column)
                        let bStrip = UnsafeRawPointer(bPanel.base + js * nr * kcCurrent)
                        for strip in stripBegin..<stripEnd {
                            let row = strip * mr
                            GEMMMicroKernel.run(kc: kcCurrent, a: aPanel.base + strip * mr * kcCurrent, b: bStrip,
                                                c: cTarget.base + row * ldc + column, ldc: ldc,
                                                validRows: min(mr, m - row), validColumns: columns,
                                                update: update)
                        }
                    }
                }
                pc += kcCurrent
            }
            jc += ncCurrent
        }
    }

    /// Splits C into one block per worker, whole micro-tiles each, and runs the one-thread loop nest
    /// on each block. Blocks start on tile boundaries, so every element meets the same tiles, the same
    /// blocks of the shared dimension and the same kernel as on one thread: results are identical.
    /// The larger of m and n is split, so the smaller operand is the one packed twice.
    static func runIndependentBlocks(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, workers: Int) {
        let mr = GEMMMicroKernel.rows, nr = GEMMMicroKernel.columns
        let mStrips = (m + mr - 1) / mr, nStrips = (n + nr - 1) / nr
        let splitRows = m >= n ? mStrips >= workers : nStrips < workers
        let rowGroups = splitRows ? min(mStrips, workers)
                                  : min(mStrips, (workers + min(nStrips, workers) - 1) / min(nStrips, workers))
        let columnGroups = splitRows ? min(nStrips, (workers + rowGroups - 1) / rowGroups) : min(nStrips, workers)
        let tasks = rowGroups * columnGroups
        let largestRows = (mStrips + rowGroups - 1) / rowGroups * mr
        let largestColumns = (nStrips + columnGroups - 1) / columnGroups * nr
        let perTask = (sgemmScratchCount(m: largestRows, n: largestColumns, k: k) + 15) / 16 * 16
        withAlignedScratch(count: tasks * perTask) { scratch in
            let panels = SendablePointer(scratch)
            let aSource = SendableConstPointer(a), bSource = SendableConstPointer(b), cTarget = SendablePointer(c)
            parallelFor(tasks, threads: workers) { task in
                let rowGroup = task / columnGroups, columnGroup = task % columnGroups
                let row0 = mStrips * rowGroup / rowGroups * mr
                let row1 = min(m, mStrips * (rowGroup + 1) / rowGroups * mr)
                let column0 = nStrips * columnGroup / columnGroups * nr
                let column1 = min(n, nStrips * (columnGroup + 1) / columnGroups * nr)
                if row0 >= row1 || column0 >= column1 { return }
                // op(A) rows start at row0: a row offset of A, or a column offset of Aᵀ; likewise B.
                let aBlock = aSource.base + (transposeA ? row0 : row0 * lda)
                let bBlock = bSource.base + (transposeB ? column0 * ldb : column0)
                run(transposeA: transposeA, transposeB: transposeB, m: row1 - row0, n: column1 - column0, k: k,
                    alpha: alpha, a: aBlock, lda: lda, b: bBlock, ldb: ldb, beta: beta,
                    c: cTarget.base + row0 * ldc + column0, ldc: ldc, threads: 1,
                    panels: panels.base + task * perTask)
            }
        }
    }
}
