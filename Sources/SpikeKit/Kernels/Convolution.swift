/// 2-D convolution (cross-correlation, as in PyTorch) and its two gradients, on NCHW batches.
///
/// For an image x[Cin, H, W] and weights W[Cout, Cin, kh, kw], with stride s and zero padding p,
///
///     y[o, oy, ox] = Σ_{c, ky, kx} W[o, c, ky, kx] · x[c, oy·s − p + ky, ox·s − p + kx].
///
/// Each pass is one matrix product per image over the im2col matrix (`Im2Col`):
/// - forward:        Y_n = W · col(x_n)                        ([Cout, Ho·Wo])
/// - backwardInput:  dX_n = col2im(Wᵀ · dY_n)                  ([Cin, H, W])
/// - backwardWeight: dW = Σ_n dY_n · col(x_n)ᵀ                 ([Cout, Cin·kh·kw])
///
/// Images are spread over threads; each worker gets one slice of scratch memory for its im2col matrix
/// and packed panels, allocated once per call. The weight gradient is summed over fixed chunks of
/// samples whose boundaries depend only on the batch size, and the chunk partials are added in chunk
/// order, so every pass gives bit-identical results for any thread count.
public enum Convolution {
    /// y = conv(x, W): input [N, Cin, H, W], weight [Cout, Cin/G, kh, kw] → output [N, Cout, Ho, Wo]
    /// (G = `geometry.groups`; a grouped convolution runs as `GroupedConvolution`).
    public static func forward(input: Tensor, weight: Tensor, geometry: ConvolutionGeometry,
                               threads: Int = Parallel.threadCount) -> Tensor {
        let g = geometry
        let batch = checkBatch(input, shape: g.inputShape(batch: input.shape.first ?? 0), role: "input", g)
        checkWeight(weight, g)
        if g.groups > 1 { return GroupedConvolution.forward(input: input, weight: weight, geometry: g, threads: threads) }
        let outputCount = batch * g.outChannels * g.outputPixels
        let group = imagesPerProduct(g, batch: batch)
        let output = [Float](unsafeUninitializedCapacity: outputCount) { buffer, initialized in
            if outputCount > 0 && group > 1 {
                forwardGrouped(input: input, weight: weight, geometry: g, batch: batch, group: group, threads: threads,
                               output: SendablePointer(buffer.baseAddress!))
            } else if outputCount > 0 {
                let plan = ConvolutionPlan(geometry: g, batch: batch, threads: threads, unfolds: !g.isPointwise,
                                           gemmM: g.outChannels, gemmN: g.outputPixels, gemmK: g.patchSize)
                let y = SendablePointer(buffer.baseAddress!)
                input.scalars.withUnsafeBufferPointer { xBuffer in
                    weight.scalars.withUnsafeBufferPointer { wBuffer in
                        let x = SendableConstPointer(xBuffer.baseAddress!), w = SendableConstPointer(wBuffer.baseAddress!)
                        plan.forEachSample { n, scratch in
                            let image = x.base + n * g.inChannels * g.inputPixels
                            var col = image
                            if let colScratch = scratch.col {
                                Im2Col.unfold(image, into: colScratch, plane: scratch.plane, geometry: g)
                                col = UnsafePointer(colScratch)
                            }
                            sgemmUnsafe(transposeA: false, transposeB: false,
                                        m: g.outChannels, n: g.outputPixels, k: g.patchSize, alpha: 1,
                                        a: w.base, lda: g.patchSize, b: col, ldb: g.outputPixels, beta: 0,
                                        c: y.base + n * g.outChannels * g.outputPixels, ldc: g.outputPixels,
                                        threads: plan.gemmThreads, scratch: scratch.gemm)
                        }
                    }
                }
            }
            initialized = outputCount
        }
        return Tensor(shape: g.outputShape(batch: batch), scalars: output)
    }

