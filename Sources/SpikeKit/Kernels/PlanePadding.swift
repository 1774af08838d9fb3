/// Symmetric padding of the planes of an `[N, C, H, W]` tensor, and its inverse for gradients: how
/// the pooling layers implement PyTorch's `padding` (average pooling pads with zeros that count in
/// the mean, `count_include_pad=True`; max pooling with −∞, which no window chooses since a window
/// never lies wholly in the padding when padding ≤ kernel / 2).
enum PlanePadding {
    /// `x` with `padding` rows and columns of `value` around every plane: `[N, C, H + 2p, W + 2p]`.
    static func padded(_ x: Tensor, by padding: Int, value: Float) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (ph, pw) = (h + 2 * padding, w + 2 * padding)
        var out = [Float](repeating: value, count: n * c * ph * pw)
        x.scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for plane in 0..<(n * c) {
                    for y in 0..<h {
                        let from = (plane * h + y) * w, to = (plane * ph + y + padding) * pw + padding
                        for i in 0..<w { dst[to + i] = src[from + i] }
                    }
                }
            }
        }
        return Tensor(shape: [n, c, ph, pw], scalars: out)
    }

    /// The inverse of `padded` for a gradient: the inner `[N, C, H − 2p, W − 2p]` of every plane (what
    /// fell on the padding belongs to no input).
    static func cropped(_ x: Tensor, by padding: Int) -> Tensor {
        let (n, c, ph, pw) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (h, w) = (ph - 2 * padding, pw - 2 * padding)
        var out = [Float](repeating: 0, count: n * c * h * w)
        x.scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for plane in 0..<(n * c) {
                    for y in 0..<h {
                        let from = (plane * ph + y + padding) * pw + padding, to = (plane * h + y) * w
                        for i in 0..<w { dst[to + i] = src[from + i] }
                    }
                }
            }
        }
        return Tensor(shape: [n, c, h, w], scalars: out)
    }
}
