import Testing
@testable import SpikeKit

@Suite struct LowLatencyFitTests {
    @Test func spikeCountMatchesSimulatedNeuron() {
        // n_T(x; α) must equal the spike count of a soft-reset IF neuron (immediate ordering) with
        // constant input x, threshold α·μ and initial membrane ρ·α·μ, simulated step by step.
        var g = SeededGenerator(seed: 4)
        for i in 0..<1500 {
            let mu = 0.5 + 4 * g.nextUniform(), alpha = 0.05 + 1.4 * g.nextUniform()
            let x = -1 + 6 * g.nextUniform()
            let t = 1 + g.nextInt(below: 8)
            let rho: Float = [0, 0.5, 0.9 * g.nextUniform()][i % 3]
            var u: Float = rho * alpha * mu, spikes = 0
            for _ in 0..<t { u += x; if u > alpha * mu { u -= alpha * mu; spikes += 1 } }
            let predicted = LowLatencyFit.spikeCount(x, alpha: alpha, clip: mu, timeSteps: t, initialMembrane: rho)
            // Equal except where T·x/(α·μ) + ρ lands on an integer up to rounding.
            let ratio = Double(t) * Double(x) / Double(alpha * mu) + Double(rho)
            if abs(ratio - ratio.rounded()) > 1e-3 { #expect(predicted == spikes, "x \(x) α \(alpha) μ \(mu) T \(t)") }
        }
    }

    @Test func saturatedInputsGiveBetaOne() {
        let fit = LowLatencyFit.fit(samples: [Float](repeating: 3, count: 100) + [Float](repeating: 5, count: 50),
                                    clip: 3, timeSteps: 4)
        #expect(fit.meanSquaredError < 1e-12)
        #expect(abs(fit.beta - 1) < 1e-6)
        #expect(fit.alpha <= 1)
    }

    @Test func recoversExactRepresentation() {
        // x = μ·k/4 for k = 0…4 is represented exactly at T = 4 with α = 1 (θ = μ, up to ties), β = 1.
        let mu: Float = 2
        let samples = (0..<200).map { i in mu * Float(i % 5) / 4 + 1e-4 }
        let fit = LowLatencyFit.fit(samples: samples, clip: mu, timeSteps: 4, gridPoints: 150)
        #expect(fit.meanSquaredError < 1e-6)
        for x in samples.prefix(5) {
            let approx = fit.beta * mu * Float(LowLatencyFit.spikeCount(x, alpha: fit.alpha, clip: mu, timeSteps: 4)) / 4
            #expect(abs(approx - min(max(x, 0), mu)) < 1e-3)
        }
    }

    @Test func fitBeatsBruteForceGrid() {
        var g = SeededGenerator(seed: 12)
        let samples = (0..<2000).map { _ in g.nextNormal(mean: 1, standardDeviation: 1.5) }
        let mu: Float = 3, t = 2
        let fit = LowLatencyFit.fit(samples: samples, clip: mu, timeSteps: t, gridPoints: 150)
        func loss(_ a: Float, _ b: Float) -> Double {
            samples.reduce(0.0) { acc, x in
                let n = LowLatencyFit.spikeCount(x, alpha: a, clip: mu, timeSteps: t)
                let d = Double(min(max(x, 0), mu)) - Double(b * mu * Float(n) / Float(t))
                return acc + d * d
            } / Double(samples.count)
        }
        #expect(abs(loss(fit.alpha, fit.beta) - fit.meanSquaredError) < 1e-6)
        var bruteBest = Double.infinity
        for i in 1...150 { for j in 0...100 {
            bruteBest = min(bruteBest, loss(1.5 * Float(i) / 150, 2 * Float(j) / 100))
        } }
        #expect(fit.meanSquaredError <= bruteBest + 1e-9, "fit \(fit.meanSquaredError) vs brute force \(bruteBest)")
    }
}
