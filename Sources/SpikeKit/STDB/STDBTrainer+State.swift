import Foundation

/// The STDB optimizer's state on disk, so `STDBTrainer.fit(startEpoch:optimizerState:)` can continue
/// a fine-tuning bit for bit: a safetensors file with the Adam moments (`m/<synapse>.weight`,
/// `v/…`, `vMax/…` with AMSGrad; flat, in the synapse's own weight order) and, in the metadata,
/// `format` = `spikekit-stdb-optimizer-state` and the step count `steps`.
extension STDBTrainer {
    static let stateFormat = "spikekit-stdb-optimizer-state"

    /// Writes `state` (as given to `fit`'s `onEpochEnd`) to `url` atomically.
    public static func saveState(_ state: OptimizerState, to url: URL) throws {
        let tensors = state.tensors.keys.sorted().map { (name: $0, tensor: state.tensors[$0] ?? Tensor(shape: [0])) }
        try Safetensors.write(Safetensors.Contents(tensors: tensors, metadata: [
            "format": stateFormat, "optimizer": state.kind.rawValue, "steps": String(state.steps),
        ]), to: url)
    }

    /// Reads a state written by `saveState`. Whether it fits the network is checked by `fit`.
    public static func loadState(from url: URL) throws -> OptimizerState {
        let contents = try Safetensors.read(from: url)
        guard contents.metadata["format"] == stateFormat else {
            throw SpikeKitError.checkpoint(path: url.path, reason: "not a SpikeKit STDB optimizer state (metadata 'format' is "
                                           + "\(contents.metadata["format"].map { "'\($0)'" } ?? "missing"))")
        }
        guard let kind = contents.metadata["optimizer"].flatMap(OptimizerKind.init(rawValue:)) else {
            throw SpikeKitError.checkpoint(path: url.path, reason: "metadata 'optimizer' is missing or unknown")
        }
        guard let steps = contents.metadata["steps"].flatMap({ Int($0) }), steps >= 0 else {
            throw SpikeKitError.checkpoint(path: url.path, reason: "metadata 'steps' is missing or not a count")
        }
        return OptimizerState(kind: kind, steps: steps, tensors: contents.dictionary)
    }
}
