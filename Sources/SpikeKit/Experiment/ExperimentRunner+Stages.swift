import Foundation

/// The bodies of the pipeline's stages. Each reads what earlier stages left in `RunState`, adds its
/// own results, and writes its artifacts into the run folder.
extension ExperimentRunner {
    var seed: UInt64 { UInt64(bitPattern: Int64(config.seed)) }

    /// Prints a warning now and keeps it for the report.
    func warn(_ warning: String?, _ state: inout RunState) {
        guard let warning, !state.warnings.contains(warning) else { return }
        progress.note("warning: " + warning)
        state.warnings.append(warning)
    }

    /// Under Poisson encoding, warns when the normalised pixels leave [−1, 1] (`RunDiagnostics.poissonRange`).
    func checkPoissonRange(_ data: Dataset, encoding: InputEncoding, _ state: inout RunState) {
        guard encoding == .poisson else { return }
        let extremes = (0..<data.channels).flatMap { c in [data.normalization.normalize(0, channel: c), data.normalization.normalize(255, channel: c)] }
        warn(RunDiagnostics.poissonRange(lowest: extremes.min() ?? 0, highest: extremes.max() ?? 0,
                                         normalization: config.data.normalization.summary), &state)
    }

    // MARK: Data

    func runDataStage(_ state: inout RunState) throws {
        let d = config.data
        progress.begin(stage: "loading \(d.dataset.displayName)")
        let split = try d.load(seed: seed)
        progress.finish(message: "data: \(split.train.count) training and \(split.test.count) test images "
                        + "(\(split.train.channels)×\(split.train.height)×\(split.train.width), \(split.train.classCount) classes)")
        state.data = split
    }

    // MARK: ANN

    func runANNStage(_ state: inout RunState) throws {
        guard let data = state.data else { return }
        if (config.conversion?.checkpoint != nil || config.model.nir != nil) && config.model.checkpoint == nil && config.training == nil {
            progress.note("ANN: none (the run starts from conversion.checkpoint)")
            return
        }
        let inputShape = data.train.sampleShape
        let network: Network
        var epochs: [RunReport.Epoch] = []
        if let checkpoint = config.model.checkpoint {
            let model = config.model, classes = data.train.classCount
            let (loaded, foreign) = try StateDictImporter.network(
                at: URL(fileURLWithPath: checkpoint),
                spec: { try model.spec(inputShape: inputShape, classes: classes, dropout: nil) },
                inputShape: inputShape, mapping: model.mapping)
            network = loaded
            guard network.inputShape == inputShape else {
                throw SpikeKitError.model(layer: nil, reason: "the checkpoint \(checkpoint) takes \(network.inputShape) inputs; "
                                          + "\(config.data.dataset.rawValue) images are \(inputShape)")
            }
            progress.note("ANN: loaded \(checkpoint)\(foreign ? " (tensors matched by name to \(model.layers == nil ? model.architecture.rawValue : "model.layers"))" : "")")
        } else {
            let spec = try config.model.spec(inputShape: inputShape, classes: data.train.classCount,
                                             dropout: config.training?.dropout.map { Float($0) })
            network = try Network(spec: spec, inputShape: inputShape, seed: seed)
            if let training = config.training {
                epochs = try trainANN(network, training: training, data: data, state: state)
            }
        }
        progress.begin(stage: "evaluating the ANN")
        let testAccuracy = network.accuracy(on: data.test)
        progress.finish(message: String(format: "ANN: %@, %d parameters, test accuracy %.2f %%",
                                        network.architecture.name, network.parameterCount, testAccuracy * 100))
        state.network = network
        warn(RunDiagnostics.annNearChance(accuracy: testAccuracy, classes: data.test.classCount,
                                          imported: config.model.checkpoint != nil), &state)
        state.ann = RunReport.ANN(
            testAccuracy: testAccuracy, trainAccuracy: epochs.last?.trainAccuracy, epochs: epochs.isEmpty ? nil : epochs.count,
            parameters: network.parameterCount, perEpoch: epochs.isEmpty ? nil : epochs)
    }

