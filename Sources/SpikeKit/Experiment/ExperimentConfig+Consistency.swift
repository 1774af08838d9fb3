import Foundation

extension ExperimentConfig {
    /// The largest number of time steps a config may ask for (simulation, STDB, balancing).
    public static let maximumTimeSteps = 100_000

    /// Problems that involve more than one key, or the file system: combinations the pipeline cannot
    /// run, and paths that do not exist. Each names the key to change.
    public func consistencyProblems() -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        func add(_ keyPath: String, _ message: String) {
            problems.append(ConfigProblem(keyPath: keyPath, message: message))
        }

        if data.directory == nil && data.dataset != .fashionMNIST {
            add("data.directory", "\(data.dataset.rawValue) needs a directory with \(data.dataset.expectedFiles); only fashion-mnist has a bundled subset")
        }
        if let directory = data.directory {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
                add("data.directory", "\(directory) does not exist")
            } else if !isDirectory.boolValue {
                add("data.directory", "\(directory) is a file; expected a folder with \(data.dataset.expectedFiles)")
            }
        }
        if let checkpoint = model.checkpoint, !FileManager.default.fileExists(atPath: checkpoint) {
            add("model.checkpoint", "\(checkpoint) does not exist")
        }
        if let checkpoint = conversion?.checkpoint, !FileManager.default.fileExists(atPath: checkpoint) {
            add("conversion.checkpoint", "\(checkpoint) does not exist")
        }
        if let nir = model.nir {
            if !FileManager.default.fileExists(atPath: nir) { add("model.nir", "\(nir) does not exist") }
            if training != nil { add("training", "model.nir gives the spiking network, so there is nothing to train; remove the `training` section or model.nir") }
            if conversion?.checkpoint != nil { add("conversion.checkpoint", "model.nir already gives the spiking network; remove one of them") }
        }
        if model.nirReset != .graph, model.nir == nil, !(conversion?.checkpoint.map { NIRFile.isNIR(URL(fileURLWithPath: $0)) } ?? false) {
            add("model.nirReset", "applies only to a NIR graph (model.nir, or a .nir conversion.checkpoint); remove the key or give the graph")
        }
        if model.checkpoint != nil && training != nil {
            add("training", "model.checkpoint gives the ANN weights, so there is nothing to train; remove the `training` section or the checkpoint")
        }

        if let conversion, conversion.recipe == .lowLatency {
            if model.activation != .clippedReLU {
                add("model.activation", "the low-latency recipe needs clipped-relu (its thresholds are α·μ of the clip μ); remove the key or set \"clipped-relu\"")
            }
            if let simulation {
                if simulation.ordering != .immediate {
                    add("simulation.ordering", "the low-latency recipe needs the immediate ordering (a spike in the step its input arrives); remove the key or set \"immediate\"")
                }
                if simulation.encoding != .direct {
                    add("simulation.encoding", "the low-latency recipe is calibrated for direct encoding; remove the key or set \"direct\"")
                }
            }
        }
        if let simulation, simulation.currentDecay != 0 && simulation.neuron != .currentBasedLIF {
            add("simulation.currentDecay", "a synaptic-current decay needs current-based neurons; set \"neuron\": \"cuba-lif\" or remove the key")
        }
        if stdb != nil && conversion == nil {
            add("stdb", "STDB fine-tunes a converted network; add a `conversion` section")
        }
        if energy != nil && simulation == nil && stdb == nil {
            add("energy", "energy is computed from simulated operation counts; add a `simulation` (or `stdb`) section")
        }
        if hardware != nil && simulation == nil && stdb == nil {
            add("hardware", "the hardware model counts the simulated traffic; add a `simulation` (or `stdb`) section")
        }
        // Per-step counters, traces and spike queues grow with T: beyond this a run cannot fit in
        // memory (or finish), so it is refused here rather than failing an allocation later.
        let maximum = ExperimentConfig.maximumTimeSteps
        func checkSteps(_ keyPath: String, _ steps: Int?) {
            if let steps, steps > maximum { add(keyPath, "\(steps) time steps is more than the \(maximum) SpikeKit simulates") }
        }
        for (index, steps) in (simulation?.timeSteps ?? []).enumerated() { checkSteps("simulation.timeSteps[\(index)]", steps) }
        checkSteps("stdb.timeSteps", stdb?.timeSteps)
        checkSteps("conversion.balancingSteps", conversion?.balancingSteps)
        checkSteps("conversion.fineTuneTimeSteps", conversion?.fineTuneTimeSteps)
        if let limit = simulation?.testLimit, let available = data.testLimit, limit > available {
            add("simulation.testLimit", "\(limit) is more than data.testLimit (\(available)) test images")
        }
        return problems
    }
}