    /// dL/dx from dL/dy: gradientOutput [N, Cout, Ho, Wo], weight [Cout, Cin, kh, kw] → [N, Cin, H, W].
    public static func backwardInput(gradientOutput: Tensor, weight: Tensor, geometry: ConvolutionGeometry,
                                     threads: Int = Parallel.threadCount) -> Tensor {
        let g = geometry
        let batch = checkBatch(gradientOutput, shape: g.outputShape(batch: gradientOutput.shape.first ?? 0),
                               role: "gradientOutput", g)
        checkWeight(weight, g)
        if g.groups > 1 {
            return GroupedConvolution.backwardInput(gradientOutput: gradientOutput, weight: weight, geometry: g, threads: threads)
        }
        let inputCount = batch * g.inChannels * g.inputPixels
        let group = imagesPerProduct(g, batch: batch)
        let gradient = [Float](unsafeUninitializedCapacity: inputCount) { buffer, initialized in
            if inputCount > 0 && group > 1 {
                backwardInputGrouped(gradientOutput: gradientOutput, weight: weight, geometry: g, batch: batch, group: group,
                                     threads: threads, gradient: SendablePointer(buffer.baseAddress!))
            } else if inputCount > 0 {
                let plan = ConvolutionPlan(geometry: g, batch: batch, threads: threads, unfolds: !g.isPointwise,
                                           gemmM: g.patchSize, gemmN: g.outputPixels, gemmK: g.outChannels)
                let dx = SendablePointer(buffer.baseAddress!)
                gradientOutput.scalars.withUnsafeBufferPointer { dyBuffer in
                    weight.scalars.withUnsafeBufferPointer { wBuffer in
                        let dy = SendableConstPointer(dyBuffer.baseAddress!), w = SendableConstPointer(wBuffer.baseAddress!)
                        plan.forEachSample { n, scratch in
                            let imageGradient = dx.base + n * g.inChannels * g.inputPixels
                            // Wᵀ·dY_n is the gradient of the im2col matrix; a pointwise convolution's
                            // im2col matrix is the image itself, so it is written in place.
                            let target = scratch.col ?? imageGradient
                            sgemmUnsafe(transposeA: true, transposeB: false,
                                        m: g.patchSize, n: g.outputPixels, k: g.outChannels, alpha: 1,
                                        a: w.base, lda: g.patchSize,
                                        b: dy.base + n * g.outChannels * g.outputPixels, ldb: g.outputPixels,
                                        beta: 0, c: target, ldc: g.outputPixels,
                                        threads: plan.gemmThreads, scratch: scratch.gemm)
                            if let col = scratch.col {
                                Im2Col.fold(col, into: imageGradient, plane: scratch.plane, geometry: g)
                            }
                        }
                    }
                }
            }
            initialized = inputCount
        }
        return Tensor(shape: g.inputShape(batch: batch), scalars: gradient)
    }