    /// Trains with the `training` section, saving a checkpoint after every epoch; with `--resume`,
    /// continues after the last completed epoch of the run folder's checkpoint. Returns every epoch's
    /// record, the earlier attempts' included (the checkpoint's `history` metadata carries them).
    ///
    /// After epoch k the optimizer state goes to `RunFiles.annOptimizerState(epoch: k)` first, then the
    /// network to `RunFiles.annCheckpoint` (metadata `epoch` = k), then older optimizer states are
    /// removed: whenever the process dies, the checkpoint's epoch has its optimizer state on disk.
    private func trainANN(_ network: Network, training t: TrainingConfig, data: DatasetSplit,
                          state: RunState) throws -> [RunReport.Epoch] {
        let settings = TrainingSettings(
            epochs: t.epochs, batchSize: t.batchSize, optimizer: t.optimizer == .sgd ? .sgd : .adam,
            learningRate: Float(t.learningRate), momentum: Float(t.momentum), weightDecay: Float(t.weightDecay),
            amsgrad: t.amsgrad, milestones: t.schedule.milestones, factor: Float(t.schedule.factor),
            augmentation: t.augmentation, poissonInputSteps: t.poissonInputSteps, dropout: t.dropout.map { Float($0) },
            gradientChunks: t.gradientChunks)
        let trainer = ANNTrainer(settings: settings, seed: seed) { [progress] line in progress.note(line) }
        if let ranks = DataParallel.active?.size, t.gradientChunks < ranks {
            progress.note(t.gradientChunks == 1
                ? "training.gradientChunks is 1: each of the \(ranks) ranks trains the ANN on whole batches (identical results, no speed-up); set it to a multiple of \(ranks) to share each batch"
                : "training.gradientChunks is \(t.gradientChunks): only \(t.gradientChunks) of the \(ranks) ranks train the ANN; set it to a multiple of \(ranks)")
        }
        let checkpoint = state.file(RunFiles.annCheckpoint)
        var startEpoch = 0
        var history: [RunReport.Epoch] = []
        if state.hasArtifact(RunFiles.annCheckpoint) {
            let (saved, metadata) = try NetworkCheckpoint.load(from: checkpoint)
            let (mine, theirs) = (network.parameters + network.buffers, saved.parameters + saved.buffers)
            guard theirs.map(\.name) == mine.map(\.name), theirs.map(\.value.shape) == mine.map(\.value.shape) else {
                throw SpikeKitError.checkpoint(path: checkpoint.path, reason: "it holds another network than the config's \(config.model.layers == nil ? config.model.architecture.rawValue : "model.layers")")
            }
            for (parameter, value) in zip(mine, theirs) { parameter.assign(value.value) }
            startEpoch = Int(metadata["epoch"] ?? "") ?? 0
            history = metadata["history"].flatMap { try? JSONDecoder().decode([RunReport.Epoch].self, from: Data($0.utf8)) } ?? []
            let optimizerState = state.file(RunFiles.annOptimizerState(epoch: startEpoch))
            if FileManager.default.fileExists(atPath: optimizerState.path) {
                try trainer.loadState(from: optimizerState)
            } else if startEpoch < t.epochs {
                progress.note("warning: \(optimizerState.lastPathComponent) is missing; training continues with a fresh optimizer, "
                              + "so the results will differ from an uninterrupted run")
            }
            progress.note("ANN: resuming after epoch \(startEpoch)")
        }
        try trainer.fit(network, data: data, startEpoch: startEpoch) { result in
            history.append(RunReport.Epoch(epoch: result.epoch + 1, loss: result.trainLoss, trainAccuracy: result.trainAccuracy,
                                           testAccuracy: result.testAccuracy, learningRate: result.learningRate))
            // Written after every epoch whatever output.saveCheckpoints says: it is what --resume
            // continues from.
            let optimizerState = state.file(RunFiles.annOptimizerState(epoch: result.epoch + 1))
            try trainer.saveState(to: optimizerState)
            let encodedHistory = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
            try NetworkCheckpoint.save(network, to: checkpoint,
                                       metadata: ["epoch": String(result.epoch + 1), "history": encodedHistory])
            removeOlderStates(prefix: RunFiles.annOptimizerStatePrefix, keeping: optimizerState, in: state)
        }
        return history
    }

