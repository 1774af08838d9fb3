/// One event of a sample whose activity was captured in full (`SimulationOptions.captureEventsForSamples`),
/// for spike traces that hardware and network-on-chip simulators replay.
///
/// Events come in simulation order: by sample, then step, then the phase that produced them (the
/// input encoder first, then populations in network order), then ascending neuron index.
public struct CapturedEvent: Sendable, Equatable {
    /// The `population` of the input encoder's events. Only Poisson input produces events; direct
    /// input enters the first layer as an analog current and has none.
    public static let inputPopulation: Int32 = -1

    /// The sample's index in the simulated batch.
    public var sample: Int32
    /// The time step, from 0.
    public var step: Int32
    /// The index into `SimulationRecord.populationNames`, or `inputPopulation`.
    public var population: Int32
    /// The neuron (or input pixel) in height-width-channel order.
    public var neuron: Int32
    /// The event's value: 1 for a spike, ±1 for a Poisson input event.
    public var value: Float

    public init(sample: Int32, step: Int32, population: Int32, neuron: Int32, value: Float) {
        self.sample = sample
        self.step = step
        self.population = population
        self.neuron = neuron
        self.value = value
    }
}

extension Array where Element == CapturedEvent {
    /// Appends one step's events of one population.
    mutating func append(_ events: SpikeEvents, sample: Int, step: Int, population: Int32) {
        for k in 0..<events.count {
            append(CapturedEvent(sample: Int32(sample), step: Int32(step), population: population,
                                 neuron: events.indices[k], value: events.value(at: k)))
        }
    }
}
