import Foundation

/// The results of a sweep in one table (`spikekit collect DIR`): one row per point and simulation
/// (a point simulated at several T, or fine-tuned with STDB, has one row each), with the point's
/// swept values, written as `sweep.csv` and `sweep-results.json`, and plotted against each swept key.
public struct SweepTable: Sendable {
    public struct Row: Sendable {
        public var point: String
        public var index: Int
        /// Key path → the point's value.
        public var values: [String: JSONValue]
        public var stage: String
        public var timeSteps: Int
        public var testAccuracy: Double
        public var annTestAccuracy: Double?
        public var spikesPerImage: Double
        public var synapticOpsPerImage: Double
        public var energyPreset: String?
        public var snnJoulesPerImage: Double?
        public var annJoulesPerImage: Double?
        public var energyRatio: Double?
    }

    public var name: String
    public var keyPaths: [String]
    public var rows: [Row]
    /// Points without a report (not run, or not finished).
    public var missing: [String]

    public static let csvFile = "sweep.csv"
    public static let jsonFile = "sweep-results.json"

    /// Reads `sweep.json` and every finished point's report in the sweep folder `directory`.
    public static func collect(from directory: URL) throws -> SweepTable {
        let manifestURL = directory.appendingPathComponent(SweepPlan.manifestFile)
        guard let data = FileManager.default.contents(atPath: manifestURL.path) else {
            throw SpikeKitError.io(path: manifestURL.path, reason: "no sweep manifest (is \(directory.path) the folder of a sweep? `spikekit sweep CONFIG --list` shows it)")
        }
        let tree: JSONValue
        do {
            tree = try JSONValue.parse(data)
        } catch let error as JSONParseError {
            throw SpikeKitError.io(path: manifestURL.path, reason: error.message)
        }
        func malformed(_ what: String) -> SpikeKitError { .io(path: manifestURL.path, reason: "malformed sweep manifest: \(what)") }
        guard case .object(let members) = tree, case .array(let keys)? = members["keyPaths"], case .array(let points)? = members["points"]
        else { throw malformed("expected an object with `keyPaths` and `points`") }
        let keyPaths = try keys.map { key -> String in
            guard case .string(let path) = key else { throw malformed("`keyPaths` holds \(key.shortDescription)") }
            return path
        }
        var name = directory.lastPathComponent
        if case .string(let given)? = members["name"] { name = given }
        var rows: [Row] = []
        var missing: [String] = []
        for (position, entry) in points.enumerated() {
            guard case .object(let point) = entry, case .string(let pointName)? = point["name"],
                  case .integer(let index)? = point["index"], case .object(let values)? = point["values"]
            else { throw malformed("points[\(position)] needs `index`, `name` and `values`") }
            let folder = directory.appendingPathComponent(SweepPlan.pointsFolder).appendingPathComponent(pointName)
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(RunReport.fileName).path) else {
                missing.append(pointName)
                continue
            }
            let report = try RunReport.load(from: folder)
            for simulation in report.simulations {
                rows.append(Row(point: pointName, index: index, values: values, stage: simulation.stage.rawValue,
                                timeSteps: simulation.timeSteps, testAccuracy: simulation.testAccuracy,
                                annTestAccuracy: report.ann?.testAccuracy, spikesPerImage: simulation.spikesPerImage,
                                synapticOpsPerImage: simulation.synapticOpsPerImage, energyPreset: simulation.energy?.preset,
                                snnJoulesPerImage: simulation.energy?.snnJoulesPerImage,
                                annJoulesPerImage: simulation.energy?.annJoulesPerImage, energyRatio: simulation.energy?.ratio))
            }
        }
        return SweepTable(name: name, keyPaths: keyPaths, rows: rows, missing: missing)
    }

    // MARK: Tables

    static let fixedColumns = ["stage", "timeSteps", "testAccuracy", "annTestAccuracy", "spikesPerImage", "synapticOpsPerImage",
                               "energyPreset", "snnJoulesPerImage", "annJoulesPerImage", "energyRatio"]

    /// The table as CSV: `point`, one column per swept key path (a name as it is, other values as
    /// compact JSON), then
    /// the results. Fields with a comma or quote are quoted (RFC 4180).
    public func csv() -> String {
        var lines = [(["point"] + keyPaths + Self.fixedColumns).map(Self.csvField).joined(separator: ",")]
        for row in rows {
            let values = keyPaths.map { row.values[$0].map(Self.cellText) ?? "" }
            let results = [row.stage, String(row.timeSteps), RunOutputs.csvNumber(row.testAccuracy), RunOutputs.csvNumber(row.annTestAccuracy),
                           RunOutputs.csvNumber(row.spikesPerImage), RunOutputs.csvNumber(row.synapticOpsPerImage), row.energyPreset ?? "",
                           RunOutputs.csvNumber(row.snnJoulesPerImage), RunOutputs.csvNumber(row.annJoulesPerImage),
                           RunOutputs.csvNumber(row.energyRatio)]
            lines.append(([row.point] + values + results).map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A swept value in a table cell or a legend: a name as it is, anything else as compact JSON.
    static func cellText(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return value.serialized(pretty: false)
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(",") || text.contains("\"") || text.contains("\n") else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The table as JSON: `{"name", "keyPaths", "rows": [{"point", "index", "values", "stage", ...}], "missing"}`.
    public func json() -> String {
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        let value: JSONValue = .object([
            "name": .string(name),
            "keyPaths": .array(keyPaths.map(JSONValue.string)),
            "missing": .array(missing.map(JSONValue.string)),
            "rows": .array(rows.map { row in
                var members: [String: JSONValue] = [
                    "point": .string(row.point), "index": .integer(row.index), "values": .object(row.values),
                    "stage": .string(row.stage), "timeSteps": .integer(row.timeSteps), "testAccuracy": .number(row.testAccuracy),
                    "spikesPerImage": .number(row.spikesPerImage), "synapticOpsPerImage": .number(row.synapticOpsPerImage),
                ]
                if let v = row.annTestAccuracy { members["annTestAccuracy"] = .number(v) }
                if let v = row.energyPreset { members["energyPreset"] = .string(v) }
                if let v = row.snnJoulesPerImage { members["snnJoulesPerImage"] = .number(v) }
                if let v = row.annJoulesPerImage { members["annJoulesPerImage"] = .number(v) }
                if let v = row.energyRatio { members["energyRatio"] = .number(v) }
                return .object(members)
            }),
        ])
        return value.serialized(pretty: true) + "\n"
    }

    /// Writes the CSV, the JSON and the plots into `directory` and returns the files written.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        var files: [(String, String)] = [(Self.csvFile, csv()), (Self.jsonFile, json())]
        files += charts()
        var written: [URL] = []
        for (name, text) in files {
            let url = directory.appendingPathComponent(name)
            try AtomicFile.write(text, to: url)
            written.append(url)
        }
        return written
    }
}
