/// The weights that carry events from one group of neurons (or input pixels) to the membranes of
/// the next, laid out so that each event touches contiguous memory (DESIGN §3):
///
/// - `linear`: one row of `outputs` weights per input neuron, `weights[input · outputs + output]`;
/// - `convolution`: `weights[((c_in · kh + ky) · kw + kx) · c_out + c_out']`, so an event at input
///   channel `c_in` adds, for each kernel offset, one contiguous `c_out` vector to the membranes of one
///   target position; with G channel groups the row holds only the `c_out / G` outputs of `c_in`'s
///   group g (`c_out' = o − g · c_out / G`), which the event adds to channels [g·c_out/G, (g+1)·c_out/G)
///   of the target (depthwise: one weight per kernel offset);
/// - `identity`: the shortcut of a residual block whose shape does not change (input i → output i),
///   with weight 1, or with one weight per channel when a recipe rescales the shortcut
///   (`weights[c]`, `weights.count == channels`). It stays a one-to-one connection either way: one
///   synaptic operation per event, never a dense C×C matrix.
///
/// Inputs and outputs are indexed in height-width-channel order (see `FeatureShape`). The static
/// constructors take weights in PyTorch layout and permute them.
public struct Synapse: Sendable {
    /// How inputs connect to outputs.
    public enum Connectivity: Sendable, Equatable {
        case linear
        case convolution(ConvolutionGeometry)
        case identity
    }

    public var name: String
    public var connectivity: Connectivity
    public var inputShape: FeatureShape
    public var outputShape: FeatureShape
    /// Weights in the event-friendly layout described above (for `identity`: empty, or one scale per
    /// channel).
    public var weights: [Float]
    /// An optional constant current per output channel, added every step (a bias the ANN had).
    public var bias: [Float]?

    /// A fully connected synapse from PyTorch weights `[outputs][inputs]`, where the input index is the
    /// NCHW flattening `c · H · W + y · W + x` of `inputShape` (what `Flatten` produces in the ANN).
    public static func linear(name: String, inputShape: FeatureShape, outputs: Int,
                              pytorchWeights w: [Float], bias: [Float]? = nil) -> Synapse {
        let inputs = inputShape.count
        precondition(w.count == inputs * outputs,
                     "linear '\(name)': expected \(outputs)×\(inputs) weights, got \(w.count)")
        var rows = [Float](repeating: 0, count: inputs * outputs)
        let (h, wd, c) = (inputShape.height, inputShape.width, inputShape.channels)
        for ch in 0..<c {
            for y in 0..<h {
                for x in 0..<wd {
                    let nchw = (ch * h + y) * wd + x
                    let hwc = (y * wd + x) * c + ch
                    for o in 0..<outputs { rows[hwc * outputs + o] = w[o * inputs + nchw] }
                }
            }
        }
        return Synapse(name: name, connectivity: .linear, inputShape: inputShape,
                       outputShape: .flat(outputs), weights: rows, bias: bias)
    }

    /// A convolution from PyTorch weights `[c_out][c_in][kh][kw]`.
    public static func convolution(name: String, geometry g: ConvolutionGeometry,
                                   pytorchWeights w: [Float], bias: [Float]? = nil) -> Synapse {
        let (co, ci, kh, kw) = (g.outChannels, g.inChannelsPerGroup, g.kernelHeight, g.kernelWidth)
        precondition(w.count == co * ci * kh * kw,
                     "convolution '\(name)': expected \(co)×\(ci)×\(kh)×\(kw) weights, got \(w.count)")
        var packed = [Float](repeating: 0, count: w.count)
        for o in 0..<co {
            let (group, local) = o.quotientAndRemainder(dividingBy: g.outChannelsPerGroup)
            for i in 0..<ci {
                for y in 0..<kh {
                    for x in 0..<kw {
                        packed[Synapse.convolutionRow(inputChannel: group * ci + i, ky: y, kx: x, g) + local]
                            = w[((o * ci + i) * kh + y) * kw + x]
                    }
                }
            }
        }
        return Synapse(name: name, connectivity: .convolution(g),
                       inputShape: FeatureShape(height: g.inputHeight, width: g.inputWidth, channels: g.inChannels),
                       outputShape: FeatureShape(height: g.outputHeight, width: g.outputWidth, channels: co),
                       weights: packed, bias: bias)
    }

    /// The identity shortcut of a residual block; `channelScale` (one value per channel) makes it a
    /// per-channel scale, input i → output i with weight `channelScale[i mod channels]`.
    public static func identity(name: String, shape: FeatureShape, channelScale: [Float]? = nil) -> Synapse {
        precondition(channelScale == nil || channelScale?.count == shape.channels,
                     "identity '\(name)': expected \(shape.channels) channel scales, got \(channelScale?.count ?? 0)")
        return Synapse(name: name, connectivity: .identity, inputShape: shape, outputShape: shape,
                       weights: channelScale ?? [], bias: nil)
    }

    /// The weight of an identity synapse's channel `c` (1 unless it was rescaled).
    @inline(__always)
    func identityWeight(channel c: Int) -> Float { weights.isEmpty ? 1 : weights[c] }

    /// Whether training may change the weights: an identity shortcut (unit or per-channel scale) is a
    /// fixed routing, not a learned layer.
    public var hasTrainableWeights: Bool { connectivity != .identity && !weights.isEmpty }

