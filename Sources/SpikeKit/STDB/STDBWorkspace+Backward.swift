/// The backward pass of STDB training: backpropagation through time over the recorded forward pass of
/// one sample, stage by stage from the output back to the input, each stage handling all T steps.
///
/// A population with membrane u, pre-reset membrane v^t = λ·u^{t−1} + I^t and post-reset u^t
/// (soft reset u^t = v^t − θ·s^t, zero reset u^t = v^t·(1 − s^t)) is differentiated with no
/// gradient through the reset (the spike in the reset term is a constant), so with r^t = 1 (soft)
/// or 1 − s^t (zero) and σ'^t the surrogate ∂s^t/∂(compared membrane), and g^t = ∂L/∂s^t from the
/// downstream synapse:
///
/// - delayed ordering (s^t = H(u^{t−1} − θ), so s^{t+1} depends on u^t):
///   ∂L/∂u^t = λ·δv^{t+1} + σ'^{t+1}·g^{t+1},  δv^t = r^t·∂L/∂u^t;
/// - immediate ordering (s^t = H(v^t − θ)):
///   ∂L/∂u^t = λ·δv^{t+1},  δv^t = r^t·∂L/∂u^t + σ'^t·g^t;
///
/// and δI^t = δv^t; for a current-based population (v^t = λ·u^{t−1} + i^t, i^t = α_i·i^{t−1} + I^t,
/// `NeuronModel.currentBasedLIF`) δI^t = δi^t = δv^t + α_i·δi^{t+1}. Through a synapse, ∂L/∂x_j^t = Σ_o w_jo·δI_o^t, and the weight gradient is
/// event-driven: each input event (j, v) at step t adds v·δI^t into gradient row j (for a
/// convolution, into the rows of the kernel offsets the event used). Average pooling hands each
/// window input δ/k²; max pooling routes δ to the window's argmax; flatten is the identity.
extension STDBWorkspace {
    /// Backpropagates `outputGradient` (∂L/∂V, V = Σ_t I_out^t as the loss sees it, so a mean over
    /// T is already folded in) through the last forward pass, adding the weight and bias gradients
    /// into `gradients`.
    func backward(_ model: STDBModel, outputGradient: [Float], into gradients: STDBSampleGradients) {
        let plan = model.plan
        let steps = timeSteps
        var current = 0
        for operation in plan.operations.reversed() {
            switch operation {
            case .synaptic(let s, let p, let direct):
                if plan.populationNeurons[p] == nil {
                    STDBKernels.broadcastRows(outputGradient, steps: steps, into: &buffers[current])
                } else {
                    populationBackward(p, model: model, buffer: current, gradients: gradients)
                }
                guard model.needsInputGradient[s] else {
                    synapseBackward(s, model: model, delta: current, input: nil, direct: direct, gradients: gradients)
                    return
                }
                let next = (current + 1) % 3
                STDBKernels.zero(&buffers[next], count: steps * plan.synapses[s].inputShape.count)
                synapseBackward(s, model: model, delta: current, input: next, direct: direct, gradients: gradients)
                current = next
            case .averagePool(_, let shape, let k, let stride, let padding):
                let next = (current + 1) % 3
                STDBKernels.zero(&buffers[next], count: steps * shape.count)
                STDBKernels.averagePoolGradient(output: buffers[current], shape: shape, kernel: k, stride: stride,
                                                padding: padding, steps: steps, into: &buffers[next])
                current = next
            case .maxPool(let layer, let shape, let k, let stride, let padding):
                let next = (current + 1) % 3
                STDBKernels.zero(&buffers[next], count: steps * shape.count)
                let channel = model.layout.maxPoolInputChannel[layer]
                for t in 0..<steps {
                    let segment = trace.segment(channel: channel, step: t)
                    STDBKernels.scatter(trace.indices, start: segment.start, count: segment.count, values: trace.values,
                                        valueStart: segment.valueStart, into: &dense)
                    STDBKernels.maxPoolGradient(output: buffers[current], dense: dense, shape: shape, kernel: k,
                                                stride: stride, padding: padding, t: t, into: &buffers[next])
                    STDBKernels.fill(trace.indices, start: segment.start, count: segment.count, with: 0, into: &dense)
                }
                current = next
            case .flatten:
                break
            case .residual(_, let c1, let p1, let c2, let shortcut, let p2):
                populationBackward(p2, model: model, buffer: current, gradients: gradients)
                let first = (current + 1) % 3, blockInput = (current + 2) % 3
                STDBKernels.zero(&buffers[first], count: steps * plan.populationShapes[p1].count)
                synapseBackward(c2, model: model, delta: current, input: first, direct: false, gradients: gradients)
                let needs = model.needsInputGradient[c1]
                if needs { STDBKernels.zero(&buffers[blockInput], count: steps * plan.synapses[c1].inputShape.count) }
                synapseBackward(shortcut, model: model, delta: current, input: needs ? blockInput : nil, direct: false,
                                gradients: gradients)
                populationBackward(p1, model: model, buffer: first, gradients: gradients)
                synapseBackward(c1, model: model, delta: first, input: needs ? blockInput : nil, direct: false,
                                gradients: gradients)
                guard needs else { return }
                current = blockInput
            }
        }
    }

