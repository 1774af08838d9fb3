/// Loops behind the clipped ReLU and dropout layers that `Tensor`'s arithmetic does not cover.
enum ActivationKernels {
    /// y = min(max(x, 0), clip). A NaN input stays NaN, so a numerical failure stays visible.
    static func clippedReLU(_ x: [Float], clip: Float) -> [Float] {
        Elementwise.map(x) { value in value < 0 ? 0 : (value > clip ? clip : value) }
    }

    /// The gradients of y = min(max(x, 0), μ): dx = g where 0 < x < μ (0 elsewhere), and
    /// dμ = Σ g over the elements with x > μ (as the clip sets y = μ there).
    ///
    /// dμ is summed in 16 lanes in a fixed order (then the lanes in order, in `Double`), so it does not
    /// depend on anything but the values.
    static func clippedReLUBackward(input: [Float], gradient: [Float], clip: Float) -> (input: [Float], clip: Float) {
        precondition(input.count == gradient.count,
                     "ActivationKernels.clippedReLUBackward: \(input.count) inputs, \(gradient.count) gradients")
        let count = input.count
        var clipGradient = 0.0
        let dx = [Float](unsafeUninitializedCapacity: count) { out, initialized in
            input.withUnsafeBufferPointer { xBuffer in
                gradient.withUnsafeBufferPointer { gBuffer in
                    guard let x = xBuffer.baseAddress, let g = gBuffer.baseAddress, let o = out.baseAddress else { return }
                    for i in 0..<count { o[i] = x[i] > 0 && x[i] < clip ? g[i] : 0 }
                    let raw = UnsafeRawPointer(x), rawG = UnsafeRawPointer(g)
                    var lanes = SIMD16<Float>()
                    var i = 0
                    while i + 16 <= count {
                        let xv = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                        let gv = rawG.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                        lanes += SIMD16<Float>().replacing(with: gv, where: xv .> SIMD16(repeating: clip))
                        i += 16
                    }
                    for lane in 0..<16 { clipGradient += Double(lanes[lane]) }
                    while i < count {
                        if x[i] > clip { clipGradient += Double(g[i]) }
                        i += 1
                    }
                }
            }
            initialized = count
        }
        return (dx, Float(clipGradient))
    }

    /// An inverted-dropout mask for `samples` rows of `features` values: each value is 0 with
    /// probability `p` and 1/(1 − p) otherwise. Row n draws from its own stream
    /// `(seed, [streamKey, layer, firstSample + n])`, one uniform per value in order, so a row's mask
    /// depends neither on the thread that makes it nor on the chunk of the batch it is computed in;
    /// rows are spread over threads.
    static func dropoutMask(samples: Int, features: Int, p: Float, seed: UInt64, streamKey: UInt64, layer: Int,
                            firstSample: Int = 0) -> [Float] {
        let total = samples * features
        let scale = 1 / (1 - p)
        return [Float](unsafeUninitializedCapacity: total) { out, initialized in
            if let base = out.baseAddress, total > 0 {
                let target = SendablePointer(base)
                parallelForChunks(samples, minimumChunk: max(1, 16_384 / max(1, features))) { range in
                    for n in range {
                        var generator = SeededGenerator(seed: seed, stream: [streamKey, UInt64(bitPattern: Int64(layer)),
                                                                             UInt64(bitPattern: Int64(firstSample + n))])
                        let row = target.base + n * features
                        for i in 0..<features { row[i] = generator.nextUniform() < p ? 0 : scale }
                    }
                }
            }
            initialized = total
        }
    }
}
