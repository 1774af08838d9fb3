import Foundation

/// The `energy` section: the hardware whose per-operation energies price every simulation against
/// the ANN. The stage runs only when the section is present, and needs `simulation` or `stdb`.
public struct EnergyConfig: Equatable, Sendable {
    /// A named preset or the user's inline numbers.
    public var preset: EnergyModel

    /// The defaults of `ConfigSchema` (`cmos45nm-fp32`).
    public init() {
        self.init(reading: .defaults(of: "energy"))
    }

    public init(preset: EnergyModel) {
        self.preset = preset
    }

    init(reading reader: ConfigReader) {
        reader.checkUnknownKeys()
        preset = .cmos45nmFP32
        guard let value = reader.raw("preset") ?? ConfigSchema.spec("energy", "preset").defaultValue else { return }
        if case .object = value {
            let inline = reader.object("preset")
            inline.checkUnknownKeys()
            for required in ["macPicojoules", "accumulatePicojoules"] where !inline.isPresent(required) {
                reader.problems.add(inline.keyPath(required), "missing; an inline preset gives at least macPicojoules and accumulatePicojoules")
            }
            preset = EnergyModel(
                name: inline.string("name"),
                macPicojoules: inline.number("macPicojoules"),
                accumulatePicojoules: inline.number("accumulatePicojoules"),
                neuronUpdatePicojoules: inline.number("neuronUpdatePicojoules"),
                spikePicojoules: inline.number("spikePicojoules"),
                memoryAccessPicojoules: inline.number("memoryAccessPicojoules"))
        } else if let name = reader.checkedName(value, key: "preset", names: ConfigSchema.energyPresets),
                  let named = EnergyModel.named(name) {
            preset = named
        }
    }

    /// A named preset is written by name; anything else (including an edited copy of a preset) as an object.
    var jsonValue: JSONValue {
        if let named = EnergyModel.named(preset.name), named == preset {
            return .object(["preset": .string(preset.name)])
        }
        return .object(["preset": preset.jsonValue])
    }
}
