import Foundation

/// Times the event-driven simulator on a converted network and test images, against the dense
/// reference simulation of the same network, and checks that both give the same predictions.
public enum SimulationBenchmark {
    public struct Report: Codable, Sendable {
        public var model: String
        public var timeSteps: Int
        public var encoding: String
        /// The neuron model (`NeuronModel` raw value) and, for `cuba-lif`, its current decay α_i.
        public var neuron: String
        public var currentDecay: Double
        public var images: Int
        /// Images per `EventScheduler.run` call.
        public var batchSize: Int
        public var threads: Int
        /// CPU seconds per wall second over the timed event-driven runs: the threads actually busy.
        public var busyThreads: Double
        /// The process's peak resident set size, in bytes.
        public var peakMemoryBytes: Int64
        /// The network's input shape `[channels, height, width]`.
        public var inputShape: [Int]
        public var imagesPerSecond: Double
        public var synapticEventsPerSecond: Double
        public var synapticOpsPerImage: Double
        public var spikeRate: Double
        public var testAccuracy: Double
        public var denseReferenceImages: Int
        public var denseReferenceImagesPerSecond: Double
        public var speedupOverDenseReference: Double
        /// Whether the event-driven run and the dense reference gave the same spikes at every step and
        /// the same output potentials on the dense reference's images.
        public var verified: Bool
        /// Per input scaling ("intensity"): images/s and synaptic events per image, showing the time
        /// per image grows no faster than linearly with the number of events.
        public var intensitySweep: [IntensityPoint]
        /// Event delivery alone through a linear layer (`LinearDeliveryRate`), on every thread.
        public var linearLayerDelivery: LinearDeliveryRate
    }

    /// Synaptic events per second delivered through a `inputs × outputs` linear synapse with random
    /// weights, `activeInputs` spikes per step, each thread delivering into its own currents.
    public struct LinearDeliveryRate: Codable, Sendable {
        public var inputs: Int
        public var outputs: Int
        public var activeInputs: Int
        public var threads: Int
        public var synapticEventsPerSecond: Double
    }

