// EnergyReport — one converted network priced on every hardware preset.
//
// Mirrors the energy analyses of the hybrid-training paper (Rathi et al., ICLR 2020) and the
// ultra-low-latency paper (Datta & Beerel, DATE 2022, "about 159× lower compute energy than the ANN"
// on CIFAR-100 at T = 2): an SNN replaces each multiply-accumulate (MAC, 4.6 pJ in 45 nm CMOS at
// 32-bit float; Horowitz, ISSCC 2014) by an accumulate per delivered spike (0.9 pJ), so it saves
// energy when its synaptic operations over all T steps stay below ~5× the ANN's MACs. On hardware
// that also charges every neuron update (Loihi) or a larger cost per synaptic event (TrueNorth), the
// balance shifts, which is why the preset and the accounting are printed next to every number.
//
// On the bundled Fashion-MNIST subset: train CNN-S, convert with threshold balancing (direct input),
// simulate the test images once at T = 32 (which gives T = 8 and 16 too), then print the exact
// per-layer operation counts and the energy per image of the ANN and the SNN under each preset of
// `EnergyModel.presets`. Files in `results/examples/EnergyReport/`: `energy.csv`, `layers.csv`,
// `energy.svg` and `presets.json` (the presets as JSON objects to copy into a config's
// `energy.preset` and edit).
//
//     swift run -c release EnergyReport [--target-accuracy 0.75]
//
// The target applies to the SNN's accuracy at T = 32.

import Foundation
import SpikeKit

// MARK: - Settings

let options = ExampleOptions()
let seed: UInt64 = 1
let epochs = 2
let calibrationImages = 256
let balancingSteps = 64
let timeSteps = [8, 16, 32]
let outputFolder = URL(fileURLWithPath: "results/examples/EnergyReport", isDirectory: true)

/// Joules as microjoules, for the tables.
func microjoules(_ joules: Double) -> Double { joules * 1e6 }
/// A left-aligned column.
func column(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }

ExampleOptions.run {
    let started = Date()

    // MARK: - 1. Data, ANN, conversion (as in QuickStart)
    let data = try DatasetLoader.load(name: "fashion-mnist")
    let spec = try Architectures.spec(named: "cnn-s", inputShape: data.train.sampleShape, classes: data.train.classCount)
    let ann = try Network(spec: spec, inputShape: data.train.sampleShape, seed: seed)
    try ANNTrainer(settings: TrainingSettings(epochs: epochs), seed: seed).fit(ann, data: data)
    let annAccuracy = ann.accuracy(on: data.test)
    let calibration = data.train.makeBatch(indices: data.train.epochOrder(seed: seed, epoch: -1).prefix(calibrationImages))
    let balancing = ThresholdBalancing(timeSteps: balancingSteps, scale: 0.7, encoding: .direct, seed: seed)
    let converted = try ANNToSNNConverter.convert(ann, recipe: .thresholdBalancing(balancing), calibration: calibration.images)
    print(String(format: "CNN-S: ANN test accuracy %.2f %%, converted with threshold balancing", annAccuracy * 100))

    // MARK: - 2. Simulate once at the largest T; count every operation exactly
    let test = data.test.makeBatch(indices: 0..<data.test.count)
    let record = try EventScheduler(network: converted.network).run(
        images: test.images,
        options: SimulationOptions(timeSteps: timeSteps.max() ?? 1, encoding: .direct, seed: seed, checkpoints: timeSteps))
    let counts = timeSteps.map { OperationCounts.from(record: record, network: converted.network, timeSteps: $0, encoding: .direct) }
    let accuracies = timeSteps.map { Double(record.correct(labels: test.labels, steps: $0)) / Double(test.count) }

    // MARK: - 3. Per-layer counts (per image) at each T
    // Synaptic operations are the fan-outs of the delivered events, counted by the simulator; the
    // first layer receives the analog image (direct encoding), so it performs its ANN MACs once.
    var layersCSV = "timeSteps,layer,neurons,spikesPerImage,spikeRate,synapticOpsPerImage,annMACsPerImage,directInput\n"
    for (t, c) in zip(timeSteps, counts) {
        print("\nT = \(t): per-layer operations per image (test accuracy \(String(format: "%.2f", accuracies[timeSteps.firstIndex(of: t) ?? 0] * 100)) %)")
        print("layer   neurons   spikes/image   spike rate   synaptic ops     ANN MACs   ops/MACs")
        for layer in c.layers {
            let ratio = layer.receivesDirectInput ? "(MACs)" : String(format: "%8.3f", layer.synapticOpsPerImage / layer.annMACsPerImage)
            print(column(layer.name, 6) + String(format: "%9d   %12.0f   %10.4f   %12.0f   %10.0f   ", layer.neurons,
                                                 layer.spikesPerImage, layer.spikeRate, layer.synapticOpsPerImage,
                                                 layer.annMACsPerImage) + ratio)
            layersCSV += "\(t),\(layer.name),\(layer.neurons),\(layer.spikesPerImage),\(layer.spikeRate),"
                + "\(layer.synapticOpsPerImage),\(layer.annMACsPerImage),\(layer.receivesDirectInput)\n"
        }
        print(column("total", 6) + String(format: "%9d   %12.0f              %12.0f   %10.0f", c.spikingNeurons, c.spikesPerImage,
                                           c.synapticOpsPerImage, c.annMACsPerImage))
    }

    // MARK: - 4. Energy per image under every preset
    print("\nenergy per image (µJ); ratio = E_ANN / E_SNN (> 1: the SNN is cheaper)")
    print("preset            T   accuracy      E_ANN      E_SNN    ratio   E_SNN, 1st layer every step")
    var energyCSV = "preset,timeSteps,testAccuracy,annJoules,snnJoules,ratio,snnJoulesFirstLayerEveryStep,"
        + "firstLayerMACsJoules,synapticOpsJoules,neuronUpdatesJoules,spikesJoules,memoryJoules\n"
    var ratios: [(preset: String, values: [Double])] = []
    for model in EnergyModel.presets {
        var values: [Double] = []
        for (i, t) in timeSteps.enumerated() {
            let e = EnergyEstimate(counts: counts[i], model: model)
            values.append(e.ratio)
            print(column(model.name, 14) + String(format: "%5d   %6.2f %%   %8.3f   %8.3f   %6.2f×   %8.3f", t, accuracies[i] * 100,
                                                   microjoules(e.annJoulesPerImage), microjoules(e.snnJoulesPerImage), e.ratio,
                                                   microjoules(e.snnJoulesPerImageFirstLayerEveryStep ?? e.snnJoulesPerImage)))
            let b = e.breakdown
            energyCSV += "\(model.name),\(t),\(accuracies[i]),\(e.annJoulesPerImage),\(e.snnJoulesPerImage),\(e.ratio),"
                + "\(e.snnJoulesPerImageFirstLayerEveryStep ?? e.snnJoulesPerImage),\(b.firstLayerMACs),\(b.synapticOps),"
                + "\(b.neuronUpdates),\(b.spikes),\(b.memoryAccesses)\n"
        }
        ratios.append((model.name, values))
    }

    // MARK: - 5. Where the SNN's energy goes, at T = 32
    let last = timeSteps.count - 1
    print("\nbreakdown of E_SNN at T = \(timeSteps[last]) (µJ per image)")
    print("preset          1st-layer MACs   synaptic ops   neuron updates     spikes")
    for model in EnergyModel.presets {
        let b = EnergyEstimate(counts: counts[last], model: model).breakdown
        print(column(model.name, 14) + String(format: "%16.3f   %12.3f   %14.3f   %8.3f", microjoules(b.firstLayerMACs),
                                               microjoules(b.synapticOps), microjoules(b.neuronUpdates), microjoules(b.spikes)))
    }
    print("\nsources:")
    for model in EnergyModel.presets { print("  \(model.name): \(model.source)") }

    // MARK: - 6. Files
    let chart = BarChart(
        title: "CNN-S: ANN energy / SNN energy per preset", yLabel: "E_ANN / E_SNN",
        categories: EnergyModel.presets.map(\.name),
        series: timeSteps.indices.map { i in
            (name: "T = \(timeSteps[i])", values: ratios.map { $0.values[i] }, color: chartPalette[i % chartPalette.count])
        })
    let presets = JSONValue.array(EnergyModel.presets.map(\.jsonValue)).serialized()
    try AtomicFile.write(chart.render(), to: outputFolder.appendingPathComponent("energy.svg"))
    try AtomicFile.write(energyCSV, to: outputFolder.appendingPathComponent("energy.csv"))
    try AtomicFile.write(layersCSV, to: outputFolder.appendingPathComponent("layers.csv"))
    try AtomicFile.write(presets + "\n", to: outputFolder.appendingPathComponent("presets.json"))
    print("\nwrote \(outputFolder.path)/energy.csv, layers.csv, energy.svg and presets.json")
    print(String(format: "(%.1f s)", Date().timeIntervalSince(started)))

    options.finish(accuracy: accuracies[last], what: "SNN accuracy at T = \(timeSteps[last])")
}
