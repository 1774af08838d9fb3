import Foundation
import Testing
@testable import SpikeKit

/// Batches smaller than the thread count: the workers share each sample, each simulating its band of
/// every population (`SampleTeam`, `NeuronBand`). The results must be the dense reference's and the
/// one-thread engine's, bit for bit.
@Suite struct SharedSampleTests {
    static let seeds: [UInt64] = Array(1...20)

    /// Options that let even these small networks be shared by the threads: every population split
    /// (`minimumNeuronsPerBlock` 0), or those under `minimumNeuronsPerBlock / 4` neurons at the end of
    /// the network left to the first thread.
    static func sharedOptions(timeSteps: Int, encoding: InputEncoding, ordering: SpikeOrdering, seed: UInt64,
                              checkpoints: [Int], records: Bool, threads: Int, minimumNeuronsPerBlock: Int = 0) -> SimulationOptions {
        var options = SimulationOptions(timeSteps: timeSteps, encoding: encoding, ordering: ordering, seed: seed,
                                        checkpoints: checkpoints, recordLastSpike: records, recordMaxInputCurrent: records,
                                        threads: threads)
        options.minimumNeuronsPerBlock = minimumNeuronsPerBlock
        return options
    }

    @Test(arguments: seeds)
    func mlpSharedByWorkersMatchesDenseReference(seed: UInt64) throws {
        let input = FeatureShape(height: 3, width: 4, channels: 2)
        let ordering: SpikeOrdering = seed % 2 == 0 ? .delayed : .immediate
        let (leak, reset): (Float, ResetMode) = [(1, .subtract), (0.9, .subtract), (1, .zero), (0.8, .zero)][Int(seed % 4)]
        for encoding in InputEncoding.allCases {
            let net = RandomSpikingNetworks.mlp(seed: seed, inputs: input, leak: leak, reset: reset, bias: seed % 5 == 0)
            let images = RandomSpikingNetworks.images(1, input, seed: seed, lower: encoding == .poisson ? -1 : 0)
            for records in [true, false] {
                let options = { (threads: Int) in
                    Self.sharedOptions(timeSteps: 12, encoding: encoding, ordering: ordering, seed: seed, checkpoints: [1, 5],
                                       records: records, threads: threads)
                }
                let dense = try DenseReferenceSimulator(network: net).run(images: images, options: options(1))
                for threads in [2, 3] {
                    let shared = try EventScheduler(network: net).run(images: images, options: options(threads))
                    expectIdentical(shared, dense, "mlp seed \(seed) \(encoding) records \(records), \(threads) threads")
                    #expect(shared.neuronUpdates == (try EventScheduler(network: net).run(images: images, options: options(1))).neuronUpdates)
                }
                #expect(dense.spikes.joined().reduce(0, +) > 0, "no spikes at all: the test would prove nothing")
            }
        }
    }

    @Test(arguments: seeds)
    func convolutionalSharedByWorkersMatchesDenseReference(seed: UInt64) throws {
        let input = FeatureShape(height: 9 + Int(seed % 3), width: 8, channels: 1 + Int(seed % 2))
        let ordering: SpikeOrdering = seed % 2 == 0 ? .delayed : .immediate
        let leak: Float = seed % 3 == 2 ? 0.85 : 1
        for encoding in InputEncoding.allCases {
            let net = RandomSpikingNetworks.convolutional(
                seed: seed, input: input, leak: leak, reset: seed % 3 == 0 ? .zero : .subtract,
                maxPool: seed % 4 == 3, residual: seed % 3 != 1, projectionShortcut: seed % 2 == 1, bias: seed % 7 == 0)
            let images = RandomSpikingNetworks.images(seed % 2 == 0 ? 1 : 3, input, seed: seed, lower: encoding == .poisson ? -1 : 0)
            // With records the spike lists are joined per population; without them a population that
            // feeds average pooling is stepped straight into its band of the pooled sums.
            // Without a tail (every population split), and with the populations under 100 neurons at
            // the end of the network left to the first thread.
            for (records, minimum) in [(true, 0), (false, 0), (false, 400)] {
                let options = { (threads: Int) in
                    Self.sharedOptions(timeSteps: 10, encoding: encoding, ordering: ordering, seed: seed, checkpoints: [3, 10],
                                       records: records, threads: threads, minimumNeuronsPerBlock: minimum)
                }
                let dense = try DenseReferenceSimulator(network: net).run(images: images, options: options(1))
                let alone = try EventScheduler(network: net).run(images: images, options: options(1))
                for threads in [4] + (images.shape[0] == 1 ? [2] : []) {
                    let shared = try EventScheduler(network: net).run(images: images, options: options(threads))
                    expectIdentical(shared, dense, "conv seed \(seed) \(encoding) records \(records), \(threads) threads, minimum \(minimum)")
                    #expect(shared.neuronUpdates == alone.neuronUpdates, "seed \(seed): neuron updates differ")
                }
                #expect(dense.spikes.dropLast().filter { $0.reduce(0, +) > 0 }.count >= 1, "seed \(seed): no population spiked")
            }
        }
    }

