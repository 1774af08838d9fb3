/// Translates a trained `Network` into the structure of its spiking twin: each convolution or linear
/// layer followed by a ReLU (or clipped ReLU) becomes a synapse into a population of integrate-and-fire
/// neurons, pooling and flatten carry over, residual blocks become spiking residual blocks, and the
/// last linear layer becomes the output accumulator. Thresholds are left at 1: a `ConversionRecipe`
/// sets them.
///
/// Batch normalisation is folded into the preceding convolution or linear layer (its weight and a
/// bias current). A residual block (`ResidualBasicBlock`, or a `ResidualAdd` of basic-block form)
/// becomes a spiking residual block.
/// Sum pooling becomes average pooling with its k² folded into the weights of the next weight layer
/// (w ← k²·w: the same currents from the same spike events, so the same synaptic operations).
/// Dropout is dropped for inference and remembered as the next synapse's input dropout (for STDB).
/// Anything that cannot be converted faithfully is refused with the layer's name: an activation that
/// is not a ReLU, a weight layer whose output is not followed by one (other than the last), a
/// layer type the simulator does not know.
public enum SpikingNetworkBuilder {
    /// What the builder knows about each population, in `SpikingNetwork.populations` order (without
    /// the output layer).
    public struct PopulationInfo: Sendable, Equatable {
        public var name: String
        /// The clip μ of a clipped ReLU, nil for a plain ReLU.
        public var clip: Float?
    }

