import Testing
@testable import SpikeKit

/// The training forward pass against `EventScheduler`, and the Δt bookkeeping against a brute-force
/// scan of the recorded spike trains.
@Suite struct STDBForwardTests {
    /// One sample through the STDB forward pass (no dropout), with the Poisson seed of `options`.
    static func forward(_ network: SpikingNetwork, images: Tensor, sample n: Int, settings: STDBSettings,
                        encoderSeed: UInt64) throws -> (STDBWorkspace, STDBModel) {
        let model = try STDBModel(network: network, settings: settings)
        let workspace = STDBWorkspace(model: model)
        workspace.forward(model, image: InputEncoder.imageHWC(images, sample: n),
                          streams: .init(encoderSeed: encoderSeed, sampleIndex: n, dropout: nil))
        return (workspace, model)
    }

    static let seeds: [UInt64] = Array(1...8)

    @Test(arguments: seeds)
    func outputPotentialsEqualTheEventScheduler(seed: UInt64) throws {
        let input = FeatureShape(height: 9, width: 8, channels: 1 + Int(seed % 2))
        for ordering in SpikeOrdering.allCases {
            for encoding in InputEncoding.allCases {
                let leak: Float = seed % 2 == 0 ? 1 : 0.85
                let reset: ResetMode = seed % 3 == 0 ? .zero : .subtract
                let networks = [
                    RandomSpikingNetworks.mlp(seed: seed, inputs: input, leak: leak, reset: reset, bias: seed % 4 == 0),
                    RandomSpikingNetworks.convolutional(seed: seed, input: input, leak: leak, reset: reset, maxPool: seed % 4 == 3,
                                                        residual: seed % 3 != 1, projectionShortcut: seed % 2 == 1, bias: seed % 5 == 0),
                ]
                for network in networks {
                    let images = RandomSpikingNetworks.images(3, input, seed: seed, lower: encoding == .poisson ? -1 : 0)
                    let options = SimulationOptions(timeSteps: 10, encoding: encoding, ordering: ordering, seed: seed,
                                                    recordLastSpike: true, threads: 1)
                    let record = try EventScheduler(network: network).run(images: images, options: options)
                    let settings = STDBSettings(timeSteps: 10, encoding: encoding, ordering: ordering, threads: 1)
                    var spikes = record.spikes.map { $0.map { _ in Int64(0) } }
                    for n in 0..<3 {
                        let (workspace, model) = try Self.forward(network, images: images, sample: n, settings: settings, encoderSeed: seed)
                        let k = network.outputCount
                        let expected = Array(record.outputs[10]!.scalars[(n * k)..<(n * k + k)])
                        let context = "seed \(seed) \(ordering) \(encoding) sample \(n), \(network.layers.count) layers"
                        #expect(workspace.outputPotential.map(\.bitPattern) == expected.map(\.bitPattern),
                                "output potentials differ (\(context)): \(workspace.outputPotential) vs \(expected)")
                        for p in 0..<(model.plan.populationShapes.count - 1) {
                            let trains = workspace.spikeTrains(p, model: model)
                            for t in 0..<10 { spikes[p][t] += Int64(trains[t].count) }
                            let size = model.plan.populationShapes[p].count
                            #expect(workspace.populations[p].lastSpike == Array(record.lastSpike![p][(n * size)..<((n + 1) * size)]),
                                    "last spike steps differ, population \(p) (\(context))")
                        }
                    }
                    #expect(Array(spikes.dropLast()) == Array(record.spikes.dropLast()), "spike counts per step differ (seed \(seed))")
                    #expect(record.spikes.dropLast().joined().reduce(0, +) > 0, "no spikes: the comparison would prove nothing")
                }
            }
        }
    }

    @Test(arguments: seeds)
    func deltaTBookkeepingMatchesABruteForceScan(seed: UInt64) throws {
        let input = FeatureShape(height: 8, width: 8, channels: 1)
        let network = RandomSpikingNetworks.convolutional(seed: seed, input: input, leak: seed % 2 == 0 ? 1 : 0.9,
                                                          reset: seed % 3 == 0 ? .zero : .subtract, maxPool: seed % 4 == 3,
                                                          residual: seed % 2 == 0, projectionShortcut: seed % 4 == 0)
        let images = RandomSpikingNetworks.images(1, input, seed: seed, lower: -1)
        for ordering in SpikeOrdering.allCases {
            // A short cut-off, so both the exp(−β·Δt) values and the cut to 0 occur.
            let surrogate = SurrogateGradient.stdb(alpha: 0.3, beta: 0.2, maxDeltaT: 4)
            let settings = STDBSettings(timeSteps: 24, surrogate: surrogate, encoding: .poisson, ordering: ordering, threads: 1)
            let (workspace, model) = try Self.forward(network, images: images, sample: 0, settings: settings, encoderSeed: seed)
            var seen = Set<Float>()
            for p in 0..<(model.plan.populationShapes.count - 1) {
                let trains = workspace.spikeTrains(p, model: model)
                let rows = workspace.stdbDerivativeRows(p, model: model)
                let threshold = model.plan.populationNeurons[p]!.threshold
                let count = model.plan.populationShapes[p].count
                // Brute force: for each step and neuron, scan all earlier steps for its latest spike.
                var raster = [[Bool]](repeating: [Bool](repeating: false, count: count), count: 24)
                for t in 0..<24 { for n in trains[t] { raster[t][Int(n)] = true } }
                for t in 0..<24 {
                    for n in 0..<count {
                        var latest = -1
                        for earlier in 0..<t where raster[earlier][n] { latest = earlier }
                        let deltaT = SurrogateGradient.deltaT(ordering: ordering, step: t, lastSpike: latest)
                        let expected = surrogate.derivative(deltaT: deltaT, threshold: threshold)
                        if rows[t][n] != expected {
                            let message = "σ' differs at population \(p), step \(t), neuron \(n): \(rows[t][n]) vs \(expected) "
                                + "(Δt \(String(describing: deltaT)), \(ordering), seed \(seed))"
                            Issue.record(Comment(rawValue: message))
                            return
                        }
                        seen.insert(expected)
                    }
                }
            }
            #expect(seen.contains(0) && seen.count >= 4, "too few distinct σ' values (\(seen.sorted())) to test the bookkeeping")
        }
    }

    @Test func deltaTCountsStepsBetweenSpikesInBothOrderings() {
        // Spikes at consecutive steps are one step apart in either ordering (the delayed one used to give 0).
        #expect(SurrogateGradient.deltaT(ordering: .delayed, step: 5, lastSpike: 4) == 1)
        #expect(SurrogateGradient.deltaT(ordering: .immediate, step: 5, lastSpike: 4) == 1)
        #expect(SurrogateGradient.deltaT(ordering: .delayed, step: 5, lastSpike: -1) == nil)
        let s = SurrogateGradient.stdb(alpha: 0.3, beta: 0.01, maxDeltaT: 100)
        #expect(s.derivative(deltaT: nil, threshold: 2) == 0)
        #expect(s.derivative(deltaT: 101, threshold: 2) == 0)
        #expect(abs(s.derivative(deltaT: 10, threshold: 2) - Float(0.3 * 0.9048374180359595 / 2)) < 1e-7)
        let l = SurrogateGradient.linear(gamma: 0.3)
        #expect(l.derivative(membrane: 2, threshold: 2) == Float(0.3 / 2))
        #expect(l.derivative(membrane: 1, threshold: 2) == Float(0.3 * 0.5 / 2))
        #expect(l.derivative(membrane: 4, threshold: 2) == 0)
        #expect(l.derivative(membrane: -0.5, threshold: 2) == 0)
    }
}