    /// Deletes the optimizer states `prefix…` of earlier epochs (best effort: a leftover file only
    /// takes space).
    func removeOlderStates(prefix: String, keeping kept: URL, in state: RunState) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state.directory.path)) ?? []
        for name in names where name.hasPrefix(prefix) && name != kept.lastPathComponent {
            try? FileManager.default.removeItem(at: state.file(name))
        }
    }

    // MARK: Conversion

    func runConversionStage(_ state: inout RunState) throws {
        if let nir = config.model.nir, state.data != nil { return try loadConvertedSNN(&state, from: URL(fileURLWithPath: nir)) }
        guard let data = state.data, let c = config.conversion else { return }
        if let checkpoint = c.checkpoint { return try loadConvertedSNN(&state, from: URL(fileURLWithPath: checkpoint)) }
        guard let network = state.network else { return }
        if state.hasArtifact(RunFiles.convertedSNN) { return try loadConvertedSNN(&state, from: state.file(RunFiles.convertedSNN)) }
        let simulation = config.simulation
        let encoding: InputEncoding = simulation?.encoding == .poisson ? .poisson : (simulation == nil ? .poisson : .direct)
        let ordering: SpikeOrdering = simulation?.ordering == .immediate ? .immediate : .delayed
        let recipe: ConversionRecipe
        switch c.recipe {
        case .thresholdBalancing:
            recipe = .thresholdBalancing(ThresholdBalancing(timeSteps: c.balancingSteps, scale: Float(c.scale),
                                                            encoding: encoding, ordering: ordering, seed: seed))
        case .dataNorm:
            recipe = .dataNormalization(DataNormalization(percentile: c.percentile, channelWise: c.channelWise))
        case .lowLatency:
            recipe = .lowLatency(LowLatencyConversion(timeSteps: c.fineTuneTimeSteps, gridPoints: c.alphaGrid, seed: seed))
        }
        progress.begin(stage: "converting with \(recipe.name)")
        let result = try convert(network, recipe: recipe, data: data)
        progress.finish(message: "conversion: \(recipe.name), thresholds "
                        + result.layers.map { String(format: "%.3g", $0.threshold) }.joined(separator: ", "))
        let converted = try fineTuneLowLatency(result.network, data: data)
        try NumericalGuard.checkWeights(of: converted, context: "after conversion with \(recipe.name)")
        state.spiking = converted
        // The fine-tune trains θ and λ: report what it ended with next to the converted values.
        let fineTuned = config.conversion.map { $0.recipe == .lowLatency && $0.fineTuneEpochs > 0 } ?? false
        let tuned = !fineTuned ? [:] : Dictionary(
            zip(converted.populations.map(\.name), converted.populationNeurons).compactMap { name, neurons in
                neurons.map { (name, $0) }
            }, uniquingKeysWith: { first, _ in first })
        let conversion = RunReport.Conversion(recipe: result.recipe, layers: result.layers.map {
            RunReport.ConversionLayer(name: $0.name, threshold: Double($0.threshold), scale: $0.scale.map(Double.init),
                                      alpha: $0.alpha.map(Double.init), beta: $0.beta.map(Double.init),
                                      fineTunedThreshold: tuned[$0.name].map { Double($0.threshold) },
                                      fineTunedLeak: tuned[$0.name].map { Double($0.leak) })
        })
        state.conversion = conversion
        if config.output.saveCheckpoints {
            var metadata = snnMetadata(stage: "conversion", data: data, encoding: encoding, ordering: ordering,
                                       timeSteps: simulation?.timeSteps.max())
            metadata["recipe"] = result.recipe
            metadata["conversion"] = String(decoding: try JSONEncoder().encode(conversion), as: UTF8.self)
            try SpikingNetworkCheckpoint.save(converted, to: state.file(RunFiles.convertedSNN), metadata: metadata)
        }
    }

    /// `network` converted with `recipe` on the calibration batch — the first `calibrationImages` of
    /// a seeded shuffle of the training set, augmented as in training — with the simulation
    /// section's neuron settings.
    func convert(_ network: Network, recipe: ConversionRecipe, data: DatasetSplit) throws -> ConversionResult {
        let simulation = config.simulation
        return try ANNToSNNConverter.convert(
            network, recipe: recipe, calibration: calibrationImages(data),
            reset: simulation?.reset == .zero ? .zero : .subtract, leak: Float(simulation?.leak ?? 1),
            initialMembrane: Float(simulation?.initialMembrane ?? 0), neuronModel: simulation?.neuron ?? .integrateAndFire,
            currentDecay: Float(simulation?.currentDecay ?? 0)) { [progress] line in
            progress.note(line)
        }
    }

    private func calibrationImages(_ data: DatasetSplit) -> Tensor {
        let order = data.train.epochOrder(seed: seed, epoch: -1)
        let augmentation = config.training?.augmentation == true ? Augmentation.standard(for: data.train) : .none
        let count = min((config.conversion ?? ConversionConfig()).calibrationImages, order.count)
        return data.train.makeBatch(indices: order.prefix(count), augmentation: augmentation, seed: seed, epoch: -1).images
    }

    /// For the low-latency recipe without fine-tuning, α and β fitted for each simulated T other than
    /// the conversion's own (`fineTuneTimeSteps`), as Datta & Beerel fit them per T: T → network.
    /// Empty for every other recipe, after a fine-tune (which trains for one T), or without the ANN.
    func lowLatencyNetworksPerTimeStep(steps: [Int], data: DatasetSplit, state: RunState) throws -> [Int: SpikingNetwork] {
        guard let c = config.conversion, c.recipe == .lowLatency, c.fineTuneEpochs == 0, c.checkpoint == nil,
              let network = state.network else { return [:] }
        let others = steps.filter { $0 != c.fineTuneTimeSteps }
        guard !others.isEmpty else { return [:] }
        let simulation = config.simulation
        return try ANNToSNNConverter.convertLowLatency(
            network, LowLatencyConversion(gridPoints: c.alphaGrid, seed: seed), forEach: others,
            calibration: calibrationImages(data), reset: simulation?.reset == .zero ? .zero : .subtract,
            leak: Float(simulation?.leak ?? 1), initialMembrane: Float(simulation?.initialMembrane ?? 0),
            neuronModel: simulation?.neuron ?? .integrateAndFire, currentDecay: Float(simulation?.currentDecay ?? 0)
        ).mapValues(\.network)
    }

    // MARK: Simulation

    func runSimulationStage(_ state: inout RunState) throws {
        guard let data = state.data, let spiking = state.spiking, let s = config.simulation else { return }
        let encoding: InputEncoding = s.encoding == .poisson ? .poisson : .direct
        let ordering: SpikeOrdering = s.ordering == .immediate ? .immediate : .delayed
        let steps = s.timeSteps.sorted()
        guard let maximum = steps.last else { return }
        let test = data.test
        let images = min(s.testLimit ?? test.count, test.count)
        checkPoissonRange(test, encoding: encoding, &state)
        let perStep = try lowLatencyNetworksPerTimeStep(steps: steps, data: data, state: state)
        if !perStep.isEmpty {
            progress.note("low-latency: α and β fitted for each T (\(steps.map(String.init).joined(separator: ", ")))")
        }
        // The converted network runs to the largest T it is used for; each T with its own fit runs its
        // own simulation of T steps.
        let shared = steps.filter { perStep[$0] == nil }
        let sharedMaximum = shared.last ?? maximum
        let (record, seconds) = try simulateTestSet(spiking, data: test, images: images, encoding: encoding, ordering: ordering,
                                                    timeSteps: sharedMaximum, checkpoints: shared.isEmpty ? [sharedMaximum] : shared,
                                                    batchSize: s.batchSize, raster: s.recordRaster ? 16 : 0, label: "conversion")
        var records: [Int: SimulationRecord] = [:]
        for (t, network) in perStep.sorted(by: { $0.key < $1.key }) {
            records[t] = try simulateTestSet(network, data: test, images: images, encoding: encoding, ordering: ordering,
                                             timeSteps: t, checkpoints: [t], batchSize: s.batchSize, raster: 0,
                                             label: "conversion, α/β fitted for this T").0
        }
        state.raster = record.raster
        state.rasterTimeSteps = sharedMaximum
        if let traced = config.output.spikeTrace, traced > 0 {
            try writeSpikeTrace(spiking, data: test, images: min(traced, images), encoding: encoding, ordering: ordering,
                                timeSteps: sharedMaximum, state: state)
        }
        let labels = Array(test.labels.prefix(images))
        for t in steps {
            let (record, network) = (records[t] ?? record, perStep[t] ?? spiking)
            let counts = OperationCounts.from(record: record, network: network, timeSteps: t, encoding: encoding)
            let accuracy = Double(record.correct(labels: labels, steps: t)) / Double(max(images, 1))
            state.counts.append(counts)
            state.simulations.append(RunReport.Simulation(
                stage: .conversion, timeSteps: t, encoding: encoding.rawValue, ordering: ordering.rawValue,
                testAccuracy: accuracy, testImages: images, layers: counts.layers.map(RunReport.LayerActivity.init)))
            warn(RunDiagnostics.silentOutput(record, steps: t, ordering: ordering, stage: "the converted SNN"), &state)
        }
        progress.note(String(format: "simulation: %d images × %d steps in %.1f s (%.0f images/s)", images, sharedMaximum,
                             seconds, Double(images) / max(seconds, 1e-9)))
        for simulation in state.simulations where simulation.stage == .conversion {
            progress.note(String(format: "  T = %4d: test accuracy %.2f %%", simulation.timeSteps, simulation.testAccuracy * 100))
        }
    }

    /// Simulates the first `images` test images in batches (progress per batch) and merges the records.
    func simulateTestSet(_ network: SpikingNetwork, data: Dataset, images: Int, encoding: InputEncoding,
                         ordering: SpikeOrdering, timeSteps: Int, checkpoints: [Int], batchSize: Int, raster: Int,
                         label: String) throws -> (SimulationRecord, Double) {
        let start = Date()
        var merged: SimulationRecord?
        progress.begin(stage: "simulating (\(label), T = \(timeSteps))", total: images)
        // Under MPI each rank simulates its share of the batches; the records are merged in batch order.
        let batches = DataParallel.share(of: (images + max(batchSize, 1) - 1) / max(batchSize, 1))
        var first = batches.lowerBound * max(batchSize, 1)
        let last = min(images, batches.upperBound * max(batchSize, 1))
        while first < last {
            let end = min(last, first + max(batchSize, 1))
            let batch = data.makeBatch(indices: first..<end)
            let options = SimulationOptions(timeSteps: timeSteps, encoding: encoding, ordering: ordering, seed: seed,
                                            checkpoints: checkpoints, firstSampleIndex: first,
                                            rasterNeuronsPerPopulation: first == 0 ? raster : 0)
            let record = try EventScheduler(network: network).run(images: batch.images, options: options)
            try NumericalGuard.checkOutputs(of: record, context: "in the \(label) simulation of test images \(first)..<\(end)")
            merged = merged.map { $0.appending(record) } ?? record
            progress.advance(by: end - first)
            first = end
        }
        progress.finish()
        merged = SimulationRecord.mergedAcrossRanks(merged)
        guard let record = merged else { throw SpikeKitError.runtime("no test images to simulate") }
        return (record, Date().timeIntervalSince(start))
    }

    // MARK: Energy

    func runEnergyStage(_ state: inout RunState) throws {
        guard let model = config.energy?.preset else { return }
        for (index, counts) in state.counts.enumerated() where index < state.simulations.count {
            let estimate = EnergyEstimate(counts: counts, model: model)
            state.simulations[index].energy = RunReport.Energy(
                preset: estimate.preset, annJoulesPerImage: estimate.annJoulesPerImage,
                snnJoulesPerImage: estimate.snnJoulesPerImage, ratio: estimate.ratio,
                firstLayerAccounting: estimate.firstLayerAccounting,
                snnJoulesPerImageFirstLayerEveryStep: estimate.snnJoulesPerImageFirstLayerEveryStep)
        }
    }
}

