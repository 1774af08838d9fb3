import Foundation
import SpikeKit

/// `spikekit energy --checkpoint FILE`: simulates the first test images with a saved spiking network
/// and prints its exact per-layer counts and its energy per image under one or every hardware preset.
///
/// Defaults come from the checkpoint's metadata (what the run that saved it used): `encoding`,
/// `ordering`, `timeSteps`, `dataset`, the pixel `normalization` and the Poisson `seed`; without
/// them, direct input, delayed ordering, T = 32, Fashion-MNIST, pixels in [−1, 1] and seed 0.
enum EnergyCommand {
    /// The JSON printed with `--json`.
    struct Result: Encodable {
        var checkpoint: String
        var stage: String?
        var dataset: String
        var testImages: Int
        var timeSteps: Int
        var encoding: String
        var ordering: String
        var testAccuracy: Double
        var layers: [LayerOperationCounts]
        var energy: [EnergyEstimate]
    }

    static func run(_ command: ParsedCommand) throws {
        let path = command.path
        guard let checkpoint = command.string("checkpoint") else {
            throw CommandLineUsageError("Missing value for '--checkpoint <file>'", path: path)
        }
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw CommandLineUsageError("The checkpoint '\(checkpoint)' does not exist", path: path)
        }
        let models = try presets(command)
        let (network, metadata) = try NIRFile.loadSpikingNetwork(from: URL(fileURLWithPath: checkpoint))

        let recorded = try RecordedSimulation(command, metadata: metadata)
        let (encoding, ordering, steps, dataset) = (recorded.encoding, recorded.ordering, recorded.steps, recorded.dataset)
        let (normalization, seed) = (recorded.normalization, recorded.seed)
        if let threads = command.integer("threads") { Parallel.threadCount = threads > 0 ? threads : Parallel.coreCount }

        let data: DatasetSplit
        do {
            data = try DatasetLoader.load(name: dataset, directory: command.string("data-dir"), normalization: normalization)
        } catch SpikeKitError.usage(let message) {
            // An unknown dataset or one that is not bundled: say which option fixes it.
            let option = command.string("data-dir") == nil && DatasetLoader.knownNames.contains(dataset)
                ? "'--data-dir <dir>'" : "'--dataset <name>'"
            throw CommandLineUsageError("\(message) (see \(option))", path: path)
        }
        let test = data.test
        let images = min(command.integer("images") ?? 100, test.count)
        let progress = ProgressReporter(quiet: command.flag("quiet"))
        progress.begin(stage: "simulating \(images) test images (T = \(steps))", total: images)
        var merged: SimulationRecord?
        var first = 0
        while first < images {
            let end = min(images, first + 100)
            let options = SimulationOptions(timeSteps: steps, encoding: encoding, ordering: ordering, seed: seed,
                                            firstSampleIndex: first)
            let record = try EventScheduler(network: network).run(images: test.makeBatch(indices: first..<end).images,
                                                                  options: options)
            merged = merged.map { $0.appending(record) } ?? record
            progress.advance(by: end - first)
            first = end
        }
        progress.finish()
        guard let record = merged else { throw SpikeKitError.runtime("the test set holds no images") }

