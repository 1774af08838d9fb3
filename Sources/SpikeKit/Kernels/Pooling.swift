/// 2-D average and max pooling over NCHW batches, and their gradients.
///
/// Windows are `kernel × kernel`, moved by `stride`, with no padding; the output extent is
/// ⌊(H − kernel) / stride⌋ + 1 (PyTorch's default `floor` mode), so trailing rows and columns that do
/// not fill a window are ignored (and get zero gradient). Average pooling divides by kernel², always.
/// Max pooling takes the first maximum in row-major window order (a NaN counts as the maximum); it records, per output element,
/// the position `iy·W + ix` of the chosen input within its own (sample, channel) plane, which is all
/// the backward pass needs. Every (sample, channel) plane is independent, so planes are spread over
/// threads with results identical for any thread count.
public enum Pooling {
    /// Average pooling: [N, C, H, W] → [N, C, Ho, Wo].
    public static func averageForward(input: Tensor, kernel: Int, stride: Int,
                                      threads: Int = Parallel.threadCount) -> Tensor {
        let shape = PoolingShape(input.shape, kernel: kernel, stride: stride, caller: "averageForward")
        var output = [Float](repeating: 0, count: shape.planes * shape.outputPlane)
        let scale = 1 / Float(kernel * kernel)
        input.scalars.withUnsafeBufferPointer { xBuffer in
            output.withUnsafeMutableBufferPointer { yBuffer in
                guard let xBase = xBuffer.baseAddress, let yBase = yBuffer.baseAddress else { return }
                let x = SendableConstPointer(xBase), y = SendablePointer(yBase)
                shape.forEachPlane(threads: threads) { plane in
                    let source = x.base + plane * shape.inputPlane, target = y.base + plane * shape.outputPlane
                    if kernel == 2 && stride == 2 {
                        // The common 2×2 window, with the same summation order as the general loop.
                        for oy in 0..<shape.outputHeight {
                            let top = source + 2 * oy * shape.width, bottom = top + shape.width
                            let row = target + oy * shape.outputWidth
                            for ox in 0..<shape.outputWidth {
                                row[ox] = (((top[2 * ox] + top[2 * ox + 1]) + bottom[2 * ox]) + bottom[2 * ox + 1]) * scale
                            }
                        }
                        return
                    }
                    for oy in 0..<shape.outputHeight {
                        for ox in 0..<shape.outputWidth {
                            var sum: Float = 0
                            for ky in 0..<kernel {
                                let row = source + (oy * stride + ky) * shape.width + ox * stride
                                for kx in 0..<kernel { sum += row[kx] }
                            }
                            target[oy * shape.outputWidth + ox] = sum * scale
                        }
                    }
                }
            }
        }
        return Tensor(shape: shape.outputShape, scalars: output)
    }

