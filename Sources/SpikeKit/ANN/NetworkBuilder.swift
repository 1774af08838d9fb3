/// Turns an `ArchitectureSpec` into layers for a given input shape: infers every layer's input size,
/// checks that each layer fits the shape it receives, names the layers, and initialises them.
///
/// A layer's name is the spec's (`ArchitectureSpec.layerNames`) where given; otherwise names count
/// each kind from 1 in network order: `conv1`, `fc1` (linear), `pool1` (both poolings), `relu1`,
/// `clip1` (clipped ReLU), `dropout1`, `flatten1`, `block1` (residual), `bn1`.
///
/// Initialisation (He et al., 2015, "Delving deep into rectifiers"): every convolution and linear
/// weight is drawn from N(0, 2/fanIn), fanIn = inChannels·k² or inputs, from the stream
/// `SeededGenerator(seed:stream: layerIndex)` of its top-level layer (a residual block draws conv1,
/// conv2, then the shortcut from its one stream); biases start at 0, batch-norm scales at 1, clips at
/// their `initialClip`. The last weight layer of each residual branch is then scaled by 1/√(number of
/// residual blocks and adds) (see `scaleResidualBranch`).
enum NetworkBuilder {
    struct Built {
        var layers: [any Layer]
        /// Each layer's output shape for one sample.
        var outputShapes: [[Int]]
    }

    /// The most weights a network may have (2^31 floats, 8 GiB): an architecture asking for more is
    /// refused before anything is allocated.
    static let maximumWeights = 1 << 31

    static func build(_ spec: ArchitectureSpec, inputShape: [Int], seed: UInt64, initialize: Bool = true) throws -> Built {
        let weights = try weightCount(spec, inputShape: inputShape)
        guard weights <= maximumWeights else {
            throw SpikeKitError.model(layer: nil, reason: "architecture '\(spec.name)' on \(inputShape) inputs would need "
                                      + "\(weights == Int.max ? "more than 2^63" : String(weights)) weights, more than the \(maximumWeights) SpikeKit allows")
        }
        let shapes = try walk(spec, inputShape: inputShape) { _, _, _, _ in }
        let names = try layerNames(spec)
        var layers: [any Layer] = [], layerShapes: [[Int]] = []
        // How many top-level layers exist after each spec layer: where an add's branch begins.
        var countAfter: [Int] = []
        var pendingAdd: (name: String, main: [any Layer], shortcut: [any Layer])?
        let residualCount = spec.layers.filter {
            switch $0 {
            case .add, .residual: return true
            default: return false
            }
        }.count
        for (index, layerSpec) in spec.layers.enumerated() {
            let input = index == 0 ? inputShape : shapes[index - 1]
            var generator = SeededGenerator(seed: seed, stream: index)
            if case .add(let from, let shortcutSpecs, let shortcutNames) = layerSpec {
                // `walk` checked that `from` names an earlier layer outside any other branch.
                let source = names.firstIndex(of: from) ?? 0
                let start = countAfter[source]
                let main = Array(layers[start...])
                layers.removeSubrange(start...)
                layerShapes.removeSubrange(start...)
                var shape = shapes[source], shortcut: [any Layer] = []
                for (k, shortcutSpec) in shortcutSpecs.enumerated() {
                    let layer = makeLayer(shortcutSpec, name: shortcutName(names[index], k, shortcutNames), input: shape)
                    if initialize { NetworkBuilder.initialize(layer, using: &generator) }
                    shortcut.append(layer)
                    shape = layer.outputShape(forInput: shape)
                }
                pendingAdd = (names[index], main, shortcut)
                countAfter.append(layers.count)
                continue
            }
            let layer = makeLayer(layerSpec, name: names[index], input: input)
            if initialize { NetworkBuilder.initialize(layer, using: &generator) }
            if initialize, case .residual = layerSpec {
                // Its weight layers are conv1, conv2, then the shortcut: conv2 ends the branch.
                let weights = WeightLayers.flatten(layer)
                scaleResidualBranch(weights.count > 1 ? weights[1] : nil, units: residualCount)
            }
            if let add = pendingAdd {
                if initialize { scaleResidualBranch(add.main.flatMap { WeightLayers.flatten($0) }.last, units: residualCount) }
                // The activation after an add acts on the sum: it closes the residual layer.
                layers.append(ResidualAdd(name: add.name, main: add.main, shortcut: add.shortcut, activation: layer))
                pendingAdd = nil
            } else {
                layers.append(layer)
            }
            layerShapes.append(shapes[index])
            countAfter.append(layers.count)
        }
        return Built(layers: layers, outputShapes: layerShapes)
    }

