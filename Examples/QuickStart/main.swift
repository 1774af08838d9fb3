// QuickStart — from an ANN to a spiking network in five steps, on the bundled Fashion-MNIST subset.
//
// Mirrors the first half of the hybrid-training paper (Rathi et al., ICLR 2020): train a bias-free
// CNN, convert it with threshold balancing (their Algorithm 1), and watch the SNN's accuracy climb
// towards the ANN's as the number of time steps T grows.
//
//     swift run -c release QuickStart [--target-accuracy 0.75]

import Foundation
import SpikeKit

// MARK: - Settings

let epochs = 2
let calibrationImages = 256
let balancingSteps = 64
let timeSteps = [4, 8, 16, 32]
let options = ExampleOptions()

ExampleOptions.run {
    // MARK: - 1. Data: 6,000 training and 1,000 test images, pixels normalised to [−1, 1]
    let data = try DatasetLoader.load(name: "fashion-mnist")
    print("data: \(data.train.count) training, \(data.test.count) test images")

    // MARK: - 2. Train the ANN (CNN-S: conv16-pool-conv32-pool-fc128-fc10, no biases)
    let spec = try Architectures.spec(named: "cnn-s", inputShape: data.train.sampleShape, classes: data.train.classCount)
    let ann = try Network(spec: spec, inputShape: data.train.sampleShape, seed: 1)
    try ANNTrainer(settings: TrainingSettings(epochs: epochs), seed: 1).fit(ann, data: data)
    let annAccuracy = ann.accuracy(on: data.test)
    print(String(format: "ANN test accuracy: %.2f %%", annAccuracy * 100))

    // MARK: - 3. Convert: thresholds from the largest single-step input current of each layer
    let calibration = data.train.makeBatch(indices: 0..<calibrationImages).images
    let balancing = ThresholdBalancing(timeSteps: balancingSteps, scale: 0.7, encoding: .direct)
    let converted = try ANNToSNNConverter.convert(ann, recipe: .thresholdBalancing(balancing), calibration: calibration)
    for layer in converted.layers { print("  \(layer.name): threshold \(layer.threshold)") }

    // MARK: - 4. Simulate event by event; one run of T = 32 gives every shorter T too
    let test = data.test.makeBatch(indices: 0..<data.test.count)
    let record = try EventScheduler(network: converted.network).run(
        images: test.images, options: SimulationOptions(timeSteps: timeSteps.max()!, encoding: .direct, checkpoints: timeSteps))

    // MARK: - 5. Results
    print("\n   T   accuracy   spikes/image   synaptic ops/image")
    var last = 0.0
    for t in timeSteps {
        let counts = OperationCounts.from(record: record, network: converted.network, timeSteps: t, encoding: .direct)
        last = Double(record.correct(labels: test.labels, steps: t)) / Double(test.count)
        print(String(format: "%4d   %6.2f %%   %12.0f   %18.0f", t, last * 100, counts.spikesPerImage, counts.synapticOpsPerImage))
    }
    options.finish(accuracy: last, what: "SNN accuracy at T = \(timeSteps.max()!)")
}
