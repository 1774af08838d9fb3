/// Unfolding an image into the patch matrix of a convolution, and folding it back.
///
/// For one image x[Cin, H, W], the im2col matrix has one row per kernel tap (c, ky, kx), in the order
/// of the weight layout [Cout, Cin, kh, kw], and one column per output pixel (oy, ox):
///
///     col[(c·kh + ky)·kw + kx, oy·Wo + ox] = x[c, oy·s − p + ky, ox·s − p + kx]   (0 outside x).
///
/// Then the convolution is the matrix product W[Cout, Cin·kh·kw] · col, and the gradient with respect
/// to x is col2im of Wᵀ · dY, where col2im adds every entry back onto the pixel it was copied from.
enum Im2Col {
    /// Floats of scratch `unfold` and `fold` need: one zero-bordered input plane, plus slack for the
    /// 16-wide loads and stores that run past the end of a row.
    static func scratchCount(geometry g: ConvolutionGeometry) -> Int {
        (g.inputHeight + 2 * g.padding) * (g.inputWidth + 2 * g.padding) + 2 * vectorWidth
    }

    /// Floats past the end of an im2col matrix that `unfold` may overwrite and `fold` may read.
    static let slack = vectorWidth
    static let vectorWidth = 16

    /// Writes the im2col matrix of one image (`x` → `col`, [Cin·kh·kw, Ho·Wo]).
    ///
    /// `col` must have `slack` writable floats past its end and `plane` `scratchCount` floats.
    /// Each channel is first copied into the middle of a zero-bordered plane, so every tap and output
    /// row is a plain copy (stride 1) or gather (stride > 1) with no bounds tests. Stride-1 rows are
    /// copied 16 floats at a time; the last store of a row may run into the next row, which is written
    /// after it, or into the slack.
    static func unfold(_ x: UnsafePointer<Float>, into col: UnsafeMutablePointer<Float>,
                       plane: UnsafeMutablePointer<Float>, geometry g: ConvolutionGeometry) {
        let ho = g.outputHeight, wo = g.outputWidth, s = g.stride, p = g.padding
        let h = g.inputHeight, w = g.inputWidth, wp = w + 2 * p
        plane.update(repeating: 0, count: scratchCount(geometry: g))
        var row = col
        for c in 0..<g.inChannels {
            let channel = x + c * h * w
            for iy in 0..<h {
                (plane + (iy + p) * wp + p).update(from: channel + iy * w, count: w)
            }
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    for oy in 0..<ho {
                        let source = plane + (oy * s + ky) * wp + kx
                        let target = row + oy * wo
                        if s == 1 {
                            copyRow(from: source, to: target, count: wo)
                        } else {
                            for ox in 0..<wo { target[ox] = source[ox * s] }
                        }
                    }
                    row += ho * wo
                }
            }
        }
    }

    /// Adds the im2col-shaped gradient `col` back onto the image gradient `dx`, overwriting `dx`.
    ///
    /// `col` must have `slack` readable floats past its end, `plane` `scratchCount` floats. Each
    /// channel is accumulated in a zero-bordered plane (taps in a fixed order, so sums are
    /// deterministic), whose interior is then copied out; the border collects the gradient of the
    /// padding, which is dropped.
    static func fold(_ col: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                     plane: UnsafeMutablePointer<Float>, geometry g: ConvolutionGeometry) {
        let ho = g.outputHeight, wo = g.outputWidth, s = g.stride, p = g.padding
        let h = g.inputHeight, w = g.inputWidth, wp = w + 2 * p
        var row = col
        for c in 0..<g.inChannels {
            plane.update(repeating: 0, count: scratchCount(geometry: g))
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    for oy in 0..<ho {
                        let target = plane + (oy * s + ky) * wp + kx
                        let source = row + oy * wo
                        if s == 1 {
                            addRow(from: source, to: target, count: wo)
                        } else {
                            for ox in 0..<wo { target[ox * s] += source[ox] }
                        }
                    }
                    row += ho * wo
                }
            }
            let channel = dx + c * h * w
            for iy in 0..<h {
                (channel + iy * w).update(from: plane + (iy + p) * wp + p, count: w)
            }
        }
    }

    /// target[0..<count] = source[0..<count], in 16-wide vectors; may write up to 15 floats past
    /// `count` (and read as far past `source`).
    @inline(__always)
    private static func copyRow(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
        var offset = 0
        while offset < count {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: offset * 4, as: SIMD16<Float>.self),
                          toByteOffset: offset * 4, as: SIMD16<Float>.self)
            offset += vectorWidth
        }
    }

    /// target[0..<count] += source[0..<count], in 16-wide vectors; lanes past `count` are read
    /// (from both) but stored back unchanged.
    @inline(__always)
    private static func addRow(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
        var offset = 0
        while offset < count {
            let old = to.loadUnaligned(fromByteOffset: offset * 4, as: SIMD16<Float>.self)
            var sum = old + from.loadUnaligned(fromByteOffset: offset * 4, as: SIMD16<Float>.self)
            let remaining = count - offset
            if remaining < vectorWidth {
                sum.replace(with: old, where: laneIndices .>= SIMD16<Int32>(repeating: Int32(remaining)))
            }
            to.storeBytes(of: sum, toByteOffset: offset * 4, as: SIMD16<Float>.self)
            offset += vectorWidth
        }
    }

    private static let laneIndices = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
}
