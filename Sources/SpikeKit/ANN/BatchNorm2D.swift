/// Batch normalisation over the channels of an NCHW batch, or the features of an `[N, C]` batch
/// (Ioffe & Szegedy, 2015), as PyTorch's `BatchNorm2d` and `BatchNorm1d` (ε = 1e-5, momentum 0.1):
///
///     y = γ · (x − μ) / √(σ² + ε) + β
///
/// In training, μ and σ² are the batch's per-channel mean and biased variance, and the running
/// statistics move towards them (the running variance with the unbiased estimate n/(n−1)·σ²); at
/// inference the running statistics are used. γ (`<name>.weight`) and β (`<name>.bias`) are trained;
/// the running statistics are buffers, saved with the network. For conversion, `foldInto(conv:)` and
/// `foldInto(linear:)` turn the layer and the weight layer before it into one with a bias. A flat
/// batch is the NCHW case with 1×1 planes.
public final class BatchNorm2D: Layer {
    public let name: String
    public let channels: Int
    public let epsilon: Float
    public let momentum: Float
    public let scale: Parameter
    public let shift: Parameter
    public let runningMean: Parameter
    public let runningVariance: Parameter

    private struct Cache {
        var normalized: [Float]   // x̂ = (x − μ)/σ
        var inverseStd: [Float]   // 1/σ = 1/√(σ² + ε) per channel
        var batch: Int
        var plane: Int
    }
    private var cache: Cache?

    public init(name: String, channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        precondition(channels > 0, "BatchNorm2D \(name): needs at least one channel")
        self.name = name
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
        scale = Parameter(name: "\(name).weight", value: Tensor(shape: [channels], repeating: 1))
        shift = Parameter(name: "\(name).bias", value: Tensor(shape: [channels]))
        runningMean = Parameter(name: "\(name).running_mean", value: Tensor(shape: [channels]))
        runningVariance = Parameter(name: "\(name).running_var", value: Tensor(shape: [channels], repeating: 1))
    }

    public var parameters: [Parameter] { [scale, shift] }
    public var buffers: [Parameter] { [runningMean, runningVariance] }

