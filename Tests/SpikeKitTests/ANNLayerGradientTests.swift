import Testing
@testable import SpikeKit

/// Every layer's backward pass against central finite differences of L = Σ r·layer(x).
@Suite struct ANNLayerGradientTests {
    @Test func linearWithBias() {
        let layer = Linear(name: "fc", inputs: 5, outputs: 4, bias: true)
        ANNTestSupport.randomize(layer, seed: 1)
        ANNTestSupport.checkGradients(of: layer, input: ANNTestSupport.random([3, 5], seed: 2))
    }

    @Test func linearForwardMatchesHandComputation() {
        let layer = Linear(name: "fc", inputs: 2, outputs: 3, bias: true)
        layer.weight.value = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        layer.bias?.value = Tensor(shape: [3], scalars: [0.5, -1, 0])
        var context = ForwardContext(training: false)
        let y = layer.forward(Tensor(shape: [2, 2], scalars: [1, -1, 2, 0.5]), context: &context)
        // Row 1: [1−2, 3−4, 5−6] + b; row 2: [2+1, 6+2, 10+3] + b.
        #expect(y.scalars == [-0.5, -2, -1, 3.5, 7, 13])
    }

    @Test func convolutionStrideTwoPaddedWithBias() {
        let layer = Conv2D(name: "conv", inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: 1, bias: true)
        ANNTestSupport.randomize(layer, seed: 3)
        ANNTestSupport.checkGradients(of: layer, input: ANNTestSupport.random([2, 3, 6, 5], seed: 4))
    }

    @Test func convolutionUnpaddedEvenKernel() {
        let layer = Conv2D(name: "conv", inChannels: 2, outChannels: 3, kernel: 2)
        ANNTestSupport.randomize(layer, seed: 5)
        ANNTestSupport.checkGradients(of: layer, input: ANNTestSupport.random([2, 2, 4, 4], seed: 6))
    }

    @Test func averagePooling() {
        ANNTestSupport.checkGradients(of: AvgPool2D(name: "pool", kernel: 2),
                                      input: ANNTestSupport.random([2, 3, 6, 6], seed: 7))
        ANNTestSupport.checkGradients(of: AvgPool2D(name: "pool", kernel: 3, stride: 1),
                                      input: ANNTestSupport.random([1, 2, 5, 4], seed: 8))
    }

    @Test func maxPooling() {
        // Distinct values at least 0.05 apart, so a step of 0.01 never changes a window's winner.
        var generator = SeededGenerator(seed: 9)
        var values = (0..<(2 * 2 * 6 * 6)).map { Float($0) * 0.05 }
        values.seededShuffle(using: &generator)
        ANNTestSupport.checkGradients(of: MaxPool2D(name: "pool", kernel: 2),
                                      input: Tensor(shape: [2, 2, 6, 6], scalars: values))
    }

    /// Padding as PyTorch pads: average pooling counts the zeros in the mean (`count_include_pad`),
    /// max pooling pads with −∞ (a window of negative inputs keeps its negative maximum).
    @Test func paddedPooling() {
        var context = ForwardContext(training: false)
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let average = AvgPool2D(name: "a", kernel: 2, stride: 1, padding: 1).forward(x, context: &context)
        let expectedAverage: [Float] = [0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1]
        #expect(average.shape == [1, 1, 3, 3] && average.scalars == expectedAverage)
        let negative = Tensor(shape: [1, 1, 2, 2], scalars: [-1, -2, -3, -4])
        let maximum = MaxPool2D(name: "m", kernel: 2, stride: 1, padding: 1).forward(negative, context: &context)
        let expectedMaximum: [Float] = [-1, -1, -2, -1, -1, -2, -3, -3, -4]
        #expect(maximum.scalars == expectedMaximum)
        ANNTestSupport.checkGradients(of: AvgPool2D(name: "pool", kernel: 3, stride: 2, padding: 1),
                                      input: ANNTestSupport.random([2, 2, 5, 6], seed: 10))
        ANNTestSupport.checkGradients(of: AvgPool2D(name: "pool", kernel: 2, stride: 2, padding: 1, sum: true),
                                      input: ANNTestSupport.random([1, 2, 5, 5], seed: 11))
        var generator = SeededGenerator(seed: 12)
        var values: [Float] = (0..<100).map { (i: Int) -> Float in Float(i) * 0.05 - 2 }
        values.seededShuffle(using: &generator)
        ANNTestSupport.checkGradients(of: MaxPool2D(name: "pool", kernel: 3, stride: 2, padding: 1),
                                      input: Tensor(shape: [2, 2, 5, 5], scalars: values))
    }

