import Foundation
import Testing
@testable import SpikeKit

/// The runner's contract with the CLI: folders, effective config, report, resume. Serialized because
/// a run sets the process-wide thread count.
@Suite(.serialized) struct CLIRunnerTests {
    typealias T = ConfigTestSupport

    static let silent = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })

    func config(in folder: URL, _ json: String = ConfigTestSupport.tinyRunJSON) throws -> ExperimentConfig {
        var config = try T.decode(json, name: "unit")
        config.output.directory = folder.appendingPathComponent("results").path
        return config
    }

    func run(_ config: ExperimentConfig, _ options: RunOptions = RunOptions(), at date: Date = Date(timeIntervalSince1970: 0))
    throws -> (RunReport, URL) {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        return try ExperimentRunner(config: config, configURL: nil, options: options, progress: Self.silent, startDate: date).run()
    }

    @Test func runCreatesATimestampedFolderWithEffectiveConfigAndReport() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try config(in: folder)
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let (report, directory) = try run(config, at: date)
        let stamp = ExperimentRunner.timestamp(date)
        #expect(stamp.count == 15 && stamp.dropFirst(8).first == "-")
        #expect(directory.path == folder.appendingPathComponent("results/unit-\(stamp)").path)
        let effective = try String(contentsOf: directory.appendingPathComponent("config.effective.json"), encoding: .utf8)
        #expect(effective == config.effectiveJSON())
        let loaded = try RunReport.load(from: directory)
        #expect(loaded == report)
        #expect(report.name == "unit" && report.seed == 1 && report.configHash == config.configHash)
        #expect(report.spikekitVersion == spikeKitVersion)
        #expect(report.threads == Parallel.coreCount)
        // A second run started in the same second gets its own folder.
        let (_, second) = try run(config, at: date)
        #expect(second.lastPathComponent == "unit-\(stamp)-2")
    }

    @Test func threadsOptionOverridesTheConfigAndIsRecorded() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = try config(in: folder)
        config.simulation?.threads = 3
        let output = folder.appendingPathComponent("run").path
        let (report, directory) = try run(config, RunOptions(output: output, threads: 1))
        #expect(directory.path == output)
        #expect(report.threads == 1)
        let effective = try ExperimentConfig.load(from: directory.appendingPathComponent("config.effective.json"))
        #expect(effective.simulation?.threads == 1)
        let (fromConfig, _) = try run(config, RunOptions(output: folder.appendingPathComponent("run2").path))
        #expect(fromConfig.threads == 3)
    }

    @Test func outputFolderIsNotReusedWithoutResume() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try config(in: folder)
        let output = folder.appendingPathComponent("run").path
        _ = try run(config, RunOptions(output: output))
        #expect(throws: SpikeKitError.usage("\(output) already holds a run; pass --resume to continue it, or choose another --output")) {
            try run(config, RunOptions(output: output))
        }
        let (_, resumed) = try run(config, RunOptions(output: output, threads: 2, resume: true))
        #expect(resumed.path == output)
    }

    @Test func resumeRefusesAChangedConfig() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try config(in: folder)
        let output = folder.appendingPathComponent("run").path
        _ = try run(config, RunOptions(output: output))
        var changed = config
        changed.seed = 2
        #expect(throws: SpikeKitError.self) { try run(changed, RunOptions(output: output, resume: true)) }
        #expect(throws: SpikeKitError.usage("\(folder.appendingPathComponent("empty").path) holds no run to resume (no config.effective.json)")) {
            try run(config, RunOptions(output: folder.appendingPathComponent("empty").path, resume: true))
        }
    }

    @Test func resumeWithoutOutputFindsTheLatestRun() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try config(in: folder)
        let (_, first) = try run(config, at: Date(timeIntervalSince1970: 1_000_000))
        let (_, second) = try run(config, at: Date(timeIntervalSince1970: 2_000_000))
        let (_, third) = try run(config, at: Date(timeIntervalSince1970: 2_000_000))
        #expect(first != second && third.lastPathComponent.hasSuffix("-2"))
        // A folder of another config, or without an effective config, is never picked.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("results/unit-99991231-235959"),
                                                withIntermediateDirectories: true)
        let (_, resumed) = try run(config, RunOptions(resume: true))
        #expect(resumed.path == third.path)
        var other = config
        other.name = "other"
        #expect(throws: SpikeKitError.self) { try run(other, RunOptions(resume: true)) }
    }

    @Test func invalidConfigIsRefusedBeforeAnyFolderIsMade() throws {
        let folder = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = try config(in: folder)
        config.simulation?.timeSteps = [0]
        #expect(throws: SpikeKitError.config([ConfigProblem(keyPath: "simulation.timeSteps[0]", message: "expected a positive integer, got 0")])) {
            try run(config)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("results").path))
    }
}