    /// dL/dW from dL/dy and x, summed over the batch: → [Cout, Cin, kh, kw].
    public static func backwardWeight(gradientOutput: Tensor, input: Tensor, geometry: ConvolutionGeometry,
                                      threads: Int = Parallel.threadCount) -> Tensor {
        let g = geometry
        let batch = checkBatch(input, shape: g.inputShape(batch: input.shape.first ?? 0), role: "input", g)
        precondition(gradientOutput.shape == g.outputShape(batch: batch),
                     "Convolution.backwardWeight: gradientOutput shape \(gradientOutput.shape) does not match \(g.outputShape(batch: batch)) for input \(input.shape)")
        if g.groups > 1 {
            return GroupedConvolution.backwardWeight(gradientOutput: gradientOutput, input: input, geometry: g, threads: threads)
        }
        let weightCount = g.outChannels * g.patchSize
        // Chunks of samples whose boundaries depend only on the batch size (at most 8 chunks, so the
        // partials stay small for big layers); partials are added in chunk order.
        let chunkSize = max(4, (batch + 7) / 8)
        let chunks = max(1, (batch + chunkSize - 1) / chunkSize)
        // A patch narrower than one GEMM tile (a first layer: Cin·kh·kw = 9 or 27) is better served
        // by dot products over the output pixels.
        let smallPatch = g.patchSize < GEMMMicroKernel.columns
        let result = [Float](unsafeUninitializedCapacity: weightCount) { buffer, initialized in
            let dw = buffer.baseAddress!
            if batch == 0 {
                dw.initialize(repeating: 0, count: weightCount)
            } else {
                let plan = ConvolutionPlan(geometry: g, batch: chunks, threads: threads, unfolds: !g.isPointwise,
                                           gemmM: g.outChannels, gemmN: g.patchSize, gemmK: g.outputPixels)
                // Chunk 0 accumulates straight into the result; later chunks into scratch partials.
                withAlignedScratch(count: (chunks - 1) * weightCount) { partialBuffer in
                    let partials = SendablePointer(partialBuffer), target = SendablePointer(dw)
                    gradientOutput.scalars.withUnsafeBufferPointer { dyBuffer in
                        input.scalars.withUnsafeBufferPointer { xBuffer in
                            let dy = SendableConstPointer(dyBuffer.baseAddress!), x = SendableConstPointer(xBuffer.baseAddress!)
                            plan.forEachSample { chunk, scratch in
                                let partial = chunk == 0 ? target.base : partials.base + (chunk - 1) * weightCount
                                let first = chunk * chunkSize, end = min(batch, first + chunkSize)
                                for n in first..<end {
                                    let image = x.base + n * g.inChannels * g.inputPixels
                                    var col = image
                                    if let colScratch = scratch.col {
                                        Im2Col.unfold(image, into: colScratch, plane: scratch.plane, geometry: g)
                                        col = UnsafePointer(colScratch)
                                    }
                                    let gradient = dy.base + n * g.outChannels * g.outputPixels
                                    if smallPatch {
                                        InnerProductGEMM.multiply(m: g.outChannels, n: g.patchSize, k: g.outputPixels,
                                                                  a: gradient, lda: g.outputPixels, b: col,
                                                                  ldb: g.outputPixels, beta: n == first ? 0 : 1,
                                                                  c: partial, ldc: g.patchSize)
                                    } else {
                                        sgemmUnsafe(transposeA: false, transposeB: true,
                                                    m: g.outChannels, n: g.patchSize, k: g.outputPixels, alpha: 1,
                                                    a: gradient, lda: g.outputPixels,
                                                    b: col, ldb: g.outputPixels, beta: n == first ? 0 : 1,
                                                    c: partial, ldc: g.patchSize,
                                                    threads: plan.gemmThreads, scratch: scratch.gemm)
                                    }
                                }
                            }
                        }
                    }
                    for chunk in 1..<max(1, chunks) {
                        Elementwise.add(UnsafePointer(partialBuffer + (chunk - 1) * weightCount), into: dw, count: weightCount)
                    }
                }
            }
            initialized = weightCount
        }
        return Tensor(shape: g.weightShape, scalars: result)
    }

    /// How many images share one product: 1 unless the output map is narrower than two GEMM tiles
    /// (Ho·Wo < 64, as VGG16's 4 × 4 and 2 × 2 blocks), where one image per product leaves most of
    /// every 12 × 32 tile empty. Grouped images sit side by side in one im2col matrix; each output
    /// element is still the same sum in the same order, so the bits do not change.
    static func imagesPerProduct(_ g: ConvolutionGeometry, batch: Int) -> Int {
        let width = 2 * GEMMMicroKernel.columns
        if g.isPointwise || g.outputPixels >= width || batch < 2 { return 1 }
        return min(batch, (width + g.outputPixels - 1) / g.outputPixels)
    }

