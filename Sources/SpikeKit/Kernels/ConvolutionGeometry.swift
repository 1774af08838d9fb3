/// The sizes of one 2-D convolution: channels, channel groups, input extent, kernel, stride and zero
/// padding.
///
/// Output extent follows the usual floor rule, `(input + 2·padding − kernel) / stride + 1`, the same
/// as PyTorch's `Conv2d`, so imported weights and shapes line up. Padding is symmetric and zero.
///
/// With `groups` = G (PyTorch's `Conv2d(groups=)`), the channels split into G equal blocks and output
/// block g sees only input block g: output channel o reads input channels
/// [g·Cin/G, (g+1)·Cin/G) with g = ⌊o / (Cout/G)⌋, and the weight is `[Cout, Cin/G, kh, kw]`.
/// G = Cin = Cout is a depthwise convolution. A grouped convolution is G ungrouped ones of
/// `perGroup`'s sizes side by side.
public struct ConvolutionGeometry: Sendable, Equatable, Codable {
    public var inChannels: Int
    public var outChannels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var stride: Int
    public var padding: Int
    /// Channel groups (1: every output channel sees every input channel).
    public var groups: Int

    public init(inChannels: Int, outChannels: Int, inputHeight: Int, inputWidth: Int,
                kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1) {
        self.groups = groups
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
    /// The weight shape, `[outChannels, inChannels / groups, kernelHeight, kernelWidth]` (PyTorch's layout).
    public var weightShape: [Int] { [outChannels, inChannelsPerGroup, kernelHeight, kernelWidth] }

    /// Input channels each output channel sees, Cin / G.
    public var inChannelsPerGroup: Int { inChannels / max(1, groups) }
    /// Output channels of one group, Cout / G.
    public var outChannelsPerGroup: Int { outChannels / max(1, groups) }
    /// The group of input channel `c`.
    @inline(__always)
    public func group(ofInputChannel c: Int) -> Int { c / inChannelsPerGroup }

    /// The sizes of one group alone: an ungrouped convolution from Cin/G to Cout/G channels.
    public var perGroup: ConvolutionGeometry {
        ConvolutionGeometry(inChannels: inChannelsPerGroup, outChannels: outChannelsPerGroup, inputHeight: inputHeight,
                            inputWidth: inputWidth, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                            stride: stride, padding: padding)
    }

    /// Multiply-accumulates of one forward pass for one image: kh·kw·(Cin/G)·Cout·Ho·Wo.
    public var multiplyAccumulates: Int {
        kernelHeight * kernelWidth * inChannelsPerGroup * outChannels * outputHeight * outputWidth
    }

    /// Why these sizes cannot describe a convolution, or nil if they can.
    public var problem: String? {
        if inChannels < 1 || outChannels < 1 { return "channels must be at least 1 (in \(inChannels), out \(outChannels))" }
        if inputHeight < 1 || inputWidth < 1 { return "input must be at least 1×1, got \(inputHeight)×\(inputWidth)" }
        if kernelHeight < 1 || kernelWidth < 1 { return "kernel must be at least 1×1, got \(kernelHeight)×\(kernelWidth)" }
        if stride < 1 { return "stride must be at least 1, got \(stride)" }
        if padding < 0 { return "padding must not be negative, got \(padding)" }
        if groups < 1 || inChannels % groups != 0 || outChannels % groups != 0 {
            return "groups must be at least 1 and divide both channel counts (in \(inChannels), out \(outChannels), groups \(groups))"
        }
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

    private enum CodingKeys: String, CodingKey {
        case inChannels, outChannels, inputHeight, inputWidth, kernelHeight, kernelWidth, stride, padding, groups
    }

    // `groups` is written only when it is not 1, so files of ungrouped convolutions read and write as
    // they did before grouped ones existed.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(inChannels: try c.decode(Int.self, forKey: .inChannels), outChannels: try c.decode(Int.self, forKey: .outChannels),
                  inputHeight: try c.decode(Int.self, forKey: .inputHeight), inputWidth: try c.decode(Int.self, forKey: .inputWidth),
                  kernelHeight: try c.decode(Int.self, forKey: .kernelHeight), kernelWidth: try c.decode(Int.self, forKey: .kernelWidth),
                  stride: try c.decode(Int.self, forKey: .stride), padding: try c.decode(Int.self, forKey: .padding),
                  groups: try c.decodeIfPresent(Int.self, forKey: .groups) ?? 1)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inChannels, forKey: .inChannels); try c.encode(outChannels, forKey: .outChannels)
        try c.encode(inputHeight, forKey: .inputHeight); try c.encode(inputWidth, forKey: .inputWidth)
        try c.encode(kernelHeight, forKey: .kernelHeight); try c.encode(kernelWidth, forKey: .kernelWidth)
        try c.encode(stride, forKey: .stride); try c.encode(padding, forKey: .padding)
        if groups != 1 { try c.encode(groups, forKey: .groups) }
    }
}
