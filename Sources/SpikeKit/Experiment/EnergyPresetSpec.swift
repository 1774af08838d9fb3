import Foundation

/// The energy of each operation on one kind of hardware, in picojoules: what the energy model
/// multiplies operation counts by (DESIGN §6). A config names a preset or gives these numbers inline.
///
/// Presets: `cmos45nm-fp32` (Horowitz 2014, 45 nm, 32-bit float: MAC 4.6 pJ, add 0.9 pJ);
/// `cmos45nm-int8` (same process, 8-bit integer: MAC 0.23 pJ, add 0.03 pJ); `loihi` (Davies et al.
/// 2018: 23.6 pJ per synaptic operation, 52 pJ per neuron update, 1.7 pJ per spike routed within a
/// tile); `truenorth` (Merolla et al. 2014: about 26 pJ per synaptic event). Neuromorphic chips do not
/// run the ANN, so their presets charge ANN multiply-accumulates (and a direct-encoded first layer)
/// at the 45 nm fp32 MAC energy, the baseline the literature compares against.
public struct EnergyPresetSpec: Equatable, Sendable, Codable {
    public var name: String
    public var macPicojoules: Double
    public var accumulatePicojoules: Double
    public var neuronUpdatePicojoules: Double
    public var spikePicojoules: Double
    public var memoryAccessPicojoules: Double

    public init(name: String, macPicojoules: Double, accumulatePicojoules: Double, neuronUpdatePicojoules: Double = 0,
                spikePicojoules: Double = 0, memoryAccessPicojoules: Double = 0) {
        self.name = name
        self.macPicojoules = macPicojoules
        self.accumulatePicojoules = accumulatePicojoules
        self.neuronUpdatePicojoules = neuronUpdatePicojoules
        self.spikePicojoules = spikePicojoules
        self.memoryAccessPicojoules = memoryAccessPicojoules
    }

    public static let cmos45nmFP32 = EnergyPresetSpec(name: "cmos45nm-fp32", macPicojoules: 4.6, accumulatePicojoules: 0.9)
    public static let cmos45nmInt8 = EnergyPresetSpec(name: "cmos45nm-int8", macPicojoules: 0.23, accumulatePicojoules: 0.03)
    public static let loihi = EnergyPresetSpec(name: "loihi", macPicojoules: 4.6, accumulatePicojoules: 23.6,
                                               neuronUpdatePicojoules: 52, spikePicojoules: 1.7)
    public static let truenorth = EnergyPresetSpec(name: "truenorth", macPicojoules: 4.6, accumulatePicojoules: 26)

    /// Every named preset, in the order of `ConfigSchema.energyPresets`.
    public static let presets: [EnergyPresetSpec] = [.cmos45nmFP32, .cmos45nmInt8, .loihi, .truenorth]

    /// The preset called `name`, or nil.
    public static func named(_ name: String) -> EnergyPresetSpec? { presets.first { $0.name == name } }

    /// The preset as the JSON object a user can copy into a config and edit.
    public var jsonValue: JSONValue {
        .object([
            "name": .string(name),
            "macPicojoules": .number(macPicojoules),
            "accumulatePicojoules": .number(accumulatePicojoules),
            "neuronUpdatePicojoules": .number(neuronUpdatePicojoules),
            "spikePicojoules": .number(spikePicojoules),
            "memoryAccessPicojoules": .number(memoryAccessPicojoules),
        ])
    }
}