    /// `forward` for groups of `group` images per product: each image's im2col matrix is copied into
    /// its columns of one [Cin·kh·kw, group·Ho·Wo] matrix, multiplied once, and its output columns
    /// copied back to NCHW.
    private static func forwardGrouped(input: Tensor, weight: Tensor, geometry g: ConvolutionGeometry, batch: Int, group: Int,
                                       threads: Int, output y: SendablePointer<Float>) {
        let pixels = g.outputPixels, width = group * pixels
        let items = (batch + group - 1) / group
        let plan = ConvolutionPlan(geometry: g, batch: items, threads: threads, unfolds: true,
                                   gemmM: g.outChannels, gemmN: width, gemmK: g.patchSize,
                                   groupedColumns: width, stagingRows: g.outChannels)
        input.scalars.withUnsafeBufferPointer { xBuffer in
        weight.scalars.withUnsafeBufferPointer { wBuffer in
            let x = SendableConstPointer(xBuffer.baseAddress!), w = SendableConstPointer(wBuffer.baseAddress!)
            plan.forEachSample { item, scratch in
                guard let col = scratch.col, let combined = scratch.combined, let staging = scratch.staging else { return }
                let first = item * group, count = min(group, batch - first), used = count * pixels
                for i in 0..<count {
                    Im2Col.unfold(x.base + (first + i) * g.inChannels * g.inputPixels, into: col, plane: scratch.plane, geometry: g)
                    copyBlock(rows: g.patchSize, width: pixels, from: col, stride: pixels, to: combined + i * pixels, stride: used)
                }
                sgemmUnsafe(transposeA: false, transposeB: false, m: g.outChannels, n: used, k: g.patchSize, alpha: 1,
                            a: w.base, lda: g.patchSize, b: combined, ldb: used, beta: 0, c: staging, ldc: used,
                            threads: plan.gemmThreads, scratch: scratch.gemm)
                for i in 0..<count {
                    let image = y.base + (first + i) * g.outChannels * pixels
                    copyBlock(rows: g.outChannels, width: pixels, from: staging + i * pixels, stride: used, to: image, stride: pixels)
                }
            }
        } }
    }

    /// `backwardInput` for groups of `group` images per product: their output gradients side by side
    /// in one [Cout, group·Ho·Wo] matrix, one product with Wᵀ, then each image's columns folded back.
    private static func backwardInputGrouped(gradientOutput: Tensor, weight: Tensor, geometry g: ConvolutionGeometry,
                                             batch: Int, group: Int, threads: Int, gradient dx: SendablePointer<Float>) {
        let pixels = g.outputPixels, width = group * pixels
        let items = (batch + group - 1) / group
        let plan = ConvolutionPlan(geometry: g, batch: items, threads: threads, unfolds: true,
                                   gemmM: g.patchSize, gemmN: width, gemmK: g.outChannels,
                                   groupedColumns: width, stagingRows: g.outChannels)
        gradientOutput.scalars.withUnsafeBufferPointer { dyBuffer in
        weight.scalars.withUnsafeBufferPointer { wBuffer in
            let dy = SendableConstPointer(dyBuffer.baseAddress!), w = SendableConstPointer(wBuffer.baseAddress!)
            plan.forEachSample { item, scratch in
                guard let col = scratch.col, let combined = scratch.combined, let staging = scratch.staging else { return }
                let first = item * group, count = min(group, batch - first), used = count * pixels
                for i in 0..<count {
                    let image = dy.base + (first + i) * g.outChannels * pixels
                    copyBlock(rows: g.outChannels, width: pixels, from: image, stride: pixels, to: staging + i * pixels, stride: used)
                }
                sgemmUnsafe(transposeA: true, transposeB: false, m: g.patchSize, n: used, k: g.outChannels, alpha: 1,
                            a: w.base, lda: g.patchSize, b: staging, ldb: used, beta: 0, c: combined, ldc: used,
                            threads: plan.gemmThreads, scratch: scratch.gemm)
                for i in 0..<count {
                    copyBlock(rows: g.patchSize, width: pixels, from: combined + i * pixels, stride: used, to: col, stride: pixels)
                    Im2Col.fold(col, into: dx.base + (first + i) * g.inChannels * g.inputPixels, plane: scratch.plane, geometry: g)
                }
            }
        } }
    }

    /// Copies `rows` rows of `width` floats between matrices of different row strides: one image's
    /// block into (or out of) its columns of a grouped matrix.
    @inline(__always)
    private static func copyBlock(rows: Int, width: Int, from source: UnsafePointer<Float>, stride sourceStride: Int,
                                  to target: UnsafeMutablePointer<Float>, stride targetStride: Int) {
        for r in 0..<rows { (target + r * targetStride).update(from: source + r * sourceStride, count: width) }
    }

