/// The neuron nonlinearity of a network's hidden layers: ReLU, or the clipped ReLU
/// min(max(x, 0), μ) with a trainable clip μ starting at `initialClip` (for low-latency conversion).
public enum ActivationSpec: Equatable, Sendable {
    case relu
    case clippedRelu(initialClip: Float)

    /// A layer computing this activation.
    public func makeLayer(name: String) -> any Layer {
        switch self {
        case .relu: return ReLU(name: name)
        case .clippedRelu(let clip): return ClippedReLU(name: name, initialClip: clip)
        }
    }

    /// The layer spec of this activation.
    public var layerSpec: LayerSpec {
        switch self {
        case .relu: return .relu
        case .clippedRelu(let clip): return .clippedRelu(initialClip: clip)
        }
    }

    /// The prefix of layer names: `relu` or `clip`.
    var layerPrefix: String {
        switch self {
        case .relu: return "relu"
        case .clippedRelu: return "clip"
        }
    }
}
