/// The energy cost of each kind of operation on one kind of hardware, in picojoules.
///
/// A preset is a plain JSON object a user can copy and edit (the `energy` config section takes a
/// preset name or such an object). The model (DESIGN §6) charges
///
///     E_ANN = Σ_l MACs_l · E_MAC
///     E_SNN = [direct input: MACs_1 · E_MAC, once per image]
///             + Σ_l synapticOps_l · E_AC
///             + neuronUpdates · E_update + spikes · E_spike + memory accesses · E_mem
///
/// Neuron updates are charged for every spiking neuron at every step (neurons · T), as time-stepped
/// neuromorphic hardware updates every compartment each step; memory accesses, when a cost is given,
/// are charged one per synaptic operation (a weight read). With direct encoding the first layer's
/// MACs are charged once (its current is the same each step); the report also gives the variant that
/// charges them at every step.
public struct EnergyModel: Codable, Sendable, Equatable {
    /// The preset's name.
    public var name: String
    /// Energy of one multiply-accumulate (ANN layers, and the direct-input first layer), pJ.
    public var macPicojoules: Double
    /// Energy of one synaptic operation (an accumulate triggered by an event), pJ.
    public var accumulatePicojoules: Double
    /// Energy of one neuron update, pJ.
    public var neuronUpdatePicojoules: Double
    /// Energy of routing one spike, pJ.
    public var spikePicojoules: Double
    /// Energy of one memory access (a weight read per synaptic operation), pJ.
    public var memoryAccessPicojoules: Double
    /// Where the numbers come from.
    public var source: String

    public init(name: String, macPicojoules: Double, accumulatePicojoules: Double, neuronUpdatePicojoules: Double = 0,
                spikePicojoules: Double = 0, memoryAccessPicojoules: Double = 0, source: String = "") {
        self.name = name
        self.macPicojoules = macPicojoules
        self.accumulatePicojoules = accumulatePicojoules
        self.neuronUpdatePicojoules = neuronUpdatePicojoules
        self.spikePicojoules = spikePicojoules
        self.memoryAccessPicojoules = memoryAccessPicojoules
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case name, macPicojoules, accumulatePicojoules, neuronUpdatePicojoules, spikePicojoules, memoryAccessPicojoules, source
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "custom"
        macPicojoules = try c.decode(Double.self, forKey: .macPicojoules)
        accumulatePicojoules = try c.decode(Double.self, forKey: .accumulatePicojoules)
        neuronUpdatePicojoules = try c.decodeIfPresent(Double.self, forKey: .neuronUpdatePicojoules) ?? 0
        spikePicojoules = try c.decodeIfPresent(Double.self, forKey: .spikePicojoules) ?? 0
        memoryAccessPicojoules = try c.decodeIfPresent(Double.self, forKey: .memoryAccessPicojoules) ?? 0
        source = try c.decodeIfPresent(String.self, forKey: .source) ?? ""
    }

    /// 45 nm CMOS, 32-bit floating point (Horowitz, ISSCC 2014): MAC 4.6 pJ, add 0.9 pJ.
    public static let cmos45nmFP32 = EnergyModel(
        name: "cmos45nm-fp32", macPicojoules: 4.6, accumulatePicojoules: 0.9,
        source: "Horowitz 2014, 45 nm CMOS, 32-bit float: MAC 4.6 pJ, add 0.9 pJ")
    /// 45 nm CMOS, 8-bit integer (Horowitz 2014): MAC 0.23 pJ, add 0.03 pJ.
    public static let cmos45nmInt8 = EnergyModel(
        name: "cmos45nm-int8", macPicojoules: 0.23, accumulatePicojoules: 0.03,
        source: "Horowitz 2014, 45 nm CMOS, 8-bit integer: MAC 0.2 pJ + add 0.03 pJ")
    /// Intel Loihi (Davies et al., IEEE Micro 2018): 23.6 pJ per synaptic op, 52 pJ per neuron update,
    /// 1.7 pJ per spike within a tile. The ANN baseline and the direct-input layer use the 45 nm fp32 MAC.
    public static let loihi = EnergyModel(
        name: "loihi", macPicojoules: 4.6, accumulatePicojoules: 23.6, neuronUpdatePicojoules: 52, spikePicojoules: 1.7,
        source: "Davies et al. 2018 (Loihi): 23.6 pJ/synaptic op, 52 pJ/neuron update, 1.7 pJ/spike in a tile; "
            + "ANN MACs at 45 nm fp32 (4.6 pJ)")
    /// IBM TrueNorth (Merolla et al., Science 2014): 26 pJ per synaptic event, the chip's total energy
    /// per event at 72 mW, 0.775 V, 20 Hz and 128 active synapses per neuron (static power included).
    /// The ANN baseline and the direct-input layer use the 45 nm fp32 MAC.
    public static let truenorth = EnergyModel(
        name: "truenorth", macPicojoules: 4.6, accumulatePicojoules: 26,
        source: "Merolla et al. 2014 (TrueNorth): 26 pJ per synaptic event (total energy at 72 mW, 0.775 V, 20 Hz, "
            + "128 active synapses); ANN MACs at 45 nm fp32 (4.6 pJ)")

    /// Every built-in preset, by name.
    public static let presets: [EnergyModel] = [cmos45nmFP32, cmos45nmInt8, loihi, truenorth]

    /// The preset called `name`, if any.
    public static func named(_ name: String) -> EnergyModel? {
        presets.first { $0.name == name }
    }

    /// The model as the JSON object a user can copy into a config's `energy.preset` and edit.
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
