/// Checks for NaN and infinity at the points where a non-finite value would otherwise spread silently:
/// an ANN's parameters and gradients during training, a spiking network's weights after conversion or
/// fine-tuning, and the output layer's membrane potentials after a simulation.
///
/// Each check throws `SpikeKitError.numerical` naming the tensor (or layer), the first bad index and
/// value, and the `context` the caller gives (the epoch and step, the stage). A check is one linear
/// scan, far cheaper than the training step or simulation that produced the values, so callers run it
/// after every batch or stage. Callers check *before* saving a checkpoint, so a file on disk never
/// holds a non-finite value and the last good checkpoint survives the failure.
public enum NumericalGuard {
    /// The index of the first NaN or infinity in `values`, if any.
    static func firstNonFinite(_ values: [Float]) -> Int? {
        values.firstIndex { !$0.isFinite }
    }

    /// Throws if a parameter's value (or, with `gradients`, its gradient) holds NaN or infinity.
    public static func checkParameters(_ parameters: [Parameter], gradients: Bool = false, context: String) throws {
        for parameter in parameters {
            if let k = firstNonFinite(parameter.value.scalars) {
                throw SpikeKitError.numerical("tensor '\(parameter.name)' holds \(parameter.value.scalars[k]) at index \(k) \(context)")
            }
            if gradients, let k = firstNonFinite(parameter.gradient.scalars) {
                throw SpikeKitError.numerical("the gradient of '\(parameter.name)' holds \(parameter.gradient.scalars[k]) at index \(k) \(context)")
            }
        }
    }

    /// Throws if a synapse's weights or bias hold NaN or infinity.
    public static func checkWeights(of network: SpikingNetwork, context: String) throws {
        for synapse in network.synapses {
            if let k = firstNonFinite(synapse.weights) {
                throw SpikeKitError.numerical("layer '\(synapse.name)': weight \(k) is \(synapse.weights[k]) \(context)")
            }
            if let bias = synapse.bias, let k = firstNonFinite(bias) {
                throw SpikeKitError.numerical("layer '\(synapse.name)': bias \(k) is \(bias[k]) \(context)")
            }
        }
    }

    /// Throws if the output layer's accumulated membrane potential holds NaN or infinity at any
    /// recorded step (the earliest such step is named).
    public static func checkOutputs(of record: SimulationRecord, context: String) throws {
        let layer = record.populationNames.last ?? "output"
        for step in record.outputs.keys.sorted() {
            guard let output = record.outputs[step], let k = firstNonFinite(output.scalars) else { continue }
            let classes = max(output.shape.last ?? 1, 1)
            throw SpikeKitError.numerical("the membrane potential of output layer '\(layer)' is \(output.scalars[k]) "
                                          + "at step \(step) (sample \(k / classes), neuron \(k % classes)) \(context)")
        }
    }
}
