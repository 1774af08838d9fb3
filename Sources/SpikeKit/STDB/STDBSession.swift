/// One STDB training run in progress: the model being trained, its optimizer, the gradient sums
/// and the workers' workspaces. `STDBTrainer.fit` drives it batch by batch; tests call
/// `gradients` and `trainBatch` directly.
final class STDBSession {
    private(set) var model: STDBModel
    let settings: STDBSettings
    let seed: UInt64
    private var optimizer: STDBOptimizer
    /// The number of fixed groups a batch's samples are summed in (`STDBSettings.chunkCount`).
    private let groupCount: Int
    /// Group sums: the batch total and the group being summed (or, under MPI, one per group of
    /// this rank's share), allocated as needed.
    private var groupSums: [STDBGradients] = []
    /// The batch's sums under MPI.
    private lazy var total = STDBGradients(synapses: model.plan.synapses, populations: model.plan.populationShapes.count)
    private let pool: STDBWorkspacePool
    /// The linear synapses, whose weight gradients are formed from the samples' recorded factors.
    private let linearSynapses: [Int]
    /// Per sample of a wave, per synapse: the buffer a linear synapse records the sample's factors in.
    private var factorSlots: [[LinearGradientFactorBuffer?]] = []
    /// Samples whose linear-gradient factors are kept at once (a wave); it bounds memory and never
    /// changes the result (tests set it small to prove that).
    var waveCapacity: Int

    /// The stream key of the training Poisson encoder's per-epoch seed ("POIS").
    static let poissonStream = 0x504F_4953

    init(network: SpikingNetwork, settings: STDBSettings, seed: UInt64) throws {
        try settings.validate()
        let model = try STDBModel(network: network, settings: settings)
        let synapses = model.plan.synapses
        self.model = model
        self.settings = settings
        self.seed = seed
        optimizer = STDBOptimizer(synapses: synapses, populations: model.trainsNeuronParameters ? model.plan.populationNeurons : [],
                                  amsgrad: settings.amsgrad, weightDecay: settings.weightDecay)
        let parameters = synapses.reduce(0) { $0 + $1.weights.count + ($1.bias?.count ?? 0) }
        groupCount = settings.chunkCount(parameters: parameters)
        pool = STDBWorkspacePool()
        linearSynapses = synapses.indices.filter { synapses[$0].connectivity == .linear }
        // A sample's factors take at most, per linear synapse, T × outputs deltas and one event per
        // input and step (8 bytes each); keep within 256 MiB, but never fewer samples than 4 per thread.
        let steps = settings.timeSteps
        let bytesPerSample = linearSynapses.reduce(0) { total, s in
            total + 4 * (steps * synapses[s].outputShape.count + synapses[s].inputShape.count)
                + 8 * steps * synapses[s].inputShape.count
        }
        waveCapacity = max(4 * max(1, settings.threads), (256 << 20) / max(1, bytesPerSample))
    }

    /// `count` samples' factor buffers, cleared.
    private func factorBuffers(_ count: Int) -> [[LinearGradientFactorBuffer?]] {
        let synapses = model.plan.synapses
        while factorSlots.count < count {
            factorSlots.append(synapses.indices.map { synapses[$0].connectivity == .linear ? LinearGradientFactorBuffer() : nil })
        }
        for slot in factorSlots.prefix(count) { for buffer in slot { buffer?.clear() } }
        return Array(factorSlots.prefix(count))
    }

