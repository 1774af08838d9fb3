import Foundation
import Testing
@testable import SpikeKit

@Suite struct ReportTests {
    typealias T = ConfigTestSupport

    /// A report with every optional part filled in.
    static func fullReport() -> RunReport {
        let layers = [
            RunReport.LayerActivity(name: "conv1", neurons: 12544, spikesPerImage: 1500.5, spikeRate: 0.0149,
                                    synapticOpsPerImage: 216_000, annMACsPerImage: 112_896),
            RunReport.LayerActivity(name: "fc1", neurons: 128, spikesPerImage: 40, spikeRate: 0.039,
                                    synapticOpsPerImage: 5_120, annMACsPerImage: 200_704),
        ]
        let energy = RunReport.Energy(preset: "cmos45nm-fp32", annJoulesPerImage: 1.4e-6, snnJoulesPerImage: 2.5e-7, ratio: 5.6,
                                      firstLayerAccounting: "once", snnJoulesPerImageFirstLayerEveryStep: 4.1e-6)
        return RunReport(
            name: "quickstart", seed: 1, threads: 2, configHash: "0123456789abcdef",
            ann: RunReport.ANN(testAccuracy: 0.9012, trainAccuracy: 0.93, epochs: 2, parameters: 206_922,
                               perEpoch: [RunReport.Epoch(epoch: 1, loss: 0.6, trainAccuracy: 0.8, testAccuracy: 0.85, learningRate: 1e-3),
                                          RunReport.Epoch(epoch: 2, loss: 0.4, trainAccuracy: 0.93, learningRate: 1e-3)]),
            conversion: RunReport.Conversion(recipe: "threshold-balancing", layers: [
                RunReport.ConversionLayer(name: "conv1", threshold: 3.2, scale: 0.7),
                RunReport.ConversionLayer(name: "fc1", threshold: 1.1, alpha: 0.8, beta: 1.2),
            ]),
            simulations: [
                RunReport.Simulation(stage: .conversion, timeSteps: 8, encoding: "direct", ordering: "delayed",
                                     testAccuracy: 0.71, testImages: 1000, layers: layers, energy: energy),
                RunReport.Simulation(stage: .stdb, timeSteps: 8, encoding: "direct", ordering: "delayed",
                                     testAccuracy: 0.86, testImages: 1000, layers: layers),
            ],
            stdb: RunReport.STDB(timeSteps: 8, epochs: 1, testAccuracy: 0.86))
    }

