import Foundation
import Testing
@testable import SpikeKit

/// `spikekit sweep` and `spikekit collect` end to end on a tiny CNN-S conversion sweep (bundled
/// data, one training epoch on 200 images, 40 test images: about a second for all 12 points).
@Suite(.serialized, .enabled(if: SpikeKitExecutable.url != nil, "the spikekit executable is not built next to the tests"))
struct SweepCommandTests {
    static let config = #"""
        {"name": "tiny", "seed": 3, "data": {"trainLimit": 200, "testLimit": 40}, "model": {"architecture": "cnn-s"},
         "training": {"epochs": 1, "batchSize": 50}, "conversion": {"calibrationImages": 10, "balancingSteps": 8},
         "simulation": {"timeSteps": [4], "testLimit": 40}, "energy": {},
         "sweep": {"values": {"conversion.scale": [0.6, 0.7, 0.8], "simulation.timeSteps": [2, 4, 8, 16]}}}
        """#

    typealias Result = SpikeKitExecutable.Result

    /// Runs spikekit with `arguments` and extra environment variables (never an inherited
    /// SLURM_ARRAY_TASK_ID, which would pick a point).
    static func spikekit(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> Result {
        var variables = ProcessInfo.processInfo.environment
        variables.removeValue(forKey: "SLURM_ARRAY_TASK_ID")
        for (name, value) in environment { variables[name] = value }
        return try SpikeKitExecutable.run(arguments, in: directory, environment: variables)
    }

    func inode(_ url: URL) throws -> UInt64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
    }

    @Test func twelvePointsWithTwoJobsShareOneANNAndMatchTheSlurmTasks() throws {
        let folder = TemporaryDirectory()
        let config = try folder.write(Array(Self.config.utf8), to: "tiny.json")
        let jobs = folder.url.appendingPathComponent("jobs")
        let listing = try Self.spikekit(["sweep", config, "--list", "--output", jobs.path])
        #expect(listing.status == 0, "\(listing.stderr)")
        let lines = listing.stdout.split(separator: "\n")
        #expect(lines.count == 14 && lines[0] == "12 points of sweep tiny in \(jobs.path)")
        #expect(lines[2].hasPrefix("0      pending   scale-0.6_timeSteps-2 ") && lines[2].hasSuffix("conversion.scale=0.6 simulation.timeSteps=2"))

        let run = try Self.spikekit(["sweep", config, "--jobs", "2", "--output", jobs.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("12 points, 0 finished, 12 to run, 2 at a time"))
        #expect(run.stderr.contains("[12/12]"))
        let plan = try SweepPlan.load(from: URL(fileURLWithPath: config), output: jobs.path)
        let reports = try plan.points.map { try RunReport.load(from: plan.pointDirectory($0)) }
        #expect(reports.count == 12)
        // One ANN trained, linked (not copied) into every point, whose report still has its training record.
        let anns = try FileManager.default.contentsOfDirectory(atPath: jobs.appendingPathComponent("ann").path)
        #expect(anns.count == 1)
        let shared = jobs.appendingPathComponent("ann").appendingPathComponent(anns[0]).appendingPathComponent(RunFiles.annCheckpoint)
        for point in plan.points {
            #expect(try inode(plan.pointDirectory(point).appendingPathComponent(RunFiles.annCheckpoint)) == inode(shared))
        }
        #expect(Set(reports.compactMap { $0.ann?.testAccuracy }).count == 1)
        #expect(reports.allSatisfy { $0.ann?.perEpoch?.count == 1 })
        #expect(reports.map { $0.simulations.map(\.timeSteps) } == [[2], [4], [8], [16], [2], [4], [8], [16], [2], [4], [8], [16]])
        #expect(reports[5].conversion?.recipe == "threshold-balancing")

        // Finished points are skipped.
        let again = try Self.spikekit(["sweep", config, "--task", "5", "--output", jobs.path])
        #expect(again.status == 0 && again.stdout.hasPrefix("point 5 (scale-0.7_timeSteps-4) had finished before"))

        // The same points as Slurm array tasks, one process each, give the same reports byte for byte.
        let tasks = folder.url.appendingPathComponent("tasks")
        for index in 0..<12 {
            let task = try Self.spikekit(["sweep", config, "--output", tasks.path, "--threads", "1", "--quiet"],
                                         environment: ["SLURM_ARRAY_TASK_ID": String(index)])
            #expect(task.status == 0, "\(task.stderr)")
        }
        for point in plan.points {
            let a = try Data(contentsOf: plan.pointDirectory(point).appendingPathComponent(RunFiles.report))
            let b = try Data(contentsOf: tasks.appendingPathComponent("points").appendingPathComponent(point.name)
                .appendingPathComponent(RunFiles.report))
            #expect(a == b, "point \(point.name)")
        }

        // A point's report is that of a separate `spikekit run` of the point's config.
        let single = try folder.write(Array(#"""
            {"name": "tiny-scale-0.7_timeSteps-8", "seed": 3, "data": {"trainLimit": 200, "testLimit": 40}, "model": {"architecture": "cnn-s"},
             "training": {"epochs": 1, "batchSize": 50}, "conversion": {"calibrationImages": 10, "balancingSteps": 8, "scale": 0.7},
             "simulation": {"timeSteps": [8], "testLimit": 40}, "energy": {}}
            """#.utf8), to: "single.json")
        let direct = folder.url.appendingPathComponent("direct")
        let alone = try Self.spikekit(["run", single, "--output", direct.path, "--threads", "1", "--quiet"])
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(try RunReport.load(from: direct) == reports[6])

        // collect: one row per point, CSV, JSON and a plot per swept key and metric.
        let collected = try Self.spikekit(["collect", jobs.path])
        #expect(collected.status == 0, "\(collected.stderr)")
        let csv = try String(contentsOf: jobs.appendingPathComponent(SweepTable.csvFile), encoding: .utf8)
        #expect(collected.stdout == csv)
        let rows = csv.split(separator: "\n")
        #expect(rows.count == 13)
        #expect(rows[0].hasPrefix("point,conversion.scale,simulation.timeSteps,stage,timeSteps,testAccuracy,"))
        #expect(rows[7].hasPrefix("scale-0.7_timeSteps-8,0.7,8,conversion,8,"))
        for metric in ["accuracy", "energy"] {
            for key in plan.keyPaths {
                let svg = try String(contentsOf: jobs.appendingPathComponent(SweepTable.chartFile(metric, key)), encoding: .utf8)
                #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"), "\(metric) vs \(key)")
            }
        }
        let table = try JSONValue.parse(Data(contentsOf: jobs.appendingPathComponent(SweepTable.jsonFile)))
        guard case .object(let members) = table, case .array(let jsonRows)? = members["rows"] else {
            Issue.record("sweep-results.json has no rows")
            return
        }
        #expect(jsonRows.count == 12)
    }

    /// Two array tasks that start together and need the same ANN: one trains it under the lock, the
    /// other waits and uses it. A finished point whose config has changed since is refused.
    @Test func concurrentTasksTrainTheSharedANNOnce() throws {
        let folder = TemporaryDirectory()
        let config = try folder.write(Array(Self.config.utf8), to: "tiny.json")
        let out = folder.url.appendingPathComponent("out")
        guard let executable = SpikeKitExecutable.url else { throw SpikeKitError.runtime("no spikekit executable") }
        let processes = try [0, 7].map { index -> Process in
            let process = Process()
            process.executableURL = executable
            process.arguments = ["sweep", config, "--task", String(index), "--output", out.path, "--threads", "1", "--quiet"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        let anns = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("ann").path)
        #expect(anns.count == 1)
        let plan = try SweepPlan.load(from: URL(fileURLWithPath: config), output: out.path)
        #expect(plan.status(of: plan.points[0]) == .finished && plan.status(of: plan.points[7]) == .finished)
        #expect(plan.status(of: plan.points[1]) == .pending)
        let a = try RunReport.load(from: plan.pointDirectory(plan.points[0]))
        let b = try RunReport.load(from: plan.pointDirectory(plan.points[7]))
        #expect(a.ann == b.ann)

        let changed = try folder.write(Array(Self.config.replacingOccurrences(of: #""testLimit": 40}, "energy""#,
                                                                              with: #""testLimit": 30}, "energy""#).utf8), to: "tiny.json")
        let refused = try Self.spikekit(["sweep", changed, "--task", "0", "--output", out.path])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("holds a finished run of another config than point 0 (scale-0.6_timeSteps-2)"), "\(refused.stderr)")
    }

    @Test func usageMistakesAreExplained() throws {
        let folder = TemporaryDirectory()
        let config = try folder.write(Array(Self.config.utf8), to: "tiny.json")
        let none = try Self.spikekit(["sweep", config])
        #expect(none.status == 64 && none.stderr.hasPrefix("error: Choose --list, --task <n>, --jobs <k> or --slurm (or set SLURM_ARRAY_TASK_ID)"))
        let out = folder.url.appendingPathComponent("out").path
        let range = try Self.spikekit(["sweep", config, "--output", out], environment: ["SLURM_ARRAY_TASK_ID": "12"])
        #expect(range.status == 64 && range.stderr == "error: task 12 is not a point of this sweep: it has 12 points, 0...11\n")
        let two = try Self.spikekit(["sweep", config, "--list", "--task", "1"])
        #expect(two.status == 64 && two.stderr.hasPrefix("error: Choose one of --list, --task, --jobs and --slurm"))
        let bad = try folder.write(Array(Self.config.replacingOccurrences(of: "conversion.scale", with: "conversion.scal").utf8), to: "bad.json")
        let unknown = try Self.spikekit(["sweep", bad, "--list"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "error: \(bad): sweep.values.conversion.scal: unknown key path \"conversion.scal\"; did you mean `conversion.scale`?\n")
        let badValidate = try Self.spikekit(["validate", bad])
        #expect(badValidate.status == 64 && badValidate.stderr.contains("sweep.values.conversion.scal: unknown key path"))
        let validated = try Self.spikekit(["validate", config], in: folder.url)
        #expect(validated.status == 0)
        #expect(validated.stdout.hasSuffix("  sweep       12 points (conversion.scale × simulation.timeSteps) in \(folder.url.path)/results/tiny\n"),
                "\(validated.stdout)")
        let notSweep = try Self.spikekit(["collect", folder.url.path])
        #expect(notSweep.status == 1 && notSweep.stderr.contains("no sweep manifest"))
        let slurm = try Self.spikekit(["sweep", config, "--slurm", "--jobs", "3", "--output", out])
        #expect(slurm.status == 0 && slurm.stdout == "12 points; submit with:\n  sbatch \(out)/sweep.sbatch\n")
        let script = try String(contentsOfFile: out + "/sweep.sbatch", encoding: .utf8)
        #expect(script.contains("#SBATCH --array=0-11%3\n"))
        #expect(FileManager.default.isExecutableFile(atPath: out + "/sweep.sbatch"))
    }
}
