/// One call from a spiking network and a few images to the chip estimate at each T: map the network
/// (`HardwareMapping`), run the event-driven simulator on the images with every event captured,
/// count the traffic (`HardwareActivity`) over the first T steps and price it (`HardwareEstimate`).
public enum HardwarePricing {
    /// The estimate at every T of `timeSteps` (one simulation at the largest T; the counts of a
    /// smaller T are its first T steps, as the simulator's checkpoints are).
    public static func estimates(network: SpikingNetwork, images: Tensor, encoding: InputEncoding, ordering: SpikeOrdering,
                                 timeSteps: [Int], hardware: HardwareDescription, placement: [Int]? = nil,
                                 seed: UInt64 = 0) throws -> (mapping: HardwareMapping, estimates: [Int: HardwareEstimate]) {
        let graph = HardwareGraph(network: network, encoding: encoding)
        let mapping = try HardwareMapping(graph: graph, hardware: hardware, placement: placement)
        guard let maximum = timeSteps.max(), maximum > 0 else { return (mapping, [:]) }
        let samples = images.shape.first ?? 0
        let options = SimulationOptions(timeSteps: maximum, encoding: encoding, ordering: ordering, seed: seed,
                                        checkpoints: [maximum], captureEventsForSamples: samples)
        let record = try EventScheduler(network: network).run(images: images, options: options)
        var result: [Int: HardwareEstimate] = [:]
        for t in Set(timeSteps) {
            let activity = try HardwareActivity(events: record.events ?? [], mapping: mapping, timeSteps: t, samples: samples)
            result[t] = HardwareEstimate(activity: activity, mapping: mapping)
        }
        return (mapping, result)
    }
}
