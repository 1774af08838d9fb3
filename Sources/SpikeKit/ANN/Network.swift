/// A feed-forward network built from an `ArchitectureSpec`: its layers, in order, and the shapes
/// they produce.
///
/// `forward` runs a whole batch through every layer (each layer's kernels are parallel inside);
/// `backward` runs the loss gradient back and leaves each parameter's gradient accumulated in
/// `Parameter.gradient`. The network owns its layers' state (weights and backward caches), so one
/// network is used by one thread at a time.
public final class Network {
    /// The shape of one input sample, `[channels, height, width]`.
    public let inputShape: [Int]
    public let layers: [any Layer]
    /// The spec the network was built from (saved in checkpoints).
    public let architecture: ArchitectureSpec
    /// Each layer's output shape for one sample.
    public let outputShapes: [[Int]]
    /// The index of the first layer with parameters: backward stops there.
    private let firstTrainableLayer: Int

    /// Builds the layers of `spec` for inputs of `inputShape` and initialises their weights from
    /// `seed` (see `NetworkBuilder`). Throws `SpikeKitError.model` naming the layer that does not fit.
    public convenience init(spec: ArchitectureSpec, inputShape: [Int], seed: UInt64) throws {
        try self.init(spec: spec, inputShape: inputShape, seed: seed, initialize: true)
    }

    /// `initialize: false` leaves every weight at zero (for shape checks and for loading a
    /// checkpoint, which replaces the weights anyway).
    init(spec: ArchitectureSpec, inputShape: [Int], seed: UInt64, initialize: Bool) throws {
        let built = try NetworkBuilder.build(spec, inputShape: inputShape, seed: seed, initialize: initialize)
        self.inputShape = inputShape
        self.architecture = spec
        self.layers = built.layers
        self.outputShapes = built.outputShapes
        firstTrainableLayer = built.layers.firstIndex { !$0.parameters.isEmpty } ?? built.layers.count
        // Nothing before the first trainable layer needs a gradient, so its input gradient is skipped.
        if firstTrainableLayer < layers.count, let skippable = layers[firstTrainableLayer] as? any InputGradientSkippable {
            skippable.computesInputGradient = false
        }
    }

    /// The shape of one output sample (`[classes]` for a classifier).
    public var outputShape: [Int] { outputShapes.last ?? inputShape }

    /// Every trainable parameter, in layer order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Every non-trainable saved tensor (batch-norm running statistics), in layer order.
    public var buffers: [Parameter] { layers.flatMap(\.buffers) }

    /// The number of trainable values.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// The convolution and linear layers, in order, including those inside residual blocks.
    public var weightLayers: [any Layer] { layers.flatMap(WeightLayers.flatten).map(\.layer) }

    /// The dropout layers, in order.
    public var dropoutLayers: [Dropout] { layers.compactMap { $0 as? Dropout } }

    /// Sets every parameter's gradient to zero.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// The output for a batch `x` of shape `[batch] + inputShape`. In training mode layers keep what
    /// `backward` needs, dropout is active and draws its masks from `seed`; `sampleOffset` is the
    /// position of `x`'s first sample in the batch it is a chunk of (it keys the dropout masks).
    public func forward(_ x: Tensor, training: Bool, seed: UInt64 = 0, sampleOffset: Int = 0) -> Tensor {
        checkInput(x)
        var context = ForwardContext(training: training, seed: seed, sampleOffset: sampleOffset)
        var y = x
        for (index, layer) in layers.enumerated() {
            context.layerIndex = index
            y = layer.forward(y, context: &context)
        }
        return y
    }

    /// Backpropagates dL/d(output) through the layers of the last training-mode `forward`, adding
    /// every parameter's gradient into `Parameter.gradient`.
    public func backward(lossGradient: Tensor) {
        var gradient = lossGradient
        for layer in layers[firstTrainableLayer...].reversed() {
            gradient = layer.backward(gradient)
        }
    }

    /// Every layer's output for a batch `x`, in inference mode: element i is layer i's output.
    public func forwardRecording(_ x: Tensor) -> [Tensor] {
        checkInput(x)
        var context = ForwardContext(training: false)
        var outputs: [Tensor] = []
        outputs.reserveCapacity(layers.count)
        var y = x
        for (index, layer) in layers.enumerated() {
            context.layerIndex = index
            y = layer.forward(y, context: &context)
            outputs.append(y)
        }
        return outputs
    }

    private func checkInput(_ x: Tensor) {
        precondition(x.rank == inputShape.count + 1 && Array(x.shape.dropFirst()) == inputShape,
                     "Network \(architecture.name): input shape \(x.shape) does not match [batch] + \(inputShape)")
    }
}
