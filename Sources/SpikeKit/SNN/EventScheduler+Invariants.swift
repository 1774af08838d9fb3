#if SPIKEKIT_INTERNAL_CHECKS
/// Invariant checks of the event-driven engine, compiled in only when the package is built with
/// `SPIKEKIT_INTERNAL_CHECKS=1` in the environment (as swift-collections does with
/// `COLLECTIONS_INTERNAL_CHECKS`): after every entry of a step, every event list it produced is
/// sorted, unique and in range, and the membranes of the population it stepped are finite; a team's
/// bands keep whole pooling rows wherever a fused pooling needs them.
extension EventScheduler {
    static func checkInvariants(after entry: EventStepPlan.Entry, state: SampleState, steps: EventStepPlan) {
        func check(_ events: SpikeEvents, count: Int, _ what: String) {
            var previous: Int32 = -1
            for index in events.indices {
                precondition(index > previous, "\(what): events not strictly ascending (\(index) after \(previous))")
                precondition(Int(index) < count, "\(what): event \(index) out of range 0..<\(count)")
                previous = index
            }
            precondition(events.isBinary || events.values.count == events.indices.count,
                         "\(what): \(events.values.count) values for \(events.indices.count) events")
        }
        func checkPopulation(_ p: Int) {
            let population = state.populations[p]
            check(population.spikes, count: population.shape.count, "population \(p) spikes")
            if let k = population.membrane.firstIndex(where: { !$0.isFinite }) {
                preconditionFailure("population \(p): membrane \(k) is \(population.membrane[k])")
            }
        }
        switch entry {
        case .fire(let p, _, _, _), .fireIntoPooling(let p, _, _), .constantCurrentIntoPooling(let p, _, _):
            checkPopulation(p)
            if case .fireIntoPooling(_, let pooling, _) = entry, let pool = state.pooling[pooling.layer] {
                check(pool.output, count: pooling.outputs * pooling.channels, "pooling \(pooling.layer) output")
            }
        case .averagePool(let layer, _, _, _, _, _), .maxPool(let layer, _, _, _, _, _):
            if let pool = state.pooling[layer] { check(pool.output, count: pool.values.count, "pooling \(layer) output") }
        case .deliver, .directIntoOutput, .accumulate:
            break
        }
    }

    /// A team's bands of the populations that fire into a fused pooling hold whole pooling rows.
    static func checkBands(_ state: SampleState, steps: EventStepPlan) {
        for (p, stride) in steps.fusedPoolingStride.enumerated() {
            guard let stride else { continue }
            let population = state.populations[p], width = population.shape.width
            let band = population.band
            precondition(band.isEmpty || (band.positions.lowerBound % (width * stride) == 0
                                          && (band.positions.upperBound % (width * stride) == 0
                                              || band.positions.upperBound == population.shape.positions)),
                         "population \(p): band \(band.positions) is not whole rows of \(stride) for its fused pooling")
        }
    }
}
#endif
