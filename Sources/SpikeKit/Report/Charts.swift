import Foundation

/// One line of a `LineChart`.
public struct ChartSeries: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    public var color: String
    public var dashed: Bool
    public var markers: Bool

    public init(name: String, points: [(x: Double, y: Double)], color: String, dashed: Bool = false, markers: Bool = true) {
        self.name = name
        self.points = points
        self.color = color
        self.dashed = dashed
        self.markers = markers
    }
}

/// The colours plots cycle through (colour-blind-safe, Okabe & Ito 2008).
public let chartPalette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

/// Axis tick values: about `count` "nice" numbers (1, 2, 5 × 10^k steps) covering [low, high].
func niceTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    guard high > low, low.isFinite, high.isFinite else { return [low] }
    let raw = (high - low) / Double(max(count, 1))
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var ticks: [Double] = []
    var v = ceil(low / step) * step
    while v <= high + step * 1e-9 { ticks.append(abs(v) < step * 1e-9 ? 0 : v); v += step }
    return ticks
}

func tickLabel(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
    if abs(v) >= 1e4 || abs(v) < 1e-2 { return String(format: "%.1e", v) }
    return String(format: "%g", (v * 1000).rounded() / 1000)
}

/// A line chart with titled axes, optional log₂ x axis (time steps), and a legend.
public struct LineChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ChartSeries]
    public var logXAxis: Bool
    public var yRange: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String, series: [ChartSeries], logXAxis: Bool = false,
                yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logXAxis = logXAxis
        self.yRange = yRange
    }

    public func render(width: Double = 720, height: Double = 440) -> String {
        var svg = SVGDocument(width: width, height: height)
        let left = 80.0, right = 200.0, top = 50.0, bottom = 60.0
        let plotW = width - left - right, plotH = height - top - bottom
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        func tx(_ x: Double) -> Double { logXAxis ? log2(max(x, 1e-9)) : x }
        var xs = all.map { tx($0.x) }, ys = all.map(\.y)
        if xs.isEmpty { xs = [0, 1]; ys = [0, 1] }
        var xMin = xs.min() ?? 0, xMax = xs.max() ?? 1
        if xMax - xMin < 1e-9 { xMin -= 1; xMax += 1 }
        var yMin = yRange?.lowerBound ?? (ys.min() ?? 0), yMax = yRange?.upperBound ?? (ys.max() ?? 1)
        if yRange == nil { let pad = max((yMax - yMin) * 0.08, 1e-9); yMin -= pad; yMax += pad }
        if yMax - yMin < 1e-12 { yMax = yMin + 1 }
        func px(_ x: Double) -> Double { left + (tx(x) - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yMin) / (yMax - yMin) * plotH }

        svg.text(title, x: left + plotW / 2, y: 28, size: 16, anchor: .middle, bold: true)
        svg.rect(left, top, plotW, plotH, fill: "none", stroke: "#999")
        for y in niceTicks(yMin, yMax) {
            svg.line(left, py(y), left + plotW, py(y), stroke: "#e5e5e5")
            svg.text(tickLabel(y), x: left - 6, y: py(y) + 4, size: 11, anchor: .end)
        }
        let xTickValues: [Double] = logXAxis
            ? Array(Set(all.map(\.x))).sorted()
            : niceTicks(xMin, xMax).filter { $0 >= xMin && $0 <= xMax }
        for x in xTickValues {
            svg.line(px(x), top + plotH, px(x), top + plotH + 5, stroke: "#666")
            svg.text(tickLabel(x), x: px(x), y: top + plotH + 18, size: 11, anchor: .middle)
        }
        svg.text(xLabel, x: left + plotW / 2, y: height - 18, size: 13, anchor: .middle)
        svg.text(yLabel, x: 22, y: top + plotH / 2, size: 13, anchor: .middle, rotate: -90)

        for s in series {
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
            svg.polyline(points.map { (px($0.x), py($0.y)) }, stroke: s.color, width: 2, dash: s.dashed ? "6,4" : nil)
            if s.markers { for p in points { svg.circle(px(p.x), py(p.y), radius: 3.5, fill: s.color) } }
        }
        var ly = top + 10
        for s in series {
            svg.line(left + plotW + 16, ly, left + plotW + 44, ly, stroke: s.color, width: 2.5, dash: s.dashed ? "6,4" : nil)
            svg.text(s.name, x: left + plotW + 50, y: ly + 4, size: 12)
            ly += 20
        }
        return svg.render()
    }
}

