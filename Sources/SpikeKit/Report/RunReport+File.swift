import Foundation

extension RunReport {
    /// The report's file name inside a run folder.
    public static let fileName = "report.json"

    /// The report as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        try checkValues()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(self)
            data.append(0x0A)
            return data
        } catch {
            throw SpikeKitError.runtime("cannot encode the run report: \(error)")
        }
    }

    /// Writes `report.json` into `directory` atomically (a crash leaves the old file or the new one)
    /// and returns its URL.
    @discardableResult
    public func write(to directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(RunReport.fileName)
        try AtomicFile.write(try jsonData(), to: url)
        return url
    }

    /// Reads a report from a `report.json` file, or from the run folder that holds one.
    public static func load(from url: URL) throws -> RunReport {
        var isDirectory: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? url.appendingPathComponent(fileName) : url
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw SpikeKitError.io(path: file.path, reason: FileManager.default.fileExists(atPath: file.path)
                                   ? "cannot read the report" : "no such report")
        }
        do {
            return try JSONDecoder().decode(RunReport.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw SpikeKitError.io(path: file.path, reason: "not a SpikeKit report: missing \(codingPath(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw SpikeKitError.io(path: file.path, reason: "not a SpikeKit report: wrong type at \(codingPath(context.codingPath))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw SpikeKitError.io(path: file.path, reason: "not a SpikeKit report: null at \(codingPath(context.codingPath))")
        } catch {
            throw SpikeKitError.io(path: file.path, reason: "not a SpikeKit report (invalid JSON)")
        }
    }

    private static func codingPath(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text
    }

    /// Refuses a report that breaks the contract: an accuracy outside [0, 1] (a percentage passed by
    /// mistake) or a non-finite number, which JSON cannot hold.
    func checkValues() throws {
        func fraction(_ value: Double?, _ path: String) throws {
            guard let value else { return }
            guard value.isFinite, value >= 0, value <= 1 else {
                throw SpikeKitError.numerical("report \(path) is \(value); accuracies are fractions in [0, 1]")
            }
        }
        func finite(_ value: Double?, _ path: String) throws {
            guard let value else { return }
            guard value.isFinite else { throw SpikeKitError.numerical("report \(path) is \(value)") }
        }
        if let ann {
            try fraction(ann.testAccuracy, "ann.testAccuracy")
            try fraction(ann.trainAccuracy, "ann.trainAccuracy")
            for (i, epoch) in (ann.perEpoch ?? []).enumerated() {
                try fraction(epoch.trainAccuracy, "ann.perEpoch[\(i)].trainAccuracy")
                try fraction(epoch.testAccuracy, "ann.perEpoch[\(i)].testAccuracy")
                try finite(epoch.loss, "ann.perEpoch[\(i)].loss")
                try finite(epoch.learningRate, "ann.perEpoch[\(i)].learningRate")
            }
        }
        for (i, layer) in (conversion?.layers ?? []).enumerated() {
            for (value, key) in [(layer.threshold, "threshold"), (layer.scale, "scale"), (layer.alpha, "alpha"), (layer.beta, "beta")] {
                try finite(value, "conversion.layers[\(i)].\(key)")
            }
        }
        for (i, simulation) in simulations.enumerated() {
            try fraction(simulation.testAccuracy, "simulations[\(i)].testAccuracy")
            for (j, layer) in simulation.layers.enumerated() {
                for (value, key) in [(layer.spikesPerImage, "spikesPerImage"), (layer.spikeRate, "spikeRate"),
                                     (layer.synapticOpsPerImage, "synapticOpsPerImage"), (layer.annMACsPerImage, "annMACsPerImage")] {
                    try finite(value, "simulations[\(i)].layers[\(j)].\(key)")
                }
            }
            if let energy = simulation.energy {
                for (value, key) in [(energy.annJoulesPerImage, "annJoulesPerImage"), (energy.snnJoulesPerImage, "snnJoulesPerImage"),
                                     (energy.ratio, "ratio"), (energy.snnJoulesPerImageFirstLayerEveryStep, "snnJoulesPerImageFirstLayerEveryStep")] {
                    try finite(value, "simulations[\(i)].energy.\(key)")
                }
            }
        }
        if let stdb { try fraction(stdb.testAccuracy, "stdb.testAccuracy") }
    }
}
