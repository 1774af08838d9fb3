/// Inverted dropout: in training, each value is zeroed with probability `p` and the survivors are
/// scaled by 1/(1 − p), so inference is the identity.
///
/// Each sample's mask comes from its own random stream, keyed by the batch seed, the layer's index
/// and the sample's position in the batch (`ActivationKernels.dropoutMask`), so masks are the same
/// for any thread count and are reproduced exactly when a run resumes.
public final class Dropout: Layer {
    public let name: String
    /// The drop probability, in [0, 1). Settable, so a training config can override the architecture's.
    public var p: Float {
        didSet { precondition(p >= 0 && p < 1, "Dropout \(name): p must be in [0, 1), got \(p)") }
    }
    private var cachedMask: [Float]?

    /// The purpose key of dropout's random streams.
    static let streamKey: UInt64 = 0xD0_0D

    public init(name: String, p: Float) {
        precondition(p >= 0 && p < 1, "Dropout \(name): p must be in [0, 1), got \(p)")
        self.name = name
        self.p = p
    }

    public func outputShape(forInput shape: [Int]) -> [Int] { shape }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        guard context.training && p > 0 else {
            cachedMask = nil
            return x
        }
        let samples = x.shape.first ?? 0
        let features = samples == 0 ? 0 : x.count / samples
        let mask = ActivationKernels.dropoutMask(samples: samples, features: features, p: p, seed: context.seed,
                                                 streamKey: Dropout.streamKey, layer: context.layerIndex,
                                                 firstSample: context.sampleOffset)
        cachedMask = mask
        return x * Tensor(shape: x.shape, scalars: mask)
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let mask = cachedMask else { return gradientOutput }
        cachedMask = nil
        return gradientOutput * Tensor(shape: gradientOutput.shape, scalars: mask)
    }
}
