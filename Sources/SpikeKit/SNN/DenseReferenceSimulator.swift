/// The same equations as `EventScheduler`, on dense arrays, written for clarity rather than speed.
///
/// It exists to check the event-driven engine: on the same network and inputs both must produce the
/// same spikes at the same steps and the same output potentials, bit for bit. To make that possible
/// the two are defined to do the same floating-point operations in the same order (see
/// `EventKernels`): each target sums its inputs in ascending input index order with fused
/// multiply-adds, starting from its bias; then the neuron update, which is `NeuronDynamics` itself
/// (the one definition of it), applied to every neuron at every step. Everything else here is
/// independent of the event engine: weights are read in PyTorch layout, every neuron is updated at
/// every step, and synaptic operations are counted from the dense inputs and `Synapse.fanOut`.
public struct DenseReferenceSimulator: Sendable {
    public let network: SpikingNetwork

    public init(network: SpikingNetwork) {
        self.network = network
    }

    /// Simulates `images` one sample at a time and returns a record comparable to `EventScheduler`'s.
    public func run(images: Tensor, options: SimulationOptions) throws -> SimulationRecord {
        let plan = try SimulationPlan(network: network, encoding: options.encoding)
        let schedule = StepSchedule(plan: plan)
        let samples = images.shape[0]
        var totals = WorkerTotals(plan: plan, timeSteps: options.timeSteps)
        let checkpoints = options.effectiveCheckpoints
        let classes = network.outputCount
        var outputs = [Int: [Float]]()
        var lastSpikes = plan.populationShapes.map { _ in [Int32]() }
        let pytorch = plan.synapses.map { $0.pytorchWeights() }

        for n in 0..<samples {
            let image = InputEncoder.imageHWC(images, sample: n)
            let encoder = InputEncoder(encoding: options.encoding, seed: options.seed)
            var generator = encoder.generator(forSample: options.firstSampleIndex + n)
            var membranes = zip(plan.populationShapes, plan.populationNeurons).map { shape, neurons in
                [Float](repeating: neurons?.initialPotential ?? 0, count: shape.count)
            }
            var last = plan.populationShapes.map { [Int32](repeating: -1, count: $0.count) }
            var synaptic = plan.populationShapes.map { [Float](repeating: 0, count: $0.count) }
            var events = SpikeEvents(binary: false)
            var currents = plan.populationShapes.map { [Float](repeating: 0, count: $0.count) }
            for t in 0..<options.timeSteps {
                var signals: [StepSignal: [Float]] = [:]
                if options.encoding == .poisson {
                    encoder.poissonEvents(imageHWC: image, generator: &generator, into: &events)
                    signals[.input] = events.dense(count: image.count)
                } else {
                    signals[.input] = image
                }
                // The schedule every simulator follows, phase by phase, on dense vectors.
                for phase in schedule.phases {
                    switch phase {
                    case .directInput(let s, let p):
                        currents[p] = InputEncoder.directCurrent(imageHWC: image, synapse: plan.synapses[s])
                    case .deliver(let s, let source, let p):
                        let x = signals[source] ?? []
                        Self.accumulate(x, through: plan.synapses[s], pytorchWeights: pytorch[s], into: &currents[p])
                        totals.synapticOps[s][t] += Self.synapticOps(x, plan.synapses[s])
                    case .fire(let p):
                        guard let neurons = plan.populationNeurons[p] else { continue }
                        signals[.population(p)] = Self.step(&membranes[p], &synaptic[p], currents[p], neurons, options, t,
                                                            &last[p], &totals, p)
                        currents[p] = [Float](repeating: 0, count: currents[p].count)
                    case .accumulate(let p):
                        for k in currents[p].indices { membranes[p][k] += currents[p][k] }
                        currents[p] = [Float](repeating: 0, count: currents[p].count)
                    case .averagePool(let layer, let source, let shape, let k, let stride, let padding):
                        signals[.pool(layer: layer)] = Self.pool(signals[source] ?? [], shape, k, stride, padding, average: true)
                    case .maxPool(let layer, let source, let shape, let k, let stride, let padding):
                        signals[.pool(layer: layer)] = Self.pool(signals[source] ?? [], shape, k, stride, padding, average: false)
                    }
                }
                if checkpoints.contains(t + 1) { outputs[t + 1, default: []] += membranes[membranes.count - 1] }
            }
            if options.recordLastSpike { for p in last.indices { lastSpikes[p] += last[p] } }
        }
        return SimulationRecord(
            timeSteps: options.timeSteps, samples: samples, populationNames: plan.populationNames,
            populationSizes: plan.populationShapes.map(\.count), spikes: totals.spikes, neuronUpdates: totals.neuronUpdates,
            maxInputCurrent: totals.maxInputCurrent, synapseNames: plan.synapses.map(\.name),
            synapticOps: totals.synapticOps,
            outputs: outputs.mapValues { Tensor(shape: [samples, classes], scalars: $0) },
            lastSpike: options.recordLastSpike ? lastSpikes : nil, raster: nil)
    }

