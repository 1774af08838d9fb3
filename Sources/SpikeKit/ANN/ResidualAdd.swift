/// A residual connection written as layers (`model.layers`' `add`): the branch `main` (the layers
/// after the add's `from` layer), the `shortcut` (none: the identity; else for example a 1×1
/// convolution and a batch-norm), and the activation after the sum (He et al., 2016):
///
///     y = activation( main(x) + shortcut(x) )
///
/// Its sublayers keep their own names, so a PyTorch ResNet's tensors (`layer1.0.conv1.weight`,
/// `layer1.0.downsample.0.weight`, …) load by name. Conversion needs the basic-block form
/// (`basicBlockParts`); the ANN trains any branch.
public final class ResidualAdd: Layer {
    public let name: String
    public let main: [any Layer]
    public let shortcut: [any Layer]
    public let activation: any Layer

    public init(name: String, main: [any Layer], shortcut: [any Layer], activation: any Layer) {
        precondition(!main.isEmpty, "ResidualAdd \(name): the branch has no layers")
        self.name = name
        self.main = main
        self.shortcut = shortcut
        self.activation = activation
    }

    public var sublayers: [any Layer] { main + shortcut + [activation] }
    public var parameters: [Parameter] { sublayers.flatMap(\.parameters) }
    public var buffers: [Parameter] { sublayers.flatMap(\.buffers) }

    public func outputShape(forInput shape: [Int]) -> [Int] {
        main.reduce(shape) { $1.outputShape(forInput: $0) }
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> Tensor {
        // Each sublayer draws its random numbers (dropout) from a stream of its own.
        let index = context.layerIndex
        defer { context.layerIndex = index }
        func run(_ layers: [any Layer], _ input: Tensor, first: Int) -> Tensor {
            var y = input
            for (k, layer) in layers.enumerated() {
                context.layerIndex = index &* 1024 &+ first &+ k &+ 1
                y = layer.forward(y, context: &context)
            }
            return y
        }
        let sum = run(main, x, first: 0) + run(shortcut, x, first: main.count)
        context.layerIndex = index &* 1024 &+ main.count &+ shortcut.count &+ 1
        return activation.forward(sum, context: &context)
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        let gradientSum = activation.backward(gradientOutput)
        var gradientInput = main.reversed().reduce(gradientSum) { $1.backward($0) }
        gradientInput += shortcut.reversed().reduce(gradientSum) { $1.backward($0) }
        return gradientInput
    }

    /// The layers of a basic block, conv → [batch-norm] → activation → conv → [batch-norm] with an
    /// identity or conv → [batch-norm] shortcut: the form a spiking residual block has. Nil otherwise.
    public var basicBlockParts: (conv1: Conv2D, norm1: BatchNorm2D?, activation1: any Layer, conv2: Conv2D,
                                 norm2: BatchNorm2D?, projection: Conv2D?, projectionNorm: BatchNorm2D?)? {
        var rest = main[...]
        func take<T>(_ type: T.Type) -> T? {
            guard let first = rest.first as? T else { return nil }
            rest = rest.dropFirst()
            return first
        }
        guard let conv1 = take(Conv2D.self) else { return nil }
        let norm1 = take(BatchNorm2D.self)
        guard let activation1 = rest.first, activation1 is ReLU || activation1 is ClippedReLU else { return nil }
        rest = rest.dropFirst()
        guard let conv2 = take(Conv2D.self) else { return nil }
        let norm2 = take(BatchNorm2D.self)
        guard rest.isEmpty else { return nil }
        rest = shortcut[...]
        let projection = take(Conv2D.self)
        let projectionNorm = projection == nil ? nil : take(BatchNorm2D.self)
        guard rest.isEmpty else { return nil }
        return (conv1, norm1, activation1, conv2, norm2, projection, projectionNorm)
    }
}
