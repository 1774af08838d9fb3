import Foundation

/// The `simulation` section: the time-step counts to simulate the converted network at, and how.
/// The stage runs only when the section is present.
public struct SimulationConfig: Equatable, Sendable {
    /// Input encoding (DESIGN §3): analog pixels every step, or signed Poisson rate coding.
    public enum Encoding: String, CaseIterable, Sendable {
        case direct
        case poisson
    }

    /// Whether a neuron spikes on the previous step's membrane (`delayed`) or in the step its input
    /// arrives (`immediate`), DESIGN §3.
    public enum Ordering: String, CaseIterable, Sendable {
        case delayed
        case immediate
    }

    /// After a spike: subtract the threshold (soft reset) or set the membrane to zero.
    public enum Reset: String, CaseIterable, Sendable {
        case subtract
        case zero
    }

    public var timeSteps: [Int]
    public var encoding: Encoding
    public var ordering: Ordering
    public var batchSize: Int
    /// Worker threads for the whole run; 0 = all cores.
    public var threads: Int
    public var reset: Reset
    /// Membrane leak λ in (0, 1]; 1 = integrate-and-fire.
    public var leak: Double
    /// The neuron dynamics (`NeuronModel`).
    public var neuron: NeuronModel
    /// α_i of `cuba-lif` neurons, in [0, 1).
    public var currentDecay: Double
    /// The membrane at the start of each sample as a fraction of θ, in [0, 1).
    public var initialMembrane: Double
    /// Simulate only the first this many test images; nil = all.
    public var testLimit: Int?
    public var recordRaster: Bool

    /// The defaults of `ConfigSchema`.
    public init() {
        self.init(reading: .defaults(of: "simulation"))
    }

    init(reading reader: ConfigReader) {
        reader.checkUnknownKeys()
        timeSteps = reader.integerList("timeSteps")
        encoding = reader.choice("encoding")
        ordering = reader.choice("ordering")
        batchSize = reader.integer("batchSize")
        threads = reader.integer("threads")
        reset = reader.choice("reset")
        leak = reader.number("leak")
        neuron = reader.choice("neuron")
        currentDecay = reader.number("currentDecay")
        initialMembrane = reader.number("initialMembrane")
        testLimit = reader.optionalInteger("testLimit")
        recordRaster = reader.bool("recordRaster")
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "timeSteps": .array(timeSteps.map(JSONValue.integer)),
            "encoding": .string(encoding.rawValue),
            "ordering": .string(ordering.rawValue),
            "batchSize": .integer(batchSize),
            "threads": .integer(threads),
            "reset": .string(reset.rawValue),
            "leak": .number(leak),
            "neuron": .string(neuron.rawValue),
            "currentDecay": .number(currentDecay),
            "initialMembrane": .number(initialMembrane),
            "recordRaster": .bool(recordRaster),
        ]
        if let testLimit { members["testLimit"] = .integer(testLimit) }
        return .object(members)
    }
}