extension RunReport.LayerActivity {
    init(_ counts: LayerOperationCounts) {
        self.init(name: counts.name, neurons: counts.neurons, spikesPerImage: counts.spikesPerImage,
                  spikeRate: counts.spikeRate, synapticOpsPerImage: counts.synapticOpsPerImage,
                  annMACsPerImage: counts.annMACsPerImage)
    }
}

// MARK: STDB

extension ExperimentRunner {
    /// Fine-tunes the converted network with STDB at `stdb.timeSteps`, then simulates the test set at
    /// that T and appends a `stdb` simulation entry (counts, accuracy; energy follows in its stage).
    func runSTDBStage(_ state: inout RunState) throws {
        guard var data = state.data, let spiking = state.spiking, let s = config.stdb else { return }
        if let limit = s.trainLimit { data.train = data.train.balancedSubset(limit: limit, seed: seed, stream: 2) }
        let ordering: SpikeOrdering = config.simulation?.ordering == .immediate ? .immediate : .delayed
        var settings = STDBSettings(config: s, ordering: ordering, threads: threadCount,
                                    testLimit: config.simulation?.testLimit)
        settings.evaluateEachEpoch = false
        var tuned = spiking
        var epochCount = 0
        var optimizerState: OptimizerState?
        let checkpoint = state.file(RunFiles.fineTunedSNN)
        if state.hasArtifact(RunFiles.fineTunedSNN) {
            let (saved, metadata) = try SpikingNetworkCheckpoint.load(from: checkpoint)
            tuned = saved
            epochCount = Int(metadata["epochs"] ?? "") ?? s.epochs
            if epochCount < s.epochs {
                let file = state.file(RunFiles.stdbOptimizerState(epoch: epochCount))
                if FileManager.default.fileExists(atPath: file.path) {
                    optimizerState = try STDBTrainer.loadState(from: file)
                } else {
                    progress.note("warning: \(file.lastPathComponent) is missing; STDB continues with a fresh optimizer, "
                                  + "so the results will differ from an uninterrupted run")
                }
                progress.note("STDB: resuming after epoch \(epochCount)")
            } else {
                progress.note("STDB: loaded the fine-tuned network of the earlier attempt (\(RunFiles.fineTunedSNN))")
            }
        }
        if epochCount < s.epochs {
            let batches = (data.train.count + s.batchSize - 1) / s.batchSize
            progress.begin(stage: "STDB fine-tuning (T = \(s.timeSteps), \(settings.encoding.rawValue) input)",
                           total: (s.epochs - epochCount) * batches)
            let metadata = snnMetadata(stage: "stdb", data: data, encoding: settings.encoding, ordering: ordering,
                                       timeSteps: s.timeSteps)
            let folder = state
            let (fitted, epochs) = try STDBTrainer.fit(
                network: tuned, data: data, settings: settings, seed: seed, startEpoch: epochCount,
                optimizerState: optimizerState, progress: { [progress] _ in progress.advance() },
                onEpochEnd: { result, network, optimizer in
                    // Written after every epoch whatever output.saveCheckpoints says: it is what
                    // --resume continues from. The optimizer state first, as for the ANN.
                    let file = folder.file(RunFiles.stdbOptimizerState(epoch: result.epoch))
                    try STDBTrainer.saveState(optimizer, to: file)
                    var saved = metadata
                    saved["epochs"] = String(result.epoch)
                    try SpikingNetworkCheckpoint.save(network, to: checkpoint, metadata: saved)
                    self.removeOlderStates(prefix: RunFiles.stdbOptimizerStatePrefix, keeping: file, in: folder)
                })
            progress.finish(message: epochs.last.map {
                String(format: "STDB: %d epochs, last train loss %.4f, train accuracy %.2f %%", s.epochs, $0.trainLoss,
                       $0.trainAccuracy * 100)
            })
            tuned = fitted
            epochCount = s.epochs
            let classes = data.train.classCount
            if let stuck = epochs.first(where: { RunDiagnostics.stdbLearnedNothing(trainLoss: $0.trainLoss, classes: classes) }) {
                warn(RunDiagnostics.stdbZeroGradients(epoch: stuck.epoch, trainLoss: stuck.trainLoss, classes: classes,
                                                      timeSteps: s.timeSteps, ordering: ordering), &state)
            }
        }
        let test = data.test
        let images = min(config.simulation?.testLimit ?? test.count, test.count)
        checkPoissonRange(test, encoding: settings.encoding, &state)
        let (record, _) = try simulateTestSet(tuned, data: test, images: images, encoding: settings.encoding, ordering: ordering,
                                              timeSteps: s.timeSteps, checkpoints: [s.timeSteps],
                                              batchSize: config.simulation?.batchSize ?? 100, raster: 0, label: "hybrid")
        let accuracy = Double(record.correct(labels: Array(test.labels.prefix(images)), steps: s.timeSteps)) / Double(max(images, 1))
        let counts = OperationCounts.from(record: record, network: tuned, timeSteps: s.timeSteps, encoding: settings.encoding)
        state.counts.append(counts)
        state.simulations.append(RunReport.Simulation(
            stage: .stdb, timeSteps: s.timeSteps, encoding: settings.encoding.rawValue, ordering: ordering.rawValue,
            testAccuracy: accuracy, testImages: images, layers: counts.layers.map(RunReport.LayerActivity.init)))
        warn(RunDiagnostics.silentOutput(record, steps: s.timeSteps, ordering: ordering, stage: "the STDB-tuned SNN"), &state)
        if let converted = state.simulations.first(where: { $0.stage == .conversion && $0.timeSteps == s.timeSteps }) {
            warn(RunDiagnostics.stdbLoweredAccuracy(converted: converted.testAccuracy, tuned: accuracy, timeSteps: s.timeSteps,
                                                    learningRate: s.learningRate, images: data.train.count), &state)
        }
        state.stdb = RunReport.STDB(timeSteps: s.timeSteps, epochs: epochCount, testAccuracy: accuracy)
        state.spiking = tuned
        progress.note(String(format: "hybrid (conversion + STDB): T = %d, test accuracy %.2f %%", s.timeSteps, accuracy * 100))
    }
}