    /// The Poisson encoder's seed in epoch `epoch` (fresh input spikes every epoch).
    func encoderSeed(epoch: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed, stream: Self.poissonStream, epoch)
        return generator.next()
    }

    /// `n` group sums, the first `zeroed` of them zeroed (the others are zeroed when a group starts).
    /// Linear synapses' weight gradients are left as they are: `addLinearGradients` writes each
    /// group's from zero when the group starts.
    private func sums(_ n: Int, zeroed: Int) -> [STDBGradients] {
        while groupSums.count < n {
            groupSums.append(STDBGradients(synapses: model.plan.synapses, populations: model.plan.populationShapes.count))
        }
        for sums in groupSums.prefix(zeroed) { sums.reset(skipping: linearSynapses) }
        return Array(groupSums.prefix(n))
    }

    /// The summed gradients of a batch, each sample's loss scaled by `scale` (1/batch for the mean).
    ///
    /// The samples are split into `groupCount` fixed groups of consecutive samples; each group is the
    /// sum of its samples' gradients added in sample order, and the batch is the sum of the groups in
    /// group order. Workers take samples one at a time (so every core stays busy to the wave's end),
    /// compute a sample's gradients into their own buffer (`STDBSampleGradients`), and add it to its
    /// group when every earlier sample has been added (`SampleOrder`). Linear synapses' weight
    /// gradients are the exception: each sample records its factors, and after each wave of samples
    /// (`waveCapacity`, usually the whole batch) they are summed into the groups for all the wave's
    /// samples at once, in the same group and sample order (`STDBKernels.linearWeightGradient`; the
    /// wave size does not change the result). The sums therefore do not depend on the thread count,
    /// and under MPI each rank sums the groups of its share the same way.
    /// `indices` are the samples' dataset indices (they key the dropout masks and Poisson streams).
    func gradients(images: Tensor, labels: [Int32], indices: [Int], epoch: Int, training: Bool,
                   scale: Double) -> STDBGradients {
        let count = labels.count
        precondition(images.shape.first == count && indices.count == count,
                     "STDBSession: \(images.shape) images, \(count) labels, \(indices.count) indices")
        let groups = min(groupCount, count)
        let starts = (0...groups).map { count * $0 / groups }  // group g is samples starts[g] ..< starts[g + 1]
        // Under MPI this rank computes only its share of the groups (DataParallel).
        let share = DataParallel.share(of: groups)
        let communicator = DataParallel.active, distributed = communicator != nil
        let sums = distributed ? self.sums(share.count, zeroed: share.count) : self.sums(min(2, groups), zeroed: 1)
        let samples = starts[share.lowerBound]..<starts[share.upperBound]
        let model = self.model, pool = self.pool
        let streamsSeed = seed, encoderSeed = encoderSeed(epoch: epoch)
        let timeSteps = settings.timeSteps, over = settings.lossOverTime
        let deferred = linearSynapses
        var waveStart = samples.lowerBound
        while waveStart < samples.upperBound {
            let wave = waveStart..<min(samples.upperBound, waveStart + waveCapacity)
            let slots = factorBuffers(wave.count)
            let order = SampleOrder(first: wave.lowerBound)
            let workers = max(1, min(settings.threads, wave.count))
            parallelFor(workers, threads: workers) { _ in
                let workspace = pool.take(for: model)
                defer { pool.give(workspace) }
                let sample = workspace.sampleGradients(for: model)
                while let n = order.take(below: wave.upperBound) {
                    sample.clear()
                    sample.linear = slots[n - wave.lowerBound]
                    let image = InputEncoder.imageHWC(images, sample: n)
                    let streams = STDBWorkspace.SampleStreams(encoderSeed: encoderSeed, sampleIndex: indices[n],
                                                              dropout: training ? (streamsSeed, epoch) : nil)
                    workspace.forward(model, image: image, streams: streams)
                    let loss = STDBLoss(potential: workspace.outputPotential, label: Int(labels[n]), timeSteps: timeSteps,
                                        over: over, scale: scale)
                    sample.correct = loss.correct ? 1 : 0
                    if loss.loss.isFinite, loss.gradient.allSatisfy(\.isFinite) {
                        sample.loss = loss.loss
                        workspace.backward(model, outputGradient: loss.gradient, into: sample)
                    } else {
                        sample.nonFinite = true
                        for buffer in slots[n - wave.lowerBound] { buffer?.clear() }
                    }
                    order.inTurn(n) {
                        var g = 0
                        while starts[g + 1] <= n { g += 1 }
                        if distributed {
                            sums[g - share.lowerBound].add(sample, position: n)
                        } else if g == 0 {
                            sums[0].add(sample, position: n)
                        } else {
                            // Group g is summed on its own, then added to the total after its last sample
                            // (linear weights: in `addLinearGradients`).
                            if n == starts[g] { sums[1].reset(skipping: deferred) }
                            sums[1].add(sample, position: n)
                            if n == starts[g + 1] - 1 { sums[0].add([sums[1]], skipping: deferred) }
                        }
                    }
                }
            }
            addLinearGradients(wave: wave, slots: slots, starts: starts, share: share, distributed: distributed, sums: sums)
            waveStart = wave.upperBound
        }
        if let communicator {
            STDBGradients.orderedSum(sums, into: total, communicator: communicator)
            return total
        }
        return sums[0]
    }

    /// Adds the linear synapses' weight gradients of the wave's samples into their groups' sums, as
    /// `gradients` adds every other gradient: group by group in sample order; under one process
    /// group 0 into `sums[0]`, a later group into `sums[1]`, then into `sums[0]` after its last sample.
    private func addLinearGradients(wave: Range<Int>, slots: [[LinearGradientFactorBuffer?]], starts: [Int],
                                    share: Range<Int>, distributed: Bool, sums: [STDBGradients]) {
        let synapses = model.plan.synapses
        for s in linearSynapses {
            var factors: [LinearGradientFactors] = []
            var runs: [LinearGradientRun] = []
            var n = wave.lowerBound
            while n < wave.upperBound {
                var g = 0
                while starts[g + 1] <= n { g += 1 }
                let end = min(wave.upperBound, starts[g + 1])
                let first = factors.count
                for m in n..<end {
                    if let buffer = slots[m - wave.lowerBound][s], buffer.isRecorded { factors.append(buffer.factors) }
                }
                let target = distributed ? g - share.lowerBound : (g == 0 ? 0 : 1)
                let folds = !distributed && g > 0 && end == starts[g + 1]
                runs.append(LinearGradientRun(samples: first..<factors.count, target: target, startsGroup: n == starts[g],
                                              foldInto: folds ? 0 : nil))
                n = end
            }
            Self.withWeights(of: s, in: sums[...]) { targets in
                STDBKernels.linearWeightGradient(factors: factors, runs: runs, targets: targets,
                                                 inputs: synapses[s].inputShape.count,
                                                 outputs: synapses[s].outputShape.count, threads: settings.threads)
            }
        }
    }

    /// Calls `body` with the base of synapse `s`'s weight gradient in each of `sums` (distinct objects).
    private static func withWeights(of s: Int, in sums: ArraySlice<STDBGradients>, bases: [UnsafeMutablePointer<Float>] = [],
                                    _ body: ([UnsafeMutablePointer<Float>]) -> Void) {
        guard let first = sums.first else { return body(bases) }
        first.weights[s].withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            withWeights(of: s, in: sums.dropFirst(), bases: bases + [base], body)
        }
    }

    /// The optimizer's moments and step count (saved after each epoch so a run can resume).
    var optimizerState: OptimizerState { optimizer.state(synapses: model.plan.synapses) }

    /// Continues from a state saved by `optimizerState` for the same network.
    func restoreOptimizer(_ state: OptimizerState) throws {
        try optimizer.restore(state, synapses: model.plan.synapses)
    }

    /// One optimizer step on a batch; returns the batch's summed loss and correct count. Throws
    /// `SpikeKitError.numerical` naming the layer, epoch and step when the loss or a gradient is not
    /// finite (the weights are then left unchanged).
    @discardableResult
    func trainBatch(images: Tensor, labels: [Int32], indices: [Int], epoch: Int, step: Int,
                    learningRate: Double) throws -> (loss: Double, correct: Int) {
        let batch = gradients(images: images, labels: labels, indices: indices, epoch: epoch, training: true,
                              scale: 1 / Double(labels.count))
        let output = model.plan.synapses.last?.name ?? "output"
        if let n = batch.nonFiniteSample {
            throw SpikeKitError.numerical("non-finite loss at the output layer '\(output)' in STDB epoch \(epoch + 1), "
                                          + "step \(step + 1) (dataset image \(indices[n]))")
        }
        if let p = batch.firstNonFinitePopulation() {
            throw SpikeKitError.numerical("non-finite threshold or leak gradient in layer '\(model.plan.populationNames[p])' "
                                          + "in STDB epoch \(epoch + 1), step \(step + 1)")
        }
        if let s = batch.firstNonFiniteSynapse() {
            throw SpikeKitError.numerical("non-finite gradient in layer '\(model.plan.synapses[s].name)' in STDB epoch "
                                          + "\(epoch + 1), step \(step + 1)")
        }
        optimizer.apply(batch, to: &model, learningRate: learningRate)
        return (batch.loss, batch.correct)
    }
}