    /// The time recursion of population `p`, in place on `buffers[buffer]`: row t holds ∂L/∂s^t on
    /// entry and δI^t on exit (equations in the extension's comment). When θ and λ are trained, their
    /// gradients are added into `gradients` (see `neuronParameterTerms`).
    func populationBackward(_ p: Int, model: STDBModel, buffer: Int, gradients: STDBSampleGradients) {
        let population = populations[p]
        guard let neurons = population.neurons else { return }
        let count = population.shape.count
        let delayed = model.ordering == .delayed
        let zeroReset = neurons.reset == .zero
        let filtersCurrent = neurons.model.hasSynapticCurrent && neurons.currentDecay != 0
        let spikeChannel = model.layout.spikeChannel[p], surrogateChannel = model.layout.surrogateChannel[p]
        let usesSpikeTimes = surrogateChannel < 0
        STDBKernels.zero(&carry[p], count: count)
        if usesSpikeTimes {
            STDBKernels.copy(population.lastSpike, into: &previousSpike[p])
        } else {
            STDBKernels.zero(&sigma[p], count: count)
        }
        let trainsNeurons = !membraneHistory[p].isEmpty
        // Without θ and λ to train, nothing else reads σ': the recursion computes it from spike times itself.
        let fusedSurrogate = usesSpikeTimes && !trainsNeurons
        for t in stride(from: timeSteps - 1, through: 0, by: -1) {
            let spikes = trace.segment(channel: spikeChannel, step: t)
            if fusedSurrogate {
                undoSpikes(p, spikes: spikes)
            } else if usesSpikeTimes {
                surrogateFromSpikeTimes(p, spikes: spikes, model: model, t: t)
            } else {
                let recorded = trace.segment(channel: surrogateChannel, step: t)
                STDBKernels.scatter(trace.indices, start: recorded.start, count: recorded.count, values: trace.values,
                                    valueStart: recorded.valueStart, into: &sigma[p])
            }
            if trainsNeurons {
                gradients.thresholds[p] += thresholdTerm(p, neurons: neurons, spikes: spikes, buffer: buffer, t: t,
                                                         delayed: delayed)
            }
            if zeroReset { STDBKernels.fill(trace.indices, start: spikes.start, count: spikes.count, with: 0, into: &keep[p]) }
            if fusedSurrogate {
                STDBKernels.recursionStep(rows: &buffers[buffer], offset: t * count, carry: &carry[p], previous: previousSpike[p],
                                          table: model.surrogateTables[p], t: t, keep: zeroReset ? keep[p] : [],
                                          leak: neurons.leak, delayed: delayed)
            } else {
                STDBKernels.recursionStep(rows: &buffers[buffer], offset: t * count, carry: &carry[p], sigma: sigma[p],
                                          keep: zeroReset ? keep[p] : [], leak: neurons.leak, delayed: delayed)
            }
            if zeroReset { STDBKernels.fill(trace.indices, start: spikes.start, count: spikes.count, with: 1, into: &keep[p]) }
            if trainsNeurons {
                // v^t = λ·u^{t−1} + I^t, so ∂L/∂λ gains Σ_n δv^t_n·u^{t−1}_n (row t now holds δv^t).
                gradients.leaks[p] += NeuronParameterGradientKernels.dot(buffers[buffer], offset: t * count,
                                                                         membraneHistory[p], offset: t * count, count: count)
            }
            if filtersCurrent && t + 1 < timeSteps {
                // Current-based neurons: v^t = λ·u^{t−1} + i^t with i^t = α_i·i^{t−1} + I^t, so
                // δI^t = δi^t = δv^t + α_i·δi^{t+1} (row t + 1 already holds δi^{t+1}).
                STDBKernels.addScaledRow(in: &buffers[buffer], from: (t + 1) * count, to: t * count, count: count,
                                         scale: neurons.currentDecay)
            }
            if !usesSpikeTimes {
                let recorded = trace.segment(channel: surrogateChannel, step: t)
                STDBKernels.fill(trace.indices, start: recorded.start, count: recorded.count, with: 0, into: &sigma[p])
            }
        }
        if !membraneHistory[p].isEmpty && neurons.initialMembrane != 0 {
            // u⁰ = ρ·θ: the carry now holds ∂L/∂u⁰ of every neuron.
            gradients.thresholds[p] += Double(neurons.initialMembrane)
                * NeuronParameterGradientKernels.sum(carry[p])
        }
    }

