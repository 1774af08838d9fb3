// ImportPyTorch — bring a network trained in PyTorch into SpikeKit by its state_dict, prove the
// import right against PyTorch's own outputs, convert it to an SNN and simulate it.
//
// The network (`config.json` next to this file, `model.layers`) is none of SpikeKit's presets: a
// stride-2 convolution with a bias, batch-norm, a second convolution, batch-norm, max pooling and two
// linear layers with biases. Its layers carry the PyTorch module names (`features.0`, …,
// `classifier.3`), so the state_dict's tensors (`features.0.weight`, `features.1.running_var`, …)
// match by name with no mapping table. Pixels are in [0, 1] as `transforms.ToTensor()` gives them
// (`"normalization": "none"`). Batch-norm is folded into the convolution before it at conversion,
// and threshold balancing divides each bias by the thresholds before it (see ThresholdBalancing).
//
// The PyTorch side is `export_pytorch.py` (train, then `save_file(model.state_dict(), ...)`, the
// logits for 64 test images, and every module's output for them through forward hooks):
//
//     python Examples/ImportPyTorch/export_pytorch.py          # needs torch, numpy, safetensors
//     swift run -c release ImportPyTorch --state-dict results/examples/ImportPyTorch/pytorch
//
// Without --state-dict the example first trains the same network here (1–2 epochs) and writes
// exactly those files itself, so it runs where PyTorch is not installed. Either way it then
//   1. imports the state_dict by name (`StateDictImporter`),
//   2. checks the ANN's logits against the saved ones, layer by layer (`ImportCheck`; fails beyond
//      1e-4 relative, naming the first layer that diverges),
//   3. converts (threshold balancing) and simulates T = 8…64 event-driven,
//   4. simulates the first images again with the dense reference and requires identical spikes.
// `spikekit run Examples/ImportPyTorch/config.json` runs the same network through the whole
// pipeline (report.json, energy) once the files exist.
//
//     swift run -c release ImportPyTorch [--state-dict DIR] [--quick] [--target-accuracy 0.8]
//
// Files in `results/examples/ImportPyTorch/`: `pytorch/` (the state_dict and check files, unless
// --state-dict names another folder), `ann.safetensors` (the imported ANN) and `snn.csv`. The target
// applies to the SNN's accuracy at T = 64.

import Foundation
import SpikeKit

// MARK: - Settings

let options = ExampleOptions(valueOptions: ["state-dict"])
let seed: UInt64 = 1
let epochs = options.quick ? 1 : 2                    // training of the stand-in for a PyTorch model
let testImages = options.quick ? 500 : 1000
let denseImages = 16                                   // checked against the dense reference
let calibrationImages = 256
let balancingSteps = 64
let timeSteps = [8, 16, 32, 64]
let outputFolder = URL(fileURLWithPath: "results/examples/ImportPyTorch", isDirectory: true)
let configFile = URL(fileURLWithPath: "Examples/ImportPyTorch/config.json")

/// `model.layers` of config.json as a spec (read directly: the config's checkpoint may not exist yet).
func layersOfConfig() throws -> ArchitectureSpec {
    guard case .object(let top) = try JSONValue.parse(try Data(contentsOf: configFile)),
          case .object(let model)? = top["model"], let layers = model["layers"] else {
        throw SpikeKitError.runtime("\(configFile.path) has no model.layers")
    }
    let document = JSONValue.object(["name": .string("import-pytorch"), "layers": layers]).serialized(pretty: false)
    return try JSONDecoder().decode(ArchitectureSpec.self, from: Data(document.utf8))
}

