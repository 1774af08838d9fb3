import Foundation

/// The files of a finished run besides `report.json`: CSV tables and SVG plots, all written
/// atomically into the run folder.
extension ExperimentRunner {
    func writeTablesAndPlots(report: RunReport, state: RunState) throws {
        try RunOutputs.write(report: report, raster: state.raster, rasterTimeSteps: state.rasterTimeSteps,
                             to: state.directory)
    }
}

/// Renders a `RunReport` into CSV tables and SVG plots (`spikekit report` re-renders them from a
/// finished run folder).
public enum RunOutputs {
    public static let summaryCSV = "accuracy-energy.csv"
    public static let layersCSV = "layers.csv"
    public static let accuracyPlot = "accuracy-vs-timesteps.svg"
    public static let spikeRatePlot = "spike-rates.svg"
    public static let energyPlot = "energy-vs-timesteps.svg"
    public static let rasterPlot = "spike-raster.svg"

    public static func write(report: RunReport, raster: SpikeRaster?, rasterTimeSteps: Int, to directory: URL) throws {
        guard !report.simulations.isEmpty else { return }
        try AtomicFile.write(summaryTable(report), to: directory.appendingPathComponent(summaryCSV))
        try AtomicFile.write(layerTable(report), to: directory.appendingPathComponent(layersCSV))
        try AtomicFile.write(accuracyChart(report).render(), to: directory.appendingPathComponent(accuracyPlot))
        try AtomicFile.write(spikeRateChart(report).render(), to: directory.appendingPathComponent(spikeRatePlot))
        if report.simulations.contains(where: { $0.energy != nil }) {
            try AtomicFile.write(energyChart(report).render(), to: directory.appendingPathComponent(energyPlot))
        }
        try writeHardware(report: report, to: directory)
        if let raster {
            let chart = RasterChart(title: "Spike raster of the first test image (sampled neurons per layer)",
                                    raster: raster, timeSteps: rasterTimeSteps)
            try AtomicFile.write(chart.render(), to: directory.appendingPathComponent(rasterPlot))
        }
    }

    static func csvNumber(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        return String(format: "%.6g", v)
    }

    /// One row per simulation: stage, T, accuracy, activity and energy.
    public static func summaryTable(_ report: RunReport) -> String {
        var lines = ["stage,timeSteps,encoding,ordering,testAccuracy,testImages,spikesPerImage,synapticOpsPerImage,"
                     + "annMACsPerImage,energyPreset,annJoulesPerImage,snnJoulesPerImage,ratio,"
                     + "hardwarePreset,hardwareJoulesPerImage,hardwareSecondsPerStep,hardwareSecondsPerImage,hardwareCores,"
                     + "quantizedTestAccuracy"]
        for s in report.simulations {
            let macs = s.layers.reduce(0) { $0 + $1.annMACsPerImage }
            lines.append(([s.stage.rawValue, String(s.timeSteps), s.encoding, s.ordering, csvNumber(s.testAccuracy),
                          String(s.testImages), csvNumber(s.spikesPerImage), csvNumber(s.synapticOpsPerImage),
                          csvNumber(macs), s.energy?.preset ?? "", csvNumber(s.energy?.annJoulesPerImage),
                          csvNumber(s.energy?.snnJoulesPerImage), csvNumber(s.energy?.ratio)]
                            + hardwareSummaryCells(s)).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row per simulation and weight layer.
    public static func layerTable(_ report: RunReport) -> String {
        var lines = ["stage,timeSteps,layer,neurons,spikesPerImage,spikeRate,synapticOpsPerImage,annMACsPerImage,"
                     + "hardwareCores,hardwareJoulesPerImage"]
        for s in report.simulations {
            for l in s.layers {
                lines.append(([s.stage.rawValue, String(s.timeSteps), l.name, String(l.neurons), csvNumber(l.spikesPerImage),
                              csvNumber(l.spikeRate), csvNumber(l.synapticOpsPerImage), csvNumber(l.annMACsPerImage)]
                    + hardwareLayerCells(s, layer: l.name)).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func stages(_ report: RunReport) -> [(name: String, simulations: [RunReport.Simulation])] {
        RunReport.Stage.allCasesInOrder.compactMap { stage in
            let list = report.simulations.filter { $0.stage == stage }.sorted { $0.timeSteps < $1.timeSteps }
            return list.isEmpty ? nil : (stage == .conversion ? "conversion" : "hybrid (STDB)", list)
        }
    }

    public static func accuracyChart(_ report: RunReport) -> LineChart {
        var series = stages(report).enumerated().map { k, stage in
            ChartSeries(name: stage.name, points: stage.simulations.map { (Double($0.timeSteps), $0.testAccuracy * 100) },
                        color: chartPalette[k])
        }
        let xs = report.simulations.map { Double($0.timeSteps) }
        if let ann = report.ann, let low = xs.min(), let high = xs.max() {
            series.append(ChartSeries(name: String(format: "ANN (%.2f %%)", ann.testAccuracy * 100),
                                      points: [(low, ann.testAccuracy * 100), (high, ann.testAccuracy * 100)],
                                      color: "#000000", dashed: true, markers: false))
        }
        return LineChart(title: "Test accuracy versus time steps (\(report.name))", xLabel: "time steps T (log scale)",
                         yLabel: "test accuracy (%)", series: series, logXAxis: true)
    }

    public static func spikeRateChart(_ report: RunReport) -> BarChart {
        let simulations = report.simulations.sorted { ($0.stage.order, $0.timeSteps) < ($1.stage.order, $1.timeSteps) }
        let layers = simulations.first?.layers.dropLast().map(\.name) ?? []
        let series = simulations.prefix(chartPalette.count).enumerated().map { k, s in
            (name: "\(s.stage == .conversion ? "conversion" : "hybrid") T = \(s.timeSteps)",
             values: s.layers.dropLast().map { $0.spikeRate * 100 }, color: chartPalette[k])
        }
        return BarChart(title: "Spike rate per layer (spikes per neuron per step)", yLabel: "spike rate (%)",
                        categories: layers, series: series)
    }

    public static func energyChart(_ report: RunReport) -> LineChart {
        let preset = report.simulations.compactMap(\.energy).first?.preset ?? ""
        var series = stages(report).enumerated().map { k, stage in
            ChartSeries(name: "SNN \(stage.name)", points: stage.simulations.compactMap { s in
                s.energy.map { (Double(s.timeSteps), $0.snnJoulesPerImage * 1e6) }
            }, color: chartPalette[k])
        }
        let xs = report.simulations.map { Double($0.timeSteps) }
        if let ann = report.simulations.compactMap(\.energy).first, let low = xs.min(), let high = xs.max() {
            series.append(ChartSeries(name: "ANN", points: [(low, ann.annJoulesPerImage * 1e6), (high, ann.annJoulesPerImage * 1e6)],
                                      color: "#000000", dashed: true, markers: false))
        }
        return LineChart(title: "Energy per image versus time steps (\(preset))", xLabel: "time steps T (log scale)",
                         yLabel: "energy per image (µJ)", series: series, logXAxis: true)
    }
}

extension RunReport.Stage {
    static let allCasesInOrder: [RunReport.Stage] = [.conversion, .stdb]
    var order: Int { self == .conversion ? 0 : 1 }
}
