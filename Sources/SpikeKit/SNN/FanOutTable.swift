/// For each input position of a pooling window (or any convolution-like connectivity), the output
/// positions it reaches and through which kernel offset: precomputed once per simulation so that
/// routing an event costs no division or bounds arithmetic per target.
///
/// Entries of input position `p` are `starts[p]..<starts[p + 1]`; each has a target output position
/// and the kernel offset `ky · kw + kx` (for pooling, the offset is unused). Targets are listed in
/// ascending kernel-offset order, the order the dense reference visits them.
struct FanOutTable: Sendable {
    let starts: [Int32]
    let targets: [Int32]
    let kernelOffsets: [Int32]

    /// The table of a convolution or of a pooling window (`stride`, `padding`).
    init(inputHeight: Int, inputWidth: Int, outputHeight: Int, outputWidth: Int, kernelHeight: Int, kernelWidth: Int,
         stride: Int, padding: Int) {
        var starts: [Int32] = [0], targets: [Int32] = [], offsets: [Int32] = []
        for y in 0..<inputHeight {
            for x in 0..<inputWidth {
                for ky in 0..<kernelHeight {
                    let sy = y + padding - ky
                    guard sy >= 0, sy % stride == 0, sy / stride < outputHeight else { continue }
                    for kx in 0..<kernelWidth {
                        let sx = x + padding - kx
                        guard sx >= 0, sx % stride == 0, sx / stride < outputWidth else { continue }
                        targets.append(Int32((sy / stride) * outputWidth + sx / stride))
                        offsets.append(Int32(ky * kernelWidth + kx))
                    }
                }
                starts.append(Int32(targets.count))
            }
        }
        self.starts = starts
        self.targets = targets
        self.kernelOffsets = offsets
    }

    init(convolution g: ConvolutionGeometry) {
        self.init(inputHeight: g.inputHeight, inputWidth: g.inputWidth, outputHeight: g.outputHeight,
                  outputWidth: g.outputWidth, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
                  stride: g.stride, padding: g.padding)
    }

    /// The table of a pooling window over `shape` padded by `padding` (an input reaches the windows
    /// that cover it; the padding itself sends nothing).
    init(pooling shape: FeatureShape, kernel: Int, stride: Int, padding: Int = 0) {
        let out = shape.pooled(kernel: kernel, stride: stride, padding: padding)
        self.init(inputHeight: shape.height, inputWidth: shape.width, outputHeight: out.height,
                  outputWidth: out.width, kernelHeight: kernel, kernelWidth: kernel,
                  stride: stride, padding: padding)
    }
}