// MARK: Saved spiking networks and spike traces

extension ExperimentRunner {
    /// What a saved SNN records about how it was made and simulated, so `spikekit energy` and a
    /// resumed run can use it as the run did: the stage, the dataset and its pixel normalisation, the
    /// input encoding, the ordering, the seed (of the Poisson encoder) and the (largest) number of
    /// time steps.
    func snnMetadata(stage: String, data: DatasetSplit, encoding: InputEncoding, ordering: SpikeOrdering,
                     timeSteps: Int?) -> [String: String] {
        var metadata = ["stage": stage, "run": config.name, "dataset": config.data.dataset.rawValue,
                        "encoding": encoding.rawValue, "ordering": ordering.rawValue, "seed": String(config.seed)]
        if let normalization = try? JSONEncoder().encode(data.test.normalization) {
            metadata["normalization"] = String(decoding: normalization, as: UTF8.self)
        }
        if let timeSteps { metadata["timeSteps"] = String(timeSteps) }
        return metadata
    }

    /// The conversion stage of a resumed run: the converted network and its statistics from
    /// `RunFiles.convertedSNN`, so the report is the one the first attempt would have written.
    func loadConvertedSNN(_ state: inout RunState, from url: URL) throws {
        let (network, metadata) = try NIRFile.loadSpikingNetwork(from: url, importer: NIRImport(reset: config.model.nirReset))
        let conversion: RunReport.Conversion
        if let text = metadata["conversion"],
           let saved = try? JSONDecoder().decode(RunReport.Conversion.self, from: Data(text.utf8)) {
            conversion = saved
        } else if config.conversion?.checkpoint != nil || config.model.nir != nil {
            // A network saved after STDB, or by a tool, carries no conversion statistics: report its thresholds.
            conversion = RunReport.Conversion(recipe: metadata["recipe"] ?? "checkpoint", layers: network.populationThresholds.map {
                RunReport.ConversionLayer(name: $0.name, threshold: Double($0.threshold))
            })
        } else {
            throw SpikeKitError.checkpoint(path: url.path, reason: "metadata 'conversion' (the conversion statistics) is missing or unreadable")
        }
        if let data = state.data, network.inputShape != FeatureShape(height: data.test.height, width: data.test.width,
                                                                     channels: data.test.channels) {
            throw SpikeKitError.checkpoint(path: url.path, reason: "the network takes \(network.inputShape) inputs, "
                                           + "but the images are \(data.test.channels)×\(data.test.height)×\(data.test.width)")
        }
        state.spiking = network
        state.conversion = conversion
        progress.note("conversion: loaded the \(conversion.recipe) network \(url.path)")
    }

    /// Re-simulates the first `images` test images with every event captured and writes
    /// `RunFiles.spikeTraceAER` and `RunFiles.spikeTraceCSV` (see `SpikeTrace` for the format).
    func writeSpikeTrace(_ network: SpikingNetwork, data: Dataset, images: Int, encoding: InputEncoding,
                         ordering: SpikeOrdering, timeSteps: Int, state: RunState) throws {
        guard images > 0 else { return }
        let batch = data.makeBatch(indices: 0..<images)
        let options = SimulationOptions(timeSteps: timeSteps, encoding: encoding, ordering: ordering, seed: seed,
                                        captureEventsForSamples: images)
        let record = try EventScheduler(network: network).run(images: batch.images, options: options)
        let trace = try SpikeTrace(record: record, network: network, images: images, encoding: encoding, ordering: ordering)
        try trace.write(to: state.directory)
        progress.note("spike trace: \(trace.events.count) events of \(images) test images at T = \(timeSteps) "
                      + "(\(RunFiles.spikeTraceAER), \(RunFiles.spikeTraceCSV))")
    }
}
