/// The clipped rectifier y = min(max(x, 0), μ) with a trainable clip μ per layer (DESIGN §4, after
/// the ultra-low-latency conversion paper, DATE 2022, and PACT, Choi et al. 2018).
///
/// Gradients: dy/dx = 1 on (0, μ) and 0 elsewhere; dy/dμ = 1 where x > μ (the output is μ there)
/// and 0 elsewhere, so dL/dμ is the sum of the output gradient over the clipped elements. μ is the
/// 1-element parameter `<name>.mu`, initialised to `initialClip`; the converter reads it as the layer's
/// threshold scale.
public final class ClippedReLU: Layer {
    public let name: String
    public let clip: Parameter
    private var cachedInput: Tensor?

    public init(name: String, initialClip: Float = 4.0) {
        precondition(initialClip > 0, "ClippedReLU \(name): the clip must be positive, got \(initialClip)")
        self.name = name
        clip = Parameter(name: "\(name).mu", value: Tensor(shape: [1], scalars: [initialClip]))
    }

    /// The current clip μ.
    public var clipValue: Float { clip.value.scalars[0] }

    public var parameters: [Parameter] { [clip] }

    public func outputShape(forInput shape: [Int]) -> [Int] { shape }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        if context.training { cachedInput = x }
        return Tensor(shape: x.shape, scalars: ActivationKernels.clippedReLU(x.scalars, clip: clipValue))
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let x = cachedInput else { preconditionFailure("ClippedReLU \(name): backward without a training-mode forward") }
        precondition(x.shape == gradientOutput.shape,
                     "ClippedReLU \(name): gradient shape \(gradientOutput.shape) differs from input \(x.shape)")
        cachedInput = nil
        let (dx, dClip) = ActivationKernels.clippedReLUBackward(input: x.scalars, gradient: gradientOutput.scalars,
                                                                 clip: clipValue)
        clip.gradient.scalars[0] += dClip
        return Tensor(shape: x.shape, scalars: dx)
    }
}
