import Testing
@testable import SpikeKit

/// ∂L/∂θ and ∂L/∂λ of every spiking population (the low-latency fine-tune trains them) against
/// central finite differences, with the smooth stand-in spike function of `STDBFiniteDifferenceTests`
/// on the same networks, orderings, resets, leaks and encodings; plus an optimizer step that moves
/// them and a trained network that carries them.
@Suite struct STDBNeuronParameterGradientTests {
    static func settings(_ c: STDBFiniteDifferenceTests.Case) -> STDBSettings {
        var settings = STDBSettings(timeSteps: 4, lossOverTime: c.lossOverTime, encoding: c.encoding, ordering: c.ordering,
                                    gradientChunks: 2, threads: 1)
        settings.spikeFunction = .sigmoid(steepness: 3)
        settings.trainsNeuronParameters = true
        return settings
    }

    /// Loss, θ and λ gradients of the batch, and every sample's hard spike trains.
    static func evaluate(_ network: SpikingNetwork, settings: STDBSettings, images: Tensor, labels: [Int32]) throws
        -> (loss: Double, thresholds: [Double], leaks: [Double], spikes: [[[[Int32]]]]) {
        let session = try STDBSession(network: network, settings: settings, seed: 3)
        let g = session.gradients(images: images, labels: labels, indices: labels.indices.map { $0 + 10 }, epoch: 0,
                                  training: true, scale: 1)
        let (thresholds, leaks) = (g.thresholds, g.leaks)
        let base = try STDBTestSupport.evaluate(network, settings: settings, images: images, labels: labels)
        return (base.loss, thresholds, leaks, base.spikes)
    }

    static func perturbed(_ network: SpikingNetwork, population p: Int, leak: Bool, by delta: Float) throws -> SpikingNetwork {
        var neurons = try SimulationPlan(network: network, encoding: .direct).populationNeurons
        if leak { neurons[p]?.leak += delta } else { neurons[p]?.threshold += delta }
        return network.replacingPopulationNeurons(neurons)
    }

    @Test(arguments: STDBFiniteDifferenceTests.cases)
    func thresholdAndLeakGradientsMatchCentralDifferences(_ c: STDBFiniteDifferenceTests.Case) throws {
        let (network, input) = STDBFiniteDifferenceTests.network(c)
        let settings = Self.settings(c)
        let images = STDBTestSupport.images(2, input, seed: c.seed, lower: c.encoding == .poisson ? -1 : 0)
        let labels: [Int32] = [0, 2]
        let base = try Self.evaluate(network, settings: settings, images: images, labels: labels)
        let neurons = try SimulationPlan(network: network, encoding: .direct).populationNeurons
        var checked = 0, skipped = 0
        for (p, parameters) in neurons.enumerated() {
            guard let parameters else {
                #expect(base.thresholds[p] == 0 && base.leaks[p] == 0, "the output layer has no θ or λ (\(c))")
                continue
            }
            // λ + ε must stay a valid leak (≤ 1): check λ only where the network leaks.
            for leak in parameters.leak < 1 ? [false, true] : [false] {
                // θ and λ move every neuron of the layer at once, so a hard reset decision somewhere
                // flips more easily than under one weight's change: try smaller steps before giving up.
                var numeric: Double?
                for epsilon: Float in [2e-3, 5e-4, 1.25e-4] {
                    let plus = try STDBTestSupport.evaluate(Self.perturbed(network, population: p, leak: leak, by: epsilon),
                                                            settings: settings, images: images, labels: labels)
                    let minus = try STDBTestSupport.evaluate(Self.perturbed(network, population: p, leak: leak, by: -epsilon),
                                                             settings: settings, images: images, labels: labels)
                    guard plus.spikes == base.spikes && minus.spikes == base.spikes else { continue }
                    numeric = (plus.loss - minus.loss) / (2 * Double(epsilon))
                    break
                }
                guard let numeric else { skipped += 1; continue }
                let analytic = leak ? base.leaks[p] : base.thresholds[p]
                expectClose(analytic, numeric, relative: 2e-2, absolute: 5e-4,
                            "∂L/∂\(leak ? "λ" : "θ") of population \(p) (\(c))")
                checked += 1
            }
        }
        #expect(checked >= 1 && checked >= skipped, "only \(checked) parameters checked, \(skipped) skipped (\(c))")
    }

    @Test func trainingMovesThresholdsAndLeaksAndTheTrainedNetworkCarriesThem() throws {
        let input = FeatureShape(height: 2, width: 3, channels: 1)
        let network = STDBTestSupport.mlp(seed: 5, input: input, leak: 1, reset: .subtract, dropout: 0)
        var settings = STDBSettings(timeSteps: 3, learningRate: 1e-2, encoding: .direct, ordering: .immediate, threads: 1)
        settings.surrogate = .linear(gamma: 0.3)
        settings.trainsNeuronParameters = true
        let session = try STDBSession(network: network, settings: settings, seed: 1)
        let images = STDBTestSupport.images(4, input, seed: 5, lower: 0)
        let before = try SimulationPlan(network: network, encoding: .direct).populationNeurons
        for step in 0..<5 {
            try session.trainBatch(images: images, labels: [0, 1, 2, 1], indices: [0, 1, 2, 3], epoch: 0, step: step,
                                   learningRate: 1e-2)
        }
        let after = try SimulationPlan(network: session.model.trainedNetwork, encoding: .direct).populationNeurons
        #expect(after.count == before.count && after.last == .some(nil))
        for p in 0..<(before.count - 1) {
            guard let old = before[p], let new = after[p] else { Issue.record("population \(p) lost its neurons"); continue }
            #expect(old.threshold != new.threshold, "θ of population \(p) did not move")
            #expect(new.leak <= 1 && new.leak >= STDBOptimizer.minimumLeak, "λ of population \(p) = \(new.leak)")
        }

        // Without the flag the same training leaves θ and λ alone.
        settings.trainsNeuronParameters = false
        let fixed = try STDBSession(network: network, settings: settings, seed: 1)
        try fixed.trainBatch(images: images, labels: [0, 1, 2, 1], indices: [0, 1, 2, 3], epoch: 0, step: 0, learningRate: 1e-2)
        #expect(try SimulationPlan(network: fixed.model.trainedNetwork, encoding: .direct).populationNeurons == before)
    }
}
