import Foundation
import Testing
@testable import SpikeKit

/// The hardware stage inside a real (tiny) run: report, tables, plots, and a report that reads back.
@Suite struct HardwareRunTests {
    static let json = #"""
        {"data": {"trainLimit": 100, "testLimit": 20}, "model": {"architecture": "mlp"},
         "training": {"epochs": 1, "batchSize": 50},
         "conversion": {"calibrationImages": 10, "balancingSteps": 8},
         "simulation": {"timeSteps": [2, 4], "testLimit": 20},
         "energy": {}, "hardware": {"preset": "loihi", "samples": 2}}
        """#

    @Test func aRunPricesEverySimulationOnTheChip() throws {
        let folder = try ConfigTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let silent = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })
        let config = try ConfigTestSupport.decode(Self.json, name: "hw")
        let (report, directory) = try ExperimentRunner(config: config, configURL: nil,
                                                       options: RunOptions(output: folder.path), progress: silent).run()
        #expect(report.simulations.count == 2)
        for s in report.simulations {
            let h = try #require(s.hardware)
            #expect(h.preset == "loihi" && h.cores == 4 && h.countedImages == 2)
            #expect((h.joulesPerImage ?? 0) > 0 && (h.secondsPerStep ?? 0) > 0)
            #expect(abs((h.secondsPerImage ?? 0) - Double(s.timeSteps) * (h.secondsPerStep ?? 0)) < 1e-12)
            #expect(h.quantizedTestAccuracy != nil)
            #expect(s.energy != nil)   // the per-operation `energy` section still runs
        }
        // The report reads back with its hardware objects; the tables and plots carry them.
        #expect(try RunReport.load(from: directory) == report)
        let layers = try String(contentsOf: directory.appendingPathComponent(RunOutputs.layersCSV), encoding: .utf8)
        #expect(layers.hasPrefix("stage,timeSteps,layer,neurons,spikesPerImage,spikeRate,synapticOpsPerImage,annMACsPerImage,"
                                 + "hardwareCores,hardwareJoulesPerImage\n"))
        #expect(layers.contains(",fc2,512,") && layers.split(separator: "\n")[2].split(separator: ",", omittingEmptySubsequences: false)[8] == "2")
        for plot in [RunOutputs.hardwareEnergyPlot, RunOutputs.hardwareCoresPlot] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(plot).path))
        }
    }
}