/// A bar chart of one value per category (for example the spike rate of each layer), with one bar
/// group per series.
public struct BarChart: Sendable {
    public var title: String
    public var yLabel: String
    public var categories: [String]
    /// (series name, one value per category, colour).
    public var series: [(name: String, values: [Double], color: String)]

    public init(title: String, yLabel: String, categories: [String], series: [(name: String, values: [Double], color: String)]) {
        self.title = title
        self.yLabel = yLabel
        self.categories = categories
        self.series = series
    }

    public func render(width: Double = 720, height: Double = 440) -> String {
        var svg = SVGDocument(width: width, height: height)
        let left = 80.0, right = 180.0, top = 50.0, bottom = 90.0
        let plotW = width - left - right, plotH = height - top - bottom
        let maxValue = max(series.flatMap(\.values).filter(\.isFinite).max() ?? 1, 1e-12) * 1.1
        func py(_ y: Double) -> Double { top + plotH - y / maxValue * plotH }
        svg.text(title, x: left + plotW / 2, y: 28, size: 16, anchor: .middle, bold: true)
        svg.rect(left, top, plotW, plotH, fill: "none", stroke: "#999")
        for y in niceTicks(0, maxValue) {
            svg.line(left, py(y), left + plotW, py(y), stroke: "#e5e5e5")
            svg.text(tickLabel(y), x: left - 6, y: py(y) + 4, size: 11, anchor: .end)
        }
        svg.text(yLabel, x: 22, y: top + plotH / 2, size: 13, anchor: .middle, rotate: -90)
        let groupW = plotW / Double(max(categories.count, 1))
        let barW = groupW * 0.8 / Double(max(series.count, 1))
        for (c, category) in categories.enumerated() {
            let gx = left + Double(c) * groupW + groupW * 0.1
            for (k, s) in series.enumerated() where c < s.values.count && s.values[c].isFinite {
                svg.rect(gx + Double(k) * barW, py(s.values[c]), barW - 1, top + plotH - py(s.values[c]), fill: s.color)
            }
            svg.text(category, x: left + (Double(c) + 0.5) * groupW, y: top + plotH + 16, size: 11, anchor: .end,
                     rotate: -35)
        }
        var ly = top + 10
        for s in series {
            svg.rect(left + plotW + 16, ly - 8, 14, 10, fill: s.color)
            svg.text(s.name, x: left + plotW + 36, y: ly + 2, size: 12)
            ly += 20
        }
        return svg.render()
    }
}

/// A spike raster: one row per followed neuron, grouped by population, one dot per spike.
public struct RasterChart: Sendable {
    public var title: String
    public var raster: SpikeRaster
    public var timeSteps: Int

    public init(title: String, raster: SpikeRaster, timeSteps: Int) {
        self.title = title
        self.raster = raster
        self.timeSteps = timeSteps
    }

    public func render(width: Double = 720, height: Double = 480) -> String {
        var svg = SVGDocument(width: width, height: height)
        let left = 150.0, right = 30.0, top = 50.0, bottom = 55.0
        let plotW = width - left - right, plotH = height - top - bottom
        let rows = raster.neurons.reduce(0) { $0 + $1.count }
        let rowH = plotH / Double(max(rows, 1))
        func px(_ t: Int) -> Double { left + (Double(t) + 0.5) / Double(max(timeSteps, 1)) * plotW }
        svg.text(title, x: left + plotW / 2, y: 28, size: 16, anchor: .middle, bold: true)
        svg.rect(left, top, plotW, plotH, fill: "none", stroke: "#999")
        var row = 0
        for (p, neurons) in raster.neurons.enumerated() where !neurons.isEmpty {
            let color = chartPalette[p % chartPalette.count]
            let groupTop = top + Double(row) * rowH
            svg.text(raster.populationNames[p], x: left - 8, y: groupTop + Double(neurons.count) * rowH / 2 + 4,
                     size: 11, anchor: .end)
            for (k, _) in neurons.enumerated() {
                let y = top + (Double(row) + 0.5) * rowH
                for t in raster.times[p][k] {
                    svg.rect(px(t) - 1, y - max(rowH * 0.35, 0.8), 2, max(rowH * 0.7, 1.6), fill: color)
                }
                row += 1
            }
            svg.line(left, top + Double(row) * rowH, left + plotW, top + Double(row) * rowH, stroke: "#ddd")
        }
        for t in niceTicks(0, Double(max(timeSteps - 1, 1))) {
            svg.text(tickLabel(t), x: px(Int(t)), y: top + plotH + 18, size: 11, anchor: .middle)
        }
        svg.text("time step", x: left + plotW / 2, y: height - 15, size: 13, anchor: .middle)
        return svg.render()
    }
}
