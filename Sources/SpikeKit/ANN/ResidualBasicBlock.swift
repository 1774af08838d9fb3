/// A residual basic block (He et al., 2016) without batch normalisation, as in the hybrid-conversion
/// paper's ResNets:
///
///     y = a₂( conv2( a₁( conv1(x) ) ) + shortcut(x) )
///
/// conv1 is 3×3 with stride s and padding 1, conv2 3×3 with stride 1 and padding 1, both bias-free;
/// the shortcut is the identity, or a bias-free 1×1 convolution with stride s when the block changes
/// the channel count or the resolution. a₁ and a₂ are both ReLU or both clipped ReLU (`activation`),
/// so the low-latency recipe can clip every neuron layer.
public final class ResidualBasicBlock: Layer {
    public let name: String
    public let inChannels: Int
    public let outChannels: Int
    public let stride: Int
    public let conv1: Conv2D
    public let activation1: any Layer
    public let conv2: Conv2D
    /// The 1×1 projection, or nil for the identity.
    public let shortcut: Conv2D?
    public let activation2: any Layer

    public init(name: String, inChannels: Int, outChannels: Int, stride: Int = 1, activation: ActivationSpec = .relu) {
        precondition(inChannels > 0 && outChannels > 0 && stride > 0,
                     "ResidualBasicBlock \(name): invalid sizes in \(inChannels) out \(outChannels) stride \(stride)")
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.stride = stride
        conv1 = Conv2D(name: "\(name).conv1", inChannels: inChannels, outChannels: outChannels, kernel: 3,
                       stride: stride, padding: 1)
        activation1 = activation.makeLayer(name: "\(name).\(activation.layerPrefix)1")
        conv2 = Conv2D(name: "\(name).conv2", inChannels: outChannels, outChannels: outChannels, kernel: 3,
                       stride: 1, padding: 1)
        shortcut = stride != 1 || inChannels != outChannels
            ? Conv2D(name: "\(name).shortcut", inChannels: inChannels, outChannels: outChannels, kernel: 1, stride: stride)
            : nil
        activation2 = activation.makeLayer(name: "\(name).\(activation.layerPrefix)2")
    }

    /// conv1, a₁, conv2, the shortcut (if any), a₂ — the order of `parameters`.
    public var sublayers: [any Layer] {
        [conv1, activation1, conv2] + (shortcut.map { [$0] } ?? []) + [activation2]
    }

    public var parameters: [Parameter] { sublayers.flatMap(\.parameters) }

    public func outputShape(forInput shape: [Int]) -> [Int] {
        precondition(shape.count == 3 && shape[0] == inChannels,
                     "ResidualBasicBlock \(name): expects [\(inChannels), H, W] samples, got \(shape)")
        return conv2.outputShape(forInput: conv1.outputShape(forInput: shape))
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        let residual = conv2.forward(activation1.forward(conv1.forward(x, context: &context), context: &context),
                                     context: &context)
        let skip = shortcut?.forward(x, context: &context) ?? x
        return activation2.forward(residual + skip, context: &context)
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        let gradientSum = activation2.backward(gradientOutput)
        var gradientInput = conv1.backward(activation1.backward(conv2.backward(gradientSum)))
        gradientInput += shortcut?.backward(gradientSum) ?? gradientSum
        return gradientInput
    }
}