    /// Step t's share of ∂L/∂θ for population `p`, taken before the recursion step (row t of the
    /// buffer holds g^t = ∂L/∂s^t, `carry[p]` holds ∂L/∂u^t, `sigma[p]` holds σ'^t):
    ///
    /// - through the spike decision: the surrogates are functions of z = c/θ − 1 (c the compared
    ///   membrane), so ∂s^t/∂θ = −σ'^t·c^t/θ, giving −Σ_n g^t_n·σ'^t_n·c^t_n/θ;
    /// - through the soft reset u^t = v^t − θ·s^t (the spike a constant, as everywhere in the
    ///   backward pass): −Σ over the neurons that spiked at t of ∂L/∂u^t. A reset to zero does not
    ///   depend on θ.
    private func thresholdTerm(_ p: Int, neurons: NeuronParameters, spikes: STDBTrace.Segment, buffer: Int, t: Int,
                               delayed: Bool) -> Double {
        let count = populations[p].shape.count
        let decision = NeuronParameterGradientKernels.surrogateMembraneSum(
            rows: buffers[buffer], offset: t * count, sigma: sigma[p], previousMembrane: membraneHistory[p],
            current: currentHistory[p], historyOffset: t * count, leak: neurons.leak, delayed: delayed)
        var term = -decision / Double(neurons.threshold)
        if neurons.reset == .subtract {
            term -= NeuronParameterGradientKernels.sum(at: trace.indices, start: spikes.start, count: spikes.count, of: carry[p])
        }
        return term
    }

    /// σ'^t of population `p` under the `stdb` surrogate. Walking t downwards, `previousSpike[p]`
    /// holds each neuron's latest spike at or before t on entry; undoing step t's spikes (each
    /// recorded with the spike before it) leaves the latest spike strictly before t, which is the
    /// last-spike step the forward pass saw when it made the decision of step t.
    func surrogateFromSpikeTimes(_ p: Int, spikes: STDBTrace.Segment, model: STDBModel, t: Int) {
        undoSpikes(p, spikes: spikes)
        STDBKernels.stdbDerivatives(previous: previousSpike[p], table: model.surrogateTables[p], t: t, into: &sigma[p])
    }