    /// Gradient of average pooling: spreads each output gradient evenly over its window.
    public static func averageBackward(gradientOutput: Tensor, inputShape: [Int], kernel: Int, stride: Int,
                                       threads: Int = Parallel.threadCount) -> Tensor {
        let shape = PoolingShape(inputShape, kernel: kernel, stride: stride, caller: "averageBackward")
        precondition(gradientOutput.shape == shape.outputShape,
                     "Pooling.averageBackward: gradientOutput shape \(gradientOutput.shape) does not match \(shape.outputShape) for input \(inputShape)")
        var gradient = [Float](repeating: 0, count: shape.planes * shape.inputPlane)
        let scale = 1 / Float(kernel * kernel)
        gradientOutput.scalars.withUnsafeBufferPointer { dyBuffer in
            gradient.withUnsafeMutableBufferPointer { dxBuffer in
                guard let dyBase = dyBuffer.baseAddress, let dxBase = dxBuffer.baseAddress else { return }
                let dy = SendableConstPointer(dyBase), dx = SendablePointer(dxBase)
                shape.forEachPlane(threads: threads) { plane in
                    let source = dy.base + plane * shape.outputPlane, target = dx.base + plane * shape.inputPlane
                    if kernel == 2 && stride == 2 {
                        // Non-overlapping 2×2 windows: every input gets exactly one share.
                        for oy in 0..<shape.outputHeight {
                            let top = target + 2 * oy * shape.width, bottom = top + shape.width
                            let row = source + oy * shape.outputWidth
                            for ox in 0..<shape.outputWidth {
                                let share = row[ox] * scale
                                top[2 * ox] = share; top[2 * ox + 1] = share
                                bottom[2 * ox] = share; bottom[2 * ox + 1] = share
                            }
                        }
                        return
                    }
                    for oy in 0..<shape.outputHeight {
                        for ox in 0..<shape.outputWidth {
                            let share = source[oy * shape.outputWidth + ox] * scale
                            for ky in 0..<kernel {
                                let row = target + (oy * stride + ky) * shape.width + ox * stride
                                for kx in 0..<kernel { row[kx] += share }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: gradient)
    }

    /// Max pooling: [N, C, H, W] → ([N, C, Ho, Wo], the in-plane position `iy·W + ix` of each maximum).
    public static func maxForward(input: Tensor, kernel: Int, stride: Int,
                                  threads: Int = Parallel.threadCount) -> (output: Tensor, argmax: [Int32]) {
        let shape = PoolingShape(input.shape, kernel: kernel, stride: stride, caller: "maxForward")
        precondition(shape.inputPlane <= Int(Int32.max), "Pooling.maxForward: plane \(input.shape) too large")
        let count = shape.planes * shape.outputPlane
        var output = [Float](repeating: 0, count: count)
        var argmax = [Int32](repeating: 0, count: count)
        input.scalars.withUnsafeBufferPointer { xBuffer in
            output.withUnsafeMutableBufferPointer { yBuffer in
                argmax.withUnsafeMutableBufferPointer { indexBuffer in
                    guard let xBase = xBuffer.baseAddress, let yBase = yBuffer.baseAddress,
                          let indexBase = indexBuffer.baseAddress else { return }
                    let x = SendableConstPointer(xBase), y = SendablePointer(yBase), index = SendablePointer(indexBase)
                    shape.forEachPlane(threads: threads) { plane in
                        let source = x.base + plane * shape.inputPlane
                        let target = y.base + plane * shape.outputPlane, positions = index.base + plane * shape.outputPlane
                        if kernel == 2 && stride == 2 {
                            // The common 2×2 window, visited in the same order as the general loop.
                            for oy in 0..<shape.outputHeight {
                                for ox in 0..<shape.outputWidth {
                                    let first = 2 * oy * shape.width + 2 * ox
                                    var bestPosition = first
                                    var best = source[first]
                                    func consider(_ position: Int) {
                                        let value = source[position]
                                        if value > best || (value.isNaN && !best.isNaN) {
                                            best = value
                                            bestPosition = position
                                        }
                                    }
                                    consider(first + 1)
                                    consider(first + shape.width)
                                    consider(first + shape.width + 1)
                                    target[oy * shape.outputWidth + ox] = best
                                    positions[oy * shape.outputWidth + ox] = Int32(bestPosition)
                                }
                            }
                            return
                        }
                        for oy in 0..<shape.outputHeight {
                            for ox in 0..<shape.outputWidth {
                                var bestPosition = oy * stride * shape.width + ox * stride
                                var best = source[bestPosition]
                                for ky in 0..<kernel {
                                    for kx in 0..<kernel {
                                        let position = (oy * stride + ky) * shape.width + ox * stride + kx
                                        // A NaN wins, as in PyTorch, so a numerical failure is not hidden.
                                        if source[position] > best || (source[position].isNaN && !best.isNaN) {
                                            best = source[position]
                                            bestPosition = position
                                        }
                                    }
                                }
                                target[oy * shape.outputWidth + ox] = best
                                positions[oy * shape.outputWidth + ox] = Int32(bestPosition)
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(shape: shape.outputShape, scalars: output), argmax)
    }

    /// Gradient of max pooling: each output gradient goes to the input that was the maximum
    /// (summed, in output order, where overlapping windows chose the same input).
    public static func maxBackward(gradientOutput: Tensor, argmax: [Int32], inputShape: [Int],
                                   threads: Int = Parallel.threadCount) -> Tensor {
        precondition(inputShape.count == 4 && gradientOutput.rank == 4
                        && Array(gradientOutput.shape.prefix(2)) == Array(inputShape.prefix(2)),
                     "Pooling.maxBackward: gradientOutput shape \(gradientOutput.shape) does not fit input \(inputShape)")
        precondition(argmax.count == gradientOutput.count,
                     "Pooling.maxBackward: \(argmax.count) argmax entries for gradientOutput \(gradientOutput.shape)")
        let planes = inputShape[0] * inputShape[1]
        let inputPlane = inputShape[2] * inputShape[3]
        let outputPlane = gradientOutput.shape[2] * gradientOutput.shape[3]
        var gradient = [Float](repeating: 0, count: planes * inputPlane)
        gradientOutput.scalars.withUnsafeBufferPointer { dyBuffer in
            argmax.withUnsafeBufferPointer { indexBuffer in
                gradient.withUnsafeMutableBufferPointer { dxBuffer in
                    guard let dyBase = dyBuffer.baseAddress, let indexBase = indexBuffer.baseAddress,
                          let dxBase = dxBuffer.baseAddress else { return }
                    let dy = SendableConstPointer(dyBase), index = SendableConstPointer(indexBase)
                    let dx = SendablePointer(dxBase)
                    parallelForChunks(planes, minimumChunk: max(1, 16_384 / max(1, inputPlane)), threads: threads) { range in
                        for plane in range {
                            let target = dx.base + plane * inputPlane
                            for o in (plane * outputPlane)..<((plane + 1) * outputPlane) {
                                let position = Int(index.base[o])
                                precondition(position >= 0 && position < inputPlane,
                                             "Pooling.maxBackward: argmax \(position) outside a plane of \(inputPlane)")
                                target[position] += dy.base[o]
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: gradient)
    }
}

/// The sizes of one pooling call, checked once.
struct PoolingShape: Sendable {
    let batch: Int, channels: Int, height: Int, width: Int
    let kernel: Int, stride: Int
    let outputHeight: Int, outputWidth: Int

    init(_ shape: [Int], kernel: Int, stride: Int, caller: String) {
        precondition(shape.count == 4, "Pooling.\(caller): input must be [N, C, H, W], got \(shape)")
        precondition(kernel >= 1 && stride >= 1, "Pooling.\(caller): kernel \(kernel) and stride \(stride) must be ≥ 1")
        precondition(shape[2] >= kernel && shape[3] >= kernel,
                     "Pooling.\(caller): input \(shape) is smaller than the \(kernel)×\(kernel) window")
        (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        self.kernel = kernel
        self.stride = stride
        outputHeight = (height - kernel) / stride + 1
        outputWidth = (width - kernel) / stride + 1
    }

    var planes: Int { batch * channels }
    var inputPlane: Int { height * width }
    var outputPlane: Int { outputHeight * outputWidth }
    var outputShape: [Int] { [batch, channels, outputHeight, outputWidth] }

    /// Runs `body(plane)` for every (sample, channel) plane, in chunks big enough to be worth a thread.
    func forEachPlane(threads: Int, _ body: @Sendable (Int) -> Void) {
        parallelForChunks(planes, minimumChunk: max(1, 16_384 / max(1, inputPlane)), threads: threads) { range in
            for plane in range { body(plane) }
        }
    }
}
