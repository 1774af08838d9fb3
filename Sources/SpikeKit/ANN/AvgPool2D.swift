/// Average pooling over `kernel × kernel` windows moved by `stride`, no padding (PyTorch's
/// `AvgPool2d` with its defaults): each output is the mean of its window.
public final class AvgPool2D: Layer {
    public let name: String
    public let kernel: Int
    public let stride: Int
    private var cachedInputShape: [Int]?

    public init(name: String, kernel: Int, stride: Int? = nil) {
        precondition(kernel > 0 && (stride ?? kernel) > 0, "AvgPool2D \(name): kernel \(kernel), stride \(stride ?? kernel)")
        self.name = name
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func outputShape(forInput shape: [Int]) -> [Int] {
        precondition(shape.count == 3 && shape[1] >= kernel && shape[2] >= kernel,
                     "AvgPool2D \(name): a \(kernel)×\(kernel) window does not fit samples of \(shape)")
        return [shape[0], (shape[1] - kernel) / stride + 1, (shape[2] - kernel) / stride + 1]
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        if context.training { cachedInputShape = x.shape }
        return Pooling.averageForward(input: x, kernel: kernel, stride: stride)
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let shape = cachedInputShape else { preconditionFailure("AvgPool2D \(name): backward without a training-mode forward") }
        return Pooling.averageBackward(gradientOutput: gradientOutput, inputShape: shape, kernel: kernel, stride: stride)
    }
}