        let counts = OperationCounts.from(record: record, network: network, timeSteps: steps, encoding: encoding)
        let accuracy = Double(record.correct(labels: Array(test.labels.prefix(images)), steps: steps)) / Double(images)
        let result = Result(checkpoint: checkpoint, stage: metadata["stage"], dataset: dataset, testImages: images,
                            timeSteps: steps, encoding: encoding.rawValue, ordering: ordering.rawValue,
                            testAccuracy: accuracy, layers: counts.layers,
                            energy: models.map { EnergyEstimate(counts: counts, model: $0) })
        if let file = command.string("predictions") { try writePredictions(record, steps: steps, to: file) }
        if command.flag("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            // A network that never spikes costs nothing: its ratio to the ANN is infinite.
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                          negativeInfinity: "-Infinity", nan: "NaN")
            try Output.result(String(decoding: try encoder.encode(result), as: UTF8.self) + "\n")
        } else {
            try Output.result(table(result, metadata: metadata))
        }
    }

    /// The presets asked for: `--preset NAME`, `--preset-file JSON`, or every built-in one.
    static func presets(_ command: ParsedCommand) throws -> [EnergyModel] {
        let path = command.path
        switch (command.string("preset"), command.string("preset-file")) {
        case (.some, .some):
            throw CommandLineUsageError("Use either '--preset <name>' or '--preset-file <json>', not both", path: path)
        case (let name?, nil):
            guard let model = EnergyModel.named(name) else {
                let names = EnergyModel.presets.map(\.name)
                var message = "The value '\(name)' is invalid for '--preset <name>': expected one of \(names.joined(separator: ", "))"
                if let suggestion = NameSuggestion.closest(to: name, in: names) { message += ". Did you mean '\(suggestion)'?" }
                throw CommandLineUsageError(message, path: path)
            }
            return [model]
        case (nil, let file?):
            return [try presetFile(file, command: command)]
        case (nil, nil):
            return EnergyModel.presets
        }
    }

    /// A preset from a JSON file: an object with `macPicojoules` and `accumulatePicojoules` (pJ) and
    /// optionally `name`, `neuronUpdatePicojoules`, `spikePicojoules`, `memoryAccessPicojoules` and
    /// `source`. Every problem is reported at once, with its key.
    static func presetFile(_ file: String, command: ParsedCommand) throws -> EnergyModel {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CommandLineUsageError("The preset file '\(file)' does not exist or cannot be read", path: command.path)
        }
        guard case .object(let object)? = try? JSONValue.parse(data) else {
            throw ConfigFileError(path: file, problems: [ConfigProblem(keyPath: "", message: "not a JSON object")])
        }
        let numbers = ["macPicojoules", "accumulatePicojoules", "neuronUpdatePicojoules", "spikePicojoules",
                       "memoryAccessPicojoules"]
        let known = ["name", "source"] + numbers
        var problems: [ConfigProblem] = []
        for key in object.keys.sorted() where !known.contains(key) {
            problems.append(ConfigProblem(keyPath: key, message: "unknown key", suggestion: NameSuggestion.closest(to: key, in: known)))
        }
        var values: [String: Double] = [:]
        for key in numbers {
            let number: Double
            switch object[key] {
            case nil:
                if key == "macPicojoules" || key == "accumulatePicojoules" {
                    problems.append(ConfigProblem(keyPath: key, message: "missing; a preset gives at least macPicojoules and accumulatePicojoules"))
                }
                continue
            case .integer(let value)?: number = Double(value)
            case .number(let value)?: number = value
            case let other?:
                problems.append(ConfigProblem(keyPath: key, message: "expected a non-negative number of picojoules, got \(other.shortDescription)"))
                continue
            }
            guard number.isFinite && number >= 0 else {
                problems.append(ConfigProblem(keyPath: key, message: "expected a non-negative number of picojoules, got \(number)"))
                continue
            }
            values[key] = number
        }
        var strings: [String: String] = [:]
        for key in ["name", "source"] {
            switch object[key] {
            case nil: break
            case .string(let text)?: strings[key] = text
            case let other?: problems.append(ConfigProblem(keyPath: key, message: "expected a string, got \(other.shortDescription)"))
            }
        }
        guard problems.isEmpty else { throw ConfigFileError(path: file, problems: problems) }
        return EnergyModel(name: strings["name"] ?? "custom", macPicojoules: values["macPicojoules"] ?? 0,
                           accumulatePicojoules: values["accumulatePicojoules"] ?? 0,
                           neuronUpdatePicojoules: values["neuronUpdatePicojoules"] ?? 0,
                           spikePicojoules: values["spikePicojoules"] ?? 0,
                           memoryAccessPicojoules: values["memoryAccessPicojoules"] ?? 0,
                           source: strings["source"] ?? "")
    }

    /// `--predictions FILE`: each image's predicted class (argmax of the output potentials after
    /// `steps`, the first maximum on ties), and each population's spikes per step summed over the
    /// images, as JSON — what `Scripts/nir_compare.py` compares with other simulators.
    static func writePredictions(_ record: SimulationRecord, steps: Int, to file: String) throws {
        guard let outputs = record.outputs[steps] else { throw SpikeKitError.runtime("no output potentials after \(steps) steps") }
        let classes = outputs.shape[1]
        let predictions = (0..<outputs.shape[0]).map { n -> Int in
            let row = outputs.scalars[(n * classes)..<((n + 1) * classes)]
            return row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }! - n * classes
        }
        var spikes: [String: [Int64]] = [:]
        for (p, name) in record.populationNames.enumerated() { spikes[name] = record.spikes[p] }
        let json: [String: Any] = ["timeSteps": steps, "predictions": predictions, "spikesPerStep": spikes]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), to: URL(fileURLWithPath: file))
    }

    /// `--NAME <value>` as one of the enumeration's cases, else the checkpoint's recorded value, else `fallback`.
    static func choice<Choice: RawRepresentable & CaseIterable>(_ command: ParsedCommand, _ name: String, _ valueName: String,
                                                                recorded: String?, default fallback: Choice) throws -> Choice
    where Choice.RawValue == String {
        guard let value = command.string(name) else { return recorded.flatMap(Choice.init(rawValue:)) ?? fallback }
        guard let choice = Choice(rawValue: value) else {
            let names = Choice.allCases.map(\.rawValue)
            throw CommandLineUsageError("The value '\(value)' is invalid for '--\(name) <\(valueName)>': expected "
                                        + names.joined(separator: " or "), path: command.path)
        }
        return choice
    }

    // MARK: Text output

    static func table(_ r: Result, metadata: [String: String]) -> String {
        var out = "checkpoint: \(r.checkpoint)"
        var origin: [String] = []
        if let stage = r.stage { origin.append(stage == "stdb" ? "fine-tuned with STDB" : "\(stage) stage") }
        if let run = metadata["run"] { origin.append("run '\(run)'") }
        if let recipe = metadata["recipe"] { origin.append(recipe) }
        if !origin.isEmpty { out += " (" + origin.joined(separator: ", ") + ")" }
        out += "\nsimulated: \(r.testImages) \(r.dataset) test images, T = \(r.timeSteps), \(r.encoding) input, "
            + "\(r.ordering) ordering; test accuracy " + String(format: "%.2f %%", r.testAccuracy * 100) + "\n\n"

        var rows = [["layer", "neurons", "spikes/image", "spike rate", "synaptic ops/image", "ANN MACs/image"]]
        for l in r.layers {
            rows.append([l.name + (l.receivesDirectInput ? " (direct input)" : ""), RunReport.grouped(Double(l.neurons), integer: true),
                         RunReport.grouped(l.spikesPerImage), String(format: "%.4f", l.spikeRate), RunReport.grouped(l.synapticOpsPerImage),
                         RunReport.grouped(l.annMACsPerImage)])
        }
        rows.append(["total", RunReport.grouped(Double(r.layers.reduce(0) { $0 + $1.neurons }), integer: true),
                     RunReport.grouped(r.layers.reduce(0) { $0 + $1.spikesPerImage }), "",
                     RunReport.grouped(r.layers.reduce(0) { $0 + $1.synapticOpsPerImage }),
                     RunReport.grouped(r.layers.reduce(0) { $0 + $1.annMACsPerImage })])
        out += render(rows, ruleBefore: rows.count - 1) + "\n"

        var energy = [["preset", "ANN µJ/image", "SNN µJ/image", "ANN/SNN", "SNN µJ, first layer every step"]]
        for e in r.energy {
            energy.append([e.preset, String(format: "%.4f", e.annJoulesPerImage * 1e6), String(format: "%.4f", e.snnJoulesPerImage * 1e6),
                           String(format: "%.2f×", e.ratio),
                           e.snnJoulesPerImageFirstLayerEveryStep.map { String(format: "%.4f", $0 * 1e6) } ?? "–"])
        }
        out += render(energy, ruleBefore: nil)
        if let first = r.energy.first { out += "first layer: \(first.firstLayerAccounting)\n" }
        for e in r.energy where !e.formula.isEmpty { out += "\(e.preset): \(e.formula)\n" }
        return out
    }

    /// Columns padded to their widest cell: the first left-aligned, numbers right-aligned; a rule under
    /// the header and, when given, before row `ruleBefore`.
    static func render(_ rows: [[String]], ruleBefore: Int?) -> String {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        var lines: [String] = []
        for (index, row) in rows.enumerated() {
            if index == ruleBefore { lines.append(rule) }
            lines.append(row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  "))
            if index == 0 { lines.append(rule) }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
