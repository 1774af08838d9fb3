import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import SpikeKit

/// Parses an SVG string and returns the element names, or records the parse error.
func parseXML(_ text: String) -> [String]? {
    final class Collector: NSObject, XMLParserDelegate {
        var names: [String] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) { names.append(name) }
    }
    let parser = XMLParser(data: Data(text.utf8))
    let collector = Collector()
    parser.delegate = collector
    return parser.parse() ? collector.names : nil
}

@Suite struct ChartTests {
    @Test func lineChartIsWellFormedAndLabelled() throws {
        let chart = LineChart(title: "Accuracy <vs> T & more", xLabel: "time steps T", yLabel: "test accuracy (%)", series: [
            ChartSeries(name: "conversion", points: [(8, 40), (16, 80), (32, 88)], color: chartPalette[0]),
            ChartSeries(name: "ANN", points: [(8, 90), (32, 90)], color: "#000", dashed: true, markers: false),
        ], logXAxis: true)
        let svg = chart.render()
        let names = try #require(parseXML(svg), "SVG is not well-formed XML")
        #expect(names.first == "svg")
        #expect(names.filter { $0 == "polyline" }.count == 2)
        #expect(svg.contains("Accuracy &lt;vs&gt; T &amp; more"))
        #expect(svg.contains("time steps T") && svg.contains("test accuracy (%)"))
        #expect(svg.contains(">conversion<") && svg.contains(">ANN<"))
    }

    @Test func barAndRasterChartsAreWellFormed() throws {
        let bars = BarChart(title: "Spike rate per layer", yLabel: "spikes per neuron per step (%)",
                            categories: ["conv1", "conv2", "fc1"],
                            series: [("T = 16", [1.5, 3.25, 0.5], chartPalette[0]), ("T = 32", [1.4, 3, 0.6], chartPalette[1])])
        let barNames = try #require(parseXML(bars.render()))
        #expect(barNames.filter { $0 == "rect" }.count >= 6)
        let raster = SpikeRaster(neurons: [[0, 5], [1]], times: [[[0, 3], []], [[2]]], populationNames: ["conv1", "fc1"])
        let rasterNames = try #require(parseXML(RasterChart(title: "Raster", raster: raster, timeSteps: 8).render()))
        // Three spikes → three marks (plus the background and the frame).
        #expect(rasterNames.filter { $0 == "rect" }.count == 3 + 2)
    }

    @Test func emptyAndDegenerateInputsStillRender() throws {
        #expect(parseXML(LineChart(title: "empty", xLabel: "x", yLabel: "y", series: []).render()) != nil)
        let flat = LineChart(title: "flat", xLabel: "x", yLabel: "y",
                             series: [ChartSeries(name: "a", points: [(1, 5), (1, 5)], color: "#f00")])
        #expect(parseXML(flat.render()) != nil)
        #expect(!flat.render().contains("nan"))
    }

    @Test func ticksAreNice() {
        let unit = niceTicks(0, 1)
        #expect(unit.count == 6 && abs(unit[3] - 0.6) < 1e-9 && unit.last.map { abs($0 - 1) < 1e-9 } == true)
        #expect(niceTicks(0, 100, count: 5) == [0, 20, 40, 60, 80, 100])
    }
}
