// ImportPyTorch — bring a network trained in PyTorch into SpikeKit as NumPy `.npy` weights, convert
// it to an SNN and simulate it.
//
// Mirrors the workflow of both papers' code (Rathi et al., ICLR 2020; Datta & Beerel, DATE 2022),
// which train the ANN in PyTorch and convert its `state_dict`: SpikeKit reads the weights in
// PyTorch's layout (convolution [out, in, kh, kw], linear [out, in]), so nothing is transposed.
//
// The PyTorch side, for SpikeKit's CNN-S (bias-free; inputs normalised to [−1, 1] with
// `transforms.Normalize((0.5,), (0.5,))`):
//
//     import numpy as np, torch.nn as nn
//     class CNNS(nn.Module):
//         def __init__(self):
//             super().__init__()
//             self.features = nn.Sequential(
//                 nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.ReLU(), nn.AvgPool2d(2),
//                 nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.ReLU(), nn.AvgPool2d(2))
//             self.classifier = nn.Sequential(
//                 nn.Flatten(), nn.Dropout(0.2), nn.Linear(32 * 7 * 7, 128, bias=False), nn.ReLU(),
//                 nn.Dropout(0.2), nn.Linear(128, 10, bias=False))
//         def forward(self, x):
//             return self.classifier(self.features(x))
//
//     model = CNNS()   # ... trained on Fashion-MNIST ...
//     for name, tensor in model.state_dict().items():   # features.0.weight, features.3.weight, ...
//         np.save(f"weights/{name}.npy", tensor.detach().cpu().numpy())
//
// PyTorch is not needed to run this example: by default it first trains CNN-S here briefly and writes
// its weights exactly as that snippet would (`features.0.weight.npy`, …: float32, C order, the same
// shapes), plus a `mapping.json` that names the file of each SpikeKit layer (in file-name order,
// `classifier.*` would come before `features.*`). With `--npy-dir DIR` it imports your folder instead:
// `DIR/mapping.json` if present, else the `.npy` files in natural name order (`0_conv.npy`,
// `1_conv.npy`, …, one per weight layer). `spikekit import` does the same from the command line.
//
//     swift run -c release ImportPyTorch [--npy-dir DIR] [--quick] [--target-accuracy 0.75]
//
// Files in `results/examples/ImportPyTorch/`: `weights/` (the exported `.npy` files and mapping),
// `ann.safetensors` (the imported ANN, usable as a config's `model.checkpoint`) and `snn.csv`.
// The target applies to the SNN's accuracy at T = 32.

import Foundation
import SpikeKit

// MARK: - Settings

let options = ExampleOptions(valueOptions: ["npy-dir"])
let seed: UInt64 = 1
let epochs = options.quick ? 1 : 2                    // training of the stand-in for a PyTorch model
let testImages = options.quick ? 500 : 1000
let calibrationImages = 256
let balancingSteps = 64
let timeSteps = [8, 16, 32]
/// The `state_dict` names of the snippet's CNN-S weights, in SpikeKit's layer order.
let pytorchNames = ["conv1": "features.0.weight", "conv2": "features.3.weight",
                    "fc1": "classifier.2.weight", "fc2": "classifier.5.weight"]
let outputFolder = URL(fileURLWithPath: "results/examples/ImportPyTorch", isDirectory: true)

