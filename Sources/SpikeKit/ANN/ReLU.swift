/// The rectifier y = max(x, 0); its gradient passes where x > 0.
public final class ReLU: Layer {
    public let name: String
    private var cachedOutput: Tensor?

    public init(name: String) { self.name = name }

    public func outputShape(forInput shape: [Int]) -> [Int] { shape }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        let y = x.relu()
        // y > 0 exactly where x > 0, so the output serves as the mask and the input can be released.
        if context.training { cachedOutput = y }
        return y
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let y = cachedOutput else { preconditionFailure("ReLU \(name): backward without a training-mode forward") }
        cachedOutput = nil
        return Tensor.reluBackward(input: y, gradient: gradientOutput)
    }
}
