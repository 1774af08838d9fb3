// Placeholder until Kernels/Convolution.swift lands; identical declaration.
public struct ConvolutionGeometry: Sendable, Equatable, Codable {
    public var inChannels: Int
    public var outChannels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var stride: Int
    public var padding: Int
    public var outputHeight: Int { (inputHeight + 2 * padding - kernelHeight) / stride + 1 }
    public var outputWidth: Int { (inputWidth + 2 * padding - kernelWidth) / stride + 1 }
    public init(inChannels: Int, outChannels: Int, inputHeight: Int, inputWidth: Int,
                kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0) {
        self.inChannels = inChannels; self.outChannels = outChannels
        self.inputHeight = inputHeight; self.inputWidth = inputWidth
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.stride = stride; self.padding = padding
    }
}
