import Foundation
import Testing
@testable import SpikeKit

/// Reading a sweep: the points of a product and of explicit points, their folder names and configs,
/// and every kind of mistake reported at its key path.
@Suite struct SweepPlanTests {
    static let base = #"""
        "seed": 3, "data": {"trainLimit": 200, "testLimit": 40}, "model": {"architecture": "cnn-s"},
        "training": {"epochs": 1, "batchSize": 50}, "conversion": {"calibrationImages": 10, "balancingSteps": 8},
        "simulation": {"timeSteps": [4], "testLimit": 40}
        """#

    func plan(_ sweep: String, base: String = SweepPlanTests.base, output: String? = nil) throws -> SweepPlan {
        let folder = TemporaryDirectory()
        let path = try folder.write(Array("{\(base), \"sweep\": \(sweep)}".utf8), to: "s.json")
        return try withExtendedLifetime(folder) { try SweepPlan.load(from: URL(fileURLWithPath: path), output: output) }
    }

    func problems(_ sweep: String, base: String = SweepPlanTests.base) -> [String] {
        do {
            _ = try plan(sweep, base: base)
            return ["no error"]
        } catch SpikeKitError.config(let problems) {
            return problems.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func productHasEveryCombinationFirstKeySlowest() throws {
        let sweep = try plan(#"{"values": {"simulation.timeSteps": [2, 4, 8, 16], "conversion.scale": [0.6, 0.7, 0.8]}}"#,
                             output: "/tmp/x")
        #expect(sweep.points.count == 12)
        #expect(sweep.keyPaths == ["conversion.scale", "simulation.timeSteps"])
        #expect(sweep.points.map(\.index) == Array(0..<12))
        #expect(sweep.points[0].name == "scale-0.6_timeSteps-2")
        #expect(sweep.points[5].name == "scale-0.7_timeSteps-4")
        #expect(sweep.points[11].name == "scale-0.8_timeSteps-16")
        // A single T stands for a one-element list; the config is the base with the values.
        #expect(sweep.points[5].config.simulation?.timeSteps == [4])
        #expect(sweep.points[5].config.conversion?.scale == 0.7)
        #expect(sweep.points[5].config.name == "s-scale-0.7_timeSteps-4")
        #expect(sweep.points[5].config.training?.epochs == 1)
        #expect(sweep.directory.path == "/tmp/x")
        #expect(try sweep.point(11).name == sweep.points[11].name)
        #expect(throws: SpikeKitError.usage("task 12 is not a point of this sweep: it has 12 points, 0...11")) { try sweep.point(12) }
        // All 12 points train the same ANN; a swept seed would not.
        #expect(Set(sweep.points.compactMap { sweep.sharedANN(for: $0)?.hash }).count == 1)
        let seeds = try plan(#"{"values": {"seed": [1, 2], "conversion.scale": [0.6, 0.7]}}"#)
        #expect(Set(seeds.points.compactMap { seeds.sharedANN(for: $0)?.hash }).count == 2)
    }

    @Test func explicitPointsAndClashingLabels() throws {
        let sweep = try plan(#"{"points": [{"seed": 1}, {"seed": 2, "training.epochs": 2, "simulation.timeSteps": [4, 8]}]}"#)
        #expect(sweep.points.map(\.name) == ["seed-1", "seed-2_timeSteps-4-8_epochs-2"])
        #expect(sweep.points[1].config.simulation?.timeSteps == [4, 8])
        #expect(sweep.points[1].config.training?.epochs == 2)
        // Two swept paths ending alike are named in full.
        let clash = try plan(#"{"values": {"training.epochs": [1], "stdb.epochs": [2]}}"#,
                             base: Self.base + #", "stdb": {"timeSteps": 4}"#)
        #expect(clash.points.map(\.name) == ["stdb.epochs-2_training.epochs-1"])
        // Objects are named by their name member; names keep only safe characters.
        let preset = try plan(#"{"values": {"energy.preset": ["loihi", {"name": "my chip", "macPicojoules": 1, "accumulatePicojoules": 0.1}]}}"#,
                              base: Self.base + #", "energy": {}"#)
        #expect(preset.points.map(\.name) == ["preset-loihi", "preset-my-chip"])
    }

    @Test func mistakesNameTheirKeyPaths() {
        #expect(problems(#"{"values": {"simulation.timeStep": [2]}}"#)
                == [#"sweep.values.simulation.timeStep: unknown key path "simulation.timeStep"; did you mean `simulation.timeSteps`?"#])
        #expect(problems(#"{"values": {"conversion.scale": [0.5, -1]}}"#)
                == ["sweep.values.conversion.scale[1]: expected a number > 0, got -1"])
        #expect(problems(#"{"values": {"stdb.epochs": [2]}}"#)
                == [#"sweep.values.stdb.epochs: the config has no `stdb` section, so stdb.epochs would not apply; add "stdb": {} to run that stage"#])
        #expect(problems(#"{"values": {"conversion.scale": []}}"#)
                == ["sweep.values.conversion.scale: expected a non-empty list of values, got an empty list"])
        #expect(problems(#"{"values": {"name": ["a"]}}"#)
                == ["sweep.values.name: name cannot be swept (the sweep sets the run names, folders and points itself)"])
        #expect(problems(#"{"values": {"seed": [1]}, "points": [{"seed": 2}]}"#)
                == ["sweep.points: give either `values` (every combination) or `points`, not both"])
        #expect(problems(#"{"points": [{"seed": 1}, {"seed": 1}]}"#)
                == ["sweep.points[1]: point 1 is the same point as point 0 (seed-1)"])
        #expect(problems(#"{"points": [{"seed": 1}], "slurm": {"cpus": 2}}"#)
                == ["sweep.slurm.cpus: unknown key; did you mean `sweep.slurm.cpusPerTask`?"])
        #expect(problems(#"{}"#) == ["sweep: expected `values` (key path → list of values) or `points` (a list of objects)"])
        #expect(problems(#"{"values": {"simulation.timeSteps": [[4, 0]]}}"#)
                == ["sweep.values.simulation.timeSteps[0][1]: expected a positive integer, got 0"])
    }

    @Test func aConfigWithoutSweepIsRefusedAndRunIgnoresTheSection() throws {
        let folder = TemporaryDirectory()
        let plain = try folder.write(Array("{\(Self.base)}".utf8), to: "plain.json")
        #expect(throws: SpikeKitError.config([ConfigProblem(keyPath: "sweep", message: "the config has no `sweep` section; add one with `values` or `points` (see Configs/README.md)")])) {
            try SweepPlan.load(from: URL(fileURLWithPath: plain))
        }
        let swept = try folder.write(Array(#"{\#(Self.base), "sweep": {"values": {"seed": [1, 2]}}}"#.utf8), to: "swept.json")
        let single = try ExperimentConfig.load(from: URL(fileURLWithPath: swept))
        #expect(single.seed == 3)
    }

    @Test func theShippedSweepIsTwelvePoints() throws {
        let url = ConfigTestSupport.packageRoot.appendingPathComponent("Configs/fmnist-cnn-s-sweep.json")
        let sweep = try SweepPlan.load(from: url, output: "/tmp/shipped")
        #expect(sweep.points.count == 12 && sweep.keyPaths == ["conversion.scale", "simulation.timeSteps"])
        #expect(Set(sweep.points.compactMap { sweep.sharedANN(for: $0)?.hash }).count == 1)
        #expect(sweep.settings.slurm.cpusPerTask == 2)
    }

    @Test func slurmScriptHasTheArrayRangeResourcesAndTaskLine() throws {
        let sweep = try plan(#"{"values": {"conversion.scale": [0.6, 0.7, 0.8], "simulation.timeSteps": [2, 4, 8, 16]},"#
                             + #" "slurm": {"partition": "short", "cpusPerTask": 4, "memory": "8G", "time": "00:20:00"}}"#,
                             output: "/scratch/sweep")
        let script = sweep.slurmScript(executable: URL(fileURLWithPath: "/opt/spikekit"), maxConcurrent: 3,
                                       workingDirectory: URL(fileURLWithPath: "/home/me"))
        let lines = script.split(separator: "\n").map(String.init)
        #expect(lines.first == "#!/bin/bash")
        for directive in ["#SBATCH --array=0-11%3", "#SBATCH --cpus-per-task=4", "#SBATCH --mem=8G", "#SBATCH --time=00:20:00",
                          "#SBATCH --partition=short", "#SBATCH --chdir=/home/me", "#SBATCH --output=/scratch/sweep/logs/slurm-%A_%a.out"] {
            #expect(lines.contains(directive), "\(directive) missing from\n\(script)")
        }
        #expect(!script.contains("--account"))
        #expect(lines.last == "exec '/opt/spikekit' sweep '\(sweep.configURL.path)' --output '/scratch/sweep' "
                + #"--task "$SLURM_ARRAY_TASK_ID" --threads "${SLURM_CPUS_PER_TASK:-4}""#)
        #expect(SweepPlan.shellQuoted("it's") == #"'it'\''s'"#)
    }
}
