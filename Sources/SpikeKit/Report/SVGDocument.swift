import Foundation

/// A minimal SVG writer: shapes and text appended in drawing order, escaped, serialised as one
/// well-formed document. Plots are built on it with no dependencies.
public struct SVGDocument: Sendable {
    public let width: Double
    public let height: Double
    private var elements: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Escapes text for XML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        return String(format: "%.2f", v)
    }

    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double,
                              stroke: String = "#333", width: Double = 1, dash: String? = nil) {
        var e = "<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" "
            + "stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\""
        if let dash { e += " stroke-dasharray=\"\(dash)\"" }
        elements.append(e + "/>")
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        guard !points.isEmpty else { return }
        let coords = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        var e = "<polyline points=\"\(coords)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\""
        if let dash { e += " stroke-dasharray=\"\(dash)\"" }
        elements.append(e + "/>")
    }

    public mutating func circle(_ cx: Double, _ cy: Double, radius: Double, fill: String) {
        elements.append("<circle cx=\"\(Self.number(cx))\" cy=\"\(Self.number(cy))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\"/>")
    }

    public mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil) {
        var e = "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(max(0, w)))\" "
            + "height=\"\(Self.number(max(0, h)))\" fill=\"\(fill)\""
        if let stroke { e += " stroke=\"\(stroke)\"" }
        elements.append(e + "/>")
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    public mutating func text(_ string: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                              bold: Bool = false, rotate: Double? = nil, fill: String = "#222") {
        var e = "<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(Self.number(size))\" "
            + "text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\""
        if bold { e += " font-weight=\"bold\"" }
        if let rotate { e += " transform=\"rotate(\(Self.number(rotate)) \(Self.number(x)) \(Self.number(y)))\"" }
        elements.append(e + ">\(Self.escape(string))</text>")
    }

    /// The document as text.
    public func render() -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.number(width))" height="\(Self.number(height))" \
        viewBox="0 0 \(Self.number(width)) \(Self.number(height))" font-family="Helvetica, Arial, sans-serif">
        <rect x="0" y="0" width="\(Self.number(width))" height="\(Self.number(height))" fill="white"/>
        \(elements.joined(separator: "\n"))
        </svg>

        """
    }
}
