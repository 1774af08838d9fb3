/// Checks for NaN and infinity at the points where a non-finite value would otherwise spread silently:
/// an ANN's parameters during training, a spiking network's weights after conversion or
/// fine-tuning, and the output layer's membrane potentials after a simulation.
///
/// Each check throws `SpikeKitError.numerical` naming the tensor (or layer), the first bad index and
/// value, and the `context` the caller gives (the epoch and step, the stage). A check is one linear
/// scan, far cheaper than the epoch or simulation that produced the values. Callers check *before*
/// saving a checkpoint, so a file on disk never holds a non-finite value and the last good checkpoint
/// survives the failure.
public enum NumericalGuard {
    /// The index of the first NaN or infinity in `values`, if any.
    static func firstNonFinite(_ values: [Float]) -> Int? {
        values.firstIndex { !$0.isFinite }
    }

    /// Throws if a parameter's value holds NaN or infinity.
    public static func checkParameters(_ parameters: [Parameter], context: @autoclosure () -> String) throws {
        for parameter in parameters {
            if let k = firstNonFinite(parameter.value.scalars) {
                throw SpikeKitError.numerical("tensor '\(parameter.name)' holds \(parameter.value.scalars[k]) at index \(k) \(context())")
            }
        }
    }

    /// The first layer whose output for `images` (in inference mode) holds NaN or infinity, with the
    /// largest magnitude among its parameters: where a diverging training run first overflows.
    public static func firstNonFiniteLayer(of network: Network, images: Tensor) -> (layer: String, largestWeight: Float)? {
        let outputs = network.forwardRecording(images)
        guard let index = outputs.firstIndex(where: { firstNonFinite($0.scalars) != nil }) else { return nil }
        let layer = network.layers[index]
        let largest = layer.parameters.reduce(Float(0)) { current, parameter in
            parameter.value.scalars.reduce(current) { max($0, abs($1)) }
        }
        return (layer.name, largest)
    }

    /// Throws if a synapse's weights or bias hold NaN or infinity.
    public static func checkWeights(of network: SpikingNetwork, context: @autoclosure () -> String) throws {
        for synapse in network.synapses {
            if let k = firstNonFinite(synapse.weights) {
                throw SpikeKitError.numerical("layer '\(synapse.name)': weight \(k) is \(synapse.weights[k]) \(context())")
            }
            if let bias = synapse.bias, let k = firstNonFinite(bias) {
                throw SpikeKitError.numerical("layer '\(synapse.name)': bias \(k) is \(bias[k]) \(context())")
            }
        }
    }

    /// Throws if the output layer's accumulated membrane potential holds NaN or infinity at any
    /// recorded step (the earliest such step is named).
    public static func checkOutputs(of record: SimulationRecord, context: @autoclosure () -> String) throws {
        let layer = record.populationNames.last ?? "output"
        for step in record.outputs.keys.sorted() {
            guard let output = record.outputs[step], let k = firstNonFinite(output.scalars) else { continue }
            let classes = max(output.shape.last ?? 1, 1)
            throw SpikeKitError.numerical("the membrane potential of output layer '\(layer)' is \(output.scalars[k]) "
                                          + "at step \(step) (sample \(k / classes), neuron \(k % classes)) \(context())")
        }
    }
}
