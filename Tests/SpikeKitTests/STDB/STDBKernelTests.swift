import Testing
@testable import SpikeKit

/// `STDBKernels` against naive loops, at sizes that cross the 16- and 64-lane blocks and their tails.
@Suite struct STDBKernelTests {
    static func random(_ count: Int, _ g: inout SeededGenerator, sparsity: Float = 0) -> [Float] {
        (0..<count).map { _ in g.nextUniform() < sparsity ? 0 : 2 * g.nextUniform() - 1 }
    }

    static func expectNear(_ a: [Float], _ b: [Float], _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, "\(context): \(a.count) vs \(b.count) elements", sourceLocation: sourceLocation)
        for i in a.indices where abs(a[i] - b[i]) > 1e-4 * max(1, abs(b[i])) {
            Issue.record("\(context): element \(i) is \(a[i]), expected \(b[i])", sourceLocation: sourceLocation)
            return
        }
    }

    @Test(arguments: [SpikeOrdering.delayed, .immediate])
    func stepRecordsLikeTheScalarDefinition(ordering: SpikeOrdering) {
        var g = SeededGenerator(seed: 1)
        for (leak, reset) in [(Float(1), ResetMode.subtract), (0.9, .zero)] {
            let count = 37
            let neurons = NeuronParameters(threshold: 0.6, leak: leak, reset: reset)
            var u = Self.random(count, &g).map { $0 * 1.5 }, current = Self.random(count, &g)
            var last = (0..<count).map { _ in Int32(g.nextInt(below: 5)) - 1 }
            let (u0, i0, last0) = (u, current, last)
            var spikes = SpikeEvents(), previous: [Int32] = [], si: [Int32] = [], sv: [Float] = [], synaptic: [Float] = []
            STDBKernels.step(membrane: &u, synaptic: &synaptic, current: &current, lastSpike: &last, neurons: neurons, ordering: ordering, t: 7,
                             spikes: &spikes, recording: .init(previousSpikes: true, linearGamma: 0.3), previous: &previous,
                             surrogateIndices: &si, surrogateValues: &sv)
            var eu = u0, elast = last0, espikes: [Int32] = [], eprevious: [Int32] = [], esi: [Int32] = [], esv: [Float] = []
            let surrogate = SurrogateGradient.linear(gamma: 0.3)
            for n in 0..<count {
                var v = leak == 1 ? u0[n] + i0[n] : leak * u0[n] + i0[n]
                let compared = ordering == .delayed ? u0[n] : v
                let d = surrogate.derivative(membrane: compared, threshold: 0.6)
                if d != 0 { esi.append(Int32(n)); esv.append(d) }
                if compared > 0.6 {
                    v = reset == .subtract ? v - 0.6 : 0
                    espikes.append(Int32(n)); eprevious.append(last0[n]); elast[n] = 7
                }
                eu[n] = v
            }
            #expect(u.map(\.bitPattern) == eu.map(\.bitPattern) && last == elast && current.allSatisfy { $0 == 0 })
            #expect(spikes.indices == espikes && previous == eprevious && si == esi && sv.map(\.bitPattern) == esv.map(\.bitPattern))
            #expect(!espikes.isEmpty && espikes.count < count && !esi.isEmpty, "the case should have some spikes and surrogates")
        }
    }

    /// Deltas below 2⁻¹⁰⁰ are stored as exactly 0 (their products would be slow subnormals); larger ones are kept.
    @Test func recursionStepFlushesNegligibleDeltas() {
        let count = 35
        var rows = [Float](repeating: 0, count: count), carry = [Float](repeating: 0, count: count)
        for n in 0..<count { carry[n] = n % 2 == 0 ? 1e-35 : -2e-30 }
        STDBKernels.recursionStep(rows: &rows, offset: 0, carry: &carry, sigma: [Float](repeating: 0, count: count), keep: [],
                                  leak: 1, delayed: true)
        for n in 0..<count {
            #expect(rows[n] == (n % 2 == 0 ? 0 : -2e-30), "neuron \(n): \(rows[n])")
        }
    }

    @Test func recursionStepMatchesTheEquations() {
        var g = SeededGenerator(seed: 2)
        let count = 37
        for delayed in [true, false] {
            for useKeep in [true, false] {
                var rows = Self.random(3 * count, &g), carry = Self.random(count, &g)
                let sigma = Self.random(count, &g, sparsity: 0.3)
                let keep: [Float] = useKeep ? (0..<count).map { _ in g.nextUniform() < 0.3 ? 0 : 1 } : []
                let (rows0, carry0) = (rows, carry)
                STDBKernels.recursionStep(rows: &rows, offset: count, carry: &carry, sigma: sigma, keep: keep, leak: 0.8, delayed: delayed)
                for n in 0..<count {
                    let g0 = rows0[count + n], du = carry0[n] * (useKeep ? keep[n] : 1)
                    let dv = delayed ? du : du + sigma[n] * g0
                    let next = delayed ? 0.8 * dv + sigma[n] * g0 : 0.8 * dv
                    #expect(abs(rows[count + n] - dv) <= 1e-6 && abs(carry[n] - next) <= 1e-6, "neuron \(n), delayed \(delayed)")
                }
                #expect(Array(rows[0..<count]) == Array(rows0[0..<count]) && Array(rows[(2 * count)...]) == Array(rows0[(2 * count)...]))
            }
        }
    }

    /// (inputs, outputs, steps); 300 outputs take the input gradient's product in two blocks of the shared dimension.
    @Test(arguments: [(83, 70, 5), (40, 300, 3)])
    func linearGradientsMatchNaiveSums(inputs: Int, outputs: Int, steps: Int) {
        var g = SeededGenerator(seed: UInt64(3 + outputs))
        let weights = Self.random(inputs * outputs, &g)
        var delta = Self.random(steps * outputs, &g)
        // A zero step, and outputs whose delta is zero at every step (skipped by the kernel).
        for o in 0..<outputs { delta[2 * outputs + o] = 0 }
        for o in stride(from: 1, to: outputs, by: 3) { for t in 0..<steps { delta[t * outputs + o] = 0 } }
        var expected = [Float](repeating: 0, count: steps * inputs)
        for t in 0..<steps { for j in 0..<inputs { for o in 0..<outputs {
            expected[t * inputs + j] += weights[j * outputs + o] * delta[t * outputs + o]
        } } }
        // Every input, then only some (onto a gradient that already holds values, as a residual block's second path).
        var gradient = [Float](repeating: 0, count: steps * inputs)
        STDBKernels.linearInputGradient(weights: weights, inputs: inputs, outputs: outputs, steps: steps, delta: delta,
                                        scratch: LinearInputGradientScratch(), gradient: &gradient)
        Self.expectNear(gradient, expected, "linear input gradient")
        let needed = (0..<inputs).filter { $0 % 3 != 1 }.map(Int32.init)
        let start = Self.random(steps * inputs, &g)
        var some = start
        STDBKernels.linearInputGradient(weights: weights, inputs: inputs, outputs: outputs, steps: steps, delta: delta,
                                        neededInputs: needed, scratch: LinearInputGradientScratch(), gradient: &some)
        var expectedSome = start
        for t in 0..<steps { for j in needed.map(Int.init) { expectedSome[t * inputs + j] += expected[t * inputs + j] } }
        Self.expectNear(some, expectedSome, "linear input gradient of the needed inputs")
    }

    /// The linear weight gradient of several samples from their recorded factors, in runs of groups
    /// (one folded into another, one continuing a stored sum), against naive sums, at widths that
    /// cross the 64-, 16- and 1-lane blocks; and the same bits on one and two threads.
    @Test(arguments: [150, 10])
    func linearWeightGradientOfSeveralSamplesMatchesNaiveSums(outputs: Int) {
        var g = SeededGenerator(seed: UInt64(outputs))
        let inputs = 300, steps = 4, sampleCount = 4
        var buffers: [LinearGradientFactorBuffer] = []
        var perSample: [[Float]] = []
        for _ in 0..<sampleCount {
            let delta = Self.random(steps * outputs, &g)
            var indices: [Int32] = [], values: [Float] = []
            var segments: [(start: Int, count: Int, valueStart: Int, step: Int)] = []
            var naive = [Float](repeating: 0, count: inputs * outputs)
            for t in 0..<steps where t != 2 {  // step 2 left out, as a step whose deltas are all zero
                let binary = t % 2 == 0
                let chosen = (0..<inputs).filter { _ in g.nextUniform() < 0.3 }
                segments.append((indices.count, chosen.count, binary ? -1 : values.count, t))
                for j in chosen {
                    let v: Float = binary ? 1 : 2 * g.nextUniform() - 1
                    indices.append(Int32(j))
                    if !binary { values.append(v) }
                    for o in 0..<outputs { naive[j * outputs + o] += v * delta[t * outputs + o] }
                }
            }
            let buffer = LinearGradientFactorBuffer()
            buffer.record(indices: indices, values: values, segments: segments, inputs: inputs, delta: delta,
                          deltaCount: steps * outputs)
            buffers.append(buffer)
            perSample.append(naive)
        }
        // Group A: samples 0 and 1 onto a stored sum; group B: samples 2 and 3 from zero, folded into A.
        let stored = Self.random(inputs * outputs, &g)
        var expected = stored
        for n in 0..<sampleCount { for i in expected.indices { expected[i] += perSample[n][i] } }
        let factors = buffers.map(\.factors)
        let runs = [LinearGradientRun(samples: 0..<2, target: 0, startsGroup: false, foldInto: nil),
                    LinearGradientRun(samples: 2..<4, target: 1, startsGroup: true, foldInto: 0)]
        var results: [[Float]] = []
        for threads in [1, 2] {
            var sum = stored, scratch = Self.random(inputs * outputs, &g)
            sum.withUnsafeMutableBufferPointer { a in scratch.withUnsafeMutableBufferPointer { b in
                STDBKernels.linearWeightGradient(factors: factors, runs: runs, targets: [a.baseAddress!, b.baseAddress!],
                                                 inputs: inputs, outputs: outputs, threads: threads)
            } }
            Self.expectNear(sum, expected, "linear weight gradient, \(threads) threads")
            results.append(sum)
        }
        #expect(results[0] == results[1], "the thread count changed the bits")
    }

    @Test(arguments: [(19, 5, 1, 1), (3, 17, 2, 1), (16, 4, 2, 0)])
    func convolutionGradientsMatchNaiveSums(cin: Int, cout: Int, stride: Int, padding: Int) {
        var g = SeededGenerator(seed: UInt64(cin * 100 + cout))
        let geometry = ConvolutionGeometry(inChannels: cin, outChannels: cout, inputHeight: 6, inputWidth: 5,
                                           kernelHeight: 3, kernelWidth: 3, stride: stride, padding: padding)
        let synapse = Synapse.convolution(name: "c", geometry: geometry, pytorchWeights: Self.random(cout * cin * 9, &g))
        let w = synapse.pytorchWeights()
        let inShape = synapse.inputShape, outShape = synapse.outputShape
        let steps = 2
        let delta = Self.random(steps * outShape.count, &g, sparsity: 0.5)
        // Input gradient: the transposed convolution, written from the forward definition.
        var gradient = [Float](repeating: 0, count: steps * inShape.count)
        STDBKernels.convolutionInputGradient(transposed: STDBKernels.transposeConvolution(synapse.weights, geometry: geometry),
                                             geometry: geometry, delta: delta, active: [true, true], gradient: &gradient)
        var expected = [Float](repeating: 0, count: steps * inShape.count)
        var weightExpected = [Float](repeating: 0, count: w.count)
        let x = Self.random(inShape.count, &g, sparsity: 0.6)
        for t in 0..<steps {
            for oy in 0..<outShape.height { for ox in 0..<outShape.width { for co in 0..<cout {
                let d = delta[t * outShape.count + outShape.hwcIndex(channel: co, y: oy, x: ox)]
                for ky in 0..<3 { for kx in 0..<3 {
                    let y = oy * stride - padding + ky, xx = ox * stride - padding + kx
                    guard y >= 0 && y < 6 && xx >= 0 && xx < 5 else { continue }
                    for ci in 0..<cin {
                        let i = inShape.hwcIndex(channel: ci, y: y, x: xx)
                        let k = ((co * cin + ci) * 3 + ky) * 3 + kx
                        expected[t * inShape.count + i] += w[k] * d
                        weightExpected[k] += x[i] * d
                    }
                } }
            } } }
        }
        Self.expectNear(gradient, expected, "convolution input gradient")
        // Weight gradient from the events of x at both steps.
        let events = SpikeEvents(indices: x.indices.filter { x[$0] != 0 }.map(Int32.init), values: x.filter { $0 != 0 })
        var weightGradient = [Float](repeating: 0, count: synapse.weights.count)
        let table = FanOutTable(convolution: geometry)
        // Rows of δ that are all zero (several with 4 output channels at sparsity 0.5) are skipped.
        var active = [UInt8](repeating: 0, count: steps * outShape.positions)
        STDBKernels.markActiveRows(delta, count: steps * outShape.positions, width: cout, into: &active)
        for t in 0..<steps {
            STDBKernels.convolutionWeightGradient(indices: events.indices, values: events.values, start: 0, count: events.count,
                                                  valueStart: 0, table: table, inChannels: cin, outChannels: cout, kernelArea: 9,
                                                  delta: delta, deltaOffset: t * outShape.count, targetActive: active,
                                                  targetOffset: t * outShape.positions, gradient: &weightGradient)
        }
        var asEvents = synapse
        asEvents.weights = weightGradient
        Self.expectNear(asEvents.pytorchWeights(), weightExpected, "convolution weight gradient")
    }

    @Test func poolingGradientsMatchNaiveRouting() {
        var g = SeededGenerator(seed: 5)
        let shape = FeatureShape(height: 5, width: 6, channels: 3)
        for (k, s) in [(2, 2), (3, 1), (2, 1)] {
            let ho = (5 - k) / s + 1, wo = (6 - k) / s + 1
            let outShape = FeatureShape(height: ho, width: wo, channels: 3)
            let upstream = Self.random(outShape.count, &g)
            var average = [Float](repeating: 0, count: shape.count)
            STDBKernels.averagePoolGradient(output: upstream, shape: shape, kernel: k, stride: s, steps: 1, into: &average)
            // Binary-ish input with ties, zeros and a negative value: the first maximum wins.
            var dense = (0..<shape.count).map { _ in Float(g.nextInt(below: 2)) }
            dense[4] = -1
            var maximum = [Float](repeating: 0, count: shape.count)
            STDBKernels.maxPoolGradient(output: upstream, dense: dense, shape: shape, kernel: k, stride: s, t: 0, into: &maximum)
            var expectedAverage = [Float](repeating: 0, count: shape.count), expectedMaximum = expectedAverage
            for oy in 0..<ho { for ox in 0..<wo { for c in 0..<3 {
                let d = upstream[outShape.hwcIndex(channel: c, y: oy, x: ox)]
                var best = -Float.infinity, bestIndex = -1
                for wy in 0..<k { for wx in 0..<k {
                    let i = shape.hwcIndex(channel: c, y: oy * s + wy, x: ox * s + wx)
                    expectedAverage[i] += d / Float(k * k)
                    if dense[i] > best { best = dense[i]; bestIndex = i }
                } }
                expectedMaximum[bestIndex] += d
            } } }
            Self.expectNear(average, expectedAverage, "average pooling k \(k) s \(s)")
            Self.expectNear(maximum, expectedMaximum, "max pooling k \(k) s \(s)")
        }
    }
}