    @Test func rastersAndCapturedEventsAreTheWholeSamples() throws {
        let input = FeatureShape(height: 10, width: 10, channels: 1)
        let net = RandomSpikingNetworks.convolutional(seed: 5, input: input, leak: 1, reset: .subtract, maxPool: false,
                                                      residual: true, projectionShortcut: true)
        let images = RandomSpikingNetworks.images(1, input, seed: 5, lower: -1)
        let options = { (threads: Int) in
            var options = SimulationOptions(timeSteps: 8, encoding: .poisson, ordering: .delayed, seed: 9, rasterNeuronsPerPopulation: 3,
                                            threads: threads, captureEventsForSamples: 1)
            options.minimumNeuronsPerBlock = 0
            return options
        }
        let alone = try EventScheduler(network: net).run(images: images, options: options(1))
        let shared = try EventScheduler(network: net).run(images: images, options: options(2))
        expectIdentical(alone, shared, "1 vs 2 threads on one sample")
        #expect(alone.raster?.times == shared.raster?.times)
        #expect(alone.events == shared.events)
        #expect((alone.events?.count ?? 0) > 0, "nothing was captured: the comparison is vacuous")
    }

    @Test func smallNetworksRunOneSamplePerThreadInstead() throws {
        // Same results whichever way a small batch is split; a tiny network takes the sample-parallel path.
        let input = FeatureShape(height: 3, width: 4, channels: 2)
        let net = RandomSpikingNetworks.mlp(seed: 3, inputs: input, leak: 1, reset: .subtract)
        let images = RandomSpikingNetworks.images(1, input, seed: 3)
        var shared = SimulationOptions(timeSteps: 6, threads: 2)
        shared.minimumNeuronsPerBlock = 0
        let automatic = SimulationOptions(timeSteps: 6, threads: 2)
        expectIdentical(try EventScheduler(network: net).run(images: images, options: shared),
                        try EventScheduler(network: net).run(images: images, options: automatic), "shared vs automatic")
    }

    @Test func theTailStartsAfterTheLastLargePopulation() throws {
        let input = FeatureShape(height: 10, width: 8, channels: 1)
        let net = RandomSpikingNetworks.convolutional(seed: 2, input: input, leak: 1, reset: .subtract, maxPool: false,
                                                      residual: false, projectionShortcut: false)
        let plan = try SimulationPlan(network: net, encoding: .direct)
        // conv1 → pool → conv2 → flatten → output.
        let sizes = plan.populationShapes.map(\.count)
        #expect(EventScheduler.tailOperation(plan: plan, smallPopulation: 0) == plan.operations.count - 1, "only the output layer")
        let conv2 = plan.operations.firstIndex { if case .synaptic(_, 1, _) = $0 { return true } else { return false } }
        #expect(EventScheduler.tailOperation(plan: plan, smallPopulation: sizes[1] + 1) == conv2, "sizes \(sizes)")
        #expect(EventScheduler.tailOperation(plan: plan, smallPopulation: sizes.max()! + 1) == 0)
    }

    @Test func bandsTileEveryPopulationInOrder() {
        let shapes = [FeatureShape(height: 28, width: 28, channels: 32), FeatureShape(height: 7, width: 7, channels: 64),
                      .flat(10), .flat(500), FeatureShape(height: 3, width: 5, channels: 2)]
        for shape in shapes {
            for workers in 1...5 {
                for rows in [1, 2, 3] {
                    let bands = (0..<workers).map { NeuronBand.split(shape, worker: $0, of: workers, rowsPerUnit: rows) }
                    // Non-empty bands, in worker order, are adjacent neuron ranges covering the population.
                    let ranges = bands.filter { !$0.isEmpty }.map { $0.neurons(channelsPerPosition: shape.channels) }
                    #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == shape.count, "\(shape) \(workers) workers")
                    for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound, "\(shape) \(workers) workers") }
                    for band in bands where !band.isEmpty {
                        if shape.positions == 1 {
                            #expect(band.channels.lowerBound % 16 == 0, "vectors stay whole")
                        } else {
                            #expect(band.channels == 0..<shape.channels)
                            #expect(band.positions.lowerBound % (rows * shape.width) == 0, "\(rows)-row units stay whole")
                        }
                    }
                }
            }
        }
    }

    @Test func spinBarrierSeparatesPhases() {
        // Each of 3 workers writes its slot in phase k, then reads every slot after the barrier.
        let workers = 3, phases = 200
        let team = SampleTeam(workers: workers, capacities: [4])
        let sums = SendableBox([Int](repeating: 0, count: workers))
        runConcurrently(workers) { w in
            var whole = SpikeEvents()
            var total = 0
            for phase in 0..<phases {
                team.gather(SpikeEvents(indices: [Int32(w * 100 + phase % 50)], values: []), slot: 0, t: phase, worker: w, into: &whole)
                total += whole.indices.reduce(0) { $0 + Int($1) }
            }
            sums.update { $0[w] = total }
        }
        let expected = (0..<phases).reduce(0) { acc, phase in acc + (0..<workers).reduce(0) { $0 + $1 * 100 + phase % 50 } }
        #expect(sums.value == [Int](repeating: expected, count: workers))
    }
}

/// A value shared by test threads under a lock.
final class SendableBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