    public func outputShape(forInput shape: [Int]) -> [Int] {
        precondition((shape.count == 3 || shape.count == 1) && shape[0] == channels,
                     "BatchNorm2D \(name): expects [\(channels), H, W] or [\(channels)] samples, got \(shape)")
        return shape
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        precondition((x.rank == 4 || x.rank == 2) && x.shape[1] == channels,
                     "BatchNorm2D \(name): expects [N, \(channels), H, W] or [N, \(channels)], got \(x.shape)")
        let batch = x.shape[0], plane = x.rank == 4 ? x.shape[2] * x.shape[3] : 1
        let gamma = scale.value.scalars, beta = shift.value.scalars
        let mean: [Float], variance: [Float]
        if context.training {
            (mean, variance) = ChannelKernels.meanAndVariance(x.scalars, batch: batch, channels: channels, plane: plane)
            let n = Float(batch * plane)
            let correction = n > 1 ? n / (n - 1) : 1
            for c in 0..<channels {
                runningMean.value.scalars[c] = (1 - momentum) * runningMean.value.scalars[c] + momentum * mean[c]
                runningVariance.value.scalars[c] = (1 - momentum) * runningVariance.value.scalars[c]
                    + momentum * variance[c] * correction
            }
        } else {
            mean = runningMean.value.scalars
            variance = runningVariance.value.scalars
        }
        let inverseStd = variance.map { 1 / ($0 + epsilon).squareRoot() }
        // y = a·x + b with a = γ/σ and b = β − γ·μ/σ, per channel.
        let a = (0..<channels).map { gamma[$0] * inverseStd[$0] }
        let b = (0..<channels).map { beta[$0] - a[$0] * mean[$0] }
        let y = ChannelKernels.affine(x.scalars, scale: a, shift: b, batch: batch, channels: channels, plane: plane)
        if context.training {
            let normalized = ChannelKernels.affine(x.scalars, scale: inverseStd,
                                                   shift: (0..<channels).map { -mean[$0] * inverseStd[$0] },
                                                   batch: batch, channels: channels, plane: plane)
            cache = Cache(normalized: normalized, inverseStd: inverseStd, batch: batch, plane: plane)
        }
        return Tensor(shape: x.shape, scalars: y)
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let cache else { preconditionFailure("BatchNorm2D \(name): backward without a training-mode forward") }
        self.cache = nil
        let (batch, plane) = (cache.batch, cache.plane)
        precondition(gradientOutput.count == batch * channels * plane,
                     "BatchNorm2D \(name): gradient shape \(gradientOutput.shape) does not match the forward batch")
        let g = gradientOutput.scalars
        let sumG = ChannelKernels.sums(g, batch: batch, channels: channels, plane: plane)
        let sumGX = ChannelKernels.dotSums(g, cache.normalized, batch: batch, channels: channels, plane: plane)
        scale.gradient += Tensor(shape: [channels], scalars: sumGX)
        shift.gradient += Tensor(shape: [channels], scalars: sumG)
        // dx = γ/σ · (g − mean(g) − x̂ · mean(g·x̂)), per channel: p·g + q·x̂ + r.
        let n = Float(batch * plane)
        let gamma = scale.value.scalars
        let p = (0..<channels).map { gamma[$0] * cache.inverseStd[$0] }
        let q = (0..<channels).map { -p[$0] * sumGX[$0] / n }
        let r = (0..<channels).map { -p[$0] * sumG[$0] / n }
        let dx = ChannelKernels.affine(g, scale: p, shift: r, extra: cache.normalized, extraScale: q,
                                       batch: batch, channels: channels, plane: plane)
        return Tensor(shape: gradientOutput.shape, scalars: dx)
    }

    /// The weight and bias of one convolution equivalent to `conv` followed by this layer at inference:
    /// W′[o] = W[o]·γ_o/σ_o and b′_o = β_o + γ_o·(b_o − μ_o)/σ_o, with σ_o = √(running var + ε).
    public func foldInto(conv: Conv2D) -> (weight: Tensor, bias: Tensor) {
        precondition(conv.outChannels == channels,
                     "BatchNorm2D \(name): cannot fold into \(conv.name) with \(conv.outChannels) channels, expected \(channels)")
        return fold(weight: conv.weight.value, bias: conv.bias?.value)
    }

    /// The same for a linear layer before it (PyTorch's `Linear` → `BatchNorm1d`).
    public func foldInto(linear: Linear) -> (weight: Tensor, bias: Tensor) {
        precondition(linear.outputs == channels,
                     "BatchNorm2D \(name): cannot fold into \(linear.name) with \(linear.outputs) outputs, expected \(channels)")
        return fold(weight: linear.weight.value, bias: linear.bias?.value)
    }

    /// W′[o] = W[o]·γ_o/σ_o, b′_o = β_o + γ_o·(b_o − μ_o)/σ_o for a weight whose leading index is the output.
    private func fold(weight original: Tensor, bias originalBias: Tensor?) -> (weight: Tensor, bias: Tensor) {
        let perChannel = original.count / channels
        var weight = original
        var bias = [Float](repeating: 0, count: channels)
        for o in 0..<channels {
            let factor = scale.value.scalars[o] / (runningVariance.value.scalars[o] + epsilon).squareRoot()
            for i in (o * perChannel)..<((o + 1) * perChannel) { weight.scalars[i] *= factor }
            let convBias = originalBias?.scalars[o] ?? 0
            bias[o] = shift.value.scalars[o] + factor * (convBias - runningMean.value.scalars[o])
        }
        return (weight, Tensor(shape: [channels], scalars: bias))
    }
}