    /// Walking t downwards: replaces each step-t spike's neuron's latest spike by the one before it.
    private func undoSpikes(_ p: Int, spikes: STDBTrace.Segment) {
        if spikes.auxiliaryStart >= 0 {
            STDBKernels.scatter(trace.indices, start: spikes.start, count: spikes.count, values: trace.auxiliary,
                                valueStart: spikes.auxiliaryStart, into: &previousSpike[p])
        }
    }

    /// Lists in `neededInputs` (ascending) the inputs of synapse `s` fed by a neuron that spiked in
    /// this sample (see `SynapseInputOrigin`); false when every input must be computed (the input
    /// is not traced to a population, or the surrogate does not vanish for silent neurons).
    private func listNeededInputs(of s: Int, model: STDBModel) -> Bool {
        guard model.recordsPreviousSpikes else { return false }
        neededInputs.removeAll(keepingCapacity: true)
        switch model.inputOrigins[s] {
        case .untracked:
            return false
        case .population(let p):
            let last = populations[p].lastSpike
            for j in last.indices where last[j] >= 0 { neededInputs.append(Int32(j)) }
        case .pooled(let p, let shape, let k, let stride, let padding):
            let last = populations[p].lastSpike
            let c = shape.channels
            let pooled = shape.pooled(kernel: k, stride: stride, padding: padding)
            let (ho, wo) = (pooled.height, pooled.width)
            for oy in 0..<ho { for ox in 0..<wo { for ch in 0..<c {
                var fed = false
                for wy in 0..<k where !fed { for wx in 0..<k where !fed {
                    let (y, x) = (oy * stride - padding + wy, ox * stride - padding + wx)
                    guard y >= 0, y < shape.height, x >= 0, x < shape.width else { continue }
                    fed = last[(y * shape.width + x) * c + ch] >= 0
                } }
                if fed { neededInputs.append(Int32((oy * wo + ox) * c + ch)) }
            } } }
        }
        return true
    }

    /// `targetActive` holds at least `count` flags.
    private func growActivity(_ count: Int) {
        if targetActive.count < count { targetActive = [UInt8](repeating: 0, count: count) }
    }

    /// Adds, for each event (j, v) of `segment`, v · δ (row `offset` of `delta`) into the gradient rows
    /// the event's fan-out used.
    private func eventWeightGradient(_ s: Int, model: STDBModel, segment: STDBTrace.Segment, delta: [Float], offset: Int,
                                     gradients: STDBSampleGradients) {
        let synapse = model.plan.synapses[s]
        switch synapse.connectivity {
        case .convolution(let g):
            guard let table = model.convolutionTables[s] else { return }
            STDBKernels.convolutionWeightGradient(indices: trace.indices, values: trace.values, start: segment.start,
                                                  count: segment.count, valueStart: segment.valueStart, table: table,
                                                  inChannels: g.inChannels, outChannels: g.outChannels, groups: g.groups,
                                                  kernelArea: g.kernelHeight * g.kernelWidth, delta: delta,
                                                  deltaOffset: offset, targetActive: targetActive,
                                                  targetOffset: offset / g.outChannels, gradient: &gradients.weights[s])
        case .linear:
            // Reached for the direct-encoded first synapse only (once per sample): one "step" whose
            // events are the pixels and whose delta is Σ_t δ^t.
            gradients.linear[s]?.record(indices: trace.indices, values: trace.values,
                                        segments: [(segment.start, segment.count, segment.valueStart, 0)],
                                        inputs: synapse.inputShape.count, delta: delta,
                                        deltaCount: synapse.outputShape.count)
        case .identity:
            break
        }
    }

