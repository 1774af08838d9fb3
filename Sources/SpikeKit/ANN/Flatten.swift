/// Reshapes `[batch, C, H, W]` (or any rank) to `[batch, C·H·W]`, keeping the row-major order, as
/// PyTorch's `view(batch, -1)` does.
public final class Flatten: Layer {
    public let name: String
    private var cachedInputShape: [Int]?

    public init(name: String) { self.name = name }

    public func outputShape(forInput shape: [Int]) -> [Int] { [shape.reduce(1, *)] }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        precondition(x.rank >= 1, "Flatten \(name): needs a batch, got \(x.shape)")
        if context.training { cachedInputShape = x.shape }
        return x.reshaped([x.shape[0], x.shape.dropFirst().reduce(1, *)])
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let shape = cachedInputShape else { preconditionFailure("Flatten \(name): backward without a training-mode forward") }
        return gradientOutput.reshaped(shape)
    }
}
