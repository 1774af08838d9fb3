/// Average or sum pooling over `kernel × kernel` windows moved by `stride`, with `padding` rows and
/// columns of zeros around the input that count in the mean (PyTorch's `AvgPool2d` with its default
/// `count_include_pad=True`): each output is the mean of its window or, with `sum`, the window's sum
/// k²·mean (Sinabs's `SumPool2d`, `nn.LPPool2d(1, k)`), whose gradient is k² times the average's.
public final class AvgPool2D: Layer {
    public let name: String
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    /// Whether the output is the window's sum instead of its mean.
    public let sum: Bool
    private var cachedInputShape: [Int]?

    public init(name: String, kernel: Int, stride: Int? = nil, padding: Int = 0, sum: Bool = false) {
        precondition(kernel > 0 && (stride ?? kernel) > 0 && padding >= 0 && padding <= kernel / 2,
                     "AvgPool2D \(name): kernel \(kernel), stride \(stride ?? kernel), padding \(padding)")
        self.padding = padding
        self.name = name
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.sum = sum
    }

    /// The factor between the window mean and the output: k² for sum pooling, else 1.
    public var outputScale: Float { sum ? Float(kernel * kernel) : 1 }

    public func outputShape(forInput shape: [Int]) -> [Int] {
        precondition(shape.count == 3 && shape[1] + 2 * padding >= kernel && shape[2] + 2 * padding >= kernel,
                     "AvgPool2D \(name): a \(kernel)×\(kernel) window does not fit samples of \(shape) (padding \(padding))")
        return [shape[0], (shape[1] + 2 * padding - kernel) / stride + 1, (shape[2] + 2 * padding - kernel) / stride + 1]
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        if context.training { cachedInputShape = x.shape }
        let input = padding > 0 ? PlanePadding.padded(x, by: padding, value: 0) : x
        let mean = Pooling.averageForward(input: input, kernel: kernel, stride: stride)
        return sum ? mean * outputScale : mean
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let shape = cachedInputShape else { preconditionFailure("AvgPool2D \(name): backward without a training-mode forward") }
        let paddedShape = [shape[0], shape[1], shape[2] + 2 * padding, shape[3] + 2 * padding]
        var g = Pooling.averageBackward(gradientOutput: gradientOutput, inputShape: paddedShape, kernel: kernel, stride: stride)
        if padding > 0 { g = PlanePadding.cropped(g, by: padding) }
        return sum ? g * outputScale : g
    }
}
