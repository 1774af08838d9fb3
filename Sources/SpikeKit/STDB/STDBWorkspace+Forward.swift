/// The forward pass of STDB training: `EventScheduler`'s equations for one sample, recording into the
/// trace what the backward pass needs. Every floating-point operation is the scheduler's, in the
/// scheduler's order (event delivery by `EventKernels.deliver` itself, average pooling by
/// `EventPooling.average` itself, the membrane update of `EventKernels.step` applied to every neuron), so with dropout off the spikes and output potentials are bit-identical
/// to the scheduler's.
extension STDBWorkspace {
    /// Where a training sample's randomness comes from: the Poisson encoder's seed, and (for
    /// training) the dropout masks' seed and epoch.
    struct SampleStreams {
        var encoderSeed: UInt64
        var sampleIndex: Int
        /// nil = no dropout (evaluation).
        var dropout: (seed: UInt64, epoch: Int)?
    }

    /// The stream key of dropout masks ("DROP").
    static let dropoutStream = 0x4452_4F50

    /// Runs all T steps of one sample (an image in height-width-channel order) and fills the trace;
    /// the output potential is then `outputPotential`.
    func forward(_ model: STDBModel, image: [Float], streams: SampleStreams) {
        let plan = model.plan
        for (p, population) in populations.enumerated() {
            // Trained thresholds and leaks change between batches; workspaces outlive batches.
            population.neurons = plan.populationNeurons[p]
            resetState(of: population)
        }
        trace.clear()
        drawMasks(model, sampleIndex: streams.sampleIndex, dropout: streams.dropout)

        let encoder = InputEncoder(encoding: .poisson, seed: streams.encoderSeed)
        var generator = encoder.generator(forSample: streams.sampleIndex)
        for case .synaptic(let s, _, true) in plan.operations {
            prepareDirectInput(image: image, synapse: s, model: model)
        }
        input.removeAll(binary: false)

        for t in 0..<model.timeSteps {
            if model.encoding == .poisson {
                encoder.poissonEvents(imageHWC: image, generator: &generator, into: &input)
            }
            // The schedule every simulator follows, recording what the backward pass needs.
            for phase in model.schedule.phases {
                switch phase {
                case .directInput(_, let p):
                    STDBKernels.copy(directCurrent, into: &populations[p].current)
                case .deliver(let s, let source, let p):
                    deliver(events(source), synapse: s, into: populations[p], model: model, t: t)
                case .fire(let p):
                    fire(p, model: model, t: t)
                case .accumulate(let p):
                    populations[p].withBuffers { STDBKernels.accumulate(current: &$0.current, into: &$0.membrane) }
                case .averagePool(let layer, let source, let shape, let k, let stride, let padding):
                    guard let pool = pooling[layer], let table = model.poolingTables[layer] else { continue }
                    EventPooling.average(events(source), shape: shape, kernel: k, stride: stride, padding: padding, table: table,
                                         sums: &pool.values,
                                         touched: &pool.touched, output: &pool.output, scratchIndices: &pool.scratchIndices,
                                         scratchValues: &pool.scratchValues)
                case .maxPool(let layer, let source, let shape, let k, let stride, let padding):
                    guard let pool = pooling[layer], let table = model.poolingTables[layer] else { continue }
                    let incoming = events(source)
                    trace.record(incoming, channel: model.layout.maxPoolInputChannel[layer], step: t)
                    EventPooling.maximum(incoming, shape: shape, kernel: k, stride: stride, padding: padding, table: table,
                                         maxima: &pool.values,
                                         counts: &pool.counts, touched: &pool.touched, output: &pool.output)
                }
            }
        }
    }

    /// The events of a signal of this step: the encoded input, a population's emitted events (its
    /// spikes, or its real values in the smooth test mode), or a pooling stage's output.
    private func events(_ signal: StepSignal) -> SpikeEvents {
        switch signal {
        case .input: return input
        case .population(let p): return emittedEvents(p)
        case .pool(let layer): return pooling[layer]?.output ?? SpikeEvents()
        }
    }

    /// One Bernoulli mask per synapse with dropout, fixed over the sample's T steps, from the stream
    /// (seed, "DROP", epoch, sample, synapse): each input is kept with probability 1 − p and then
    /// carries its value times 1/(1 − p).
    private func drawMasks(_ model: STDBModel, sampleIndex: Int, dropout: (seed: UInt64, epoch: Int)?) {
        for s in masks.indices {
            let p = model.dropout[s]
            guard let dropout, p > 0 else { maskActive[s] = false; continue }
            maskActive[s] = true
            var generator = SeededGenerator(seed: dropout.seed, stream: Self.dropoutStream, dropout.epoch, sampleIndex, s)
            STDBKernels.drawDropoutMask(&masks[s], probability: p, generator: &generator)
        }
    }

