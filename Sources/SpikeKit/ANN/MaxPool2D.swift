/// Max pooling over `kernel × kernel` windows moved by `stride`, with `padding` rows and columns of
/// −∞ around the input (PyTorch's `MaxPool2d`, dilation 1). The gradient goes to the first maximum of each window.
public final class MaxPool2D: Layer {
    public let name: String
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    private var cachedInputShape: [Int]?
    private var cachedArgmax: [Int32] = []

    public init(name: String, kernel: Int, stride: Int? = nil, padding: Int = 0) {
        precondition(kernel > 0 && (stride ?? kernel) > 0 && padding >= 0 && padding <= kernel / 2,
                     "MaxPool2D \(name): kernel \(kernel), stride \(stride ?? kernel), padding \(padding)")
        self.padding = padding
        self.name = name
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func outputShape(forInput shape: [Int]) -> [Int] {
        precondition(shape.count == 3 && shape[1] + 2 * padding >= kernel && shape[2] + 2 * padding >= kernel,
                     "MaxPool2D \(name): a \(kernel)×\(kernel) window does not fit samples of \(shape) (padding \(padding))")
        return [shape[0], (shape[1] + 2 * padding - kernel) / stride + 1, (shape[2] + 2 * padding - kernel) / stride + 1]
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        let input = padding > 0 ? PlanePadding.padded(x, by: padding, value: -.infinity) : x
        let (output, argmax) = Pooling.maxForward(input: input, kernel: kernel, stride: stride)
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
        guard padding > 0 else { return Pooling.maxBackward(gradientOutput: gradientOutput, argmax: argmax, inputShape: shape) }
        let paddedShape = [shape[0], shape[1], shape[2] + 2 * padding, shape[3] + 2 * padding]
        return PlanePadding.cropped(Pooling.maxBackward(gradientOutput: gradientOutput, argmax: argmax, inputShape: paddedShape),
                                    by: padding)
    }
}
