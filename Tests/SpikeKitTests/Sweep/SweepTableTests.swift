import Foundation
import Testing
@testable import SpikeKit

/// `SweepTable` on a sweep folder the test writes: rows, CSV cells, missing points and charts.
@Suite struct SweepTableTests {
    func report(_ name: String, accuracy: Double, joules: Double?) -> RunReport {
        let layer = RunReport.LayerActivity(name: "fc", neurons: 10, spikesPerImage: 3, spikeRate: 0.1, synapticOpsPerImage: 30,
                                            annMACsPerImage: 100)
        var simulation = RunReport.Simulation(stage: .conversion, timeSteps: 8, encoding: "direct", ordering: "delayed",
                                              testAccuracy: accuracy, testImages: 10, layers: [layer])
        if let joules {
            simulation.energy = RunReport.Energy(preset: "loihi", annJoulesPerImage: 2e-6, snnJoulesPerImage: joules, ratio: 2e-6 / joules,
                                                 firstLayerAccounting: "ann", snnJoulesPerImageFirstLayerEveryStep: joules)
        }
        return RunReport(name: name, seed: 1, threads: 1, configHash: "0", ann: RunReport.ANN(testAccuracy: 0.9),
                         simulations: [simulation])
    }

    @Test func collectsFinishedPointsAndNamesTheMissingOnes() throws {
        let folder = TemporaryDirectory()
        let manifest = #"""
            {"name": "s", "keyPaths": ["energy.preset", "seed"], "points": [
              {"index": 0, "name": "preset-loihi_seed-1", "values": {"energy.preset": "loihi", "seed": 1}},
              {"index": 1, "name": "preset-a-b_seed-2", "values": {"energy.preset": {"name": "a,b", "macPicojoules": 1}, "seed": 2}},
              {"index": 2, "name": "preset-loihi_seed-3", "values": {"energy.preset": "loihi", "seed": 3}}]}
            """#
        try folder.write(Array(manifest.utf8), to: SweepPlan.manifestFile)
        for (name, accuracy) in [("preset-loihi_seed-1", 0.5), ("preset-a-b_seed-2", 0.75)] {
            let directory = folder.url.appendingPathComponent("points").appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            _ = try report(name, accuracy: accuracy, joules: 1e-6).write(to: directory)
        }
        let table = try SweepTable.collect(from: folder.url)
        #expect(table.rows.count == 2 && table.missing == ["preset-loihi_seed-3"])
        let lines = table.csv().split(separator: "\n").map(String.init)
        #expect(lines[0] == "point,energy.preset,seed,stage,timeSteps,testAccuracy,annTestAccuracy,spikesPerImage,synapticOpsPerImage,"
                + "energyPreset,snnJoulesPerImage,annJoulesPerImage,energyRatio")
        #expect(lines[1] == "preset-loihi_seed-1,loihi,1,conversion,8,0.5,0.9,3,30,loihi,1e-06,2e-06,2")
        #expect(lines[2].hasPrefix(#"preset-a-b_seed-2,"{""macPicojoules"":1,""name"":""a,b""}",2,conversion,8,0.75,"#), "\(lines[2])")
        let charts = table.charts().map(\.0)
        #expect(charts == ["accuracy-vs-energy.preset.svg", "energy-vs-energy.preset.svg", "accuracy-vs-seed.svg", "energy-vs-seed.svg"])
        let written = try table.write(to: folder.url)
        #expect(written.count == 6)
    }

    @Test func aFolderWithoutManifestIsRefused() {
        let folder = TemporaryDirectory()
        #expect(throws: SpikeKitError.io(path: folder.url.appendingPathComponent("sweep.json").path,
                                         reason: "no sweep manifest (is \(folder.url.path) the folder of a sweep? `spikekit sweep CONFIG --list` shows it)")) {
            try SweepTable.collect(from: folder.url)
        }
    }
}
