import Foundation
import SpikeKit

/// `spikekit export --nir FILE --checkpoint SNN.safetensors`: a saved spiking network as a NIR graph.
enum ExportCommand {
    static func run(_ command: ParsedCommand) throws {
        guard let out = command.string("nir") else {
            throw CommandLineUsageError("Missing value for '--nir <file>'", path: command.path)
        }
        guard let checkpoint = command.string("checkpoint") else {
            throw CommandLineUsageError("Missing value for '--checkpoint <file>'", path: command.path)
        }
        var exporter = NIRExport(sumPoolWithScale: command.flag("sum-pool"))
        if let text = command.string("time-step") {
            guard let dt = Double(text), dt > 0, dt.isFinite else {
                throw CommandLineUsageError("Invalid value for '--time-step <seconds>': expected a positive number, got '\(text)'",
                                            path: command.path)
            }
            exporter.timeStep = dt
        }
        let (network, metadata) = try NIRFile.loadSpikingNetwork(from: URL(fileURLWithPath: checkpoint))
        var context = NIRExport.Context(checkpointMetadata: metadata)
        if command.string("encoding") != nil {
            context.encoding = try EnergyCommand.choice(command, "encoding", "name", recorded: nil, default: InputEncoding.direct)
        }
        if command.string("ordering") != nil {
            context.ordering = try EnergyCommand.choice(command, "ordering", "name", recorded: nil, default: SpikeOrdering.immediate)
        }
        let warnings = try NIRFile.export(network, context: context, to: URL(fileURLWithPath: out), exporter: exporter,
                                          compressionLevel: command.flag("uncompressed") ? nil : 4)
        for warning in warnings { Output.error("warning: \(warning)\n") }
        try Output.result("\(out): NIR graph of \(network.layers.count) layers (\(network.populations.count - 1) spiking populations), "
                          + "\(warnings.count) warning\(warnings.count == 1 ? "" : "s")\n")
    }
}