ExampleOptions.run {
    let started = Date()

    // MARK: - 1. Data and the architecture the weights belong to
    let data = try DatasetLoader.load(name: "fashion-mnist")
    let evaluation = data.test.subset(Array(0..<min(testImages, data.test.count)))
    let spec = try Architectures.spec(named: "cnn-s", inputShape: data.train.sampleShape, classes: data.train.classCount)

    // MARK: - 2. The .npy folder: yours, or one written as PyTorch would write it
    let directory: URL
    var mapping: URL?
    var originalAccuracy: Double?
    if let given = options.values["npy-dir"] {
        directory = URL(fileURLWithPath: given, isDirectory: true)
        let candidate = directory.appendingPathComponent("mapping.json")
        mapping = FileManager.default.fileExists(atPath: candidate.path) ? candidate : nil
        print("importing \(directory.path) (" + (mapping == nil ? "files in natural name order" : "mapping.json") + ")")
    } else {
        let original = try Network(spec: spec, inputShape: data.train.sampleShape, seed: seed)
        try ANNTrainer(settings: TrainingSettings(epochs: epochs), seed: seed).fit(original, data: data)
        originalAccuracy = original.accuracy(on: evaluation)
        directory = outputFolder.appendingPathComponent("weights", isDirectory: true)
        var table: [String: String] = [:]
        print("exported weights (what numpy.save writes for the PyTorch model's state_dict):")
        for layer in original.weightLayers {
            guard let name = pytorchNames[layer.name], let weight = layer.parameters.first(where: { $0.name.hasSuffix(".weight") })
            else { throw SpikeKitError.runtime("no PyTorch name for layer \(layer.name)") }
            try NumPy.write(weight.value, to: directory.appendingPathComponent("\(name).npy"))
            table[layer.name] = "\(name).npy"
            print("  \(name).npy  \(weight.value.shape)")
        }
        let json = JSONValue.object(table.mapValues { JSONValue.string($0) }).serialized()
        let file = directory.appendingPathComponent("mapping.json")
        try AtomicFile.write(json + "\n", to: file)
        mapping = file
        print(String(format: "original ANN: test accuracy %.2f %% on %d images", (originalAccuracy ?? 0) * 100, evaluation.count))
    }

    // MARK: - 3. Import and check
    let imported = try WeightImporter.importNPY(architecture: spec, inputShape: data.train.sampleShape, directory: directory,
                                                mapping: mapping)
    let importedAccuracy = imported.accuracy(on: evaluation)
    print(String(format: "imported ANN: test accuracy %.2f %% on %d images", importedAccuracy * 100, evaluation.count))
    if let originalAccuracy {
        // The weights round-trip bit for bit, so the predictions, and the accuracy, must be identical.
        guard importedAccuracy == originalAccuracy else {
            throw SpikeKitError.runtime(String(format: "the imported ANN's accuracy %.4f differs from the original's %.4f",
                                               importedAccuracy, originalAccuracy))
        }
        print("  identical to the original")
    }
    try NetworkCheckpoint.save(imported, to: outputFolder.appendingPathComponent("ann.safetensors"))

    // MARK: - 4. Convert (threshold balancing) and simulate, one run of T = 32 for every T
    let calibration = data.train.makeBatch(indices: data.train.epochOrder(seed: seed, epoch: -1).prefix(calibrationImages))
    let balancing = ThresholdBalancing(timeSteps: balancingSteps, scale: 0.7, encoding: .direct, seed: seed)
    let converted = try ANNToSNNConverter.convert(imported, recipe: .thresholdBalancing(balancing), calibration: calibration.images)
    print("thresholds: " + converted.layers.map { "\($0.name) \(String(format: "%.3f", $0.threshold))" }.joined(separator: ", "))
    let test = evaluation.makeBatch(indices: 0..<evaluation.count)
    let record = try EventScheduler(network: converted.network).run(
        images: test.images,
        options: SimulationOptions(timeSteps: timeSteps.max() ?? 1, encoding: .direct, seed: seed, checkpoints: timeSteps))

    // MARK: - 5. Results
    print("\n   T   SNN accuracy   spikes/image   synaptic ops/image")
    var csv = "timeSteps,testAccuracy,spikesPerImage,synapticOpsPerImage\n"
    var last = 0.0
    for t in timeSteps {
        let counts = OperationCounts.from(record: record, network: converted.network, timeSteps: t, encoding: .direct)
        last = Double(record.correct(labels: test.labels, steps: t)) / Double(test.count)
        print(String(format: "%4d   %10.2f %%   %12.0f   %18.0f", t, last * 100, counts.spikesPerImage, counts.synapticOpsPerImage))
        csv += "\(t),\(last),\(counts.spikesPerImage),\(counts.synapticOpsPerImage)\n"
    }
    print(String(format: "ANN   %10.2f %%", importedAccuracy * 100))
    try AtomicFile.write(csv, to: outputFolder.appendingPathComponent("snn.csv"))
    print("\nwrote \(outputFolder.path)/ann.safetensors and snn.csv")
    print(String(format: "(%.1f s)", Date().timeIntervalSince(started)))

    options.finish(accuracy: last, what: "SNN accuracy at T = \(timeSteps.max() ?? 0)")
}