    /// The gradients of synapse `s` from the deltas δI^t in `buffers[delta]`: bias, weights (event-driven
    /// from the recorded input events), and, when `input` is given, ∂L/∂x^t added into `buffers[input]`
    /// (times the dropout mask, which also scaled the forward events).
    private func synapseBackward(_ s: Int, model: STDBModel, delta: Int, input: Int?, direct: Bool,
                                 gradients: STDBSampleGradients) {
        let synapse = model.plan.synapses[s]
        let steps = timeSteps
        let outputs = synapse.outputShape.count, inputs = synapse.inputShape.count
        let deltas = buffers[delta]
        for t in 0..<steps { active[t] = !STDBKernels.rowIsZero(deltas, offset: t * outputs, count: outputs) }
        if synapse.connectivity == .identity {
            // A fixed routing: no weight gradient; the input gradient is δ, times the channel's scale.
            guard let input else { return }
            if synapse.weights.isEmpty {
                STDBKernels.add(deltas, into: &buffers[input], count: steps * outputs)
            } else {
                STDBKernels.addChannelScaled(deltas, scales: synapse.weights, into: &buffers[input], count: steps * outputs)
            }
            return
        }
        if synapse.bias != nil {
            STDBKernels.channelSums(deltas, steps: steps, count: outputs, channels: synapse.outputShape.channels,
                                    into: &gradients.bias[s])
        }
        let channel = model.layout.synapseInputChannel[s]
        let positions = synapse.outputShape.positions
        if direct {
            // The input is the same image every step: Σ_t x·δ^t = x·Σ_t δ^t.
            STDBKernels.sumRows(deltas, steps: steps, count: outputs, into: &deltaSum)
            if case .convolution = synapse.connectivity {
                growActivity(positions)
                STDBKernels.markActiveRows(deltaSum, count: positions, width: synapse.outputShape.channels, into: &targetActive)
            }
            eventWeightGradient(s, model: model, segment: trace.segment(channel: channel, step: 0), delta: deltaSum,
                                offset: 0, gradients: gradients)
        } else if synapse.connectivity == .linear {
            // Only the factors now (events by input, deltas); the session forms the gradient of many
            // samples at once. Steps whose deltas are all zero add nothing: their events are left out.
            segmentList.removeAll(keepingCapacity: true)
            for t in 0..<steps where active[t] {
                let segment = trace.segment(channel: channel, step: t)
                segmentList.append((segment.start, segment.count, segment.valueStart, t))
            }
            gradients.linear[s]?.record(indices: trace.indices, values: trace.values, segments: segmentList,
                                        inputs: inputs, delta: deltas, deltaCount: steps * outputs)
        } else {
            // Which output positions have a non-zero delta row at each step: the others take no
            // weight-gradient work (a neuron that never spiked has δ = 0 at every step).
            growActivity(steps * positions)
            STDBKernels.markActiveRows(deltas, count: steps * positions, width: synapse.outputShape.channels, into: &targetActive)
            for t in 0..<steps where active[t] {
                eventWeightGradient(s, model: model, segment: trace.segment(channel: channel, step: t), delta: deltas,
                                    offset: t * outputs, gradients: gradients)
            }
        }
        guard let input else { return }
        switch synapse.connectivity {
        case .linear:
            let needed = listNeededInputs(of: s, model: model)
            STDBKernels.linearInputGradient(weights: synapse.weights, inputs: inputs, outputs: outputs, steps: steps,
                                            delta: deltas, neededInputs: needed ? neededInputs : nil,
                                            scratch: linearScratch, gradient: &buffers[input])
        case .convolution(let g):
            STDBKernels.convolutionInputGradient(transposed: model.transposed[s], geometry: g, delta: deltas,
                                                 active: active, gradient: &buffers[input])
        case .identity:
            break
        }
        if maskActive[s] { STDBKernels.scaleRows(&buffers[input], steps: steps, factors: masks[s]) }
    }
}