    /// Direct encoding: the first synapse's constant current W·x (+ b) from the (masked) image, by
    /// `InputEncoder.directCurrent` itself (the scheduler's own arithmetic); the image's non-zero
    /// pixels are recorded once, as step 0 of the synapse's input channel, for the weight gradient.
    private func prepareDirectInput(image: [Float], synapse s: Int, model: STDBModel) {
        var x = image
        if maskActive[s] { for i in x.indices { x[i] *= masks[s][i] } }
        imageEvents.removeAll(binary: false)
        for i in x.indices where x[i] != 0 { imageEvents.append(Int32(i), value: x[i]) }
        trace.record(imageEvents, channel: model.layout.synapseInputChannel[s], step: 0)
        directCurrent = InputEncoder.directCurrent(imageHWC: x, synapse: model.plan.synapses[s])
    }

    /// The events a population passes on: its spikes, or its real values in the smooth test mode.
    private func emittedEvents(_ p: Int) -> SpikeEvents {
        smooth ? emitted[p] : populations[p].spikes
    }

    /// Masks the events (dropout), records them, and delivers them (after the bias, as
    /// `EventScheduler.deliver` does) into the population's current.
    private func deliver(_ events: SpikeEvents, synapse s: Int, into population: PopulationState, model: STDBModel, t: Int) {
        let synapse = model.plan.synapses[s]
        var delivered = events
        if maskActive[s] {
            STDBKernels.mask(events, factors: masks[s], into: &masked)
            delivered = masked
        }
        trace.record(delivered, channel: model.layout.synapseInputChannel[s], step: t)
        if let bias = synapse.bias {
            STDBKernels.addBias(bias, channels: population.shape.channels, into: &population.current)
        }
        _ = population.withBuffers { b in
            EventKernels.deliver(delivered, through: synapse, runs: model.convolutionRuns[s], current: &b.current,
                                 touched: &b.flags)
        }
    }

    /// u = ρ·θ, i = 0, I = 0, no spikes yet: the state before a sample's first step (the scheduler's
    /// own reset).
    private func resetState(of population: PopulationState) {
        population.reset()
    }

    /// The threshold / integrate / reset phases of population `p` at step `t`, recording its spikes
    /// (and what its surrogate needs).
    private func fire(_ p: Int, model: STDBModel, t: Int) {
        let population = populations[p]
        guard let neurons = population.neurons else { return }
        // The threshold and leak gradients need u^{t−1} and the current that entered v^t = λ·u^{t−1} + ·:
        // I^t, or for a current-based model the filtered i^t, known only after the step.
        let recordsHistory = !membraneHistory[p].isEmpty, currentBased = neurons.model.hasSynapticCurrent
        if recordsHistory {
            NeuronParameterGradientKernels.record(population.membrane, into: &membraneHistory[p], offset: t * population.shape.count)
            if !currentBased {
                NeuronParameterGradientKernels.record(population.current, into: &currentHistory[p], offset: t * population.shape.count)
            }
        }
        defer {
            if recordsHistory && currentBased {
                NeuronParameterGradientKernels.record(population.synaptic, into: &currentHistory[p], offset: t * population.shape.count)
            }
        }
        population.spikes.removeAll(binary: true)
        surrogateIndices.removeAll(keepingCapacity: true)
        surrogateValues.removeAll(keepingCapacity: true)
        let layout = model.layout
        switch model.spikeFunction {
        case .heaviside:
            previous.removeAll(keepingCapacity: true)
            let recording = STDBKernels.StepRecording(previousSpikes: model.recordsPreviousSpikes,
                                                      linearGamma: model.recordedLinearGamma)
            population.withBuffers { b in
                STDBKernels.step(membrane: &b.membrane, synaptic: &b.synaptic, current: &b.current, lastSpike: &b.lastSpike,
                                 neurons: neurons, ordering: model.ordering, t: t, spikes: &b.spikes,
                                 recording: recording, previous: &self.previous,
                                 surrogateIndices: &self.surrogateIndices, surrogateValues: &self.surrogateValues)
            }
            trace.recordSpikes(population.spikes, previous: previous, channel: layout.spikeChannel[p], step: t)
        case .sigmoid(let steepness):
            emitted[p].removeAll(binary: false)
            population.withBuffers { b in
                STDBKernels.smoothStep(membrane: &b.membrane, synaptic: &b.synaptic, current: &b.current, neurons: neurons,
                                       ordering: model.ordering, steepness: steepness, spikes: &b.spikes,
                                       emitted: &self.emitted[p], surrogateIndices: &self.surrogateIndices,
                                       surrogateValues: &self.surrogateValues)
            }
            trace.recordSpikes(population.spikes, previous: [], channel: layout.spikeChannel[p], step: t)
        }
        if layout.surrogateChannel[p] >= 0 {
            trace.recordPairs(indices: surrogateIndices, values: surrogateValues, channel: layout.surrogateChannel[p], step: t)
        }
    }
}