    /// Times `EventKernels.deliver` alone on a linear synapse (best of three rounds of `steps` steps per thread).
    public static func linearDeliveryRate(inputs: Int = 512, outputs: Int = 512, activeInputs: Int = 51, steps: Int = 20_000,
                                          threads: Int = Parallel.threadCount) -> LinearDeliveryRate {
        var generator = SeededGenerator(seed: 17)
        let weights = (0..<(inputs * outputs)).map { _ in generator.nextNormal() * 0.05 }
        let synapse = Synapse.linear(name: "fc", inputShape: .flat(inputs), outputs: outputs, pytorchWeights: weights)
        // A fixed pool of random spike lists (ascending, `activeInputs` of them each).
        let lists: [SpikeEvents] = (0..<64).map { _ in
            var chosen = Set<Int32>()
            while chosen.count < activeInputs { chosen.insert(Int32(generator.nextInt(below: inputs))) }
            return SpikeEvents(indices: chosen.sorted(), values: [])
        }
        var best = Double.infinity
        var sums = [Float](repeating: 0, count: threads)
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            sums.withUnsafeMutableBufferPointer { buffer in
                let sink = SendablePointer(buffer)
                parallelFor(threads, threads: threads) { worker in
                    var current = [Float](repeating: 0, count: outputs)
                    var touched = [UInt8](repeating: 0, count: 1)
                    var total: Float = 0
                    for step in 0..<steps {
                        _ = EventKernels.deliver(lists[step & 63], through: synapse, runs: nil, current: &current, touched: &touched)
                        // Read the currents and start again every 64 steps, as a neuron step would.
                        if step & 63 == 63 {
                            total += current[(step / 64) % outputs]
                            EventKernels.fill(&current, with: 0)
                        }
                    }
                    sink.base[worker] = total
                }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        // The delivered currents are used, so none of the work can be optimised away.
        precondition(sums.allSatisfy(\.isFinite), "linear delivery benchmark: non-finite currents")
        let events = Double(threads * steps * activeInputs * outputs)
        return LinearDeliveryRate(inputs: inputs, outputs: outputs, activeInputs: activeInputs, threads: threads,
                                  synapticEventsPerSecond: events / best)
    }

    public struct IntensityPoint: Codable, Sendable {
        public var inputScale: Float
        public var synapticOpsPerImage: Double
        public var microsecondsPerImage: Double
        public var nanosecondsPerSynapticOp: Double
    }

    /// Simulates `images` (test images, NCHW) on `network` for `timeSteps` steps, `repetitions` times
    /// (best time), then `denseImages` of them with the dense reference.
    public static func run(network: SpikingNetwork, model: String, images: Tensor, labels: [Int32], timeSteps: Int,
                           encoding: InputEncoding = .direct, ordering: SpikeOrdering = .delayed, repetitions: Int = 3,
                           denseImages: Int = 20, batchSize: Int = 100) throws -> Report {
        let count = images.shape[0]
        func simulate(_ input: Tensor, _ n: Int) throws -> (SimulationRecord, Double) {
            var best = Double.infinity
            var record: SimulationRecord?
            for _ in 0..<max(1, repetitions) {
                let start = DispatchTime.now().uptimeNanoseconds
                var merged: SimulationRecord?
                var first = 0
                while first < n {
                    let end = min(n, first + batchSize)
                    let options = SimulationOptions(timeSteps: timeSteps, encoding: encoding, ordering: ordering,
                                                    firstSampleIndex: first)
                    let r = try EventScheduler(network: network).run(images: input.slice(first..<end), options: options)
                    merged = merged.map { $0.appending(r) } ?? r
                    first = end
                }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                record = merged
            }
            guard let record else { throw SpikeKitError.runtime("nothing simulated") }
            return (record, best)
        }
        var interval = ProcessResources.Interval()
        interval.start()
        let (record, seconds) = try simulate(images, count)
        interval.stop()
        let ops = (0..<record.synapseNames.count).reduce(Int64(0)) { $0 + record.totalSynapticOps(synapse: $1) }
        let spikes = (0..<(record.populationSizes.count - 1)).reduce(Int64(0)) { $0 + record.totalSpikes(population: $1) }
        let neurons = record.populationSizes.dropLast().reduce(0, +)
        let accuracy = Double(record.correct(labels: labels, steps: timeSteps)) / Double(max(count, 1))

        let denseCount = min(denseImages, count)
        let denseInput = images.slice(0..<denseCount)
        let denseStart = DispatchTime.now().uptimeNanoseconds
        let dense = try DenseReferenceSimulator(network: network).run(
            images: denseInput, options: SimulationOptions(timeSteps: timeSteps, encoding: encoding, ordering: ordering))
        let denseSeconds = Double(DispatchTime.now().uptimeNanoseconds - denseStart) / 1e9
        let eventOnDense = try EventScheduler(network: network).run(
            images: denseInput, options: SimulationOptions(timeSteps: timeSteps, encoding: encoding, ordering: ordering))
        let verified = eventOnDense.outputs[timeSteps] == dense.outputs[timeSteps] && eventOnDense.spikes == dense.spikes

        var sweep: [IntensityPoint] = []
        let sweepImages = min(count, 200)
        for scale: Float in [0.5, 1] {
            let scaled = Tensor(shape: [sweepImages] + Array(images.shape.dropFirst()),
                                scalars: images.slice(0..<sweepImages).scalars.map { $0 * scale })
            let (r, s) = try simulate(scaled, sweepImages)
            let o = Double((0..<r.synapseNames.count).reduce(Int64(0)) { $0 + r.totalSynapticOps(synapse: $1) }) / Double(sweepImages)
            sweep.append(IntensityPoint(inputScale: scale, synapticOpsPerImage: o, microsecondsPerImage: s / Double(sweepImages) * 1e6,
                                        nanosecondsPerSynapticOp: s / Double(sweepImages) / max(o, 1) * 1e9))
        }
        let imagesPerSecond = Double(count) / seconds
        let denseRate = Double(denseCount) / denseSeconds
        let neuron = network.populationNeurons.compactMap { $0 }.first
        return Report(model: model, timeSteps: timeSteps, encoding: encoding.rawValue,
                      neuron: (neuron?.model ?? .integrateAndFire).rawValue, currentDecay: Double(neuron?.currentDecay ?? 0),
                      images: count, batchSize: batchSize,
                      threads: Parallel.threadCount, busyThreads: interval.busyThreads,
                      peakMemoryBytes: ProcessResources.peakResidentBytes(),
                      inputShape: [network.inputShape.channels, network.inputShape.height, network.inputShape.width],
                      imagesPerSecond: imagesPerSecond,
                      synapticEventsPerSecond: Double(ops) / seconds, synapticOpsPerImage: Double(ops) / Double(count),
                      spikeRate: Double(spikes) / Double(max(neurons, 1) * timeSteps * count), testAccuracy: accuracy,
                      denseReferenceImages: denseCount, denseReferenceImagesPerSecond: denseRate,
                      speedupOverDenseReference: imagesPerSecond / denseRate, verified: verified, intensitySweep: sweep,
                      linearLayerDelivery: linearDeliveryRate())
    }
}
