import Foundation
import Testing
@testable import SpikeKit

/// Loss, optimizers, schedule, settings and the trainer on a small synthetic task.
@Suite struct ANNTrainingTests {
    // MARK: Loss

    @Test func crossEntropyHandValues() {
        let result = SoftmaxCrossEntropy.evaluate(logits: Tensor(shape: [2, 2], scalars: [0, 0, 1000, 0]), labels: [0, 1])
        // Row 1: log 2; row 2: log(e^1000 + 1) − 0 ≈ 1000 (no overflow). Mean over 2.
        #expect(abs(result.loss - (log(2) + 1000) / 2) < 1e-9)
        #expect(result.gradient.scalars == [-0.25, 0.25, 0.5, -0.5])
        #expect(result.correct == 1)
    }

    @Test func crossEntropyGradientMatchesFiniteDifferences() {
        let logits = ANNTestSupport.random([3, 5], seed: 1, in: -3...3)
        let labels: [Int32] = [4, 0, 2]
        let analytic = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels).gradient
        for i in 0..<logits.count {
            var plus = logits, minus = logits
            plus.scalars[i] += 1e-2
            minus.scalars[i] -= 1e-2
            let numeric = (SoftmaxCrossEntropy.evaluate(logits: plus, labels: labels).loss
                - SoftmaxCrossEntropy.evaluate(logits: minus, labels: labels).loss) / 2e-2
            #expect(abs(Double(analytic.scalars[i]) - numeric) < 1e-4, "logit \(i)")
        }
    }

    /// The whole network's parameter gradients (convolution with bias, ReLU, max pool, flatten,
    /// dropout, linear with bias, through softmax cross-entropy) against finite differences of the loss.
    @Test func networkGradientMatchesFiniteDifferences() throws {
        let spec = ArchitectureSpec(name: "tiny", layers: [
            .conv(outChannels: 3, kernel: 3, stride: 1, padding: 1, bias: true), .relu, .maxPool(kernel: 2, stride: 2),
            .flatten, .dropout(p: 0.25), .linear(outputs: 4, bias: true),
        ])
        let network = try Network(spec: spec, inputShape: [2, 4, 4], seed: 3)
        let x = ANNTestSupport.random([3, 2, 4, 4], seed: 4)
        let labels: [Int32] = [0, 3, 1]
        func loss() -> Double {
            SoftmaxCrossEntropy.evaluate(logits: network.forward(x, training: true, seed: 11), labels: labels).loss
        }
        network.zeroGradients()
        network.backward(lossGradient: SoftmaxCrossEntropy.evaluate(
            logits: network.forward(x, training: true, seed: 11), labels: labels).gradient)
        var failures: [String] = []
        for parameter in network.parameters {
            for i in stride(from: 0, to: parameter.count, by: max(1, parameter.count / 25)) {
                var agreed = false
                var last = ""
                // A step that straddles a ReLU or max-pool kink is retried with smaller ones.
                for h: Float in [1e-2, 2.5e-3, 1e-3] {
                    let original = parameter.value.scalars[i]
                    parameter.value.scalars[i] = original + h
                    let plus = loss()
                    parameter.value.scalars[i] = original - h
                    let minus = loss()
                    parameter.value.scalars[i] = original
                    let numeric = (plus - minus) / (2 * Double(h))
                    let analytic = Double(parameter.gradient.scalars[i])
                    if abs(analytic - numeric) <= 1e-3 * Double(1e-2 / h) + 1e-2 * abs(numeric) { agreed = true; break }
                    last = "\(parameter.name)[\(i)]: analytic \(analytic), numeric \(numeric)"
                }
                if !agreed { failures.append(last) }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    // MARK: Optimizers

    @Test func sgdHandComputedSteps() {
        let parameter = Parameter(name: "w", value: Tensor(shape: [1], scalars: [1]))
        let sgd = SGDOptimizer(momentum: 0.9, weightDecay: 0.1)
        for _ in 0..<2 {
            parameter.gradient = Tensor(shape: [1], scalars: [0.5])
            sgd.step([parameter], learningRate: 0.1)
        }
        // Step 1: g = 0.5 + 0.1·1 = 0.6, v = 0.6, w = 0.94.
        // Step 2: g = 0.5 + 0.1·0.94 = 0.594, v = 0.9·0.6 + 0.594 = 1.134, w = 0.94 − 0.1134 = 0.8266.
        #expect(abs(parameter.value.scalars[0] - 0.8266) < 1e-6)
        #expect(sgd.steps == 2)
    }

    /// PyTorch's Adam in Double, for comparison.
    func referenceAdam(_ w0: [Double], gradients: [[Double]], lr: Double, decay: Double, amsgrad: Bool) -> [Double] {
        var w = w0, m = [Double](repeating: 0, count: w0.count), v = m, vMax = m
        for (t, g0) in gradients.enumerated() {
            let step = Double(t + 1)
            for i in w.indices {
                let g = g0[i] + decay * w[i]
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                vMax[i] = max(vMax[i], v[i])
                let denominator = (amsgrad ? vMax[i] : v[i]).squareRoot() / (1 - pow(0.999, step)).squareRoot() + 1e-8
                w[i] -= lr / (1 - pow(0.9, step)) * m[i] / denominator
            }
        }
        return w
    }

    @Test(arguments: [false, true])
    func adamMatchesReference(amsgrad: Bool) {
        var generator = SeededGenerator(seed: 5)
        let w0 = (0..<37).map { _ in Double(generator.nextUniform() - 0.5) }
        // Gradients that shrink, so AMSGrad's maximum differs from v.
        let gradients = (0..<6).map { t in (0..<37).map { _ in Double(generator.nextUniform() - 0.5) / Double(t + 1) } }
        let parameter = Parameter(name: "w", value: Tensor(shape: [37], scalars: w0.map(Float.init)))
        let adam = AdamOptimizer(weightDecay: 0.01, amsgrad: amsgrad)
        for g in gradients {
            parameter.gradient = Tensor(shape: [37], scalars: g.map(Float.init))
            adam.step([parameter], learningRate: 0.01)
        }
        let expected = referenceAdam(w0, gradients: gradients, lr: 0.01, decay: 0.01, amsgrad: amsgrad)
        for i in 0..<37 { #expect(abs(Double(parameter.value.scalars[i]) - expected[i]) < 2e-6, "w[\(i)]") }
        #expect(adam.state.tensors.count == (amsgrad ? 3 : 2))
    }

    @Test func adamStateRestoresExactly() throws {
        let a = Parameter(name: "w", value: ANNTestSupport.random([5], seed: 1))
        let b = Parameter(name: "w", value: ANNTestSupport.random([5], seed: 1))
        let first = AdamOptimizer(amsgrad: true), second = AdamOptimizer(amsgrad: true)
        a.gradient = ANNTestSupport.random([5], seed: 2)
        first.step([a], learningRate: 0.1)
        b.value = a.value
        try second.restore(first.state, parameters: [b])
        a.gradient = ANNTestSupport.random([5], seed: 3)
        b.gradient = a.gradient
        first.step([a], learningRate: 0.1)
        second.step([b], learningRate: 0.1)
        #expect(a.value == b.value)
        #expect(throws: SpikeKitError.self) { try SGDOptimizer().restore(first.state, parameters: [b]) }
        let c = Parameter(name: "c", value: Tensor(shape: [5]))
        #expect(throws: SpikeKitError.self) { try AdamOptimizer(amsgrad: true).restore(first.state, parameters: [c]) }
    }

    // MARK: Schedule and settings

    @Test func stepSchedule() {
        let schedule = LearningRateSchedule(baseRate: 1, milestones: [0.5, 0.75], factor: 10, epochs: 10)
        let rates = (0..<10).map { schedule.rate(forEpoch: $0) }
        #expect(rates == [1, 1, 1, 1, 1, 0.1, 0.1, 0.01, 0.01, 0.01])
        #expect(LearningRateSchedule(baseRate: 0.5, epochs: 3).rate(forEpoch: 2) == 0.5)
    }

    @Test func settingsDecodeWithDefaultsAndValidate() throws {
        let json = #"{"epochs": 3, "optimizer": "sgd", "milestones": [0.5], "dropout": 0.1}"#
        let settings = try JSONDecoder().decode(TrainingSettings.self, from: Data(json.utf8))
        #expect(settings == TrainingSettings(epochs: 3, optimizer: .sgd, milestones: [0.5], dropout: 0.1))
        #expect(TrainingSettings().problems().isEmpty)
        let bad = TrainingSettings(epochs: 0, learningRate: -1, milestones: [1.5], dropout: 1)
        #expect(bad.problems().map(\.keyPath) == ["training.epochs", "training.learningRate", "training.milestones[0]", "training.dropout"])
        let encoded = try JSONEncoder().encode(settings)
        #expect(try JSONDecoder().decode(TrainingSettings.self, from: encoded) == settings)
    }

    // MARK: Trainer

    /// Three classes of 6×6 images: a bright 2×2 patch in the top-left, centre or bottom-right, on noise.
    static func toyData(count: Int, seed: UInt64) -> Dataset {
        var generator = SeededGenerator(seed: seed)
        var images: [Float] = []
        var labels: [Int32] = []
        for i in 0..<count {
            let label = i % 3
            var image = (0..<36).map { _ in generator.nextUniform() * 0.6 - 1 }
            let corner = [0, 14, 28][label]
            for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] { image[corner + dy * 6 + dx] = 1 }
            images += image
            labels.append(Int32(label))
        }
        return Dataset(name: "toy", images: images, labels: labels, channels: 1, height: 6, width: 6, classCount: 3)
    }

    static let toySpec = ArchitectureSpec(name: "toy", layers: [
        .conv(outChannels: 4, kernel: 3, stride: 1, padding: 1, bias: false), .relu, .avgPool(kernel: 2, stride: 2),
        .flatten, .dropout(p: 0.1), .linear(outputs: 3),
    ])

    static let toySplit = DatasetSplit(train: toyData(count: 90, seed: 1), test: toyData(count: 30, seed: 2))

    @Test func trainingLearnsTheToyTask() throws {
        let network = try Network(spec: Self.toySpec, inputShape: [1, 6, 6], seed: 1)
        let before = network.accuracy(on: Self.toySplit.test)
        var lines: [String] = []
        let trainer = ANNTrainer(settings: TrainingSettings(epochs: 6, batchSize: 16, learningRate: 0.02, milestones: [0.5], factor: 2),
                                 seed: 3, progress: { lines.append($0) })
        var seen: [Int] = []
        let results = try trainer.fit(network, data: Self.toySplit) { seen.append($0.epoch) }
        #expect(seen == [0, 1, 2, 3, 4, 5])
        #expect(results.map(\.learningRate) == [0.02, 0.02, 0.02, 0.01, 0.01, 0.01].map { Double(Float($0)) })
        #expect(results.last!.trainLoss < results.first!.trainLoss)
        #expect(results.last!.testAccuracy >= 0.9, "test accuracy \(results.last!.testAccuracy), before training \(before)")
        #expect(results.allSatisfy { $0.imagesPerSecond > 0 && $0.seconds > 0 })
        #expect(lines.count == 6 && lines[0].hasPrefix("epoch 1/6: train loss"))
    }

    func trainedWeights(threads: Int, settings: TrainingSettings) throws -> [Tensor] {
        try ANNTestSupport.withThreads(threads) {
            let network = try Network(spec: Self.toySpec, inputShape: [1, 6, 6], seed: 4)
            try ANNTrainer(settings: settings, seed: 9).fit(network, data: Self.toySplit)
            return network.parameters.map(\.value)
        }
    }

    @Test func trainingIsIndependentOfThreadCount() throws {
        let settings = TrainingSettings(epochs: 2, batchSize: 32, optimizer: .sgd, learningRate: 0.05, augmentation: true)
        let one = try trainedWeights(threads: 1, settings: settings)
        let two = try trainedWeights(threads: 2, settings: settings)
        let three = try trainedWeights(threads: 3, settings: settings)
        #expect(one == two && two == three)
    }

    @Test func resumeContinuesBitForBit() throws {
        let directory = TemporaryDirectory()
        let settings = TrainingSettings(epochs: 3, batchSize: 16, learningRate: 0.01, amsgrad: true, milestones: [0.6])
        // Straight through: three epochs, saving after the first.
        let straight = try Network(spec: Self.toySpec, inputShape: [1, 6, 6], seed: 4)
        let trainer = ANNTrainer(settings: settings, seed: 9)
        let checkpoint = directory.url.appendingPathComponent("epoch1.safetensors")
        let state = directory.url.appendingPathComponent("epoch1.optimizer.safetensors")
        let full = try trainer.fit(straight, data: Self.toySplit) { result in
            if result.epoch == 0 {
                try NetworkCheckpoint.save(straight, to: checkpoint, metadata: ["epoch": "0"])
                try trainer.saveState(to: state)
            }
        }
        // Resumed: a fresh process would load both files and start at epoch 1.
        let (resumed, metadata) = try NetworkCheckpoint.load(from: checkpoint)
        #expect(metadata == ["epoch": "0"])
        let second = ANNTrainer(settings: settings, seed: 9)
        try second.loadState(from: state)
        let rest = try second.fit(resumed, data: Self.toySplit, startEpoch: 1)
        #expect(rest.map(\.epoch) == [1, 2])
        #expect(rest.map(\.trainLoss) == full.dropFirst().map(\.trainLoss))
        #expect(resumed.parameters.map(\.value) == straight.parameters.map(\.value))
        // A state for another optimizer is refused.
        let sgd = ANNTrainer(settings: TrainingSettings(optimizer: .sgd), seed: 9)
        #expect(throws: SpikeKitError.self) { try sgd.loadState(from: state) }
    }

    @Test func nonFiniteLossStopsTraining() throws {
        let network = try Network(spec: Self.toySpec, inputShape: [1, 6, 6], seed: 4)
        network.parameters[0].value.scalars[0] = .nan
        let trainer = ANNTrainer(settings: TrainingSettings(epochs: 1, batchSize: 16), seed: 1)
        do {
            try trainer.fit(network, data: Self.toySplit)
            Issue.record("training with a NaN weight did not fail")
        } catch SpikeKitError.numerical(let message) {
            #expect(message.contains("epoch 1, step 1"))
        }
    }

    @Test func dropoutOverrideAndShapeChecks() throws {
        let network = try Network(spec: Self.toySpec, inputShape: [1, 6, 6], seed: 4)
        try ANNTrainer(settings: TrainingSettings(epochs: 1, dropout: 0.3), seed: 1).fit(network, data: Self.toySplit)
        #expect(network.dropoutLayers.map(\.p) == [0.3])
        let wrongClasses = try Network(spec: ArchitectureSpec(name: "w", layers: [.flatten, .linear(outputs: 5)]),
                                       inputShape: [1, 6, 6], seed: 1)
        #expect(throws: SpikeKitError.self) { try ANNTrainer(seed: 1).fit(wrongClasses, data: Self.toySplit) }
    }

    @Test func predictionsDoNotDependOnBatchSize() throws {
        let network = try Network(spec: Self.toySpec, inputShape: [1, 6, 6], seed: 4)
        let images = Self.toySplit.test.makeBatch(indices: 0..<30).images
        #expect(network.predict(images, batchSize: 7) == network.predict(images, batchSize: 30))
        let accuracy = network.accuracy(on: Self.toySplit.test, batchSize: 4)
        let predicted = network.predict(images)
        let correct = zip(predicted, Self.toySplit.test.labels).filter { $0 == Int($1) }.count
        #expect(accuracy == Double(correct) / 30)
    }

    @Test func throughputMeasurementRuns() throws {
        let measurement = try TrainingThroughput.measure(architecture: Self.toySpec, dataset: Self.toySplit.train, batchSize: 16,
                                                         warmupBatches: 1, timedBatches: 3, runs: 3)
        #expect(measurement.runs.count == 3 && measurement.runs.allSatisfy { $0 > 0 })
        #expect(measurement.imagesPerSecond == measurement.runs.sorted()[1])
    }

    @Test func allocatorTuningAppliesOnLinux() {
        #if os(Linux)
        #expect(AllocatorTuning.retainFreedBlocks())
        #else
        #expect(!AllocatorTuning.retainFreedBlocks())
        #endif
    }
}
