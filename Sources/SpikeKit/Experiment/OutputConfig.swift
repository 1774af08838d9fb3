import Foundation

/// The `output` section: where a run's results go and what is saved besides `report.json`.
/// Always applies.
public struct OutputConfig: Equatable, Sendable {
    /// Parent folder of the run folder `<directory>/<name>-<yyyyMMdd-HHmmss>/`, variables expanded;
    /// a relative path is relative to the current directory when the run starts.
    public var directory: String
    public var saveCheckpoints: Bool
    /// Number of test images whose spike events are written; nil or 0 = none.
    public var spikeTrace: Int?
    /// Whether to write the final spiking network as `network.nir`.
    public var nir: Bool

    /// The defaults of `ConfigSchema`.
    public init() {
        self.init(reading: .defaults(of: "output"))
    }

    init(reading reader: ConfigReader) {
        reader.checkUnknownKeys()
        directory = reader.path("directory", relativeToBase: false) ?? "results"
        saveCheckpoints = reader.bool("saveCheckpoints")
        spikeTrace = reader.optionalInteger("spikeTrace")
        nir = reader.bool("nir")
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "directory": .string(directory),
            "saveCheckpoints": .bool(saveCheckpoints),
        ]
        if let spikeTrace { members["spikeTrace"] = .integer(spikeTrace) }
        members["nir"] = .bool(nir)
        return .object(members)
    }
}
