/// Average or sum pooling over `kernel × kernel` windows moved by `stride`, no padding: each output is
/// the mean of its window (PyTorch's `AvgPool2d` with its defaults) or, with `sum`, the window's sum
/// k²·mean (Sinabs's `SumPool2d`, `nn.LPPool2d(1, k)`), whose gradient is k² times the average's.
public final class AvgPool2D: Layer {
    public let name: String
    public let kernel: Int
    public let stride: Int
    /// Whether the output is the window's sum instead of its mean.
    public let sum: Bool
    private var cachedInputShape: [Int]?

    public init(name: String, kernel: Int, stride: Int? = nil, sum: Bool = false) {
        precondition(kernel > 0 && (stride ?? kernel) > 0, "AvgPool2D \(name): kernel \(kernel), stride \(stride ?? kernel)")
        self.name = name
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.sum = sum
    }

    /// The factor between the window mean and the output: k² for sum pooling, else 1.
    public var outputScale: Float { sum ? Float(kernel * kernel) : 1 }

    public func outputShape(forInput shape: [Int]) -> [Int] {
        precondition(shape.count == 3 && shape[1] >= kernel && shape[2] >= kernel,
                     "AvgPool2D \(name): a \(kernel)×\(kernel) window does not fit samples of \(shape)")
        return [shape[0], (shape[1] - kernel) / stride + 1, (shape[2] - kernel) / stride + 1]
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        if context.training { cachedInputShape = x.shape }
        let mean = Pooling.averageForward(input: x, kernel: kernel, stride: stride)
        return sum ? mean * outputScale : mean
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let shape = cachedInputShape else { preconditionFailure("AvgPool2D \(name): backward without a training-mode forward") }
        let g = Pooling.averageBackward(gradientOutput: gradientOutput, inputShape: shape, kernel: kernel, stride: stride)
        return sum ? g * outputScale : g
    }
}
