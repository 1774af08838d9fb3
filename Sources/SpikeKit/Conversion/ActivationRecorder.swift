/// Runs the ANN (inference mode) on calibration images and records, for every layer that becomes a
/// spiking population, the activation's input (the pre-activation x) and output (ReLU(x) or
/// clip(x, 0, μ)), in the population order of `SpikingNetworkBuilder`. Residual blocks (and residual
/// adds) are opened so that both of their activations are recorded.
///
/// Values are kept per population as `[samples][channels][positions]` flattened, which is what
/// `DataNormalization.scales` and `LowLatencyFit` read.
public struct ActivationRecorder {
    public struct Recording: Sendable {
        public var name: String
        public var channels: Int
        public var positions: Int
        public var preActivations: [Float]
        public var activations: [Float]
    }

    public static func record(network: Network, images: Tensor, batchSize: Int = 128) -> [Recording] {
        var recordings: [Recording] = []
        let samples = images.shape[0]
        var start = 0
        while start < samples {
            let end = min(samples, start + batchSize)
            let batch = images.slice(start..<end)
            var slot = 0
            func append(_ name: String, _ pre: Tensor, _ post: Tensor) {
                let channels = post.rank == 4 ? post.shape[1] : post.shape[1]
                let positions = post.rank == 4 ? post.shape[2] * post.shape[3] : 1
                if slot == recordings.count {
                    recordings.append(Recording(name: name, channels: channels, positions: positions,
                                                preActivations: [], activations: []))
                }
                recordings[slot].preActivations += pre.scalars
                recordings[slot].activations += post.scalars
                slot += 1
            }
            var context = ForwardContext(training: false)
            var x = batch
            var lastWeightLayer = ""
            for layer in network.layers {
                switch layer {
                case is ReLU, is ClippedReLU:
                    let y = layer.forward(x, context: &context)
                    append(lastWeightLayer, x, y)
                    x = y
                case let block as ResidualBasicBlock:
                    let h = block.conv1.forward(x, context: &context)
                    let a1 = block.activation1.forward(h, context: &context)
                    append(block.name + ".conv1", h, a1)
                    let sum = block.conv2.forward(a1, context: &context) + (block.shortcut?.forward(x, context: &context) ?? x)
                    let a2 = block.activation2.forward(sum, context: &context)
                    append(block.name + ".conv2", sum, a2)
                    x = a2
                case let block as ResidualAdd:
                    // The branch's activations in order (one for a convertible block), then the sum's.
                    var h = x
                    for inner in block.main {
                        let y = inner.forward(h, context: &context)
                        if inner is ReLU || inner is ClippedReLU { append(block.name + ".conv1", h, y) }
                        h = y
                    }
                    let sum = h + block.shortcut.reduce(x) { $1.forward($0, context: &context) }
                    let a2 = block.activation.forward(sum, context: &context)
                    append(block.name + ".conv2", sum, a2)
                    x = a2
                default:
                    if layer is Conv2D || layer is Linear { lastWeightLayer = layer.name }
                    x = layer.forward(x, context: &context)
                }
            }
            start = end
        }
        return recordings
    }
}
