import Foundation
import SpikeKit

/// How a saved network is simulated by the commands that load one (`energy`, `hardware`): the
/// command line's `--encoding`, `--ordering`, `--steps` and `--dataset` where given, else what the
/// checkpoint's run recorded (its metadata), else the defaults; plus the run's normalisation and
/// seed, so the images and the Poisson spikes are the run's.
struct RecordedSimulation {
    var encoding: InputEncoding
    var ordering: SpikeOrdering
    var steps: Int
    var dataset: String
    var normalization: Normalization
    /// The Poisson encoder's seed: the run's.
    var seed: UInt64

    init(_ command: ParsedCommand, metadata: [String: String]) throws {
        encoding = try EnergyCommand.choice(command, "encoding", "name", recorded: metadata["encoding"], default: InputEncoding.direct)
        ordering = try EnergyCommand.choice(command, "ordering", "name", recorded: metadata["ordering"], default: SpikeOrdering.delayed)
        steps = command.integer("steps") ?? metadata["timeSteps"].flatMap { Int($0) }.flatMap { $0 >= 1 ? $0 : nil } ?? 32
        dataset = command.string("dataset") ?? metadata["dataset"] ?? "fashion-mnist"
        normalization = metadata["normalization"].flatMap {
            try? JSONDecoder().decode(Normalization.self, from: Data($0.utf8))
        } ?? .symmetric
        seed = UInt64(bitPattern: Int64(metadata["seed"] ?? "") ?? 0)
    }
}