    /// current[o] += b[o] + Σ_i x_i·w_io, each output summing its inputs in ascending HWC input index
    /// order with fused multiply-adds (weights read from PyTorch layout).
    static func accumulate(_ x: [Float], through synapse: Synapse, pytorchWeights w: [Float], into current: inout [Float]) {
        let inShape = synapse.inputShape, outShape = synapse.outputShape
        if let bias = synapse.bias {
            for o in current.indices { current[o] += bias[o % outShape.channels] }
        }
        switch synapse.connectivity {
        case .identity:
            for o in current.indices { current[o] = current[o].addingProduct(x[o], w.isEmpty ? 1 : w[o % outShape.channels]) }
        case .linear:
            let inputs = inShape.count
            for o in 0..<outShape.count {
                var acc = current[o]
                for y in 0..<inShape.height { for xx in 0..<inShape.width { for c in 0..<inShape.channels {
                    let hwc = inShape.hwcIndex(channel: c, y: y, x: xx)
                    let nchw = (c * inShape.height + y) * inShape.width + xx
                    acc = acc.addingProduct(x[hwc], w[o * inputs + nchw])
                } } }
                current[o] = acc
            }
        case .convolution(let g):
            let perGroup = g.inChannelsPerGroup
            for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth { for co in 0..<g.outChannels {
                let o = outShape.hwcIndex(channel: co, y: oy, x: ox)
                // The input channels of co's group.
                let firstInput = (co / g.outChannelsPerGroup) * perGroup
                var acc = current[o]
                for ky in 0..<g.kernelHeight {
                    let y = oy * g.stride - g.padding + ky
                    guard y >= 0 && y < g.inputHeight else { continue }
                    for kx in 0..<g.kernelWidth {
                        let xx = ox * g.stride - g.padding + kx
                        guard xx >= 0 && xx < g.inputWidth else { continue }
                        for ci in 0..<perGroup {
                            let weight = w[((co * perGroup + ci) * g.kernelHeight + ky) * g.kernelWidth + kx]
                            acc = acc.addingProduct(x[inShape.hwcIndex(channel: firstInput + ci, y: y, x: xx)], weight)
                        }
                    }
                }
                current[o] = acc
            } } }
        }
    }

    /// Synaptic operations: the fan-out of every non-zero input.
    static func synapticOps(_ x: [Float], _ synapse: Synapse) -> Int64 {
        var ops: Int64 = 0
        for i in x.indices where x[i] != 0 { ops += Int64(synapse.fanOut(ofInput: i)) }
        return ops
    }

    /// One step of every neuron of a population (`synaptic`: the synaptic currents of a current-based
    /// model, unused otherwise); returns the dense spike vector.
    static func step(_ u: inout [Float], _ synaptic: inout [Float], _ current: [Float], _ p: NeuronParameters,
                     _ options: SimulationOptions, _ t: Int, _ last: inout [Int32], _ totals: inout WorkerTotals,
                     _ population: Int) -> [Float] {
        var spikes = [Float](repeating: 0, count: u.count)
        let dynamics = NeuronDynamics(neurons: p, ordering: options.ordering)
        for n in u.indices {
            let (v, fires) = dynamics.update(previous: u[n], input: current[n], synaptic: &synaptic[n])
            if fires {
                spikes[n] = 1
                last[n] = Int32(t)
                totals.spikes[population][t] += 1
            }
            u[n] = v
            if options.recordMaxInputCurrent {
                totals.maxInputCurrent[population] = max(totals.maxInputCurrent[population], current[n])
            }
        }
        totals.neuronUpdates[population][t] += Int64(u.count)
        return spikes
    }

    /// Dense average or max pooling (window read row-major; max treats every input, zeros included;
    /// padding adds zeros to the mean's sum of k² and nothing to the maximum).
    static func pool(_ x: [Float], _ shape: FeatureShape, _ k: Int, _ s: Int, _ p: Int, average: Bool) -> [Float] {
        let out = shape.pooled(kernel: k, stride: s, padding: p)
        let (ho, wo) = (out.height, out.width)
        var result = [Float](repeating: 0, count: out.count)
        for oy in 0..<ho { for ox in 0..<wo { for c in 0..<shape.channels {
            var sum: Float = 0
            var maximum = -Float.infinity
            for wy in 0..<k { for wx in 0..<k {
                let (y, xx) = (oy * s - p + wy, ox * s - p + wx)
                guard y >= 0, y < shape.height, xx >= 0, xx < shape.width else { continue }
                let v = x[shape.hwcIndex(channel: c, y: y, x: xx)]
                sum += v
                maximum = max(maximum, v)
            } }
            result[out.hwcIndex(channel: c, y: oy, x: ox)] = average ? sum * (1 / Float(k * k)) : maximum
        } } }
        return result
    }
}
