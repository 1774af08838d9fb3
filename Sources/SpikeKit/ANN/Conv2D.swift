/// A 2-D convolution layer: y = W ∗ x (+ b), weight `[outChannels, inChannels / groups, kernel, kernel]`
/// (PyTorch's layout), square kernel, stride, zero padding and channel groups (`groups` = channels:
/// depthwise; see `ConvolutionGeometry`); bias-free unless asked for, as is usual for networks that
/// are converted to spiking ones.
///
/// The geometry is taken from the input at each call, so one layer works for any image size that
/// fits its kernel. The maths and the deterministic batch reduction of dL/dW are `Convolution`'s.
public final class Conv2D: Layer, InputGradientSkippable {
    public let name: String
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let groups: Int
    public let weight: Parameter
    public let bias: Parameter?
    var computesInputGradient = true

    private var cachedInput: Tensor?
    private var cachedGeometry: ConvolutionGeometry?

    public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                groups: Int = 1, bias: Bool = false) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0 && groups > 0
                        && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2D \(name): invalid sizes in \(inChannels) out \(outChannels) kernel \(kernel) stride \(stride) padding \(padding) groups \(groups)")
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.groups = groups
        weight = Parameter(name: "\(name).weight", value: Tensor(shape: [outChannels, inChannels / groups, kernel, kernel]))
        self.bias = bias ? Parameter(name: "\(name).bias", value: Tensor(shape: [outChannels])) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// The geometry for an input of `[channels, height, width]`.
    public func geometry(forInput shape: [Int]) -> ConvolutionGeometry {
        precondition(shape.count == 3 && shape[0] == inChannels,
                     "Conv2D \(name): expects [\(inChannels), H, W] samples, got \(shape)")
        return ConvolutionGeometry(inChannels: inChannels, outChannels: outChannels, inputHeight: shape[1],
                                   inputWidth: shape[2], kernelHeight: kernel, kernelWidth: kernel,
                                   stride: stride, padding: padding, groups: groups)
    }

    public func outputShape(forInput shape: [Int]) -> [Int] {
        let g = geometry(forInput: shape)
        return [outChannels, g.outputHeight, g.outputWidth]
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        precondition(x.rank == 4, "Conv2D \(name): expects a [N, C, H, W] batch, got \(x.shape)")
        let g = geometry(forInput: Array(x.shape.dropFirst()))
        var y = Convolution.forward(input: x, weight: weight.value, geometry: g)
        if let bias {
            ChannelKernels.addBias(&y.scalars, bias: bias.value.scalars, batch: x.shape[0], channels: outChannels,
                                   plane: g.outputHeight * g.outputWidth)
        }
        if context.training {
            cachedInput = x
            cachedGeometry = g
        }
        return y
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let x = cachedInput, let g = cachedGeometry else {
            preconditionFailure("Conv2D \(name): backward without a training-mode forward")
        }
        weight.gradient += Convolution.backwardWeight(gradientOutput: gradientOutput, input: x, geometry: g)
        if let bias {
            bias.gradient += Tensor(shape: [outChannels], scalars: ChannelKernels.sums(
                gradientOutput.scalars, batch: x.shape[0], channels: outChannels, plane: g.outputHeight * g.outputWidth))
        }
        cachedInput = nil
        guard computesInputGradient else { return Tensor(shape: [0]) }
        return Convolution.backwardInput(gradientOutput: gradientOutput, weight: weight.value, geometry: g)
    }
}
