import Foundation

/// The plots of a sweep: test accuracy, and (when the points estimated it) SNN energy per image,
/// against each swept key. One line per combination of the other keys' values (and stage and T,
/// where a point has several simulations); a key whose values are not all numbers is drawn as
/// grouped bars, one group per value.
extension SweepTable {
    /// The file name of the plot of `metric` against `keyPath`: `accuracy-vs-conversion.scale.svg`.
    public static func chartFile(_ metric: String, _ keyPath: String) -> String { "\(metric)-vs-\(keyPath).svg" }

    /// (file name, SVG) of every plot.
    public func charts() -> [(String, String)] {
        var charts: [(String, String)] = []
        let hasEnergy = rows.contains { $0.snnJoulesPerImage != nil }
        for key in keyPaths {
            charts.append((Self.chartFile("accuracy", key),
                           chart(against: key, metric: "test accuracy (%)", title: "Test accuracy", value: { $0.testAccuracy * 100 })))
            if hasEnergy {
                charts.append((Self.chartFile("energy", key),
                               chart(against: key, metric: "SNN energy per image (µJ)", title: "SNN energy per image",
                                     value: { $0.snnJoulesPerImage.map { $0 * 1e6 } })))
            }
        }
        return charts
    }

    /// A single number a value stands for on an axis: a number, or a one-element list of one.
    static func numeric(_ value: JSONValue?) -> Double? {
        switch value {
        case .integer(let v)?: return Double(v)
        case .number(let v)?: return v
        case .array(let elements)? where elements.count == 1: return numeric(elements[0])
        default: return nil
        }
    }

    /// The label of the line a row belongs to when plotted against `key`.
    func seriesLabel(_ row: Row, against key: String) -> String {
        var parts = keyPaths.filter { $0 != key }.map { "\($0) = \(row.values[$0].map(Self.cellText) ?? "–")" }
        if Set(rows.map(\.stage)).count > 1 { parts.append(row.stage) }
        let pointsWithSeveral = Dictionary(grouping: rows, by: \.point).values.contains { $0.count > 1 }
        if pointsWithSeveral && !key.hasSuffix("timeSteps") { parts.append("T = \(row.timeSteps)") }
        return parts.isEmpty ? "all points" : parts.joined(separator: ", ")
    }

    func chart(against key: String, metric: String, title: String, value: (Row) -> Double?) -> String {
        let plotted = rows.filter { value($0) != nil }
        var labels: [String] = []
        var grouped: [String: [Row]] = [:]
        for row in plotted {
            let label = seriesLabel(row, against: key)
            if grouped[label] == nil { labels.append(label) }
            grouped[label, default: []].append(row)
        }
        // More lines than colours would be unreadable: the first ones are drawn, the title says so.
        let shown = Array(labels.prefix(chartPalette.count))
        let note = shown.count < labels.count ? " (first \(shown.count) of \(labels.count) lines)" : ""
        let heading = "\(title) versus \(key) (\(name))\(note)"
        if plotted.allSatisfy({ Self.numeric($0.values[key]) != nil }) {
            let xs = plotted.compactMap { Self.numeric($0.values[key]) }
            let logX = (xs.min() ?? 0) > 0 && (xs.max() ?? 0) / max(xs.min() ?? 1, 1e-300) >= 8
            let series = shown.enumerated().map { k, label in
                ChartSeries(name: label, points: (grouped[label] ?? []).compactMap { row in
                    guard let x = Self.numeric(row.values[key]), let y = value(row) else { return nil }
                    return (x, y)
                }.sorted { $0.x < $1.x }, color: chartPalette[k])
            }
            return LineChart(title: heading, xLabel: key + (logX ? " (log scale)" : ""), yLabel: metric, series: series,
                             logXAxis: logX).render()
        }
        var categories: [String] = []
        for row in plotted {
            let text = row.values[key].map(Self.cellText) ?? "–"
            if !categories.contains(text) { categories.append(text) }
        }
        let series = shown.enumerated().map { k, label in
            (name: label, values: categories.map { category in
                (grouped[label] ?? []).first { ($0.values[key].map(Self.cellText) ?? "–") == category }.flatMap(value) ?? 0
            }, color: chartPalette[k])
        }
        return BarChart(title: heading, yLabel: metric, categories: categories, series: series).render()
    }
}
