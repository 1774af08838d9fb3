/// One STDB training run in progress: the model being trained, its optimizer, the per-chunk gradient
/// buffers and the workers' workspaces. `STDBTrainer.fit` drives it batch by batch; tests call
/// `gradients` and `trainBatch` directly.
final class STDBSession {
    private(set) var model: STDBModel
    let settings: STDBSettings
    let seed: UInt64
    private var optimizer: STDBOptimizer
    private let chunks: [STDBGradients]
    /// The batch's sums under MPI (without it they are added into the first chunk).
    private lazy var total = STDBGradients(synapses: model.plan.synapses, populations: model.plan.populationShapes.count)
    private let pool: STDBWorkspacePool

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
        let populations = model.plan.populationShapes.count
        chunks = (0..<settings.chunkCount(parameters: parameters)).map { _ in
            STDBGradients(synapses: synapses, populations: populations)
        }
        pool = STDBWorkspacePool()
    }

    /// The Poisson encoder's seed in epoch `epoch` (fresh input spikes every epoch).
    func encoderSeed(epoch: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed, stream: Self.poissonStream, epoch)
        return generator.next()
    }

    /// The summed gradients of a batch, each sample's loss scaled by `scale` (1/batch for the mean):
    /// the samples are split into `settings.chunkCount(parameters:)` fixed groups of consecutive samples, each
    /// group summed in sample order by one worker, the groups added in group order.
    /// `indices` are the samples' dataset indices (they key the dropout masks and Poisson streams).
    func gradients(images: Tensor, labels: [Int32], indices: [Int], epoch: Int, training: Bool,
                   scale: Double) -> STDBGradients {
        let count = labels.count
        precondition(images.shape.first == count && indices.count == count,
                     "STDBSession: \(images.shape) images, \(count) labels, \(indices.count) indices")
        let chunkCount = min(chunks.count, count)
        let model = self.model, chunks = self.chunks, pool = self.pool
        let streamsSeed = seed, encoderSeed = encoderSeed(epoch: epoch)
        let timeSteps = settings.timeSteps, over = settings.lossOverTime
        // Under MPI this rank computes only its share of the chunks (DataParallel).
        let share = DataParallel.share(of: chunkCount)
        parallelFor(share.count, threads: settings.threads) { k in
            let c = share.lowerBound + k
            let gradients = chunks[c]
            gradients.reset()
            let workspace = pool.take(for: model)
            defer { pool.give(workspace) }
            for n in (count * c / chunkCount)..<(count * (c + 1) / chunkCount) {
                let image = InputEncoder.imageHWC(images, sample: n)
                let streams = STDBWorkspace.SampleStreams(encoderSeed: encoderSeed, sampleIndex: indices[n],
                                                          dropout: training ? (streamsSeed, epoch) : nil)
                workspace.forward(model, image: image, streams: streams)
                let loss = STDBLoss(potential: workspace.outputPotential, label: Int(labels[n]), timeSteps: timeSteps,
                                    over: over, scale: scale)
                gradients.samples += 1
                gradients.correct += loss.correct ? 1 : 0
                guard loss.loss.isFinite, loss.gradient.allSatisfy(\.isFinite) else {
                    if gradients.nonFiniteSample == nil { gradients.nonFiniteSample = n }
                    continue
                }
                gradients.loss += loss.loss
                workspace.backward(model, outputGradient: loss.gradient, into: gradients)
            }
        }
        if let communicator = DataParallel.active {
            STDBGradients.orderedSum(chunks, count: chunkCount, share: share, into: total, communicator: communicator)
            return total
        }
        STDBGradients.sumIntoFirst(chunks, count: chunkCount)
        return chunks[0]
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
