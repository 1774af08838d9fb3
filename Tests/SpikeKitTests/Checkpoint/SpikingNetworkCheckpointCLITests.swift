import Foundation
import Testing
@testable import SpikeKit

/// `spikekit energy` run as a user runs it, on a network saved by a real run: its numbers are the
/// library's (simulation, operation counts, `EnergyEstimate`), and its usage errors exit 64.
@Suite(.serialized, .enabled(if: SpikeKitExecutable.url != nil, "the spikekit executable is not built next to the tests"))
struct SpikingNetworkCheckpointCLITests {
    typealias T = ConfigTestSupport

    typealias Result = SpikeKitExecutable.Result

    func spikekit(_ arguments: [String]) throws -> Result {
        try SpikeKitExecutable.run(arguments)
    }

    /// A converted network saved by a run of the tiny config, in `folder`.
    func savedNetwork(in folder: URL) throws -> URL {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let config = try T.decode(T.tinyRunJSON, name: "energy")
        let silent = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })
        let output = folder.appendingPathComponent("run")
        _ = try ExperimentRunner(config: config, configURL: nil, options: RunOptions(output: output.path, threads: 2),
                                 progress: silent).run()
        return output.appendingPathComponent(RunFiles.convertedSNN)
    }

    struct Printed: Decodable {
        var dataset: String
        var testImages: Int
        var timeSteps: Int
        var encoding: String
        var ordering: String
        var testAccuracy: Double
        var layers: [LayerOperationCounts]
        var energy: [EnergyEstimate]
    }

    @Test func energyOfASavedNetworkIsTheLibrarysEstimate() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try savedNetwork(in: folder)
        let result = try spikekit(["energy", "--checkpoint", checkpoint.path, "--images", "12", "--json", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let printed = try JSONDecoder().decode(Printed.self, from: Data(result.stdout.utf8))
        // T, encoding and ordering default to what the run recorded.
        #expect(printed.timeSteps == 4 && printed.encoding == "direct" && printed.ordering == "delayed")
        #expect(printed.dataset == "fashion-mnist" && printed.testImages == 12)
        #expect(printed.energy.map(\.preset) == EnergyModel.presets.map(\.name))

        // The same twelve images simulated here.
        let (network, _) = try SpikingNetworkCheckpoint.load(from: checkpoint)
        let test = try DatasetLoader.load(name: "fashion-mnist").test
        let record = try EventScheduler(network: network).run(
            images: test.makeBatch(indices: 0..<12).images,
            options: SimulationOptions(timeSteps: 4, encoding: .direct, ordering: .delayed, seed: 1))
        let counts = OperationCounts.from(record: record, network: network, timeSteps: 4, encoding: .direct)
        #expect(printed.layers == counts.layers)
        #expect(printed.energy == EnergyModel.presets.map { EnergyEstimate(counts: counts, model: $0) })
        #expect(printed.testAccuracy == Double(record.correct(labels: Array(test.labels.prefix(12)), steps: 4)) / 12)
        #expect(counts.synapticOpsPerImage > 0)

        // The table names every layer and preset; one preset prints one row.
        let table = try spikekit(["energy", "--checkpoint", checkpoint.path, "--images", "12", "--steps", "2", "--quiet"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("T = 2, direct input, delayed ordering"))
        for name in network.synapses.map(\.name) + EnergyModel.presets.map(\.name) { #expect(table.stdout.contains(name), "\(name)") }
        let loihi = try spikekit(["energy", "--checkpoint", checkpoint.path, "--images", "4", "--preset", "loihi", "--quiet"])
        #expect(loihi.status == 0 && loihi.stdout.contains("loihi") && !loihi.stdout.contains("truenorth"))
    }

    @Test func presetFileIsReadAndChecked() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try savedNetwork(in: folder)
        let preset = folder.appendingPathComponent("mine.json")
        try Data(#"{"name": "mine", "macPicojoules": 2, "accumulatePicojoules": 0.5, "spikePicojoules": 1}"#.utf8).write(to: preset)
        let result = try spikekit(["energy", "--checkpoint", checkpoint.path, "--images", "5", "--encoding", "poisson",
                                   "--preset-file", preset.path, "--json", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let printed = try JSONDecoder().decode(Printed.self, from: Data(result.stdout.utf8))
        #expect(printed.encoding == "poisson" && printed.energy.map(\.preset) == ["mine"])
        let energy = try #require(printed.energy.first)
        let ops = printed.layers.reduce(0) { $0 + $1.synapticOpsPerImage }
        let spikes = printed.layers.reduce(0) { $0 + $1.spikesPerImage }
        let macs = printed.layers.reduce(0) { $0 + $1.annMACsPerImage }
        // Poisson input: no first-layer MACs; every layer pays per synaptic op, and spikes cost 1 pJ.
        #expect(abs(energy.snnJoulesPerImage - (ops * 0.5 + spikes) * 1e-12) <= 1e-9 * energy.snnJoulesPerImage)
        #expect(abs(energy.annJoulesPerImage - macs * 2e-12) <= 1e-9 * energy.annJoulesPerImage)

        try Data(#"{"macPicojoules": "two", "accumulatePicojoule": 0.5}"#.utf8).write(to: preset)
        let bad = try spikekit(["energy", "--checkpoint", checkpoint.path, "--preset-file", preset.path])
        #expect(bad.status == 64 && bad.stdout.isEmpty)
        #expect(bad.stderr == """
            error: \(preset.path) has 3 problems:
              - accumulatePicojoule: unknown key; did you mean `accumulatePicojoules`?
              - macPicojoules: expected a non-negative number of picojoules, got "two"
              - accumulatePicojoules: missing; a preset gives at least macPicojoules and accumulatePicojoules

            """)
    }

    @Test func usageErrorsExit64AndBadCheckpointsExit1() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try savedNetwork(in: folder)
        let hint = "See 'spikekit energy --help'.\n"
        let cases: [([String], String)] = [
            ([], "error: Missing value for '--checkpoint <file>'\n"),
            (["--checkpoint", folder.appendingPathComponent("none.safetensors").path],
             "error: The checkpoint '\(folder.appendingPathComponent("none.safetensors").path)' does not exist\n"),
            (["--checkpoint", checkpoint.path, "--preset", "loihy"],
             "error: The value 'loihy' is invalid for '--preset <name>': expected one of cmos45nm-fp32, cmos45nm-int8, loihi, truenorth. Did you mean 'loihi'?\n"),
            (["--checkpoint", checkpoint.path, "--preset", "loihi", "--preset-file", "p.json"],
             "error: Use either '--preset <name>' or '--preset-file <json>', not both\n"),
            (["--checkpoint", checkpoint.path, "--encoding", "rate"],
             "error: The value 'rate' is invalid for '--encoding <name>': expected poisson or direct\n"),
            (["--checkpoint", checkpoint.path, "--steps", "0"],
             "error: The value '0' is invalid for '--steps <T>': expected a positive integer\n"),
            (["--checkpoint", checkpoint.path, "--step", "3"], "error: Unknown option '--step'. Did you mean '--steps'?\n"),
        ]
        for (arguments, message) in cases {
            let result = try spikekit(["energy"] + arguments)
            #expect(result.status == 64 && result.stdout.isEmpty, "\(arguments): \(result.stderr)")
            #expect(result.stderr == message + hint, "\(arguments)")
        }
        let cifar = try spikekit(["energy", "--checkpoint", checkpoint.path, "--dataset", "cifar10"])
        #expect(cifar.status == 64 && cifar.stderr.contains("needs a data directory") && cifar.stderr.contains("'--data-dir <dir>'"))

        // A file that is not a spiking network is a runtime failure naming the file.
        let ann = checkpoint.deletingLastPathComponent().appendingPathComponent(RunFiles.annCheckpoint)
        let wrong = try spikekit(["energy", "--checkpoint", ann.path])
        #expect(wrong.status == 1 && wrong.stderr.hasPrefix("error: checkpoint \(ann.path): not a SpikeKit spiking-network checkpoint"))
    }
}
