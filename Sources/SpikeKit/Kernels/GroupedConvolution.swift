/// A grouped convolution (`ConvolutionGeometry.groups` = G > 1) as G ungrouped ones side by side.
///
/// In NCHW order the channels of group g are one contiguous block of every image, and the weight
/// `[Cout, Cin/G, kh, kw]` holds group g's `[Cout/G, Cin/G, kh, kw]` as one contiguous block, so group
/// g is `Convolution`'s ungrouped pass of `geometry.perGroup` on input block g, weight block g and
/// output block g. Each group's pass is itself deterministic for any thread count, and the groups
/// never share an output, so the grouped result is too.
enum GroupedConvolution {
    /// y = conv(x, W) group by group: input [N, Cin, H, W], weight [Cout, Cin/G, kh, kw] → [N, Cout, Ho, Wo].
    static func forward(input: Tensor, weight: Tensor, geometry g: ConvolutionGeometry, threads: Int) -> Tensor {
        groupwise(input, weight: weight, geometry: g, result: g.outputShape(batch: input.shape[0])) { x, w in
            Convolution.forward(input: x, weight: w, geometry: g.perGroup, threads: threads)
        }
    }

    /// dL/dx group by group: gradientOutput [N, Cout, Ho, Wo] → [N, Cin, H, W].
    static func backwardInput(gradientOutput: Tensor, weight: Tensor, geometry g: ConvolutionGeometry, threads: Int) -> Tensor {
        groupwise(gradientOutput, weight: weight, geometry: g, result: g.inputShape(batch: gradientOutput.shape[0])) { dy, w in
            Convolution.backwardInput(gradientOutput: dy, weight: w, geometry: g.perGroup, threads: threads)
        }
    }

    /// `pass` of every group's channel block of `x` and weight block, placed in channel block g of a
    /// tensor of shape `result`.
    private static func groupwise(_ x: Tensor, weight: Tensor, geometry g: ConvolutionGeometry, result: [Int],
                                  _ pass: (Tensor, Tensor) -> Tensor) -> Tensor {
        var out = Tensor(shape: result)
        for group in 0..<g.groups {
            let block = pass(channelBlock(x, group: group, of: g.groups), weightBlock(weight, group: group, g.perGroup))
            placeChannelBlock(block, into: &out, group: group, of: g.groups)
        }
        return out
    }

    /// dL/dW group by group, summed over the batch: → [Cout, Cin/G, kh, kw].
    static func backwardWeight(gradientOutput: Tensor, input: Tensor, geometry g: ConvolutionGeometry, threads: Int) -> Tensor {
        let sub = g.perGroup
        var scalars: [Float] = []
        scalars.reserveCapacity(g.weightShape.reduce(1, *))
        for group in 0..<g.groups {
            let dwg = Convolution.backwardWeight(gradientOutput: channelBlock(gradientOutput, group: group, of: g.groups),
                                                 input: channelBlock(input, group: group, of: g.groups), geometry: sub,
                                                 threads: threads)
            scalars.append(contentsOf: dwg.scalars)
        }
        return Tensor(shape: g.weightShape, scalars: scalars)
    }

    /// Channel block `group` of `groups` equal blocks of every image of `[N, C, H, W]`.
    private static func channelBlock(_ x: Tensor, group: Int, of groups: Int) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let block = c / groups, plane = h * w, span = block * plane
        var out = [Float](repeating: 0, count: n * span)
        x.scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let from = i * c * plane + group * span
                    for j in 0..<span { dst[i * span + j] = src[from + j] }
                }
            }
        }
        return Tensor(shape: [n, block, h, w], scalars: out)
    }

    /// Writes `[N, C/G, H, W]` into channel block `group` of `[N, C, H, W]`.
    private static func placeChannelBlock(_ block: Tensor, into x: inout Tensor, group: Int, of groups: Int) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let span = (c / groups) * h * w
        block.scalars.withUnsafeBufferPointer { src in
            x.scalars.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let to = i * c * h * w + group * span
                    for j in 0..<span { dst[to + j] = src[i * span + j] }
                }
            }
        }
    }

    /// Group `group`'s weights `[Cout/G, Cin/G, kh, kw]`, one contiguous block of the grouped weight.
    private static func weightBlock(_ weight: Tensor, group: Int, _ sub: ConvolutionGeometry) -> Tensor {
        let count = sub.weightShape.reduce(1, *)
        return Tensor(shape: sub.weightShape, scalars: Array(weight.scalars[(group * count)..<((group + 1) * count)]))
    }
}