    @Test func relu() {
        let x = ANNTestSupport.random([3, 2, 4, 4], seed: 10, in: -1...1, avoiding: [0], gap: 0.05)
        ANNTestSupport.checkGradients(of: ReLU(name: "relu"), input: x)
    }

    @Test func clippedReLUInputAndClip() {
        let layer = ClippedReLU(name: "clip", initialClip: 1.5)
        let x = ANNTestSupport.random([4, 3, 5], seed: 11, in: -1...3, avoiding: [0, 1.5], gap: 0.05)
        ANNTestSupport.checkGradients(of: layer, input: x)
        // dμ is the sum of the output gradient over the clipped entries.
        let r = ANNTestSupport.random([4, 3, 5], seed: 99)
        var expected: Float = 0
        for i in 0..<x.count where x.scalars[i] > 1.5 { expected += r.scalars[i] }
        layer.clip.zeroGradient()
        var context = ForwardContext(training: true)
        let y = layer.forward(x, context: &context)
        #expect(y.scalars.allSatisfy { $0 >= 0 && $0 <= 1.5 })
        _ = layer.backward(r)
        #expect(abs(layer.clip.gradient.scalars[0] - expected) < 1e-4)
    }

    @Test func dropoutGradientAndMask() {
        let layer = Dropout(name: "dropout", p: 0.3)
        let x = ANNTestSupport.random([6, 40], seed: 12)
        ANNTestSupport.checkGradients(of: layer, input: x)
        var context = ForwardContext(training: true, seed: 5, layerIndex: 2)
        let y = layer.forward(x, context: &context)
        let kept = (0..<x.count).filter { y.scalars[$0] != 0 }
        for i in kept { #expect(abs(y.scalars[i] - x.scalars[i] / 0.7) < 1e-5) }
        #expect(kept.count > 120 && kept.count < 215, "about 70 % of 240 kept, got \(kept.count)")
    }

    @Test func dropoutIsIdentityAtInferenceAndThreadIndependent() {
        let layer = Dropout(name: "dropout", p: 0.5)
        let x = ANNTestSupport.random([9, 1000], seed: 13)
        var inference = ForwardContext(training: false, seed: 5)
        #expect(layer.forward(x, context: &inference) == x)
        var context = ForwardContext(training: true, seed: 5, layerIndex: 1)
        let one = ANNTestSupport.withThreads(1) { layer.forward(x, context: &context) }
        let two = ANNTestSupport.withThreads(2) { layer.forward(x, context: &context) }
        #expect(one == two)
        // A sample's mask depends on its position and the batch seed, not on the rest of the batch.
        var sameSeed = ForwardContext(training: true, seed: 5, layerIndex: 1)
        let firstOnly = layer.forward(x.slice(0..<1), context: &sameSeed)
        #expect(firstOnly.scalars == Array(one.scalars[0..<1000]))
        var otherSeed = ForwardContext(training: true, seed: 6, layerIndex: 1)
        #expect(layer.forward(x, context: &otherSeed) != one)
    }

    @Test func flatten() {
        let layer = Flatten(name: "flatten")
        let x = ANNTestSupport.random([2, 3, 2, 2], seed: 14)
        var context = ForwardContext(training: true)
        let y = layer.forward(x, context: &context)
        #expect(y.shape == [2, 12] && y.scalars == x.scalars)
        ANNTestSupport.checkGradients(of: layer, input: x)
    }

    @Test func residualBlockIdentityShortcut() {
        let block = ResidualBasicBlock(name: "block", inChannels: 3, outChannels: 3, stride: 1)
        #expect(block.shortcut == nil)
        ANNTestSupport.randomize(block, seed: 15, scale: 0.4)
        ANNTestSupport.checkGradients(of: block, input: ANNTestSupport.random([2, 3, 4, 4], seed: 16),
                                      step: 2e-3, absoluteTolerance: 5e-3, relativeTolerance: 2e-2)
    }

    @Test func residualBlockProjectionShortcutClipped() {
        let block = ResidualBasicBlock(name: "block", inChannels: 2, outChannels: 4, stride: 2,
                                       activation: .clippedRelu(initialClip: 0.8))
        #expect(block.shortcut != nil)
        #expect(block.parameters.map(\.name) == ["block.conv1.weight", "block.clip1.mu", "block.conv2.weight",
                                                  "block.shortcut.weight", "block.clip2.mu"])
        ANNTestSupport.randomize(block, seed: 17, scale: 0.4)
        (block.activation1 as? ClippedReLU)?.clip.value = Tensor(shape: [1], scalars: [0.8])
        (block.activation2 as? ClippedReLU)?.clip.value = Tensor(shape: [1], scalars: [0.8])
        ANNTestSupport.checkGradients(of: block, input: ANNTestSupport.random([2, 2, 5, 5], seed: 18),
                                      step: 2e-3, absoluteTolerance: 5e-3, relativeTolerance: 2e-2)
    }

    @Test func residualBlockForwardMatchesComposition() {
        let block = ResidualBasicBlock(name: "block", inChannels: 2, outChannels: 3, stride: 2)
        ANNTestSupport.randomize(block, seed: 19)
        let x = ANNTestSupport.random([2, 2, 6, 6], seed: 20)
        var context = ForwardContext(training: false)
        let y = block.forward(x, context: &context)
        let g1 = block.conv1.geometry(forInput: [2, 6, 6]), g2 = block.conv2.geometry(forInput: [3, 3, 3])
        let gs = block.shortcut!.geometry(forInput: [2, 6, 6])
        let inner = Convolution.forward(input: x, weight: block.conv1.weight.value, geometry: g1).relu()
        let sum = Convolution.forward(input: inner, weight: block.conv2.weight.value, geometry: g2)
            + Convolution.forward(input: x, weight: block.shortcut!.weight.value, geometry: gs)
        #expect(y == sum.relu())
    }

    @Test func batchNormTraining() {
        let layer = BatchNorm2D(name: "bn", channels: 3)
        ANNTestSupport.randomize(layer, seed: 21)
        layer.scale.value.scalars = layer.scale.value.scalars.map { $0 + 1 }
        ANNTestSupport.checkGradients(of: layer, input: ANNTestSupport.random([4, 3, 3, 2], seed: 22, in: -2...3),
                                      step: 1e-2, absoluteTolerance: 3e-3, relativeTolerance: 2e-2)
    }

    @Test func batchNormStatisticsAndInference() {
        let layer = BatchNorm2D(name: "bn", channels: 2)
        let x = ANNTestSupport.random([5, 2, 3, 3], seed: 23, in: 0...4)
        var training = ForwardContext(training: true)
        let y = layer.forward(x, context: &training)
        // Each output channel has mean 0 and (biased) variance 1 − ε-ish.
        for c in 0..<2 {
            var values: [Double] = []
            for n in 0..<5 { for i in 0..<9 { values.append(Double(y.scalars[(n * 2 + c) * 9 + i])) } }
            let mean = values.reduce(0, +) / 45
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 45
            #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-3)
        }
        // Running statistics moved 10 % of the way from (0, 1) towards the batch's (mean, unbiased var).
        var sum = 0.0
        for n in 0..<5 { for i in 0..<9 { sum += Double(x.scalars[n * 18 + i]) } }
        #expect(abs(Double(layer.runningMean.value.scalars[0]) - 0.1 * sum / 45) < 1e-5)
        // Inference uses the running statistics: y = γ (x − m)/√(v + ε) + β.
        var inference = ForwardContext(training: false)
        let z = layer.forward(x, context: &inference)
        let m = layer.runningMean.value.scalars[1], v = layer.runningVariance.value.scalars[1]
        #expect(abs(z.scalars[9] - (x.scalars[9] - m) / (v + 1e-5).squareRoot()) < 1e-5)
    }

    @Test func batchNormFoldsIntoConvolution() {
        let conv = Conv2D(name: "conv", inChannels: 2, outChannels: 3, kernel: 3, padding: 1, bias: true)
        ANNTestSupport.randomize(conv, seed: 24)
        let bn = BatchNorm2D(name: "bn", channels: 3)
        bn.scale.value = Tensor(shape: [3], scalars: [1.5, 0.5, -2])
        bn.shift.value = Tensor(shape: [3], scalars: [0.1, -0.3, 0.2])
        bn.runningMean.value = Tensor(shape: [3], scalars: [0.2, -0.1, 0.4])
        bn.runningVariance.value = Tensor(shape: [3], scalars: [0.8, 1.9, 0.3])
        let x = ANNTestSupport.random([2, 2, 5, 5], seed: 25)
        var context = ForwardContext(training: false)
        let expected = bn.forward(conv.forward(x, context: &context), context: &context)
        let (weight, bias) = bn.foldInto(conv: conv)
        let folded = Conv2D(name: "folded", inChannels: 2, outChannels: 3, kernel: 3, padding: 1, bias: true)
        folded.weight.value = weight
        folded.bias?.value = bias
        let y = folded.forward(x, context: &context)
        for i in 0..<y.count { #expect(abs(y.scalars[i] - expected.scalars[i]) < 1e-4) }
    }

    /// BatchNorm1d: the same layer on flat `[N, C]` batches, its gradients, and its fold into the
    /// linear layer before it.
    @Test func batchNormOfFlatFeatures() {
        let layer = BatchNorm2D(name: "bn", channels: 4)
        ANNTestSupport.randomize(layer, seed: 26)
        layer.scale.value.scalars = layer.scale.value.scalars.map { $0 + 1 }
        ANNTestSupport.checkGradients(of: layer, input: ANNTestSupport.random([6, 4], seed: 27, in: -2...3),
                                      step: 1e-2, absoluteTolerance: 3e-3, relativeTolerance: 2e-2)
        // A flat batch normalises exactly as the same batch with 1×1 planes.
        let x = ANNTestSupport.random([5, 4], seed: 28)
        var training = ForwardContext(training: true)
        let flat = BatchNorm2D(name: "a", channels: 4).forward(x, context: &training)
        let planes = BatchNorm2D(name: "b", channels: 4).forward(Tensor(shape: [5, 4, 1, 1], scalars: x.scalars), context: &training)
        #expect(flat.shape == [5, 4] && flat.scalars == planes.scalars)

        let linear = Linear(name: "fc", inputs: 6, outputs: 3, bias: true)
        ANNTestSupport.randomize(linear, seed: 29)
        let bn = BatchNorm2D(name: "bn", channels: 3)
        bn.scale.value = Tensor(shape: [3], scalars: [1.5, 0.5, -2])
        bn.shift.value = Tensor(shape: [3], scalars: [0.1, -0.3, 0.2])
        bn.runningMean.value = Tensor(shape: [3], scalars: [0.2, -0.1, 0.4])
        bn.runningVariance.value = Tensor(shape: [3], scalars: [0.8, 1.9, 0.3])
        let input = ANNTestSupport.random([4, 6], seed: 30)
        var context = ForwardContext(training: false)
        let expected = bn.forward(linear.forward(input, context: &context), context: &context)
        let (weight, bias) = bn.foldInto(linear: linear)
        let folded = Linear(name: "folded", inputs: 6, outputs: 3, bias: true)
        folded.weight.value = weight
        folded.bias?.value = bias
        let y = folded.forward(input, context: &context)
        for i in 0..<y.count { #expect(abs(y.scalars[i] - expected.scalars[i]) < 1e-4) }
    }
}
