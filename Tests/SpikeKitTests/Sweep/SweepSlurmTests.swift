import Foundation
import Testing
@testable import SpikeKit

/// Whether the Slurm daemons and commands the test needs are installed.
enum SlurmTools {
    static let tools = ["slurmctld", "slurmd", "sbatch", "sinfo"]

    static func which(_ tool: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/usr/bin:/sbin"
        return path.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let installed = tools.allSatisfy { which($0) != nil }
}

/// The array job `spikekit sweep --slurm` writes, submitted to a real Slurm: a single-node cluster
/// (slurmctld + slurmd on this machine, `Scripts/slurm-single-node.sh`) started for the test and
/// stopped after it. Runs where Debian's `slurm-wlm` is installed; skipped elsewhere.
@Suite(.serialized, .enabled(if: SlurmTools.installed && SpikeKitExecutable.url != nil,
                             "Slurm is not installed (apt-get install slurm-wlm) or spikekit is not built next to the tests"))
struct SweepSlurmTests {

    static func shell(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment
        variables["PATH"] = (variables["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        for (name, value) in environment { variables[name] = value }
        process.environment = variables
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test func theGeneratedArrayJobRunsEveryPointUnderSlurm() throws {
        let folder = TemporaryDirectory("spikekit-slurm")
        let cluster = folder.url.appendingPathComponent("cluster")
        let script = ConfigTestSupport.packageRoot.appendingPathComponent("Scripts/slurm-single-node.sh").path
        // Ports of our own, so parallel test runs on one machine do not meet.
        let port = String(20000 + Int(getpid() % 20000) * 2 % 20000)
        let environment = ["SLURM_CONF": cluster.appendingPathComponent("slurm.conf").path, "SLURM_SINGLE_PORT": port]
        let started = try Self.shell([script, "start", cluster.path], environment: environment)
        defer { _ = try? Self.shell([script, "stop", cluster.path], environment: environment) }
        try #require(started.status == 0, "the single-node Slurm did not start: \(started.output)")

        let config = try folder.write(Array(SweepCommandTests.config
            .replacingOccurrences(of: #""conversion.scale": [0.6, 0.7, 0.8], "simulation.timeSteps": [2, 4, 8, 16]}"#,
                                  with: #""conversion.scale": [0.6, 0.8], "simulation.timeSteps": [2, 8]}, "slurm": {"cpusPerTask": 1, "memory": "1G", "time": "00:05:00"}"#)
            .utf8), to: "slurm.json")
        let sweepFolder = folder.url.appendingPathComponent("sweep")
        let written = try SweepCommandTests.spikekit(["sweep", config, "--slurm", "--output", sweepFolder.path], in: folder.url)
        #expect(written.status == 0, "\(written.stderr)")
        let batch = sweepFolder.appendingPathComponent(SweepPlan.slurmScriptFile).path
        let submitted = try Self.shell(["sbatch", "--parsable", batch], environment: environment)
        try #require(submitted.status == 0, "sbatch: \(submitted.output)")
        // Polled here: `sbatch --wait` checks only every few seconds.
        let job = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let queue = try Self.shell(["squeue", "-h", "-j", job, "-o", "%i"], environment: environment)
            if queue.status == 0 && queue.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { break }
            usleep(200_000)
        }

        // Every point ran as its own array task, and its report is the one `--task` writes.
        let plan = try SweepPlan.load(from: URL(fileURLWithPath: config), output: sweepFolder.path)
        let reference = folder.url.appendingPathComponent("reference")
        for point in plan.points {
            let log = sweepFolder.appendingPathComponent("logs").path
            let logs = (try? FileManager.default.contentsOfDirectory(atPath: log)) ?? []
            #expect(logs.contains { $0.hasSuffix("_\(point.index).out") }, "no Slurm log of task \(point.index) in \(logs)")
            let task = try SweepCommandTests.spikekit(["sweep", config, "--task", String(point.index), "--output", reference.path,
                                                       "--threads", "1", "--quiet"])
            #expect(task.status == 0, "\(task.stderr)")
            let underSlurm = try RunReport.load(from: plan.pointDirectory(point))
            let alone = try RunReport.load(from: reference.appendingPathComponent("points").appendingPathComponent(point.name))
            #expect(underSlurm == alone, "point \(point.name)")
        }
    }
}
