/// The energy per image of an ANN and of its SNN at one T, from exact operation counts and an
/// `EnergyModel` (see its doc comment for the formulas).
public struct EnergyEstimate: Codable, Sendable, Equatable {
    public var preset: String
    /// Σ MACs · E_MAC, joules per image.
    public var annJoulesPerImage: Double
    /// The SNN's energy per image, the direct-input first layer charged once.
    public var snnJoulesPerImage: Double
    /// annJoulesPerImage / snnJoulesPerImage: how many times less energy the SNN needs (> 1 = cheaper).
    public var ratio: Double
    /// How the first layer was charged: "direct input: MACs charged once per image",
    /// or "event-driven (Poisson input)".
    public var firstLayerAccounting: String
    /// The same SNN energy with the direct-input first layer's MACs charged at every step (nil for Poisson input).
    public var snnJoulesPerImageFirstLayerEveryStep: Double?
    /// The terms of `snnJoulesPerImage`, joules per image.
    public var breakdown: Breakdown
    /// The formula in words.
    public var formula: String

    public struct Breakdown: Codable, Sendable, Equatable {
        public var firstLayerMACs: Double
        public var synapticOps: Double
        public var neuronUpdates: Double
        public var spikes: Double
        public var memoryAccesses: Double
    }

    public init(counts: OperationCounts, model: EnergyModel) {
        let pico = 1e-12
        let direct = counts.layers.first?.receivesDirectInput ?? false
        let firstMACs = direct ? (counts.layers.first?.annMACsPerImage ?? 0) : 0
        let ops = counts.synapticOpsPerImage
        let updates = Double(counts.spikingNeurons) * Double(counts.timeSteps)
        let breakdown = Breakdown(
            firstLayerMACs: firstMACs * model.macPicojoules * pico,
            synapticOps: ops * model.accumulatePicojoules * pico,
            neuronUpdates: updates * model.neuronUpdatePicojoules * pico,
            spikes: counts.spikesPerImage * model.spikePicojoules * pico,
            memoryAccesses: ops * model.memoryAccessPicojoules * pico)
        let snn = breakdown.firstLayerMACs + breakdown.synapticOps + breakdown.neuronUpdates + breakdown.spikes
            + breakdown.memoryAccesses
        preset = model.name
        annJoulesPerImage = counts.annMACsPerImage * model.macPicojoules * pico
        snnJoulesPerImage = snn
        ratio = snn > 0 ? annJoulesPerImage / snn : .infinity
        firstLayerAccounting = direct ? "direct input: first-layer MACs charged once per image"
                                      : "event-driven (Poisson input): first layer counted as synaptic operations"
        snnJoulesPerImageFirstLayerEveryStep = direct
            ? snn + breakdown.firstLayerMACs * Double(max(counts.timeSteps - 1, 0)) : nil
        self.breakdown = breakdown
        formula = "E_ANN = Σ MACs·\(model.macPicojoules) pJ; E_SNN = first-layer MACs·\(model.macPicojoules) pJ (direct input) "
            + "+ Σ synaptic ops·\(model.accumulatePicojoules) pJ + neurons·T·\(model.neuronUpdatePicojoules) pJ "
            + "+ spikes·\(model.spikePicojoules) pJ + synaptic ops·\(model.memoryAccessPicojoules) pJ (memory)"
    }
}
