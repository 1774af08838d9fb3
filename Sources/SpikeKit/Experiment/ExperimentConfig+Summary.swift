import Foundation

extension ExperimentConfig {
    /// A few lines saying what the config will do, stage by stage, as `spikekit validate` prints them.
    public func summary() -> String {
        var rows: [(String, String)] = []
        rows.append(("name", "\(name) (seed \(seed), config hash \(configHash))"))

        var dataText = data.dataset.rawValue + (data.directory.map { " from \($0)" } ?? " (bundled subset)")
        let limits = [data.trainLimit.map { "\($0) training" }, data.testLimit.map { "\($0) test" }].compactMap { $0 }
        if !limits.isEmpty { dataText += ", at most " + limits.joined(separator: " and ") + " images" }
        dataText += ", \(data.normalization.summary)"
        rows.append(("data", dataText))

        var modelText = "\(model.layers.map { "own layers (\($0.layers.count))" } ?? model.architecture.rawValue), \(model.activation.rawValue)"
        if model.activation == .clippedReLU { modelText += " (clip \(Self.number(model.clipInit)))" }
        if let checkpoint = model.checkpoint { modelText += ", weights from \(checkpoint)" }
        rows.append(("model", modelText))

        if let training {
            var text = "\(Self.plural(training.epochs, "epoch")), batch \(training.batchSize), "
            text += training.optimizer == .adam ? (training.amsgrad ? "amsgrad" : "adam") : "sgd (momentum \(Self.number(training.momentum)))"
            text += " lr \(Self.number(training.learningRate))"
            if !training.schedule.milestones.isEmpty {
                text += " ÷\(Self.number(training.schedule.factor)) at " + training.schedule.milestones.map(Self.number).joined(separator: ", ")
            }
            if training.augmentation { text += ", augmentation" }
            if training.poissonInputSteps > 0 { text += ", Poisson-coded input (\(Self.plural(training.poissonInputSteps, "step")))" }
            rows.append(("training", text))
        } else {
            rows.append(("training", model.checkpoint == nil ? "skipped (no section; the network keeps its seeded initialisation)" : "skipped (weights from the checkpoint)"))
        }

        if let conversion {
            var text = "\(conversion.recipe.rawValue), \(conversion.calibrationImages) calibration images"
            switch conversion.recipe {
            case .thresholdBalancing:
                text += ", \(conversion.balancingSteps) balancing steps, scale \(Self.number(conversion.scale))"
            case .dataNorm:
                text += ", percentile \(Self.number(conversion.percentile))" + (conversion.channelWise ? ", channel-wise" : "")
            case .lowLatency:
                text += ", \(conversion.alphaGrid)-point α grid"
                if conversion.fineTuneEpochs > 0 {
                    text += ", fine-tune \(Self.plural(conversion.fineTuneEpochs, "epoch")) at T = \(conversion.fineTuneTimeSteps)"
                }
            }
            rows.append(("conversion", text))
        } else {
            rows.append(("conversion", "skipped (no section)"))
        }

        if let simulation {
            var text = "T = " + simulation.timeSteps.map(String.init).joined(separator: ", ")
            text += "; \(simulation.encoding.rawValue) encoding, \(simulation.ordering.rawValue) ordering, \(simulation.reset.rawValue) reset"
            if simulation.leak != 1 { text += ", leak \(Self.number(simulation.leak))" }
            if simulation.neuron == .currentBasedLIF {
                text += ", cuba-lif neurons (current decay \(Self.number(simulation.currentDecay)))"
            }
            text += simulation.testLimit.map { "; \($0) test images" } ?? "; all test images"
            rows.append(("simulation", text))
        } else {
            rows.append(("simulation", "skipped (no section)"))
        }

        if let stdb {
            var text = "T = \(stdb.timeSteps), \(Self.plural(stdb.epochs, "epoch")), lr \(Self.number(stdb.learningRate)), "
            text += stdb.surrogate == .stdb ? "stdb surrogate (α \(Self.number(stdb.alpha)), β \(Self.number(stdb.beta)))"
                                            : "linear surrogate (γ \(Self.number(stdb.gamma)))"
            rows.append(("stdb", text))
        } else {
            rows.append(("stdb", "skipped (no section)"))
        }

        if let energy {
            let p = energy.preset
            rows.append(("energy", "\(p.name) (MAC \(Self.number(p.macPicojoules)) pJ, synaptic op \(Self.number(p.accumulatePicojoules)) pJ)"))
        } else {
            rows.append(("energy", "skipped (no section)"))
        }
        if let hardware {
            rows.append(("hardware", "\(hardware.description.name)" + (hardware.file.map { " (\($0))" } ?? "")
                         + ", traffic from \(hardware.samples) captured images" + (hardware.precision ? ", accuracy at chip precision" : "")))
        }

        rows.append(("output", "\(output.directory)/\(name)-<yyyyMMdd-HHmmss>/" + (output.saveCheckpoints ? " with checkpoints" : "")))

        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { "  " + $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }

    static func number(_ value: Double) -> String { JSONValue.formatShort(value) }

    static func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
}
