/// One layer of an artificial neural network, trained by backpropagation.
///
/// A layer maps a batch (`[batch, ...]`, NCHW for images) to a batch. `forward` with
/// `context.training == true` keeps what `backward` needs (its input, a dropout mask, pooling
/// positions); `backward` then turns dL/d(output) into dL/d(input) and **adds** dL/d(parameter) into
/// each parameter's `gradient`, so gradients of several batches or branches accumulate until the
/// optimizer zeroes them. A layer is used by one thread at a time (its kernels are parallel inside).
public protocol Layer: AnyObject {
    /// A unique name within the network, such as `conv2` or `block3.conv1`; parameter names start with it.
    var name: String { get }
    /// The layer's output for a batch `x`.
    func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor
    /// dL/d(input) from dL/d(output), for the batch of the last training-mode `forward`.
    func backward(_ gradientOutput: Tensor) -> Tensor
    /// The trainable tensors, in a fixed order.
    var parameters: [Parameter] { get }
    /// Non-trainable state saved with the network (batch-norm running statistics).
    var buffers: [Parameter] { get }
    /// Layers this layer is made of (a residual block's convolutions), for conversion and import.
    var sublayers: [any Layer] { get }
    /// The output shape of one sample (without the batch dimension) for an input sample of `shape`.
    func outputShape(forInput shape: [Int]) -> [Int]
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [Parameter] { [] }
    public var sublayers: [any Layer] { [] }
}

/// What a forward pass needs to know besides its input.
///
/// `training` switches dropout and batch statistics on and makes layers keep their backward caches.
/// `seed` is the seed of this batch (the trainer derives one per step); a layer that draws random
/// numbers takes them from `SeededGenerator(seed:stream:)` keyed by `layerIndex` and the sample's
/// position in the batch, so the result never depends on how samples are spread over threads.
public struct ForwardContext: Sendable {
    public var training: Bool
    public var seed: UInt64
    /// The index of the top-level layer being run (set by `Network`).
    public var layerIndex: Int
    /// The position in the whole batch of this forward pass's first sample: a chunk of a batch
    /// (`ChunkedBatchGradient`) draws the dropout masks its samples get in the whole batch.
    public var sampleOffset: Int

    public init(training: Bool, seed: UInt64 = 0, layerIndex: Int = 0, sampleOffset: Int = 0) {
        self.training = training
        self.seed = seed
        self.layerIndex = layerIndex
        self.sampleOffset = sampleOffset
    }
}

/// A trainable tensor and the gradient accumulated for it.
///
/// `name` is the tensor's name in checkpoints (`conv1.weight`, `block2.shortcut.weight`,
/// `clip3.mu`). `gradient` always has `value`'s shape; layers add into it, the trainer zeroes it.
public final class Parameter {
    public let name: String
    /// The current value. Replace it only with a tensor of the same shape (`assign` checks).
    public var value: Tensor
    public var gradient: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.gradient = Tensor(shape: value.shape)
    }

    /// The number of values.
    public var count: Int { value.count }

    /// Replaces the value with `newValue`, which must have the same shape.
    public func assign(_ newValue: Tensor) {
        precondition(newValue.shape == value.shape,
                     "parameter \(name): cannot assign shape \(newValue.shape) to \(value.shape)")
        value = newValue
    }

    /// Sets the gradient to zero, keeping its storage.
    public func zeroGradient() {
        TrainingKernels.fill(&gradient.scalars, with: 0)
    }
}

/// Layers whose input gradient can be skipped when nothing before them needs it (the first weight
/// layer of a network), which saves one of its three products.
protocol InputGradientSkippable: Layer {
    var computesInputGradient: Bool { get set }
}
