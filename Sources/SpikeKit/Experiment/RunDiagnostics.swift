import Foundation

/// Checks for results that are probably wrong, each turned into a warning that says what was seen,
/// what it means and what to change. The runner prints them as they arise and lists them in
/// `report.json` (`warnings`), so a number that means nothing is never reported silently.
public enum RunDiagnostics {
    /// An ANN whose test accuracy is within half a chance level of chance (below 1.5 / classes): after
    /// an import this usually means the preprocessing differs from the one it was trained with.
    public static func annNearChance(accuracy: Double, classes: Int, imported: Bool) -> String? {
        guard classes > 1, accuracy < 1.5 / Double(classes) else { return nil }
        let chance = 100 / Double(classes)
        var text = String(format: "the ANN's test accuracy %.2f %% is near chance (%.1f %% for %d classes)", accuracy * 100, chance, classes)
        if imported {
            text += "; an imported network usually reaches this when SpikeKit's inputs differ from its training inputs: "
                + "set data.normalization to what it was trained with (\"none\" for PyTorch's ToTensor() alone, "
                + "{\"mean\": [...], \"std\": [...]} for Normalize)"
        } else {
            text += "; training did not learn: check training.learningRate and training.epochs"
        }
        return text
    }

    /// Poisson rate coding fires with probability |x| per step, so inputs outside [−1, 1] saturate:
    /// the SNN then sees another input than the ANN was trained on.
    public static func poissonRange(lowest: Float, highest: Float, normalization: String) -> String? {
        guard lowest < -1 || highest > 1 else { return nil }
        return String(format: "Poisson input: the normalised pixels span [%.3g, %.3g] (%@), but a Poisson rate code represents only [−1, 1]; ", lowest, highest, normalization)
            + "beyond it a pixel spikes every step, so the SNN sees a clipped input the ANN was not trained on. "
            + "Use data.normalization \"half\" (or \"none\"), or direct encoding"
    }

    /// The images whose output potentials are all equal at a checkpoint (the output layer received
    /// nothing, or the same for every class): each such prediction is a tie, decided by class order.
    public static func silentOutputImages(_ record: SimulationRecord, steps: Int) -> Int {
        guard let outputs = record.outputs[steps], outputs.rank == 2 else { return 0 }
        let classes = outputs.shape[1]
        guard classes > 1 else { return 0 }
        var silent = 0
        outputs.scalars.withUnsafeBufferPointer { v in
            for n in 0..<outputs.shape[0] {
                let row = v[(n * classes)..<((n + 1) * classes)]
                if let first = row.first, row.allSatisfy({ $0 == first }) { silent += 1 }
            }
        }
        return silent
    }

    /// A warning when most images (more than half) reach T with an output layer that decided nothing.
    public static func silentOutput(_ record: SimulationRecord, steps: Int, ordering: SpikeOrdering, stage: String) -> String? {
        let silent = silentOutputImages(record, steps: steps)
        let images = record.samples
        guard images > 0, silent * 2 > images else { return nil }
        var advice = "use more time steps or a lower conversion.scale"
        if ordering == .delayed { advice += ", or the immediate ordering (the delayed one adds a step of latency per layer)" }
        return "\(stage) at T = \(steps): the output layer received no input that tells the classes apart for \(silent) of "
            + "\(images) test images, so their predictions are ties and the accuracy is near chance; spikes do not reach "
            + "the last layer within \(steps) steps: \(advice)"
    }

    /// A training loss of ln(classes) to six digits: the loss of equal output potentials for every
    /// image, which STDB reaches when the output layer receives nothing (and then its gradients are 0).
    public static func stdbLearnedNothing(trainLoss: Double, classes: Int) -> Bool {
        classes > 1 && abs(trainLoss - Foundation.log(Double(classes))) < 1e-6
    }

    public static func stdbZeroGradients(epoch: Int, trainLoss: Double, classes: Int, timeSteps: Int,
                                         ordering: SpikeOrdering) -> String {
        var advice = "more STDB time steps (stdb.timeSteps) or a lower conversion.scale"
        if ordering == .delayed { advice += ", or the immediate ordering" }
        return String(format: "STDB epoch %d: the training loss %.6f is ln %d, the loss of identical outputs for every class: ", epoch, trainLoss, classes)
            + "the output layer received no input within \(timeSteps) steps, so every gradient was zero and STDB changed nothing; use \(advice)"
    }

    /// The warning for an STDB fine-tune that left the network clearly worse (more than 1 pt) than
    /// the converted network it started from at the same T, or nil.
    public static func stdbLoweredAccuracy(converted: Double, tuned: Double, timeSteps: Int, learningRate: Double,
                                           images: Int) -> String? {
        guard tuned < converted - 0.01 else { return nil }
        return String(format: "STDB lowered the test accuracy at T = %d from %.2f %% (converted) to %.2f %%: the fine-tune moved the "
                      + "weights away from the conversion; use a lower stdb.learningRate (now %g) or more training images (now %d)",
                      timeSteps, converted * 100, tuned * 100, learningRate, images)
    }
}
