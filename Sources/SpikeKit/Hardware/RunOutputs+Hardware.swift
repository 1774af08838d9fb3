import Foundation

/// The hardware stage's files in a run folder: `hardware.csv` (one row per simulation and layer:
/// cores, utilisation, energy) and two plots, the energy breakdown per simulation and the cores per
/// layer. `layers.csv` and `accuracy-energy.csv` carry the same figures in their trailing columns.
extension RunOutputs {
    public static let hardwareEnergyPlot = "hardware-energy.svg"
    public static let hardwareCoresPlot = "hardware-cores.svg"

    static func writeHardware(report: RunReport, to directory: URL) throws {
        let priced = report.simulations.filter { $0.hardware?.breakdown != nil }
        guard !priced.isEmpty else { return }
        try AtomicFile.write(hardwareEnergyChart(report).render(), to: directory.appendingPathComponent(hardwareEnergyPlot))
        if priced.contains(where: { $0.hardware?.layers != nil }) {
            try AtomicFile.write(hardwareCoresChart(report).render(), to: directory.appendingPathComponent(hardwareCoresPlot))
        }
    }

    /// Energy per image by kind (µJ), one bar group per kind, one series per simulation.
    public static func hardwareEnergyChart(_ report: RunReport) -> BarChart {
        let priced = report.simulations.filter { $0.hardware?.breakdown != nil }
        let preset = priced.first?.hardware?.preset ?? ""
        let series = priced.prefix(chartPalette.count).enumerated().compactMap { k, s -> (name: String, values: [Double], color: String)? in
            guard let b = s.hardware?.breakdown else { return nil }
            return (name: "\(s.stage == .conversion ? "conversion" : "hybrid") T = \(s.timeSteps)",
                    values: [b.synapse, b.neuron, b.spikeAndMessage, b.network, b.staticEnergy, b.inputMACs].map { $0 * 1e6 },
                    color: chartPalette[k])
        }
        return BarChart(title: "Energy per image on \(preset), by kind", yLabel: "energy per image (µJ)",
                        categories: ["synapse", "neuron", "spike + message", "network", "static", "input MACs"], series: series)
    }

    /// Cores per layer of the first mapped simulation.
    public static func hardwareCoresChart(_ report: RunReport) -> BarChart {
        let mapped = report.simulations.first { $0.hardware?.layers != nil }
        let layers = mapped?.hardware?.layers ?? []
        return BarChart(title: "Cores per layer on \(mapped?.hardware?.preset ?? "")", yLabel: "cores",
                        categories: layers.map(\.name),
                        series: [(name: "cores", values: layers.map { Double($0.cores) }, color: chartPalette[0])])
    }

    /// The hardware figures of layer `name` in simulation `s`, as CSV cells (cores, joules per image).
    static func hardwareLayerCells(_ s: RunReport.Simulation, layer name: String) -> [String] {
        guard let layer = s.hardware?.layers?.first(where: { $0.name == name }) else { return ["", ""] }
        return [String(layer.cores), csvNumber(layer.joulesPerImage)]
    }

    /// The hardware figures of simulation `s` as CSV cells.
    static func hardwareSummaryCells(_ s: RunReport.Simulation) -> [String] {
        guard let h = s.hardware else { return ["", "", "", "", "", ""] }
        return [h.preset, csvNumber(h.joulesPerImage), csvNumber(h.secondsPerStep), csvNumber(h.secondsPerImage),
                h.cores.map(String.init) ?? "", csvNumber(h.quantizedTestAccuracy)]
    }
}
