/// One stage of a `SpikingNetwork`: what it does to the events it receives each time step.
///
/// A stage either owns neurons (a synapse followed by an integrate-and-fire population, or the
/// output accumulator), or transforms events without state (pooling, flatten). A residual block owns
/// two populations: `neurons1` after `conv1`, and `neurons2` after the sum of `conv2` and the shortcut.
public enum SpikingLayer: Sendable {
    /// Synapses into a population of IF neurons; `neurons == nil` marks the output layer, whose
    /// membranes only accumulate Σ_t W·x^t (no threshold, no reset). `inputDropout` is the probability
    /// with which each input is dropped during training (one mask per sample, fixed over all steps).
    case synaptic(Synapse, neurons: NeuronParameters?, inputDropout: Float)
    /// Average pooling of events: each output carries the window's mean value (fractional). The
    /// input is padded by `padding` silent neurons on every side, counted in the mean (PyTorch's
    /// `count_include_pad`).
    case averagePool(name: String, input: FeatureShape, kernel: Int, stride: Int, padding: Int = 0)
    /// Max pooling of events ("gating"): each output carries the window's maximum value (events are
    /// never negative, so silent padding and PyTorch's −∞ padding give the same maxima).
    case maxPool(name: String, input: FeatureShape, kernel: Int, stride: Int, padding: Int = 0)
    /// Flatten: a no-op on events (indices stay in height-width-channel order, and the following linear
    /// synapse's rows are laid out in that order); kept so the network mirrors its ANN.
    case flatten(name: String, input: FeatureShape)
    /// A residual basic block.
    case residual(ResidualBlock)

    /// The layer's name, as used in reports.
    public var name: String {
        switch self {
        case .synaptic(let s, _, _): return s.name
        case .averagePool(let n, _, _, _, _), .maxPool(let n, _, _, _, _), .flatten(let n, _): return n
        case .residual(let b): return b.name
        }
    }

    /// The shape of the events this stage receives.
    public var inputShape: FeatureShape {
        switch self {
        case .synaptic(let s, _, _): return s.inputShape
        case .averagePool(_, let i, _, _, _), .maxPool(_, let i, _, _, _), .flatten(_, let i): return i
        case .residual(let b): return b.conv1.inputShape
        }
    }

    /// The shape of the events (or, for the output layer, the potentials) it produces.
    public var outputShape: FeatureShape {
        switch self {
        case .synaptic(let s, _, _): return s.outputShape
        case .averagePool(_, let i, let k, let s, let p), .maxPool(_, let i, let k, let s, let p):
            return i.pooled(kernel: k, stride: s, padding: p)
        case .flatten(_, let i): return .flat(i.count)
        case .residual(let b): return b.conv2.outputShape
        }
    }
}

/// A residual basic block on spikes: `neurons1(conv1(x))` → `neurons2(conv2(·) + shortcut(x))`.
/// The shortcut is the identity or a 1×1 convolution when the shape changes. The current into
/// `neurons2` sums the `conv2` contributions first, then the shortcut's (a fixed order, so the
/// event-driven and dense simulators agree exactly).
public struct ResidualBlock: Sendable {
    public var name: String
    public var conv1: Synapse
    public var neurons1: NeuronParameters
    public var conv2: Synapse
    public var shortcut: Synapse
    public var neurons2: NeuronParameters

    public init(name: String, conv1: Synapse, neurons1: NeuronParameters, conv2: Synapse,
                shortcut: Synapse, neurons2: NeuronParameters) {
        precondition(conv1.outputShape == conv2.inputShape && conv2.outputShape == shortcut.outputShape
                     && conv1.inputShape == shortcut.inputShape,
                     "residual block '\(name)': shapes do not chain (\(conv1.inputShape)→\(conv1.outputShape), "
                     + "\(conv2.inputShape)→\(conv2.outputShape), shortcut \(shortcut.inputShape)→\(shortcut.outputShape))")
        self.name = name
        self.conv1 = conv1
        self.neurons1 = neurons1
        self.conv2 = conv2
        self.shortcut = shortcut
        self.neurons2 = neurons2
    }
}