    public static func build(from network: Network, reset: ResetMode = .subtract, leak: Float = 1, initialMembrane: Float = 0,
                             neuronModel: NeuronModel = .integrateAndFire, currentDecay: Float = 0)
        throws -> (network: SpikingNetwork, populations: [PopulationInfo]) {
        let inputShape = try featureShape(network.inputShape, layer: network.layers.first?.name ?? "input")
        var shape = inputShape
        var layers: [SpikingLayer] = []
        var populations: [PopulationInfo] = []
        var pending: Synapse?          // a weight layer waiting for its activation
        var pendingDropout: Float = 0
        var nextDropout: Float = 0
        var inputScale: Float = 1      // sum pooling's k², waiting for the next weight layer
        var pendingScale: Float = 1    // the factor already in `pending`'s weights
        func takingInputScale(_ synapse: Synapse) -> Synapse {
            defer { inputScale = 1 }
            return inputScale == 1 ? synapse : synapse.rescaled(inputScale: [inputScale], outputScale: [1])
        }
        let neurons = NeuronParameters(threshold: 1, leak: leak, reset: reset, initialMembrane: initialMembrane,
                                       model: neuronModel, currentDecay: currentDecay)

        // A convolution's synapse on inputs of `input`, with the batch-norm after it folded in.
        func convolution(_ conv: Conv2D, _ norm: BatchNorm2D?, input: FeatureShape) -> Synapse {
            let g = conv.geometry(forInput: [input.channels, input.height, input.width])
            guard let norm else {
                return Synapse.convolution(name: conv.name, geometry: g, pytorchWeights: conv.weight.value.scalars,
                                           bias: conv.bias?.value.scalars)
            }
            let folded = norm.foldInto(conv: conv)
            return Synapse.convolution(name: conv.name, geometry: g, pytorchWeights: folded.weight.scalars, bias: folded.bias.scalars)
        }
        // A spiking residual block: neurons1(conv1(x)) → neurons2(conv2(·) + shortcut(x)).
        func appendResidual(_ name: String, conv1 first: (Conv2D, BatchNorm2D?), activation1: any Layer,
                            conv2 second: (Conv2D, BatchNorm2D?), projection: (Conv2D, BatchNorm2D?)?,
                            activation2: any Layer) throws {
            for activation in [activation1, activation2] where !(activation is ReLU || activation is ClippedReLU) {
                throw SpikeKitError.model(layer: activation.name, reason: "only ReLU and clipped ReLU activations can be converted")
            }
            let blockInputScale = inputScale
            let conv1 = takingInputScale(convolution(first.0, first.1, input: shape))
            let conv2 = convolution(second.0, second.1, input: conv1.outputShape)
            var shortcut = projection.map { convolution($0.0, $0.1, input: shape) }
                ?? Synapse.identity(name: name + ".shortcut", shape: shape)
            guard shortcut.outputShape == conv2.outputShape else {
                throw SpikeKitError.model(layer: name, reason: "its branch gives \(conv2.outputShape) but its shortcut \(shortcut.outputShape)")
            }
            if blockInputScale != 1 { shortcut = shortcut.rescaled(inputScale: [blockInputScale], outputScale: [1]) }
            layers.append(.residual(ResidualBlock(name: name, conv1: conv1, neurons1: neurons, conv2: conv2,
                                                  shortcut: shortcut, neurons2: neurons)))
            populations.append(PopulationInfo(name: name + ".conv1", clip: (activation1 as? ClippedReLU)?.clipValue))
            populations.append(PopulationInfo(name: name + ".conv2", clip: (activation2 as? ClippedReLU)?.clipValue))
            shape = conv2.outputShape
        }

        func refusePending(_ reason: String) throws {
            if let pending { throw SpikeKitError.model(layer: pending.name, reason: reason) }
        }

        for (index, layer) in network.layers.enumerated() {
            let isLast = index == network.layers.count - 1
            switch layer {
            case let conv as Conv2D:
                try refusePending("is followed by another weight layer without a ReLU between them; the SNN needs an activation after every weight layer but the last")
                let g = conv.geometry(forInput: [shape.channels, shape.height, shape.width])
                pendingScale = inputScale
                pending = takingInputScale(Synapse.convolution(name: conv.name, geometry: g, pytorchWeights: conv.weight.value.scalars,
                                                               bias: conv.bias?.value.scalars))
                pendingDropout = nextDropout; nextDropout = 0
                shape = pending!.outputShape
            case let linear as Linear:
                try refusePending("is followed by another weight layer without a ReLU between them; the SNN needs an activation after every weight layer but the last")
                guard linear.inputs == shape.count else {
                    throw SpikeKitError.model(layer: linear.name, reason: "expects \(linear.inputs) inputs but receives \(shape.count)")
                }
                pendingScale = inputScale
                pending = takingInputScale(Synapse.linear(name: linear.name, inputShape: shape, outputs: linear.outputs,
                                                          pytorchWeights: linear.weight.value.scalars, bias: linear.bias?.value.scalars))
                pendingDropout = nextDropout; nextDropout = 0
                shape = .flat(linear.outputs)
            case let bn as BatchNorm2D:
                // Folded into the weight layer it follows (the layer is the last weight layer before it).
                let weightLayer = network.layers[..<index].last(where: { $0 is Conv2D || $0 is Linear })
                let rebuilt: Synapse
                if let synapse = pending, case .convolution(let g) = synapse.connectivity, let conv = weightLayer as? Conv2D {
                    let folded = bn.foldInto(conv: conv)
                    rebuilt = Synapse.convolution(name: synapse.name, geometry: g, pytorchWeights: folded.weight.scalars,
                                                  bias: folded.bias.scalars)
                } else if let synapse = pending, synapse.connectivity == .linear, let linear = weightLayer as? Linear {
                    let folded = bn.foldInto(linear: linear)
                    rebuilt = Synapse.linear(name: synapse.name, inputShape: synapse.inputShape, outputs: linear.outputs,
                                             pytorchWeights: folded.weight.scalars, bias: folded.bias.scalars)
                } else {
                    throw SpikeKitError.model(layer: bn.name, reason: "batch normalisation can only be folded into a convolution or linear layer directly before it")
                }
                pending = pendingScale == 1 ? rebuilt : rebuilt.rescaled(inputScale: [pendingScale], outputScale: [1])
            case is ReLU, is ClippedReLU:
                guard let synapse = pending else {
                    throw SpikeKitError.model(layer: layer.name, reason: "an activation must follow a convolution or linear layer to become a spiking population")
                }
                layers.append(.synaptic(synapse, neurons: neurons, inputDropout: pendingDropout))
                populations.append(PopulationInfo(name: synapse.name, clip: (layer as? ClippedReLU)?.clipValue))
                pending = nil
            case let pool as AvgPool2D:
                try refusePending("is followed by pooling without a ReLU; the SNN needs an activation after every weight layer but the last")
                layers.append(.averagePool(name: pool.name, input: shape, kernel: pool.kernel, stride: pool.stride,
                                           padding: pool.padding))
                shape = layers.last!.outputShape
                inputScale *= pool.outputScale
            case let pool as MaxPool2D:
                try refusePending("is followed by pooling without a ReLU; the SNN needs an activation after every weight layer but the last")
                layers.append(.maxPool(name: pool.name, input: shape, kernel: pool.kernel, stride: pool.stride, padding: pool.padding))
                shape = layers.last!.outputShape
            case is Flatten:
                try refusePending("is followed by flatten without a ReLU")
                layers.append(.flatten(name: layer.name, input: shape))
            case let dropout as Dropout:
                nextDropout = dropout.p
            case let block as ResidualBasicBlock:
                try refusePending("is followed by a residual block without a ReLU")
                try appendResidual(block.name, conv1: (block.conv1, nil), activation1: block.activation1,
                                   conv2: (block.conv2, nil), projection: block.shortcut.map { ($0, nil) },
                                   activation2: block.activation2)
            case let block as ResidualAdd:
                try refusePending("is followed by a residual branch without a ReLU")
                guard let parts = block.basicBlockParts else {
                    throw SpikeKitError.model(layer: block.name, reason: "a residual add converts when its branch is conv → [batchNorm] → "
                                              + "activation → conv → [batchNorm] and its shortcut the identity or conv → [batchNorm]; "
                                              + "this one has \(block.main.map(\.name)) and shortcut \(block.shortcut.map(\.name))")
                }
                try appendResidual(block.name, conv1: (parts.conv1, parts.norm1), activation1: parts.activation1,
                                   conv2: (parts.conv2, parts.norm2), projection: parts.projection.map { ($0, parts.projectionNorm) },
                                   activation2: block.activation)
            default:
                throw SpikeKitError.model(layer: layer.name, reason: "\(type(of: layer)) has no spiking equivalent in SpikeKit")
            }
            if isLast {
                guard let synapse = pending, case .linear = synapse.connectivity else {
                    throw SpikeKitError.model(layer: layer.name, reason: "the network must end with a linear layer (the output layer)")
                }
                layers.append(.synaptic(synapse, neurons: nil, inputDropout: pendingDropout))
                pending = nil
            }
        }
        let spiking = SpikingNetwork(inputShape: inputShape, layers: layers)
        try spiking.validate()
        return (spiking, populations)
    }

    static func featureShape(_ chw: [Int], layer: String) throws -> FeatureShape {
        guard chw.count == 3 else {
            throw SpikeKitError.model(layer: layer, reason: "expected a [channels, height, width] input, got \(chw)")
        }
        return FeatureShape(height: chw[1], width: chw[2], channels: chw[0])
    }
}