    /// The weights back in PyTorch layout (`[out][in]` with NCHW-flattened inputs, or `[c_out][c_in][kh][kw]`;
    /// an identity's per-channel scales as they are).
    public func pytorchWeights() -> [Float] {
        switch connectivity {
        case .identity:
            return weights
        case .linear:
            let inputs = inputShape.count, outputs = outputShape.count
            var w = [Float](repeating: 0, count: weights.count)
            let (h, wd, c) = (inputShape.height, inputShape.width, inputShape.channels)
            for ch in 0..<c { for y in 0..<h { for x in 0..<wd {
                let nchw = (ch * h + y) * wd + x, hwc = (y * wd + x) * c + ch
                for o in 0..<outputs { w[o * inputs + nchw] = weights[hwc * outputs + o] }
            } } }
            return w
        case .convolution(let g):
            let (co, ci, kh, kw) = (g.outChannels, g.inChannelsPerGroup, g.kernelHeight, g.kernelWidth)
            var w = [Float](repeating: 0, count: weights.count)
            for o in 0..<co {
                let (group, local) = o.quotientAndRemainder(dividingBy: g.outChannelsPerGroup)
                for i in 0..<ci { for y in 0..<kh { for x in 0..<kw {
                    w[((o * ci + i) * kh + y) * kw + x]
                        = weights[Synapse.convolutionRow(inputChannel: group * ci + i, ky: y, kx: x, g) + local]
                } } }
            }
            return w
        }
    }

    /// Where the packed weights of input channel `c` at kernel offset (ky, kx) begin: a row of the
    /// `c_out / G` weights to the outputs of `c`'s group.
    @inline(__always)
    static func convolutionRow(inputChannel c: Int, ky: Int, kx: Int, _ g: ConvolutionGeometry) -> Int {
        ((c * g.kernelHeight + ky) * g.kernelWidth + kx) * g.outChannelsPerGroup
    }

    /// Calls `body(target, weight)` for every output (HWC index into `outputShape`) that HWC input
    /// `input` reaches, with the weight between them: the one place that knows each connectivity's
    /// targets (hardware mapping, routing and export read them here).
    public func forEachTarget(ofInput input: Int, _ body: (_ target: Int, _ weight: Float) -> Void) {
        switch connectivity {
        case .identity:
            body(input, identityWeight(channel: input % inputShape.channels))
        case .linear:
            let outputs = outputShape.count
            for o in 0..<outputs { body(o, weights[input * outputs + o]) }
        case .convolution(let g):
            let (position, c) = input.quotientAndRemainder(dividingBy: inputShape.channels)
            let (y, x) = position.quotientAndRemainder(dividingBy: inputShape.width)
            // An input reaches the output channels of its group only.
            let width = g.outChannelsPerGroup, first = g.group(ofInputChannel: c) * width
            for ky in 0..<g.kernelHeight {
                let sy = y + g.padding - ky
                guard sy >= 0, sy % g.stride == 0, sy / g.stride < g.outputHeight else { continue }
                for kx in 0..<g.kernelWidth {
                    let sx = x + g.padding - kx
                    guard sx >= 0, sx % g.stride == 0, sx / g.stride < g.outputWidth else { continue }
                    let base = ((sy / g.stride) * g.outputWidth + sx / g.stride) * g.outChannels + first
                    let row = Synapse.convolutionRow(inputChannel: c, ky: ky, kx: kx, g)
                    for o in 0..<width { body(base + o, weights[row + o]) }
                }
            }
        }
    }

    /// The number of synaptic operations one event at HWC input index `input` causes (its fan-out).
    public func fanOut(ofInput input: Int) -> Int {
        switch connectivity {
        case .identity: return 1
        case .linear: return outputShape.count
        case .convolution(let g):
            let position = input / inputShape.channels
            let (y, x) = (position / inputShape.width, position % inputShape.width)
            return Synapse.validOffsets(coordinate: y, kernel: g.kernelHeight, stride: g.stride,
                                        padding: g.padding, outputExtent: g.outputHeight)
                * Synapse.validOffsets(coordinate: x, kernel: g.kernelWidth, stride: g.stride,
                                       padding: g.padding, outputExtent: g.outputWidth)
                * g.outChannelsPerGroup
        }
    }

    /// How many kernel offsets `k` map input coordinate `coordinate` onto a valid output coordinate
    /// `o = (coordinate + padding − k) / stride` (exact division, `0 ≤ o < outputExtent`).
    static func validOffsets(coordinate: Int, kernel: Int, stride: Int, padding: Int, outputExtent: Int) -> Int {
        var n = 0
        for k in 0..<kernel {
            let shifted = coordinate + padding - k
            if shifted >= 0 && shifted % stride == 0 && shifted / stride < outputExtent { n += 1 }
        }
        return n
    }

    /// The multiply-accumulates the equivalent ANN layer performs per image (DESIGN §6):
    /// k²·H_out·W_out·(C_in/G)·C_out for a convolution, n_in·n_out for a linear layer, 0 for identity.
    public var annMACsPerImage: Int {
        switch connectivity {
        case .identity: return 0
        case .linear: return inputShape.count * outputShape.count
        case .convolution(let g):
            return g.multiplyAccumulates
        }
    }
}