    private static func checkBatch(_ tensor: Tensor, shape: [Int], role: String, _ g: ConvolutionGeometry) -> Int {
        precondition(g.problem == nil, "Convolution: invalid geometry: \(g.problem ?? "")")
        precondition(tensor.rank == 4 && tensor.shape == shape,
                     "Convolution: \(role) shape \(tensor.shape) does not match \(shape) for \(g)")
        return shape[0]
    }

    private static func checkWeight(_ weight: Tensor, _ g: ConvolutionGeometry) {
        precondition(weight.shape == g.weightShape,
                     "Convolution: weight shape \(weight.shape) does not match \(g.weightShape) for \(g)")
    }
}

/// How one convolution call spreads its work items (images, or chunks of images) over workers, and
/// the per-worker scratch memory (im2col matrix and packed GEMM panels) it hands each of them.
struct ConvolutionPlan {
    /// One worker's scratch: `col` (with `plane`, the padded-channel buffer of `Im2Col`) is nil when
    /// the input is its own im2col matrix.
    struct Scratch {
        var col: UnsafeMutablePointer<Float>?
        var plane: UnsafeMutablePointer<Float>
        var gemm: UnsafeMutablePointer<Float>
        /// For images grouped into one product: the [Cin·kh·kw, group·Ho·Wo] matrix and a
        /// [stagingRows, group·Ho·Wo] one (nil otherwise).
        var combined: UnsafeMutablePointer<Float>?
        var staging: UnsafeMutablePointer<Float>?
    }

    let items: Int
    let workers: Int
    /// Threads each product may use: all of them when there is only one item to share.
    let gemmThreads: Int
    let colCount: Int
    let planeCount: Int
    let gemmCount: Int
    let combinedCount: Int
    let stagingCount: Int

    init(geometry g: ConvolutionGeometry, batch items: Int, threads: Int, unfolds: Bool,
         gemmM: Int, gemmN: Int, gemmK: Int, groupedColumns: Int = 0, stagingRows: Int = 0) {
        combinedCount = (g.patchSize * groupedColumns + 15) / 16 * 16
        stagingCount = (stagingRows * groupedColumns + 15) / 16 * 16
        self.items = items
        workers = max(1, min(threads, items))
        gemmThreads = items == 1 ? max(1, threads) : 1
        // Slices are rounded to 16 floats so every one starts 64-byte aligned.
        colCount = unfolds ? (g.patchSize * g.outputPixels + Im2Col.slack + 15) / 16 * 16 : 0
        planeCount = unfolds ? (Im2Col.scratchCount(geometry: g) + 15) / 16 * 16 : 0
        gemmCount = (sgemmScratchCount(m: gemmM, n: gemmN, k: gemmK) + 15) / 16 * 16
    }

    /// Calls `body(item, scratch)` for every item; items are split into contiguous runs, one per worker.
    func forEachSample(_ body: @Sendable (Int, Scratch) -> Void) {
        let perWorker = colCount + planeCount + gemmCount + combinedCount + stagingCount
        withAlignedScratch(count: workers * perWorker) { memory in
            let base = SendablePointer(memory)
            let (items, workers, colCount, planeCount, gemmCount) = (self.items, self.workers, self.colCount, self.planeCount,
                                                                     self.gemmCount)
            let (combinedCount, stagingCount) = (self.combinedCount, self.stagingCount)
            parallelFor(workers, threads: workers) { worker in
                let slice = base.base + worker * perWorker
                let grouped = slice + colCount + planeCount + gemmCount
                let scratch = Scratch(col: colCount > 0 ? slice : nil, plane: slice + colCount,
                                      gemm: slice + colCount + planeCount,
                                      combined: combinedCount > 0 ? grouped : nil,
                                      staging: stagingCount > 0 ? grouped + combinedCount : nil)
                for item in (items * worker / workers)..<(items * (worker + 1) / workers) {
                    body(item, scratch)
                }
            }
        }
    }
}