    @Test func writtenReportHasExactlyTheContractKeys() throws {
        let directory = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try Self.fullReport().write(to: directory)
        #expect(url.lastPathComponent == "report.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        #expect(Set(object.keys) == ["spikekitVersion", "name", "seed", "threads", "configHash", "ann", "conversion", "simulations", "stdb"])
        #expect(object["spikekitVersion"] as? String == spikeKitVersion)
        #expect(T.keys(object["ann"]) == ["testAccuracy", "trainAccuracy", "epochs", "parameters", "perEpoch"])
        let epochs = try #require((object["ann"] as? [String: Any])?["perEpoch"] as? [Any])
        #expect(T.keys(epochs[0]) == ["epoch", "loss", "trainAccuracy", "testAccuracy", "learningRate"])
        #expect(T.keys(epochs[1]) == ["epoch", "loss", "trainAccuracy", "learningRate"])
        #expect(T.keys(object["conversion"]) == ["recipe", "layers"])
        let conversionLayers = try #require((object["conversion"] as? [String: Any])?["layers"] as? [Any])
        #expect(T.keys(conversionLayers[0]) == ["name", "threshold", "scale"])
        #expect(T.keys(conversionLayers[1]) == ["name", "threshold", "alpha", "beta"])
        let simulations = try #require(object["simulations"] as? [[String: Any]])
        #expect(simulations.count == 2)
        #expect(Set(simulations[0].keys) == ["stage", "timeSteps", "encoding", "ordering", "testAccuracy", "testImages", "layers", "energy"])
        #expect(Set(simulations[1].keys) == ["stage", "timeSteps", "encoding", "ordering", "testAccuracy", "testImages", "layers"])
        #expect(simulations[0]["stage"] as? String == "conversion" && simulations[1]["stage"] as? String == "stdb")
        let layer = try #require((simulations[0]["layers"] as? [Any])?.first)
        #expect(T.keys(layer) == ["name", "neurons", "spikesPerImage", "spikeRate", "synapticOpsPerImage", "annMACsPerImage"])
        #expect(T.keys(simulations[0]["energy"]) == ["preset", "annJoulesPerImage", "snnJoulesPerImage", "ratio",
                                                     "firstLayerAccounting", "snnJoulesPerImageFirstLayerEveryStep"])
        #expect(T.keys(object["stdb"]) == ["timeSteps", "epochs", "testAccuracy"])
    }

    @Test func optionalSectionsAreOmittedNotNull() throws {
        let report = RunReport(name: "bare", seed: 1, threads: 1, configHash: "00000000000000ff",
                               ann: RunReport.ANN(testAccuracy: 0.1))
        let text = String(decoding: try report.jsonData(), as: UTF8.self)
        #expect(!text.contains("null"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["spikekitVersion", "name", "seed", "threads", "configHash", "ann", "simulations"])
        #expect(T.keys(object["ann"]) == ["testAccuracy"])
        #expect((object["simulations"] as? [Any])?.isEmpty == true)
    }

    @Test func reportIsPrettyAndSorted() throws {
        let text = String(decoding: try Self.fullReport().jsonData(), as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"ann\" : {\n    \"epochs\" : 2,"))
        #expect(text.hasSuffix("}\n"))
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted())
    }

    @Test func writeThenLoadRoundTrips() throws {
        let directory = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = Self.fullReport()
        let url = try report.write(to: directory)
        #expect(try RunReport.load(from: url) == report)
        #expect(try RunReport.load(from: directory) == report)
        // Writing again replaces the file whole, leaving no temporary file behind.
        var changed = report
        changed.threads = 7
        try changed.write(to: directory)
        #expect(try RunReport.load(from: directory).threads == 7)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.json"])
    }

    @Test func loadNamesWhatIsWrong() throws {
        let directory = try T.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: SpikeKitError.io(path: directory.appendingPathComponent("report.json").path, reason: "no such report")) {
            try RunReport.load(from: directory)
        }
        let file = directory.appendingPathComponent("report.json")
        try Data(#"{"name": "x"}"#.utf8).write(to: file)
        do {
            _ = try RunReport.load(from: file)
            Issue.record("a report without its keys loaded")
        } catch SpikeKitError.io(_, let reason) {
            #expect(reason.hasPrefix("not a SpikeKit report: missing"))
        }
    }

    @Test func accuraciesMustBeFractions() throws {
        var report = Self.fullReport()
        report.simulations[1].testAccuracy = 86.0
        #expect(throws: SpikeKitError.numerical("report simulations[1].testAccuracy is 86.0; accuracies are fractions in [0, 1]")) {
            try report.jsonData()
        }
        report = Self.fullReport()
        report.simulations[0].energy?.ratio = .infinity
        #expect(throws: SpikeKitError.self) { try report.jsonData() }
    }

    @Test func summaryTableShowsEverySimulation() {
        let table = Self.fullReport().summaryTable()
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines[0] == "quickstart: ANN test accuracy 90.12 % (2 epochs, 206,922 parameters)")
        #expect(lines[1] == "STDB: 1 epoch at T = 8, test accuracy 86.00 %")
        #expect(lines[2].hasPrefix("stage") && lines[2].contains("spikes/image") && lines[2].contains("energy µJ"))
        #expect(lines[4].hasPrefix("conversion"))
        // 1500.5 + 40 spikes; 216,000 + 5,120 synaptic ops; 0.25 µJ; 5.6 times less than the ANN.
        for cell in ["71.00 %", "1,541", "221,120", "0.250", "5.60×"] { #expect(lines[4].contains(cell), "\(cell) in \(lines[4])") }
        #expect(lines[5].hasPrefix("stdb") && lines[5].contains("86.00 %") && lines[5].hasSuffix("–"))
        #expect(lines.last == "energy: cmos45nm-fp32 preset, per test image")
        // Columns line up: every row of the table has the same width.
        #expect(Set(lines[2...5].map(\.count)).count == 1)
    }

    @Test func summaryTableWithoutResults() {
        let report = RunReport(name: "empty", seed: 1, threads: 1, configHash: "0")
        #expect(report.summaryTable() == "empty: no ANN result\nno simulations\n")
    }
}
