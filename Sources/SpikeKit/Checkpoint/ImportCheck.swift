import Foundation

/// Proof that an imported network computes what the framework it came from computed: the ANN's
/// outputs on a few inputs against the outputs the other framework gave for them (say PyTorch's
/// logits in `eval()` mode), and optionally layer by layer against its intermediate outputs, to
/// find where the two first diverge.
///
/// A difference is measured relative to the reference's scale: max |ours − theirs| / max |theirs|
/// (with max |theirs| taken as at least 1e-12). A check passes when that is at most the tolerance.
public struct ImportCheck: Sendable {
    /// One compared tensor: a layer's output, or the network's output.
    public struct Comparison: Sendable {
        public var layer: String
        public var shape: [Int]
        public var maximumDifference: Float
        public var relativeDifference: Float
    }

    /// The network's outputs against the reference, layer by layer where references were given, in
    /// network order; the last entry is the network's output.
    public var comparisons: [Comparison]
    /// How many inputs' largest outputs (the predicted classes) agree.
    public var agreeingPredictions: Int
    public var inputs: Int
    public var tolerance: Float

    /// The output comparison (the last one).
    public var output: Comparison { comparisons[comparisons.count - 1] }

    /// The first layer whose output differs beyond the tolerance, if any.
    public var firstDivergence: Comparison? { comparisons.first { $0.relativeDifference > tolerance } }

    public var passed: Bool { firstDivergence == nil }

    /// Runs `network` on `inputs` (`[N] + network.inputShape`) and compares with `outputs`
    /// (`[N, classes]`) and with `layerOutputs[name]` (`[N] + that layer's output shape`) where given.
    public static func run(network: Network, inputs: Tensor, outputs: Tensor, layerOutputs: [String: Tensor] = [:],
                           tolerance: Float = 1e-4) throws -> ImportCheck {
        guard inputs.rank == network.inputShape.count + 1, Array(inputs.shape.dropFirst()) == network.inputShape else {
            throw SpikeKitError.usage("the check inputs have shape \(inputs.shape); the network takes [N] + \(network.inputShape)")
        }
        let n = inputs.shape[0]
        guard outputs.shape == [n] + network.outputShape else {
            throw SpikeKitError.usage("the check outputs have shape \(outputs.shape); for \(n) inputs the network gives \([n] + network.outputShape)")
        }
        let recorded = network.forwardRecording(inputs)
        let names = network.layers.map(\.name)
        for name in layerOutputs.keys.sorted() where !names.contains(name) {
            let hint = NameSuggestion.closest(to: name, in: names).map { "; did you mean '\($0)'?" } ?? ""
            throw SpikeKitError.usage("a layer output is given for '\(name)', which is no layer of the network\(hint)")
        }
        var comparisons: [Comparison] = []
        for (index, layer) in network.layers.enumerated() {
            guard index < network.layers.count - 1, let reference = layerOutputs[layer.name] else { continue }
            guard reference.count == recorded[index].count else {
                throw SpikeKitError.usage("the output given for layer '\(layer.name)' has shape \(reference.shape); the layer gives \(recorded[index].shape)")
            }
            comparisons.append(compare(recorded[index], reference, layer: layer.name))
        }
        let ours = recorded.last ?? inputs
        comparisons.append(compare(ours, outputs, layer: "output"))
        let classes = outputs.count / max(n, 1)
        var agreeing = 0
        for i in 0..<n {
            let a = ours.scalars[(i * classes)..<((i + 1) * classes)], b = outputs.scalars[(i * classes)..<((i + 1) * classes)]
            if a.indices.max(by: { a[$0] < a[$1] }) == b.indices.max(by: { b[$0] < b[$1] }) { agreeing += 1 }
        }
        return ImportCheck(comparisons: comparisons, agreeingPredictions: agreeing, inputs: n, tolerance: tolerance)
    }

    private static func compare(_ ours: Tensor, _ theirs: Tensor, layer: String) -> Comparison {
        var maximum: Float = 0, scale: Float = 1e-12
        for (a, b) in zip(ours.scalars, theirs.scalars) {
            // NaN never compares greater: treat it as an infinite difference.
            let difference = abs(a - b)
            maximum = difference.isNaN ? .infinity : max(maximum, difference)
            scale = max(scale, abs(b))
        }
        return Comparison(layer: layer, shape: Array(ours.shape.dropFirst()), maximumDifference: maximum,
                          relativeDifference: maximum / scale)
    }

    /// A few lines for the terminal: the output's difference, the agreement, and each compared layer.
    public var summary: String {
        var lines = comparisons.map { c in
            String(format: "  %@ %@: max |Δ| %.3g (%.3g relative)%@", c.layer, "\(c.shape)", c.maximumDifference,
                   c.relativeDifference, c.relativeDifference > tolerance ? "  ← beyond \(tolerance)" : "")
        }
        lines.append("  predictions agree on \(agreeingPredictions) of \(inputs) inputs")
        return lines.joined(separator: "\n")
    }
}
