/// Max pooling over `kernel × kernel` windows moved by `stride`, no padding (PyTorch's `MaxPool2d`
/// with its defaults). The gradient goes to the first maximum of each window.
public final class MaxPool2D: Layer {
    public let name: String
    public let kernel: Int
    public let stride: Int
    private var cachedInputShape: [Int]?
    private var cachedArgmax: [Int32] = []

    public init(name: String, kernel: Int, stride: Int? = nil) {
        precondition(kernel > 0 && (stride ?? kernel) > 0, "MaxPool2D \(name): kernel \(kernel), stride \(stride ?? kernel)")
        self.name = name
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func outputShape(forInput shape: [Int]) -> [Int] {
        precondition(shape.count == 3 && shape[1] >= kernel && shape[2] >= kernel,
                     "MaxPool2D \(name): a \(kernel)×\(kernel) window does not fit samples of \(shape)")
        return [shape[0], (shape[1] - kernel) / stride + 1, (shape[2] - kernel) / stride + 1]
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        let (output, argmax) = Pooling.maxForward(input: x, kernel: kernel, stride: stride)
        if context.training {
            cachedInputShape = x.shape
            cachedArgmax = argmax
        }
        return output
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let shape = cachedInputShape else { preconditionFailure("MaxPool2D \(name): backward without a training-mode forward") }
        let argmax = cachedArgmax
        cachedArgmax = []
        cachedInputShape = nil
        return Pooling.maxBackward(gradientOutput: gradientOutput, argmax: argmax, inputShape: shape)
    }
}
