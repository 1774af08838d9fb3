import Foundation
import Testing
@testable import SpikeKit

/// The built `spikekit` executable, run as a user runs it: exit statuses, and what goes to standard
/// output and standard error. Skipped when the executable is not next to the test bundle.
@Suite(.serialized, .enabled(if: SpikeKitExecutable.url != nil, "the spikekit executable is not built next to the tests"))
struct CLIToolTests {
    typealias T = ConfigTestSupport

    typealias Result = SpikeKitExecutable.Result

    func spikekit(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        try SpikeKitExecutable.run(arguments, in: directory)
    }

    @Test func versionAndHelp() throws {
        let version = try spikekit(["--version"])
        #expect(version.status == 0 && version.stdout == spikeKitVersion + "\n" && version.stderr.isEmpty)
        let help = try spikekit(["run", "--help"])
        #expect(help.status == 0 && help.stderr.isEmpty)
        #expect(help.stdout == SpikeKitCommands.run.helpText(path: ["spikekit", "run"]))
        let root = try spikekit([])
        #expect(root.status == 0 && root.stdout.contains("SUBCOMMANDS:"))
        let bench = try spikekit(["bench"])
        #expect(bench.status == 0 && bench.stdout.hasPrefix("OVERVIEW: Measure"))
    }

    @Test func usageErrorsExit64WithOneLineAndAHint() throws {
        let missing = try spikekit(["run"])
        #expect(missing.status == 64 && missing.stdout.isEmpty)
        #expect(missing.stderr == "error: Missing argument CONFIG\nSee 'spikekit run --help'.\n")
        let unknown = try spikekit(["validate", "x.json", "--quite"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "error: Unknown option '--quite'.\nSee 'spikekit validate --help'.\n")
        let noValue = try spikekit(["run", "x.json", "--output"])
        #expect(noValue.status == 64 && noValue.stderr.hasPrefix("error: Missing value for '--output <dir>'\n"))
        let noFile = try spikekit(["run", "/no/such/config.json"])
        #expect(noFile.status == 64 && noFile.stderr.hasPrefix("error: The config file '/no/such/config.json' does not exist\n"))
        let schema = try spikekit(["config"])
        #expect(schema.status == 64 && schema.stderr.hasPrefix("error: Missing option '--schema'\n"))
    }

    @Test func validateReportsEveryProblemOnStandardError() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.json")
        try Data(#"{"simulation": {"timeStep": [8], "leak": 2}, "stdb": {}}"#.utf8).write(to: file)
        let result = try spikekit(["validate", file.path])
        #expect(result.status == 64 && result.stdout.isEmpty)
        #expect(result.stderr == """
            error: \(file.path) has 3 problems:
              - simulation.timeStep: unknown key; did you mean `simulation.timeSteps`?
              - simulation.leak: expected a number in (0, 1], got 2
              - stdb: STDB fine-tunes a converted network; add a `conversion` section

            """)
        try Data("{\n  \"seed\": ,\n}".utf8).write(to: file)
        let broken = try spikekit(["validate", file.path])
        #expect(broken.status == 64)
        #expect(broken.stderr.hasPrefix("error: \(file.path): not valid JSON"))
        #expect(broken.stderr.contains("line 2"))
    }

    @Test func validatePrintsTheSummaryOfAShippedConfig() throws {
        let result = try spikekit(["validate", "Configs/quickstart.json"], in: ConfigTestSupport.packageRoot)
        #expect(result.status == 0 && result.stderr.isEmpty)
        #expect(result.stdout.hasPrefix("Configs/quickstart.json is valid\n"))
        #expect(result.stdout.contains("simulation  T = 8, 16, 32"))
    }

    @Test func schemaIsPrinted() throws {
        let result = try spikekit(["config", "--schema"])
        #expect(result.status == 0 && result.stdout == ConfigSchema.markdown())
    }

    @Test func runWritesItsFolderAndPrintsOnlyResults() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tiny.json")
        try Data(ConfigTestSupport.tinyRunJSON.utf8).write(to: file)
        let output = folder.appendingPathComponent("out")
        let result = try spikekit(["run", file.path, "--output", output.path, "--threads", "1", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(result.stdout.hasSuffix("results: \(output.path)\n"))
        let report = try RunReport.load(from: output)
        #expect(report.name == "tiny" && report.threads == 1)
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("config.effective.json").path))
        // Running again into the same folder is refused (64) unless resuming.
        let again = try spikekit(["run", file.path, "--output", output.path, "--quiet"])
        #expect(again.status == 64 && again.stderr.contains("--resume"))
        let resumed = try spikekit(["run", file.path, "--output", output.path, "--resume"])
        #expect(resumed.status == 0)
        #expect(resumed.stderr.contains("results: \(output.path)"))  // progress goes to standard error
    }

    @Test func runtimeFailuresExit1() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("c.json")
        try Data("{}".utf8).write(to: file)
        // The run folder cannot be created inside a regular file.
        let blocker = folder.appendingPathComponent("blocker")
        try Data().write(to: blocker)
        let result = try spikekit(["run", file.path, "--output", blocker.appendingPathComponent("run").path, "--quiet"])
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr == "error: \(blocker.path)/run: cannot create the run folder (Not a directory)\n")
    }

    @Test func importTurnsNumPyWeightsIntoACheckpointAndRefusesWrongShapes() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The MLP on 1×2×2 images: weights [512, 4], [512, 512], [10, 512] in PyTorch layout.
        let shapes = [[512, 4], [512, 512], [10, 512]]
        for (k, shape) in shapes.enumerated() {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { Float(($0 * 7 + k) % 13) / 13 - 0.5 }
            try NumPy.write(Tensor(shape: shape, scalars: values), to: folder.appendingPathComponent("\(k)_w.npy"))
        }
        let out = folder.appendingPathComponent("mlp.safetensors")
        let result = try spikekit(["import", "--model", "mlp", "--npy-dir", folder.path, "--out", out.path, "--input", "1x2x2"])
        #expect(result.status == 0, "\(result.stderr)")
        let (network, _) = try NetworkCheckpoint.load(from: out)
        let linear = try #require(network.layers.compactMap { $0 as? Linear }.first)
        #expect(linear.weight.value.shape == [512, 4])
        #expect(linear.weight.value.scalars[5] == Float((5 * 7 + 0) % 13) / 13 - 0.5)
        // A wrong shape is refused with the layer and both shapes.
        try NumPy.write(Tensor(shape: [10, 511]), to: folder.appendingPathComponent("2_w.npy"))
        let wrong = try spikekit(["import", "--model", "mlp", "--npy-dir", folder.path, "--out", out.path, "--input", "1x2x2"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("[10, 512]") && wrong.stderr.contains("[10, 511]"), "\(wrong.stderr)")
        let missing = try spikekit(["import", "--model", "mlp", "--out", out.path])
        #expect(missing.status == 64 && missing.stderr.contains("--npy-dir"))
    }

    @Test func importByNameChecksTheOutputsAndWritesNothingWhenTheyDiffer() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // An MLP state dict under PyTorch's Sequential names, renamed by a mapping file.
        let spec = try Architectures.spec(named: "mlp", inputShape: [1, 2, 2], classes: 10)
        let source = try Network(spec: spec, inputShape: [1, 2, 2], seed: 4)
        let names = ["fc1": "1", "fc2": "3", "fc3": "5"]
        let tensors = source.parameters.map { p in (name: names[String(p.name.split(separator: ".")[0])]! + ".weight", tensor: p.value) }
        let stateDict = folder.appendingPathComponent("state_dict.safetensors")
        try Safetensors.write(Safetensors.Contents(tensors: tensors), to: stateDict)
        let mapping = folder.appendingPathComponent("mapping.json")
        try JSONEncoder().encode(names).write(to: mapping)
        let inputs = Tensor(shape: [3, 1, 2, 2], scalars: (0..<12).map { Float($0) / 12 })
        try NumPy.write(inputs, to: folder.appendingPathComponent("x.npy"))
        var logits = source.forward(inputs, training: false)
        try NumPy.write(logits, to: folder.appendingPathComponent("y.npy"))
        let out = folder.appendingPathComponent("ann.safetensors")
        let arguments = ["import", "--model", "mlp", "--input", "1x2x2", "--state-dict", stateDict.path, "--mapping", mapping.path,
                         "--check-inputs", folder.appendingPathComponent("x.npy").path,
                         "--check-outputs", folder.appendingPathComponent("y.npy").path, "--out", out.path]
        let good = try spikekit(arguments)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("predictions agree on 3 of 3 inputs"), "\(good.stdout)")
        #expect(try NetworkCheckpoint.load(from: out).network.parameters.map(\.value) == source.parameters.map(\.value))
        try FileManager.default.removeItem(at: out)
        logits.scalars[4] += 1
        try NumPy.write(logits, to: folder.appendingPathComponent("y.npy"))
        let bad = try spikekit(arguments)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("does not reproduce the given outputs") && bad.stderr.contains("--check-layers"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func reportReRendersAFinishedRun() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tiny.json")
        try Data(ConfigTestSupport.tinyRunJSON.utf8).write(to: file)
        let output = folder.appendingPathComponent("out")
        #expect(try spikekit(["run", file.path, "--output", output.path, "--quiet"]).status == 0)
        let plot = output.appendingPathComponent(RunOutputs.accuracyPlot)
        try FileManager.default.removeItem(at: plot)
        let result = try spikekit(["report", output.path])
        #expect(result.status == 0 && result.stdout.contains("conversion"))
        #expect(FileManager.default.fileExists(atPath: plot.path))
        for name in [RunOutputs.summaryCSV, RunOutputs.layersCSV, RunOutputs.spikeRatePlot, RunOutputs.energyPlot] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "\(name)")
        }
    }
}

/// Where the `spikekit` executable under test is.
enum SpikeKitExecutable {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the executable with `arguments` (in `directory`; `environment` replaces the inherited
    /// variables when given) and collects its exit status and output.
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        guard let executable = url else { throw SpikeKitError.runtime("no spikekit executable") }
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting, so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// `spikekit` in the folder of the test bundle (SwiftPM builds both into the same products folder).
    static let url: URL? = {
        var folders: [URL] = []
        if let first = CommandLine.arguments.first {
            folders.append(URL(fileURLWithPath: first).resolvingSymlinksInPath().deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            folders.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for folder in folders {
            let candidate = folder.appendingPathComponent("spikekit")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()
}
