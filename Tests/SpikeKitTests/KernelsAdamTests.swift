import Testing
@testable import SpikeKit

/// `TrainingKernels.adam` (16 lanes at a time) against Adam written out element by element: the same bits.
@Suite struct KernelsAdamTests {
    @Test(arguments: [false, true])
    func matchesTheScalarUpdateBitForBit(amsgrad: Bool) {
        var g = SeededGenerator(seed: 9)
        let count = 16 * 5 + 7
        func random(_ scale: Float) -> [Float] { (0..<count).map { _ in scale * (2 * g.nextUniform() - 1) } }
        var w = random(1), m = random(0.1), v = random(0.01).map(abs), vMax = amsgrad ? random(0.01).map(abs) : []
        let gradient = random(0.5)
        let step = TrainingKernels.AdamStep(learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 5e-4,
                                            biasCorrection1: 0.19, biasCorrection2Root: 0.0447, amsgrad: amsgrad)
        var (w0, m0, v0, vMax0) = (w, m, v, vMax)
        TrainingKernels.adam(value: &w, gradient: gradient, m: &m, v: &v, vMax: &vMax, step: step)
        for i in 0..<count {
            let gi = gradient[i] + step.weightDecay * w0[i]
            m0[i] = step.beta1 * m0[i] + (1 - step.beta1) * gi
            v0[i] = step.beta2 * v0[i] + (1 - step.beta2) * gi * gi
            var root = v0[i]
            if amsgrad { vMax0[i] = max(vMax0[i], v0[i]); root = vMax0[i] }
            w0[i] -= step.learningRate / step.biasCorrection1 * m0[i] / (root.squareRoot() / step.biasCorrection2Root + step.epsilon)
        }
        #expect(w.map(\.bitPattern) == w0.map(\.bitPattern) && m == m0 && v == v0 && vMax == vMax0)
    }
}
