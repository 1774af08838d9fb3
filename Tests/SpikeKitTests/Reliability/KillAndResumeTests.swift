import Foundation
import Testing
@testable import SpikeKit

/// A real `spikekit run`, killed with SIGKILL twice (during ANN training and during STDB
/// fine-tuning) and resumed each time, ends with the same report as an uninterrupted run.
@Suite(.serialized, .enabled(if: SpikeKitExecutable.url != nil, "the spikekit executable is not built next to the tests"))
struct KillAndResumeTests {
    /// Three ANN epochs and three STDB epochs on 1,000 bundled images: about a second in all, each
    /// epoch long enough (≥ 0.1 s) for the kill to land before the next one ends.
    static let config = #"""
        {"seed": 7, "data": {"trainLimit": 1000, "testLimit": 50}, "model": {"architecture": "mlp"},
         "training": {"epochs": 3, "batchSize": 50},
         "conversion": {"calibrationImages": 10, "balancingSteps": 8},
         "simulation": {"timeSteps": [2, 4], "testLimit": 50},
         "stdb": {"timeSteps": 4, "epochs": 3, "batchSize": 50, "learningRate": 0.001}, "energy": {}}
        """#

    /// Starts `spikekit run` on `config` into `output`, waits until `file` appears in it, kills the
    /// process with SIGKILL and returns whether it was still running (killed, not finished).
    func runAndKill(config: URL, output: URL, resume: Bool, when file: String, log: URL) throws -> Bool {
        let process = Process()
        guard let executable = SpikeKitExecutable.url else { throw SpikeKitError.runtime("no spikekit executable") }
        process.executableURL = executable
        process.arguments = ["run", config.path, "--output", output.path, "--threads", "1"] + (resume ? ["--resume"] : [])
        try Data().write(to: log)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let target = output.appendingPathComponent(file).path
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && !FileManager.default.fileExists(atPath: target) && Date() < deadline {
            usleep(1000)
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    func finish(config: URL, output: URL, resume: Bool) throws -> RunReport {
        var arguments = ["run", config.path, "--output", output.path, "--threads", "1", "--quiet"]
        if resume { arguments.append("--resume") }
        let result = try SpikeKitExecutable.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try RunReport.load(from: output)
    }

    @Test func killedRunsResumeToTheUninterruptedReport() throws {
        let folder = TemporaryDirectory()
        let config = URL(fileURLWithPath: try folder.write(Array(Self.config.utf8), to: "kill.json"))
        let reference = try finish(config: config, output: folder.url.appendingPathComponent("straight"), resume: false)

        let output = folder.url.appendingPathComponent("killed")
        let log = folder.url.appendingPathComponent("log.txt")
        // Kill 1: once the checkpoint of the first ANN epoch exists.
        let killedInTraining = try runAndKill(config: config, output: output, resume: false, when: RunFiles.annCheckpoint, log: log)
        #expect(killedInTraining, "the run ended before the kill: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent(RunFiles.report).path))
        let (_, annMetadata) = try NetworkCheckpoint.load(from: output.appendingPathComponent(RunFiles.annCheckpoint))
        let epoch = try #require(Int(annMetadata["epoch"] ?? ""))
        #expect((1...3).contains(epoch))
        // The optimizer state of the checkpoint's epoch is on disk whenever the kill landed.
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(RunFiles.annOptimizerState(epoch: epoch)).path))

        // Kill 2: the resumed run, once the first STDB epoch is saved.
        let killedInSTDB = try runAndKill(config: config, output: output, resume: true, when: RunFiles.fineTunedSNN, log: log)
        #expect(killedInSTDB, "the resumed run ended before the kill: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        let resumedLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(resumedLog.contains("ANN: resuming after epoch \(epoch)"), "\(resumedLog)")
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent(RunFiles.report).path))

        let resumed = try finish(config: config, output: output, resume: true)
        #expect(resumed == reference)
        #expect(resumed.ann?.perEpoch?.count == 3 && resumed.stdb?.epochs == 3)
        // The simulations' counts, checked field by field for a readable failure.
        for (a, b) in zip(resumed.simulations, reference.simulations) {
            #expect(a.testAccuracy == b.testAccuracy && a.layers == b.layers, "\(a.stage) T = \(a.timeSteps)")
        }
        // No temporary file of an interrupted write is left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