    /// The name of an add's shortcut layer `k`: the spec's, or `<add>.shortcut.<k>`.
    static func shortcutName(_ addName: String, _ k: Int, _ names: [String?]) -> String {
        (k < names.count ? names[k] : nil) ?? "\(addName).shortcut.\(k)"
    }

    /// Each layer's output shape for one sample, without building the layers.
    static func outputShapes(_ spec: ArchitectureSpec, inputShape: [Int]) throws -> [[Int]] {
        try walk(spec, inputShape: inputShape) { _, _, _, _ in }
    }

    /// The number of convolution and linear weights (without biases and other parameters) of `spec`
    /// on `inputShape` inputs, computed without building anything; `Int.max` if it overflows.
    static func weightCount(_ spec: ArchitectureSpec, inputShape: [Int]) throws -> Int {
        var total = 0
        func add(_ factors: Int...) {
            var product = 1
            for factor in factors {
                let (next, overflow) = product.multipliedReportingOverflow(by: factor)
                product = overflow ? Int.max : next
            }
            let (sum, overflow) = total.addingReportingOverflow(product)
            total = overflow ? Int.max : sum
        }
        let names = try layerNames(spec)
        var inputs: [[Int]] = []
        _ = try walk(spec, inputShape: inputShape) { index, layer, _, input in
            inputs.append(input)
            switch layer {
            case .conv(let outChannels, let kernel, _, _, let groups, _): add(outChannels, input[0] / max(1, groups), kernel, kernel)
            case .add(let from, let shortcut, _):
                // The shortcut's convolutions read `from`'s output, the input of the layer after it.
                guard let source = names.firstIndex(of: from), source + 1 < inputs.count else { break }
                var channels = inputs[source + 1][0]
                for case .conv(let outChannels, let kernel, _, _, let groups, _) in shortcut {
                    add(outChannels, channels / max(1, groups), kernel, kernel)
                    channels = outChannels
                }
            case .linear(let outputs, _): add(outputs, input[0])
            case .residual(let outChannels, _, _):
                add(outChannels, input[0], 9)
                add(outChannels, outChannels, 9)
                add(outChannels, input[0])
            default: break
            }
        }
        return total
    }

