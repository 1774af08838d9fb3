import Foundation

extension RunReport {
    /// The results as a plain-text table for a terminal: the ANN's accuracy, then one row per
    /// simulation with its stage, T, accuracy, spikes and synaptic operations per image, energy per
    /// image and how many times less energy than the ANN it needs.
    public func summaryTable() -> String {
        var lines: [String] = []
        var header = "\(name): "
        if let ann {
            header += "ANN test accuracy " + RunReport.percent(ann.testAccuracy)
            var details: [String] = []
            if let epochs = ann.epochs { details.append("\(epochs) epoch\(epochs == 1 ? "" : "s")") }
            if let parameters = ann.parameters { details.append("\(RunReport.grouped(Double(parameters))) parameters") }
            if !details.isEmpty { header += " (" + details.joined(separator: ", ") + ")" }
        } else {
            header += "no ANN result"
        }
        lines.append(header)
        if let stdb {
            lines.append("STDB: \(stdb.epochs) epoch\(stdb.epochs == 1 ? "" : "s") at T = \(stdb.timeSteps), test accuracy \(RunReport.percent(stdb.testAccuracy))")
        }
        guard !simulations.isEmpty else {
            lines.append("no simulations")
            return lines.joined(separator: "\n") + "\n"
        }
        var rows = [["stage", "T", "accuracy", "spikes/image", "synaptic ops/image", "energy µJ", "ANN/SNN energy"]]
        for simulation in simulations {
            rows.append([
                simulation.stage.rawValue,
                String(simulation.timeSteps),
                RunReport.percent(simulation.testAccuracy),
                RunReport.grouped(simulation.spikesPerImage),
                RunReport.grouped(simulation.synapticOpsPerImage),
                simulation.energy.map { RunReport.decimal($0.snnJoulesPerImage * 1e6, digits: 3) } ?? "–",
                simulation.energy.map { RunReport.decimal($0.ratio, digits: 2) + "×" } ?? "–",
            ])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            // The first column reads left-aligned; numbers line up on the right.
            let cells = row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }
            lines.append(cells.joined(separator: "  "))
            if index == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        if let preset = simulations.compactMap(\.energy).first?.preset {
            lines.append("energy: \(preset) preset, per test image")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func percent(_ fraction: Double) -> String { decimal(fraction * 100, digits: 2) + " %" }

    static func decimal(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        return String(format: "%.\(digits)f", value)
    }

    /// Thousands separated by commas (rounded) from 1,000 on, one decimal below (none for `integer`).
    public static func grouped(_ value: Double, integer: Bool = false) -> String {
        guard value.isFinite else { return "\(value)" }
        if abs(value) < 1000 && !integer { return String(format: "%.1f", value) }
        let digits = String(Int64(value.rounded()).magnitude)
        var out = ""
        for (i, character) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }
}
