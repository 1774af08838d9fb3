/// The sizes of one 2-D convolution: channels, input extent, kernel, stride and zero padding.
///
/// Output extent follows the usual floor rule, `(input + 2·padding − kernel) / stride + 1`, the same
/// as PyTorch's `Conv2d`, so imported weights and shapes line up. Padding is symmetric and zero.
public struct ConvolutionGeometry: Sendable, Equatable, Codable {
    public var inChannels: Int
    public var outChannels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var stride: Int
    public var padding: Int

    public init(inChannels: Int, outChannels: Int, inputHeight: Int, inputWidth: Int,
                kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
    }

    /// Output rows: ⌊(H + 2p − kh) / s⌋ + 1.
    public var outputHeight: Int { (inputHeight + 2 * padding - kernelHeight) / max(1, stride) + 1 }
    /// Output columns: ⌊(W + 2p − kw) / s⌋ + 1.
    public var outputWidth: Int { (inputWidth + 2 * padding - kernelWidth) / max(1, stride) + 1 }

    /// The shape of one batch of inputs, `[batch, inChannels, inputHeight, inputWidth]`.
    public func inputShape(batch: Int) -> [Int] { [batch, inChannels, inputHeight, inputWidth] }
    /// The shape of one batch of outputs, `[batch, outChannels, outputHeight, outputWidth]`.
    public func outputShape(batch: Int) -> [Int] { [batch, outChannels, outputHeight, outputWidth] }
    /// The weight shape, `[outChannels, inChannels, kernelHeight, kernelWidth]` (PyTorch's layout).
    public var weightShape: [Int] { [outChannels, inChannels, kernelHeight, kernelWidth] }

    /// Multiply-accumulates of one forward pass for one image: kh·kw·Cin·Cout·Ho·Wo.
    public var multiplyAccumulates: Int {
        kernelHeight * kernelWidth * inChannels * outChannels * outputHeight * outputWidth
    }

    /// Why these sizes cannot describe a convolution, or nil if they can.
    public var problem: String? {
        if inChannels < 1 || outChannels < 1 { return "channels must be at least 1 (in \(inChannels), out \(outChannels))" }
        if inputHeight < 1 || inputWidth < 1 { return "input must be at least 1×1, got \(inputHeight)×\(inputWidth)" }
        if kernelHeight < 1 || kernelWidth < 1 { return "kernel must be at least 1×1, got \(kernelHeight)×\(kernelWidth)" }
        if stride < 1 { return "stride must be at least 1, got \(stride)" }
        if padding < 0 { return "padding must not be negative, got \(padding)" }
        if inputHeight + 2 * padding < kernelHeight || inputWidth + 2 * padding < kernelWidth {
            return "kernel \(kernelHeight)×\(kernelWidth) is larger than the padded input \(inputHeight + 2 * padding)×\(inputWidth + 2 * padding)"
        }
        return nil
    }

    // Rows of the im2col matrix (Cin·kh·kw) and its columns (Ho·Wo).
    var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    var outputPixels: Int { outputHeight * outputWidth }
    var inputPixels: Int { inputHeight * inputWidth }
    /// A 1×1, stride-1, unpadded convolution: the input already is its own im2col matrix.
    var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }
}