ExampleOptions.run {
    let started = Date()

    // MARK: - 1. Data ([0, 1] pixels, as ToTensor()) and the network's layers
    let data = try DatasetLoader.load(name: "fashion-mnist", normalization: .unit)
    let evaluation = data.test.subset(Array(0..<min(testImages, data.test.count)))
    let spec = try layersOfConfig()
    let shape = data.train.sampleShape

    // MARK: - 2. The PyTorch files: yours, or written here as export_pytorch.py writes them
    let folder: URL
    if let given = options.values["state-dict"] {
        folder = URL(fileURLWithPath: given, isDirectory: true)
        print("importing \(folder.path)")
    } else {
        folder = outputFolder.appendingPathComponent("pytorch", isDirectory: true)
        let original = try Network(spec: spec, inputShape: shape, seed: seed)
        try ANNTrainer(settings: TrainingSettings(epochs: epochs), seed: seed).fit(original, data: data)
        // A state_dict is every parameter and buffer under its module path: what the names give.
        let tensors = (original.parameters + original.buffers).map { (name: $0.name, tensor: $0.value) }
        try Safetensors.write(Safetensors.Contents(tensors: tensors), to: folder.appendingPathComponent("state_dict.safetensors"))
        let inputs = data.test.makeBatch(indices: 0..<64).images
        let recorded = original.forwardRecording(inputs)
        try NumPy.write(inputs, to: folder.appendingPathComponent("check_inputs.npy"))
        try NumPy.write(recorded[recorded.count - 1], to: folder.appendingPathComponent("check_outputs.npy"))
        let layers = folder.appendingPathComponent("layers", isDirectory: true)
        for (layer, output) in zip(original.layers, recorded) {
            try NumPy.write(output, to: layers.appendingPathComponent("\(layer.name).npy"))
        }
        print(String(format: "stand-in for the PyTorch model trained here: test accuracy %.2f %%; files in %@",
                     original.accuracy(on: evaluation) * 100, folder.path))
    }

    // MARK: - 3. Import by name and check against the saved outputs
    let file = folder.appendingPathComponent("state_dict.safetensors")
    let imported = try StateDictImporter.network(at: file, spec: { spec }, inputShape: shape).network
    let layerOutputs = folder.appendingPathComponent("layers")
    let check = try ImportCheck.run(
        network: imported, inputs: try NumPy.read(from: folder.appendingPathComponent("check_inputs.npy")),
        outputs: try NumPy.read(from: folder.appendingPathComponent("check_outputs.npy")),
        layerOutputs: FileManager.default.fileExists(atPath: layerOutputs.path) ? try StateDictImporter.readTensors(at: layerOutputs) : [:])
    print("check against the saved outputs:\n\(check.summary)")
    if let diverging = check.firstDivergence {
        throw SpikeKitError.runtime("the import does not reproduce the saved outputs: first difference at \(diverging.layer)")
    }
    let importedAccuracy = imported.accuracy(on: evaluation)
    print(String(format: "imported ANN: test accuracy %.2f %% on %d images", importedAccuracy * 100, evaluation.count))
    try NetworkCheckpoint.save(imported, to: outputFolder.appendingPathComponent("ann.safetensors"))

    // MARK: - 4. Convert (threshold balancing) and simulate, one run of T = 64 for every T
    let calibration = data.train.makeBatch(indices: data.train.epochOrder(seed: seed, epoch: -1).prefix(calibrationImages))
    let balancing = ThresholdBalancing(timeSteps: balancingSteps, scale: 0.7, encoding: .direct, seed: seed)
    let converted = try ANNToSNNConverter.convert(imported, recipe: .thresholdBalancing(balancing), calibration: calibration.images)
    print("thresholds: " + converted.layers.map { "\($0.name) \(String(format: "%.3f", $0.threshold))" }.joined(separator: ", "))
    let test = evaluation.makeBatch(indices: 0..<evaluation.count)
    let maximumT = timeSteps.max() ?? 1
    let record = try EventScheduler(network: converted.network).run(
        images: test.images, options: SimulationOptions(timeSteps: maximumT, encoding: .direct, seed: seed, checkpoints: timeSteps))

    // MARK: - 5. Event-driven against the dense reference: the same spikes, bit for bit
    let few = test.images.slice(0..<denseImages)
    let simulation = SimulationOptions(timeSteps: maximumT, encoding: .direct, seed: seed)
    let dense = try DenseReferenceSimulator(network: converted.network).run(images: few, options: simulation)
    let events = try EventScheduler(network: converted.network).run(images: few, options: simulation)
    guard events.spikes == dense.spikes, events.outputs[maximumT] == dense.outputs[maximumT] else {
        throw SpikeKitError.runtime("the event-driven simulation differs from the dense reference")
    }
    print("event-driven = dense reference on \(denseImages) images × \(maximumT) steps (identical spikes and outputs)")

    // MARK: - 6. Results
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

    options.finish(accuracy: last, what: "SNN accuracy at T = \(maximumT)")
}