    /// Checks the layers in order, calling `visit(index, spec, name, inputShape)` for each that fits.
    private static func walk(_ spec: ArchitectureSpec, inputShape: [Int],
                             _ visit: (Int, LayerSpec, String, [Int]) -> Void) throws -> [[Int]] {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw SpikeKitError.model(layer: nil, reason: "the input shape must be [channels, height, width] with positive sizes, got \(inputShape)")
        }
        guard !spec.layers.isEmpty else {
            throw SpikeKitError.model(layer: nil, reason: "architecture '\(spec.name)' has no layers")
        }
        let names = try layerNames(spec)
        var shapes: [[Int]] = []
        var shape = inputShape
        // The spec layers each add wraps, from its `from` layer (exclusive) to its activation.
        var branches: [ClosedRange<Int>] = []
        for (index, layerSpec) in spec.layers.enumerated() {
            let output: [Int]
            do {
                if case .add(let from, let shortcut, let shortcutNames) = layerSpec {
                    output = try addShape(spec, index: index, names: names, from: from, shortcut: shortcut,
                                          shortcutNames: shortcutNames, shapes: shapes, input: shape, branches: &branches)
                } else {
                    output = try outputShape(layerSpec, name: names[index], input: shape)
                }
            } catch SpikeKitError.model(let layer, let reason) {
                // Say where the misfitting shape comes from (the layer before, or the input), and the
                // shape itself where the reason does not already give it.
                let source = index == 0 ? "the input" : "layer '\(names[index - 1])'"
                let context = reason.contains("\(shape)") ? (index == 0 ? "" : " (from \(source))") : " (it receives \(shape) from \(source))"
                throw SpikeKitError.model(layer: layer, reason: reason + context)
            }
            visit(index, layerSpec, names[index], shape)
            shape = output
            shapes.append(shape)
        }
        return shapes
    }

    /// Checks an `add` at `index` and gives its output shape (its input's): `from` names an earlier
    /// layer, not the one just before and not inside another add's branch; the shortcut (conv and
    /// batch-norm layers only) maps `from`'s output to the branch's; an activation follows.
    private static func addShape(_ spec: ArchitectureSpec, index: Int, names: [String], from: String, shortcut: [LayerSpec],
                                 shortcutNames: [String?], shapes: [[Int]], input shape: [Int],
                                 branches: inout [ClosedRange<Int>]) throws -> [Int] {
        let name = names[index]
        func fail(_ reason: String) -> SpikeKitError { .model(layer: name, reason: reason) }
        guard let source = names[..<index].firstIndex(of: from) else {
            let hint = NameSuggestion.closest(to: from, in: Array(names[..<index])).map { "; did you mean '\($0)'?" } ?? ""
            throw fail("'from' names no earlier layer: '\(from)'\(hint)")
        }
        guard source < index - 1 else { throw fail("its branch from '\(from)' is empty: name a layer before the branch's first layer") }
        if let outer = branches.first(where: { $0.lowerBound < source && source < $0.upperBound }) {
            throw fail("'\(from)' lies inside the branch of the add '\(names[outer.upperBound - 1])'; name the activation after that add instead")
        }
        guard index + 1 < spec.layers.count, ["relu", "clippedRelu"].contains(spec.layers[index + 1].typeName) else {
            throw fail("must be followed by a relu or clippedRelu layer, the activation of the sum")
        }
        var shortcutShape = shapes[source]
        for (k, layer) in shortcut.enumerated() {
            let layerName = shortcutName(name, k, shortcutNames)
            guard ["conv", "batchNorm"].contains(layer.typeName) else {
                throw fail("its shortcut may hold conv and batchNorm layers only, but layer \(k + 1) ('\(layerName)') is '\(layer.typeName)'")
            }
            guard !names.contains(layerName) else { throw fail("its shortcut layer '\(layerName)' has the name of another layer") }
            shortcutShape = try outputShape(layer, name: layerName, input: shortcutShape)
        }
        guard shortcutShape == shape else {
            throw fail("its branch from '\(from)' gives \(shape), but the shortcut gives \(shortcutShape)"
                       + (shortcut.isEmpty ? " (the identity; give a shortcut, such as a 1×1 conv with a stride, where the shape changes)" : ""))
        }
        branches.append(source...(index + 1))
        return shape
    }

    /// Each layer's name: the spec's, or the kind's prefix and its count among the layers of that kind.
    /// Names must be unique (they name the tensors) and free of whitespace.
    static func layerNames(_ spec: ArchitectureSpec) throws -> [String] {
        var counters: [String: Int] = [:]
        var seen: [String: Int] = [:]
        var names: [String] = []
        for (index, layerSpec) in spec.layers.enumerated() {
            let prefix = namePrefix(layerSpec)
            counters[prefix, default: 0] += 1
            let automatic = "\(prefix)\(counters[prefix, default: 0])"
            let name = index < spec.layerNames.count ? spec.layerNames[index] ?? automatic : automatic
            guard !name.isEmpty, !name.contains(where: \.isWhitespace) else {
                throw SpikeKitError.model(layer: nil, reason: "layer \(index + 1) has the name \"\(name)\"; a name must be non-empty without spaces")
            }
            if let earlier = seen[name] {
                throw SpikeKitError.model(layer: name, reason: "layers \(earlier + 1) and \(index + 1) are both named '\(name)'"
                                          + (spec.layerNames[index] == nil ? " (the second by default; name it)" : ""))
            }
            seen[name] = index
            names.append(name)
        }
        return names
    }

    private static func namePrefix(_ spec: LayerSpec) -> String {
        switch spec {
        case .conv: return "conv"
        case .linear: return "fc"
        case .avgPool, .sumPool, .maxPool: return "pool"
        case .relu: return "relu"
        case .clippedRelu: return "clip"
        case .dropout: return "dropout"
        case .flatten: return "flatten"
        case .residual: return "block"
        case .batchNorm: return "bn"
        case .add: return "add"
        }
    }

    /// The output shape of layer `spec` for samples of `shape`, or the reason it does not fit.
    private static func outputShape(_ spec: LayerSpec, name: String, input shape: [Int]) throws -> [Int] {
        func fail(_ reason: String) -> SpikeKitError { .model(layer: name, reason: reason) }
        // Sizes come from configs and checkpoint files: arithmetic on them must not overflow.
        func checked(_ result: (partialValue: Int, overflow: Bool)) throws -> Int {
            guard !result.overflow else { throw fail("its sizes are impossibly large for the input \(shape)") }
            return result.partialValue
        }
        func needImage() throws {
            guard shape.count == 3 else {
                throw fail("needs [channels, height, width] inputs, but receives flat vectors of \(shape); put it before the flatten layer")
            }
        }
        func window(kernel: Int, stride: Int, padding: Int) throws -> (height: Int, width: Int) {
            try needImage()
            guard kernel > 0, stride > 0, padding >= 0 else {
                throw fail("kernel \(kernel) and stride \(stride) must be positive and padding \(padding) non-negative")
            }
            let twice = try checked(padding.multipliedReportingOverflow(by: 2))
            let paddedHeight = try checked(shape[1].addingReportingOverflow(twice))
            let paddedWidth = try checked(shape[2].addingReportingOverflow(twice))
            guard paddedHeight >= kernel, paddedWidth >= kernel else {
                throw fail("a \(kernel)×\(kernel) window does not fit its \(shape[1])×\(shape[2]) input (padding \(padding)); the network has too many poolings or strides for this input size")
            }
            return ((paddedHeight - kernel) / stride + 1, (paddedWidth - kernel) / stride + 1)
        }
        func positive(_ value: Int, _ field: String) throws {
            guard value > 0 else { throw fail("\(field) must be positive, got \(value)") }
        }
        func clip(_ value: Float) throws {
            guard value > 0, value.isFinite else { throw fail("initialClip must be a positive number, got \(value)") }
        }
        switch spec {
        case .conv(let outChannels, let kernel, let stride, let padding, let groups, _):
            try positive(outChannels, "outChannels")
            try needImage()
            guard groups > 0, shape[0] % groups == 0, outChannels % groups == 0 else {
                throw fail("groups \(groups) must be positive and divide both its \(shape[0]) input channels and its \(outChannels) outChannels")
            }
            let size = try window(kernel: kernel, stride: stride, padding: padding)
            return [outChannels, size.height, size.width]
        case .linear(let outputs, _):
            guard shape.count == 1 else { throw fail("needs flat inputs, but receives \(shape); put a flatten layer before it") }
            try positive(outputs, "outputs")
            return [outputs]
        case .avgPool(let kernel, let stride, let padding), .sumPool(let kernel, let stride, let padding),
             .maxPool(let kernel, let stride, let padding):
            // PyTorch's rule: a window must start inside the input, so padding ≤ kernel / 2.
            guard padding <= kernel / 2 else { throw fail("padding \(padding) must be at most half the kernel \(kernel)") }
            let size = try window(kernel: kernel, stride: stride, padding: padding)
            return [shape[0], size.height, size.width]
        case .relu:
            return shape
        case .flatten:
            return [try shape.reduce(1) { try checked($0.multipliedReportingOverflow(by: $1)) }]
        case .clippedRelu(let initialClip):
            try clip(initialClip)
            return shape
        case .dropout(let p):
            guard p >= 0, p < 1 else { throw fail("p must be in [0, 1), got \(p)") }
            return shape
        case .residual(let outChannels, let stride, let activation):
            try positive(outChannels, "outChannels")
            if case .clippedRelu(let initialClip) = activation { try clip(initialClip) }
            let size = try window(kernel: 3, stride: stride, padding: 1)
            return [outChannels, size.height, size.width]
        case .batchNorm:
            // [C, H, W] (BatchNorm2d) or flat [C] (BatchNorm1d).
            return shape
        case .add:
            // Checked with its context by `addShape`.
            return shape
        }
    }

    /// The layer for `spec`, whose sizes `outputShape` has checked.
    private static func makeLayer(_ spec: LayerSpec, name: String, input shape: [Int]) -> any Layer {
        switch spec {
        case .conv(let outChannels, let kernel, let stride, let padding, let groups, let bias):
            return Conv2D(name: name, inChannels: shape[0], outChannels: outChannels, kernel: kernel, stride: stride,
                          padding: padding, groups: groups, bias: bias)
        case .linear(let outputs, let bias):
            return Linear(name: name, inputs: shape[0], outputs: outputs, bias: bias)
        case .avgPool(let kernel, let stride, let padding):
            return AvgPool2D(name: name, kernel: kernel, stride: stride, padding: padding)
        case .sumPool(let kernel, let stride, let padding):
            return AvgPool2D(name: name, kernel: kernel, stride: stride, padding: padding, sum: true)
        case .maxPool(let kernel, let stride, let padding):
            return MaxPool2D(name: name, kernel: kernel, stride: stride, padding: padding)
        case .relu:
            return ReLU(name: name)
        case .clippedRelu(let initialClip):
            return ClippedReLU(name: name, initialClip: initialClip)
        case .dropout(let p):
            return Dropout(name: name, p: p)
        case .flatten:
            return Flatten(name: name)
        case .residual(let outChannels, let stride, let activation):
            return ResidualBasicBlock(name: name, inChannels: shape[0], outChannels: outChannels, stride: stride,
                                      activation: activation)
        case .batchNorm:
            return BatchNorm2D(name: name, channels: shape[0])
        case .add:
            preconditionFailure("NetworkBuilder: an add is built by `build` from the layers before it")
        }
    }

    /// Scales the last weight layer of a residual branch by 1/√units (units: the network's residual
    /// blocks and adds). Without batch norm every He-initialised block would double the variance it
    /// passes on (x + F(x), Var F(x) ≈ Var x), so the hybrid paper's bias-free ResNet20 would start
    /// with logits ~16× too large and diverge in its first steps; with the scale the variance grows
    /// by at most (1 + 1/units)^units < e over the network (as Fixup, Zhang et al. 2019, bounds it).
    private static func scaleResidualBranch(_ last: WeightLayers.Entry?, units: Int) {
        guard units > 0, let last else { return }
        let factor = 1 / Float(units).squareRoot()
        last.weight.value.scalars = last.weight.value.scalars.map { $0 * factor }
    }

    /// He-normal weights for every convolution and linear layer in `layer` (itself or its sublayers).
    static func initialize(_ layer: any Layer, using generator: inout SeededGenerator) {
        for entry in WeightLayers.flatten(layer) {
            let weight = entry.weight
            let fanIn = weight.count / max(1, weight.value.shape[0])
            let std = (2 / Float(max(1, fanIn))).squareRoot()
            weight.value.scalars = .normal(count: weight.count, standardDeviation: std, using: &generator)
        }
    }
}

/// The convolution and linear layers of a network in order — the layers that carry weights.
enum WeightLayers {
    /// A weight layer's weight and optional bias.
    struct Entry {
        var layer: any Layer
        var weight: Parameter
        var bias: Parameter?
    }

    /// The weight layers in `layer` itself and, depth first, in its sublayers.
    static func flatten(_ layer: any Layer) -> [Entry] {
        if let conv = layer as? Conv2D { return [Entry(layer: conv, weight: conv.weight, bias: conv.bias)] }
        if let linear = layer as? Linear { return [Entry(layer: linear, weight: linear.weight, bias: linear.bias)] }
        return layer.sublayers.flatMap(flatten)
    }
}
