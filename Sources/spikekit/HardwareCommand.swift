import Foundation
import SpikeKit

/// `spikekit hardware`: a saved spiking network mapped onto a chip description and priced from the
/// traffic of its own event-driven run (`HardwarePricing`), optionally exported for SANA-FE.
enum HardwareCommand {
    static func run(_ command: ParsedCommand) throws {
        let path = command.path
        let hardware = try description(command)
        if command.flag("print") {
            try Output.result(String(decoding: try hardware.jsonData(), as: UTF8.self) + "\n")
            return
        }
        guard let checkpoint = command.string("checkpoint") else {
            throw CommandLineUsageError("Missing value for '--checkpoint <file>'", path: path)
        }
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw CommandLineUsageError("The checkpoint '\(checkpoint)' does not exist", path: path)
        }
        var placement: [Int]? = nil
        if let text = command.string("placement") {
            let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
                throw CommandLineUsageError("The value '\(text)' is invalid for '--placement <tiles>': expected "
                                            + "comma-separated tile indices ≥ 0", path: path)
            }
            placement = parts.compactMap { $0 }
        }
        let (network, metadata) = try SpikingNetworkCheckpoint.load(from: URL(fileURLWithPath: checkpoint))
        let recorded = try RecordedSimulation(command, metadata: metadata)
        let (encoding, ordering, steps, dataset) = (recorded.encoding, recorded.ordering, recorded.steps, recorded.dataset)
        let (normalization, seed) = (recorded.normalization, recorded.seed)
        let data = try DatasetLoader.load(name: dataset, directory: command.string("data-dir"), normalization: normalization)
        let images = min(command.integer("images") ?? 8, data.test.count)
        let batch = data.test.makeBatch(indices: 0..<images)
        let progress = ProgressReporter(quiet: command.flag("quiet"))
        progress.note("mapping onto \(hardware.name) and simulating \(images) test images with their events captured (T = \(steps))")
        guard hardware.mapsCores else {
            throw CommandLineUsageError("'\(hardware.name)' prices operations only (no cores to map onto); "
                                        + "use 'spikekit energy' for per-operation presets", path: path)
        }
        let (mapping, estimates) = try HardwarePricing.estimates(network: network, images: batch.images, encoding: encoding,
                                                                 ordering: ordering, timeSteps: [steps], hardware: hardware,
                                                                 placement: placement, seed: seed)
        guard let estimate = estimates[steps] else { throw SpikeKitError.runtime("no estimate at T = \(steps)") }
        if let directory = command.string("sanafe") {
            try SANAFEExport.write(mapping: mapping, network: network, images: batch.images,
                                   to: URL(fileURLWithPath: directory, isDirectory: true))
            progress.note("SANA-FE files written to \(directory)")
        }
        if command.flag("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try Output.result(String(decoding: try encoder.encode(estimate), as: UTF8.self) + "\n")
        } else {
            try Output.result(table(estimate, steps: steps, images: images))
        }
    }

    static func description(_ command: ParsedCommand) throws -> HardwareDescription {
        switch (command.string("preset"), command.string("file")) {
        case (.some, .some):
            throw CommandLineUsageError("Use either '--preset <name>' or '--file <json>', not both", path: command.path)
        case (nil, let file?):
            return try HardwareDescription.load(from: URL(fileURLWithPath: file))
        case (let name, nil):
            let name = name ?? "loihi"
            guard let preset = HardwareDescription.named(name) else {
                let names = HardwareDescription.presetNames
                var message = "The value '\(name)' is invalid for '--preset <name>': expected one of \(names.joined(separator: ", "))"
                if let suggestion = NameSuggestion.closest(to: name, in: names) { message += ". Did you mean '\(suggestion)'?" }
                throw CommandLineUsageError(message, path: command.path)
            }
            return preset
        }
    }

    static func table(_ e: HardwareEstimate, steps: Int, images: Int) -> String {
        func µ(_ v: Double?) -> String { v.map { String(format: "%.4g", $0 * 1e6) } ?? "–" }
        var out = "chip: \(e.preset), \(e.cores ?? 0) cores on \(e.chips ?? 0) chip(s); traffic of \(images) test images, T = \(steps)\n"
        let b = e.breakdown
        out += "energy per image: \(µ(e.joulesPerImage)) µJ (synapse \(µ(b?.synapse)), neuron \(µ(b?.neuron)), "
            + "spike + message \(µ(b?.spikeAndMessage)), network \(µ(b?.network)), static \(µ(b?.staticEnergy)))\n"
        out += "time: \(µ(e.secondsPerStep)) µs per step, \(µ(e.secondsPerImage)) µs per image"
            + (e.imagesPerSecond.map { String(format: " (%.4g images/s)", $0) } ?? "")
            + String(format: "; energy-delay product %.4g J·s\n", e.energyDelayProduct ?? 0)
        out += "per image: \(RunReport.grouped(e.spikesPerImage ?? 0)) spikes, \(RunReport.grouped(e.messagesPerImage ?? 0)) messages, "
            + "\(RunReport.grouped(e.hopsPerImage ?? 0)) hops, \(RunReport.grouped(e.synapticEventsPerImage ?? 0)) synaptic events"
            + (e.slowestLayer.map { "; slowest core \(e.slowestCore ?? 0) (\($0))" } ?? "") + "\n\n"
        var rows = [["layer", "neurons", "cores", "neuron use", "axon use", "memory use", "µJ/image", "spikes/image"]]
        for l in e.layers ?? [] {
            rows.append([l.name, String(l.neurons), String(l.cores), String(format: "%.2f", l.neuronUtilisation),
                         l.fanInUtilisation.map { String(format: "%.2f", $0) } ?? "–",
                         l.memoryUtilisation.map { String(format: "%.2f", $0) } ?? "–",
                         µ(l.joulesPerImage), RunReport.grouped(l.spikesPerImage)])
        }
        return out + EnergyCommand.render(rows, ruleBefore: nil)
    }
}
