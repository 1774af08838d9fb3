/// The optional fine-tuning step of the low-latency recipe (Datta & Beerel, DATE 2022, §III-C):
/// a few epochs of surrogate-gradient training of the converted network at the target T.
extension ExperimentRunner {
    /// Fine-tunes `network` for `conversion.fineTuneEpochs` epochs at `conversion.fineTuneTimeSteps`
    /// with the piecewise-linear surrogate, the immediate ordering and direct input, when the recipe
    /// is `low-latency` and the epochs are positive; otherwise returns it unchanged. The weights and
    /// every spiking layer's threshold θ and leak λ are trained (with the STDB trainer's BPTT).
    func fineTuneLowLatency(_ network: SpikingNetwork, data: DatasetSplit) throws -> SpikingNetwork {
        guard let c = config.conversion, c.recipe == .lowLatency, c.fineTuneEpochs > 0 else { return network }
        var settings = STDBSettings(timeSteps: c.fineTuneTimeSteps, epochs: c.fineTuneEpochs, surrogate: .linear(gamma: 0.3),
                                    encoding: .direct, ordering: .immediate, threads: threadCount,
                                    evaluateEachEpoch: false)
        settings.testLimit = config.simulation?.testLimit
        settings.trainsNeuronParameters = true
        settings.learningRate = c.fineTuneLearningRate
        // A few epochs from a converged ANN: dropout and weight decay (which the ANN's own training
        // chose) would only pull the short fine-tune away from it.
        settings.dropout = 0
        settings.weightDecay = config.training?.weightDecay ?? 0
        progress.begin(stage: "low-latency fine-tuning (T = \(c.fineTuneTimeSteps))",
                       total: c.fineTuneEpochs * ((data.train.count + settings.batchSize - 1) / settings.batchSize))
        let (tuned, epochs) = try STDBTrainer.fit(network: network, data: data, settings: settings, seed: seed) { [progress] _ in
            progress.advance()
        }
        progress.finish(message: epochs.last.map {
            String(format: "fine-tuning: %d epochs, last train loss %.4f, train accuracy %.2f %%", epochs.count,
                   $0.trainLoss, $0.trainAccuracy * 100)
        })
        return tuned
    }
}
