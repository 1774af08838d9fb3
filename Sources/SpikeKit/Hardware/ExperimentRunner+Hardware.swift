import Foundation

/// The hardware stage: every simulation of the run mapped onto `hardware`'s chip and priced
/// (`HardwarePricing`) from `hardware.samples` test images re-simulated with their events captured,
/// and, with `hardware.precision`, the test set simulated again at the chip's precision
/// (`HardwareQuantization`). Per-operation descriptions (no cores) price the simulation's own
/// operation counts.
extension ExperimentRunner {
    func runHardwareStage(_ state: inout RunState) throws {
        guard let h = config.hardware, let data = state.data else { return }
        let hw = h.description
        let test = data.test
        // Group simulations by the network they ran, so each network is mapped and simulated once.
        var groups: [RunReport.Stage: [Int]] = [:]
        for index in state.simulations.indices { groups[state.simulations[index].stage, default: []].append(index) }
        for stage in RunReport.Stage.allCasesInOrder {
            guard let indices = groups[stage], !indices.isEmpty else { continue }
            if !hw.mapsCores {
                for i in indices where i < state.counts.count {
                    state.simulations[i].hardware = HardwareEstimate(operationCounts: state.counts[i], hardware: hw)
                }
                continue
            }
            guard let network = stage == .conversion ? (state.converted ?? state.spiking) : state.spiking else { continue }
            let first = state.simulations[indices[0]]
            let encoding: InputEncoding = first.encoding == InputEncoding.poisson.rawValue ? .poisson : .direct
            let ordering: SpikeOrdering = first.ordering == SpikeOrdering.immediate.rawValue ? .immediate : .delayed
            let steps = indices.map { state.simulations[$0].timeSteps }
            let batch = test.makeBatch(indices: 0..<min(h.samples, test.count))
            progress.note("hardware: mapping the \(stage.rawValue) network onto \(hw.name), traffic of \(min(h.samples, test.count)) images")
            // A network the chip refuses still gets its accuracy at the chip's precision and the reason.
            var mapping: HardwareMapping?
            var estimates: [Int: HardwareEstimate] = [:]
            do {
                let priced = try HardwarePricing.estimates(
                    network: network, images: batch.images, encoding: encoding, ordering: ordering, timeSteps: steps,
                    hardware: hw, placement: h.placement, seed: seed)
                (mapping, estimates) = (priced.mapping, priced.estimates)
            } catch let error as SpikeKitError {
                guard case .model = error else { throw error }
                progress.note("hardware: \(hw.name) refuses the \(stage.rawValue) network: \(error)")
                for t in steps { estimates[t] = HardwareEstimate(refusedBy: hw, reason: error.description) }
            }
            var quantizedAccuracy: [Int: Double] = [:]
            let precision = HardwareQuantization.summary(hw)
            if h.precision, precision != nil {
                let (quantized, _) = HardwareQuantization.quantize(network, hardware: hw)
                let images = first.testImages
                let (record, _) = try simulateTestSet(quantized, data: test, images: images, encoding: encoding, ordering: ordering,
                                                      timeSteps: steps.max() ?? 1, checkpoints: steps.sorted(),
                                                      batchSize: config.simulation?.batchSize ?? 100, raster: 0,
                                                      label: "\(hw.name) precision")
                let labels = Array(test.labels.prefix(images))
                for t in steps { quantizedAccuracy[t] = Double(record.correct(labels: labels, steps: t)) / Double(max(images, 1)) }
            }
            for i in indices {
                let t = state.simulations[i].timeSteps
                guard var estimate = estimates[t] else { continue }
                estimate.quantizedTestAccuracy = quantizedAccuracy[t]
                estimate.precision = quantizedAccuracy[t] == nil ? nil : precision
                state.simulations[i].hardware = estimate
                if let reason = estimate.mappingError {
                    progress.note("  T = \(t) on \(hw.name): not mapped (\(reason))"
                                  + (quantizedAccuracy[t].map { String(format: "; accuracy at chip precision %.2f %%", $0 * 100) } ?? ""))
                    continue
                }
                progress.note(String(format: "  T = %4d on %@: %d cores, %.4g µJ and %.4g µs per image (%.3g µs per step)%@",
                                     t, hw.name, mapping?.cores.count ?? 0, (estimate.joulesPerImage ?? 0) * 1e6,
                                     (estimate.secondsPerImage ?? 0) * 1e6, (estimate.secondsPerStep ?? 0) * 1e6,
                                     quantizedAccuracy[t].map { String(format: ", accuracy at chip precision %.2f %%", $0 * 100) } ?? ""))
            }
        }
    }
}
