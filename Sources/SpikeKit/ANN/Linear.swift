/// A fully connected layer: y = x·Wᵀ (+ b) for a `[batch, inputs]` batch, weight `[outputs, inputs]`
/// (PyTorch's layout); bias-free unless asked for.
///
/// All three products run as one `sgemm` each over the whole batch: y = x·Wᵀ, dx = dy·W and
/// dW += dyᵀ·x (accumulated in place with β = 1; the batch is the shared dimension, which `sgemm`
/// never splits across threads, so the sum over samples has a fixed order).
public final class Linear: Layer, InputGradientSkippable {
    public let name: String
    public let inputs: Int
    public let outputs: Int
    public let weight: Parameter
    public let bias: Parameter?
    var computesInputGradient = true

    private var cachedInput: Tensor?

    public init(name: String, inputs: Int, outputs: Int, bias: Bool = false) {
        precondition(inputs > 0 && outputs > 0, "Linear \(name): invalid sizes \(inputs) → \(outputs)")
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        weight = Parameter(name: "\(name).weight", value: Tensor(shape: [outputs, inputs]))
        self.bias = bias ? Parameter(name: "\(name).bias", value: Tensor(shape: [outputs])) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    public func outputShape(forInput shape: [Int]) -> [Int] {
        precondition(shape == [inputs], "Linear \(name): expects [\(inputs)] samples, got \(shape)")
        return [outputs]
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == inputs, "Linear \(name): expects [N, \(inputs)], got \(x.shape)")
        let batch = x.shape[0]
        var y = [Float](repeating: 0, count: batch * outputs)
        sgemm(transposeA: false, transposeB: true, m: batch, n: outputs, k: inputs, alpha: 1,
              a: x.scalars, lda: inputs, b: weight.value.scalars, ldb: inputs, beta: 0, c: &y, ldc: outputs)
        if let bias {
            ChannelKernels.addBias(&y, bias: bias.value.scalars, batch: batch, channels: outputs, plane: 1)
        }
        if context.training { cachedInput = x }
        return Tensor(shape: [batch, outputs], scalars: y)
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let x = cachedInput else { preconditionFailure("Linear \(name): backward without a training-mode forward") }
        let batch = x.shape[0]
        precondition(gradientOutput.shape == [batch, outputs],
                     "Linear \(name): gradient shape \(gradientOutput.shape), expected [\(batch), \(outputs)]")
        sgemm(transposeA: true, transposeB: false, m: outputs, n: inputs, k: batch, alpha: 1,
              a: gradientOutput.scalars, lda: outputs, b: x.scalars, ldb: inputs, beta: 1,
              c: &weight.gradient.scalars, ldc: inputs)
        if let bias {
            bias.gradient += Tensor(shape: [outputs], scalars: ChannelKernels.sums(
                gradientOutput.scalars, batch: batch, channels: outputs, plane: 1))
        }
        cachedInput = nil
        guard computesInputGradient else { return Tensor(shape: [0]) }
        var dx = [Float](repeating: 0, count: batch * inputs)
        sgemm(transposeA: false, transposeB: false, m: batch, n: inputs, k: outputs, alpha: 1,
              a: gradientOutput.scalars, lda: outputs, b: weight.value.scalars, ldb: inputs, beta: 0, c: &dx, ldc: inputs)
        return Tensor(shape: [batch, inputs], scalars: dx)
    }
}
