import Foundation

/// The `hardware` section: the chip every simulation is mapped onto and priced on
/// (`HardwareMapping`, `HardwareActivity`, `HardwareEstimate`), next to (or instead of) the
/// per-operation `energy` section. `preset` names a built-in description, `file` loads one from JSON
/// (relative to the config); `placement` lists each core's global tile index (default: compact);
/// `samples` test images are re-simulated with every event captured to count the traffic; with
/// `precision` the test set is simulated once more at the chip's weight and threshold precision.
public struct HardwareConfig: Equatable, Sendable {
    public var description: HardwareDescription
    /// The file it was read from, if any (written back into the effective config).
    public var file: String?
    public var placement: [Int]?
    public var samples: Int
    public var precision: Bool

    public init(description: HardwareDescription = .loihi, file: String? = nil, placement: [Int]? = nil,
                samples: Int = 8, precision: Bool = true) {
        self.description = description
        self.file = file
        self.placement = placement
        self.samples = samples
        self.precision = precision
    }

    init(reading reader: ConfigReader) {
        reader.checkUnknownKeys()
        self.init()
        samples = reader.integer("samples")
        precision = reader.bool("precision")
        if reader.isPresent("placement") { placement = reader.integerList("placement") }
        if reader.isPresent("file") {
            if reader.isPresent("preset") {
                reader.problems.add(reader.keyPath("file"), "give either `preset` or `file`, not both")
            }
            guard let path = reader.path("file", relativeToBase: true) else { return }
            file = path
            do {
                description = try HardwareDescription.load(from: URL(fileURLWithPath: path))
            } catch {
                reader.problems.add(reader.keyPath("file"), "\(error)")
            }
        } else if let value = reader.raw("preset") ?? ConfigSchema.spec("hardware", "preset").defaultValue,
                  let name = reader.checkedName(value, key: "preset", names: HardwareDescription.presetNames),
                  let named = HardwareDescription.named(name) {
            description = named
        }
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["samples": .integer(samples), "precision": .bool(precision)]
        if let file { members["file"] = .string(file) } else { members["preset"] = .string(description.name) }
        if let placement { members["placement"] = .array(placement.map { .integer($0) }) }
        return .object(members)
    }
}
