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
    /// y = conv(x, W): input [N, Cin, H, W], weight [Cout, Cin, kh, kw] → output [N, Cout, Ho, Wo].
    public static func forward(input: Tensor, weight: Tensor, geometry: ConvolutionGeometry,
                               threads: Int = Parallel.threadCount) -> Tensor {
        let g = geometry
        let batch = checkBatch(input, shape: g.inputShape(batch: input.shape.first ?? 0), role: "input", g)
        checkWeight(weight, g)
        let outputCount = batch * g.outChannels * g.outputPixels
        let output = [Float](unsafeUninitializedCapacity: outputCount) { buffer, initialized in
            if outputCount > 0 {
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
        let inputCount = batch * g.inChannels * g.inputPixels
        let gradient = [Float](unsafeUninitializedCapacity: inputCount) { buffer, initialized in
            if inputCount > 0 {
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
    }

    let items: Int
    let workers: Int
    /// Threads each product may use: all of them when there is only one item to share.
    let gemmThreads: Int
    let colCount: Int
    let planeCount: Int
    let gemmCount: Int

    init(geometry g: ConvolutionGeometry, batch items: Int, threads: Int, unfolds: Bool,
         gemmM: Int, gemmN: Int, gemmK: Int) {
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
        let perWorker = colCount + planeCount + gemmCount
        withAlignedScratch(count: workers * perWorker) { memory in
            let base = SendablePointer(memory)
            let (items, workers, colCount, planeCount) = (self.items, self.workers, self.colCount, self.planeCount)
            parallelFor(workers, threads: workers) { worker in
                let slice = base.base + worker * perWorker
                let scratch = Scratch(col: colCount > 0 ? slice : nil, plane: slice + colCount,
                                      gemm: slice + colCount + planeCount)
                for item in (items * worker / workers)..<(items * (worker + 1) / workers) {
                    body(item, scratch)
                }
            }
        }
    }
}
