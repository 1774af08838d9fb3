import Foundation
import Testing
@testable import SpikeKit

@Suite struct HardwareTests {
    /// A dense network `inputs → hidden (IF) → outputs`, direct input, all weights `w`.
    static func mlp(inputs: Int, hidden: [Int], outputs: Int, w: Float = 0.01, threshold: Float = 1) -> SpikingNetwork {
        var layers: [SpikingLayer] = []
        var width = inputs
        for (i, h) in hidden.enumerated() {
            let s = Synapse.linear(name: "fc\(i + 1)", inputShape: .flat(width), outputs: h,
                                   pytorchWeights: [Float](repeating: w, count: width * h))
            layers.append(.synaptic(s, neurons: NeuronParameters(threshold: threshold), inputDropout: 0))
            width = h
        }
        let out = Synapse.linear(name: "fc\(hidden.count + 1)", inputShape: .flat(width), outputs: outputs,
                                 pytorchWeights: [Float](repeating: w, count: width * outputs))
        layers.append(.synaptic(out, neurons: nil, inputDropout: 0))
        return SpikingNetwork(inputShape: .flat(inputs), layers: layers)
    }

    /// A chip with round numbers: every event 1 pJ / 1 ns except as given; 2×1 tiles of 1 core.
    static func toyChip(neurons: Int = 2) -> HardwareDescription {
        var e = HardwareDescription.EventCosts(synapticEventDense: 1, synapticEventConvolution: 1, neuronAccess: 1, neuronUpdate: 1,
                                               spikeOut: 1, messageOut: 1, messageIn: 1, hopEastWest: 1, hopNorthSouth: 1)
        let latency = e
        e.synapticEventDense = 10
        return HardwareDescription(name: "toy", source: "test", mapsCores: true, meshWidth: 2, meshHeight: 1, coresPerTile: 1,
                                   core: .init(neurons: neurons), energy: e, latency: latency,
                                   stepBarrierSeconds: [.init(minimumTiles: 1, seconds: 1e-6)])
    }

    // MARK: Descriptions

    @Test func presetsAreValidAndRoundTripThroughJSON() throws {
        let folder = try ConfigTestSupport.temporaryDirectory()
        for preset in HardwareDescription.presets {
            try preset.validate(context: preset.name)
            #expect(!preset.source.isEmpty)
            let url = folder.appendingPathComponent("\(preset.name).json")
            try AtomicFile.write(try preset.jsonData(), to: url)
            #expect(try HardwareDescription.load(from: url) == preset)
        }
        #expect(HardwareDescription.loihi.coresPerChip == 128)
        #expect(HardwareDescription.loihi.barrierSeconds(tiles: 3) == 1.0e-6)
        #expect(HardwareDescription.loihi.barrierSeconds(tiles: 40) == 1.8e-6)
    }

    @Test func malformedDescriptionsNameTheFileAndKey() throws {
        let folder = try ConfigTestSupport.temporaryDirectory()
        let url = folder.appendingPathComponent("chip.json")
        var object = try JSONSerialization.jsonObject(with: HardwareDescription.loihi.jsonData()) as! [String: Any]
        object.removeValue(forKey: "meshWidth")
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        #expect {
            try HardwareDescription.load(from: url)
        } throws: { error in
            "\(error)".contains("chip.json") && "\(error)".contains("meshWidth")
        }
        var bad = HardwareDescription.loihi
        bad.energy.spikeOut = -1
        try AtomicFile.write(try bad.jsonData(), to: url)
        #expect(throws: SpikeKitError.config([ConfigProblem(keyPath: "chip.json.energy.spikeOut",
                                                            message: "must be a finite number ≥ 0, got -1.0")])) {
            try HardwareDescription.load(from: url)
        }
    }

    // MARK: Mapping

    @Test func theFashionMNISTMLPMapsOntoFourLoihiCores() throws {
        // 784-512-512-10, direct input: fc1's weights stay off-chip (its current is a bias), fc2's
        // 512·512·8 bits = 2 Mbit need two cores of 256 neurons (exactly 1,048,576 bits each).
        let net = Self.mlp(inputs: 784, hidden: [512, 512], outputs: 10)
        let mapping = try HardwareMapping(graph: HardwareGraph(network: net, encoding: .direct), hardware: .loihi)
        #expect(mapping.cores.map(\.neurons.count) == [512, 256, 256, 10])
        #expect(mapping.cores.map(\.synapseBits) == [0, 1_048_576, 1_048_576, 40_960])
        #expect(mapping.cores.map(\.inputAxons) == [0, 512, 512, 512])
        // Each fc1 neuron reaches both fc2 cores: two output axons per neuron.
        #expect(mapping.cores[0].outputAxons == 1024)
        #expect(mapping.cores.map(\.slot) == [0, 1, 2, 3])
        #expect(mapping.tilesUsed == 1 && mapping.chips == 1)
    }

    @Test func aConvolutionWiderThanACoresAxonsIsRefusedWithLayerAndLimit() {
        // VGG16's convolutions at 4×4 × 512 channels: 3×3×512 = 4,608 inputs per interior neuron (edge
        // neurons see 3,072 or 2,048), over Loihi's 4,096 axons.
        let g = ConvolutionGeometry(inChannels: 512, outChannels: 8, inputHeight: 4, inputWidth: 4,
                                    kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let conv0 = Synapse.convolution(name: "conv0", geometry: ConvolutionGeometry(inChannels: 1, outChannels: 512, inputHeight: 4,
                                                                                     inputWidth: 4, kernelHeight: 1, kernelWidth: 1),
                                        pytorchWeights: [Float](repeating: 0.1, count: 512))
        let conv = Synapse.convolution(name: "conv13", geometry: g, pytorchWeights: [Float](repeating: 0.01, count: 8 * 512 * 9))
        let out = Synapse.linear(name: "fc", inputShape: conv.outputShape, outputs: 2, pytorchWeights: [Float](repeating: 0.1, count: 256))
        let net = SpikingNetwork(inputShape: FeatureShape(height: 4, width: 4, channels: 1), layers: [
            .synaptic(conv0, neurons: NeuronParameters(threshold: 1), inputDropout: 0),
            .synaptic(conv, neurons: NeuronParameters(threshold: 1), inputDropout: 0),
            .flatten(name: "flatten", input: conv.outputShape),
            .synaptic(out, neurons: nil, inputDropout: 0),
        ])
        #expect(throws: SpikeKitError.model(layer: "conv13", reason: "one neuron has 4608 inputs, more than the 4096 input axons "
                                            + "of a 'loihi' core (core.fanIn); it cannot be split further")) {
            try HardwareMapping(graph: HardwareGraph(network: net, encoding: .direct), hardware: .loihi)
        }
    }

    @Test func aLargeConvolutionIsSplitIntoSlicesThatFit() throws {
        // conv 3×3 (16→32) on 14×14 = 6,272 neurons after a 2×2 average pool of a 28×28×16 layer:
        // at least 7 cores of ≤ 1,024 neurons; each pooling window shares one input axon.
        let g1 = ConvolutionGeometry(inChannels: 1, outChannels: 16, inputHeight: 28, inputWidth: 28,
                                     kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let g2 = ConvolutionGeometry(inChannels: 16, outChannels: 32, inputHeight: 14, inputWidth: 14,
                                     kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let c1 = Synapse.convolution(name: "conv1", geometry: g1, pytorchWeights: [Float](repeating: 0.1, count: 144))
        let c2 = Synapse.convolution(name: "conv2", geometry: g2, pytorchWeights: [Float](repeating: 0.01, count: 16 * 32 * 9))
        let pooled = FeatureShape(height: 7, width: 7, channels: 32)
        let fc = Synapse.linear(name: "fc", inputShape: pooled, outputs: 10,
                                pytorchWeights: [Float](repeating: 0.001, count: 1568 * 10))
        let net = SpikingNetwork(inputShape: FeatureShape(height: 28, width: 28, channels: 1), layers: [
            .synaptic(c1, neurons: NeuronParameters(threshold: 1), inputDropout: 0),
            .averagePool(name: "pool1", input: c1.outputShape, kernel: 2, stride: 2),
            .synaptic(c2, neurons: NeuronParameters(threshold: 1), inputDropout: 0),
            .averagePool(name: "pool2", input: c2.outputShape, kernel: 2, stride: 2),
            .flatten(name: "flatten", input: pooled),
            .synaptic(fc, neurons: nil, inputDropout: 0),
        ])
        let mapping = try HardwareMapping(graph: HardwareGraph(network: net, encoding: .direct), hardware: .loihi)
        let conv2Cores = mapping.cores.filter { $0.population == 1 }
        #expect(conv2Cores.count >= 7)
        #expect(conv2Cores.reduce(0) { $0 + $1.neurons.count } == 6272)
        for core in mapping.cores {
            #expect(core.neurons.count <= 1024 && core.inputAxons <= 4096 && core.synapseBits <= 1_048_576)
        }
        // An interior conv2 neuron stores 3×3 pooled inputs × 16 channels = 144 synapses, and one
        // conv1 spike reaches 3×3 positions × 32 channels of conv2 (interior, pool 2×2).
        let projection = mapping.graph.projections[1]
        #expect(projection.fanIn(ofTarget: (7 * 14 + 7) * 32) == 144)
        #expect(projection.synapseInputs(ofSource: (14 * 28 + 14) * 16).count == 1)
        let routes = mapping.routing.entries[0][mapping.routing.offsets[0][(14 * 28 + 14) * 16]..<mapping.routing.offsets[0][(14 * 28 + 14) * 16 + 1]]
        #expect(routes.reduce(0) { $0 + Int($1.convolutionSynapses) } == 9 * 32)
        // fc after the pool: 1,568 pooled inputs per neuron (not 6,272 source neurons).
        #expect(mapping.cores.last?.inputAxons == 1568)
        #expect(mapping.cores.count == mapping.cores.indices.count && mapping.chips == 1)
    }

    @Test func aPlacementNeedingTooManyChipsIsRefused() {
        var chip = Self.toyChip(neurons: 1)
        chip.maximumChips = 1
        let net = Self.mlp(inputs: 2, hidden: [3], outputs: 1)
        #expect(throws: SpikeKitError.model(layer: nil, reason: "the network needs 4 cores on 2 chips; 'toy' has 2 cores per chip "
                                            + "and at most 1 chip(s) (maximumChips)")) {
            try HardwareMapping(graph: HardwareGraph(network: net, encoding: .direct), hardware: chip)
        }
    }

    // MARK: Traffic, energy and time

    @Test func trafficEnergyAndTimeOfOneSpikeAreHandComputed() throws {
        // 2 inputs → fc1 (2 IF neurons, direct input) → fc2 (3 outputs). Two neurons per core:
        // fc1 on core 0 (tile x 0), fc2 on cores 1-2 (x 1 and, second chip, x 2).
        let net = Self.mlp(inputs: 2, hidden: [2], outputs: 3)
        let mapping = try HardwareMapping(graph: HardwareGraph(network: net, encoding: .direct), hardware: Self.toyChip())
        #expect(mapping.cores.map(\.neurons) == [0..<2, 0..<2, 2..<3])
        #expect(mapping.chips == 2)
        // One spike of fc1 neuron 1 at step 0, T = 2.
        let events = [CapturedEvent(sample: 0, step: 0, population: 0, neuron: 1, value: 1)]
        let a = try HardwareActivity(events: events, mapping: mapping, timeSteps: 2, samples: 1)
        #expect(a.spikes[0] == [1, 0])
        #expect(a.messagesOut[0] == [2, 0])                         // one per destination core
        #expect(a.messagesIn.map { $0[0] } == [0, 1, 1])
        #expect(a.denseSynapticEvents.map { $0[0] } == [0, 2, 1])
        #expect(a.hopsEastWest == [1 + 2, 0])
        // fc1 updates every step (constant current); fc2's neurons only from step 1, after input.
        #expect(a.neuronUpdates.map { $0 } == [[2, 2], [0, 2], [0, 1]])
        // Step 0: core 0 work = 2 access + 2 update + 1 spike + 2 messages = 7 ns; core 1 receive =
        // 1 message + 2 events = 3 ns; longest route 2 hops = 2 ns; barrier 1 µs.
        #expect(abs(a.stepSeconds[0] - (7e-9 + 2e-9 + 1e-6)) < 1e-15)
        // Step 1: core 0 = 2 + 2 = 4 ns, core 1 = 2 + 2 = 4 ns.
        #expect(abs(a.stepSeconds[1] - (4e-9 + 1e-6)) < 1e-15)
        // Queued: core 0 sends at 6 ns (n0 2 + n1 3 + out 1) and 7 ns; they arrive after 1 and 2
        // hops at 7 and 9 ns and take 1 + 2 and 1 + 1 ns: the last ends at 11 ns.
        #expect(abs(a.queuedStepSeconds[0] - (11e-9 + 1e-6)) < 1e-15)
        #expect(abs(a.queuedStepSeconds[1] - (4e-9 + 1e-6)) < 1e-15)
        let e = HardwareEstimate(activity: a, mapping: mapping)
        // synapse 3 events × 10 pJ; neuron 5 neurons × 2 steps access + 7 updates; spike 1 + 2 out + 2 in; 3 hops.
        #expect(abs((e.breakdown?.synapse ?? 0) - 30e-12) < 1e-20)
        #expect(abs((e.breakdown?.neuron ?? 0) - 17e-12) < 1e-20)
        #expect(abs((e.breakdown?.spikeAndMessage ?? 0) - 5e-12) < 1e-20)
        #expect(abs((e.breakdown?.network ?? 0) - 3e-12) < 1e-20)
        #expect(abs((e.joulesPerImage ?? 0) - 55e-12) < 1e-20)
        #expect(e.cores == 3 && e.chips == 2)
        #expect(abs((e.secondsPerImage ?? 0) - 2 * (e.secondsPerStep ?? 0)) < 1e-18)
        #expect(e.layers?.map(\.cores) == [1, 2])
    }

    @Test func poissonInputArrivesFromOffChipAsMessages() throws {
        // Poisson input: fc1's synapses are on the chip (3 inputs × 2 neurons), fed by off-chip events.
        let net = Self.mlp(inputs: 3, hidden: [2], outputs: 3)
        let mapping = try HardwareMapping(graph: HardwareGraph(network: net, encoding: .poisson), hardware: Self.toyChip())
        #expect(mapping.cores[0].inputAxons == 3 && mapping.cores[0].synapseBits == 3 * 2 * 32)
        let events = [CapturedEvent(sample: 0, step: 0, population: CapturedEvent.inputPopulation, neuron: 2, value: 1)]
        let a = try HardwareActivity(events: events, mapping: mapping, timeSteps: 1, samples: 1)
        #expect(a.messagesIn.map { $0[0] } == [1, 0, 0])
        #expect(a.denseSynapticEvents.map { $0[0] } == [2, 0, 0])
        #expect(a.spikes.map { $0[0] } == [0, 0, 0] && a.messagesOut.map { $0[0] } == [0, 0, 0])
    }

    @Test func aUserPlacementMovesCoresAndIsChecked() throws {
        let net = Self.mlp(inputs: 2, hidden: [2], outputs: 3)
        let graph = HardwareGraph(network: net, encoding: .direct)
        // fc1 on tile 1 (x 1), fc2's cores on tile 0 (x 0) and tile 2 (second chip, global x 2): one hop each.
        let mapping = try HardwareMapping(graph: graph, hardware: Self.toyChip(), placement: [1, 0, 2])
        let events = [CapturedEvent(sample: 0, step: 0, population: 0, neuron: 0, value: 1)]
        let a = try HardwareActivity(events: events, mapping: mapping, timeSteps: 1, samples: 1)
        #expect(a.hopsEastWest == [2])
        #expect(throws: SpikeKitError.model(layer: "fc2", reason: "placement puts more than 1 cores (coresPerTile) on tile 0")) {
            try HardwareMapping(graph: graph, hardware: Self.toyChip(), placement: [0, 0, 1])
        }
        #expect(throws: SpikeKitError.model(layer: nil, reason: "the placement lists 2 tiles but the mapping has 3 cores")) {
            try HardwareMapping(graph: graph, hardware: Self.toyChip(), placement: [0, 1])
        }
    }

    @Test func pricingASimulatedNetworkCountsItsOwnEvents() throws {
        let net = RandomSpikingNetworks.convolutional(seed: 2, input: FeatureShape(height: 8, width: 8, channels: 1), leak: 1,
                                                      reset: .subtract, maxPool: false, residual: false, projectionShortcut: false)
        let images = RandomSpikingNetworks.images(2, net.inputShape, seed: 3)
        let (mapping, estimates) = try HardwarePricing.estimates(network: net, images: images, encoding: .direct, ordering: .delayed,
                                                                 timeSteps: [4, 8], hardware: .loihi)
        let record = try EventScheduler(network: net).run(images: images, options: SimulationOptions(timeSteps: 8))
        let spikes = (0..<(net.populations.count - 1)).reduce(Int64(0)) { $0 + record.totalSpikes(population: $1) }
        let e8 = try #require(estimates[8]), e4 = try #require(estimates[4])
        #expect(abs((e8.spikesPerImage ?? 0) - Double(spikes) / 2) < 1e-9)
        #expect((e8.joulesPerImage ?? 0) > (e4.joulesPerImage ?? 0))
        #expect(e8.cores == mapping.cores.count)
        #expect((e8.secondsPerStep ?? 0) >= HardwareDescription.loihi.barrierSeconds(tiles: mapping.tilesUsed))
    }

    @Test func smallerLinkBuffersOnlyDelayTheQueuedStep() throws {
        let net = RandomSpikingNetworks.convolutional(seed: 4, input: FeatureShape(height: 8, width: 8, channels: 1), leak: 1,
                                                      reset: .subtract, maxPool: false, residual: false, projectionShortcut: false)
        let images = RandomSpikingNetworks.images(1, net.inputShape, seed: 5)
        var times: [Double] = []
        for buffer in [nil, 16, 1] as [Int?] {
            var chip = HardwareDescription.loihi
            chip.core.neurons = 64          // several cores per layer, so messages queue
            chip.linkBufferMessages = buffer
            let (_, estimates) = try HardwarePricing.estimates(network: net, images: images, encoding: .direct, ordering: .delayed,
                                                               timeSteps: [6], hardware: chip)
            let e = try #require(estimates[6])
            times.append(try #require(e.secondsPerStepQueued))
        }
        #expect(times[0] <= times[1] + 1e-15 && times[1] <= times[2] + 1e-15)
    }

    @Test func perOperationPresetsPriceOperationCounts() {
        let counts = OperationCounts(timeSteps: 4, layers: [
            LayerOperationCounts(name: "fc1", neurons: 2, spikesPerImage: 3, spikeRate: 0, synapticOpsPerImage: 0,
                                 annMACsPerImage: 100, neuronUpdatesPerImage: 0, receivesDirectInput: true),
            LayerOperationCounts(name: "fc2", neurons: 1, spikesPerImage: 0, spikeRate: 0, synapticOpsPerImage: 50,
                                 annMACsPerImage: 2, neuronUpdatesPerImage: 0, receivesDirectInput: false),
        ])
        let e = HardwareEstimate(operationCounts: counts, hardware: .cmos45nmFP32)
        #expect(abs((e.joulesPerImage ?? 0) - (100 * 4.6 + 50 * 0.9) * 1e-12) < 1e-20)
        #expect(e.cores == nil && e.secondsPerStep == nil)
    }

    @Test func aRefusedNetworkIsReportedWithItsReasonAndNoEnergy() throws {
        var e = HardwareEstimate(refusedBy: .loihi, reason: "layer 'fc1': one neuron has 8192 inputs")
        e.quantizedTestAccuracy = 0.5
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(e)) as? [String: Any])
        #expect(Set(json.keys) == ["preset", "mappingError", "quantizedTestAccuracy"])
        let simulation = RunReport.Simulation(stage: .conversion, timeSteps: 4, encoding: "direct", ordering: "delayed",
                                              testAccuracy: 0.5, testImages: 1, layers: [], hardware: e)
        #expect(RunOutputs.hardwareSummaryCells(simulation) == ["loihi", "", "", "", "", "0.5"])
    }

    // MARK: Precision

    @Test func weightsAndThresholdsLandOnTheLayerGrid() {
        let s = Synapse.linear(name: "fc1", inputShape: .flat(2), outputs: 2, pytorchWeights: [1.27, -0.5, 0.004, 0.3])
        let out = Synapse.linear(name: "fc2", inputShape: .flat(2), outputs: 1, pytorchWeights: [0.2, 0.1])
        let net = SpikingNetwork(inputShape: .flat(2), layers: [
            .synaptic(s, neurons: NeuronParameters(threshold: 0.333), inputDropout: 0),
            .synaptic(out, neurons: nil, inputDropout: 0),
        ])
        let (q, scales) = HardwareQuantization.quantize(net, hardware: .loihi)
        // scale = 1.27 / 127 = 0.01: weights → 127, −50, 0 (0.4 rounds to 0), 30 steps; θ → 33 steps.
        #expect(abs(scales[0].scale - 0.01) < 1e-7)
        guard case .synaptic(let qs, let n?, _) = q.layers[0] else { Issue.record("layer 0 changed kind"); return }
        let steps = qs.weights.map { ($0 / scales[0].scale).rounded() }
        #expect(Set(steps) == Set([127, -50, 0, 30]))
        #expect(abs(n.threshold - 0.33) < 1e-6)
        #expect(scales[0].thresholdSteps == 33)
        let saturated = HardwareQuantization.quantize(2.0, scale: 0.01, bits: 8)
        #expect(abs(saturated.value - 1.27) < 1e-6 && saturated.saturated)
        #expect(HardwareQuantization.quantize(0.01, scale: 1, bits: 8).value == 0)
        // A float chip leaves the network alone.
        #expect(HardwareQuantization.quantize(net, hardware: .cmos45nmFP32).layers.isEmpty)
    }

    // MARK: SANA-FE export

    @Test func theSANAFEExportHasEveryNeuronMappedOnce() throws {
        let net = Self.mlp(inputs: 4, hidden: [3], outputs: 2, w: 0.5)
        let mapping = try HardwareMapping(graph: HardwareGraph(network: net, encoding: .direct), hardware: Self.toyChip())
        let yaml = try SANAFEExport.networkYAML(mapping: mapping, network: net)
        #expect(yaml.contains("- name: fc1"))
        #expect(yaml.contains("threshold: 65536"))
        // fc2: dense 3×2 weights scaled by its factor (fc2 is the output group: factor 1).
        #expect(yaml.contains("- fc1 -> fc2: [type: dense, weight: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]]"))
        // fc1 0..1 on tile (0,0) = id 0, fc1 2 on tile (1,0) = id 1, fc2 on tile (0 of chip 2) = x 2 → id 2.
        #expect(yaml.contains("- fc1.0..1: [core: 0.0]"))
        #expect(yaml.contains("- fc1.2..2: [core: 1.0]"))
        #expect(yaml.contains("- fc2.0..1: [core: 2.0]"))
        let arch = SANAFEExport.architectureYAML(Self.toyChip(), chips: mapping.chips)
        #expect(arch.contains("width: 4") && arch.contains("energy_process_spike: 1e-11"))
        let folder = try ConfigTestSupport.temporaryDirectory()
        try SANAFEExport.write(mapping: mapping, network: net, images: RandomSpikingNetworks.images(2, net.inputShape, seed: 1),
                               to: folder)
        let inputs = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("inputs.json"))) as? [String: Any]
        #expect((inputs?["bias"] as? [[Double]])?.map(\.count) == [3, 3])
    }

    // MARK: Config

    @Test func theHardwareSectionIsReadThroughTheSchema() throws {
        let base = #"{"model": {"architecture": "mlp"}, "simulation": {"timeSteps": [4]}, "#
        let config = try ConfigTestSupport.decode(base + #""hardware": {"preset": "truenorth", "samples": 2}}"#)
        #expect(config.hardware?.description == .truenorth)
        #expect(config.hardware?.samples == 2 && config.hardware?.precision == true)
        let problems = ConfigTestSupport.problems(base + #""hardware": {"preset": "lohi", "sample": 2}}"#)
        #expect(problems.map(\.keyPath).sorted() == ["hardware.preset", "hardware.sample"])
        #expect(problems.first { $0.keyPath == "hardware.preset" }?.suggestion == "loihi")
        let orphan = ConfigTestSupport.problems(#"{"hardware": {}}"#)
        #expect(orphan.map(\.keyPath) == ["hardware"])
        // A description file, relative to the config.
        let folder = try ConfigTestSupport.temporaryDirectory()
        var chip = HardwareDescription.speck
        chip.name = "my-chip"
        try AtomicFile.write(try chip.jsonData(), to: folder.appendingPathComponent("my-chip.json"))
        let fromFile = try ConfigTestSupport.decode(base + #""hardware": {"file": "my-chip.json"}}"#, base: folder)
        #expect(fromFile.hardware?.description.name == "my-chip")
        let both = ConfigTestSupport.problems(base + #""hardware": {"file": "my-chip.json", "preset": "loihi"}}"#, base: folder)
        #expect(both.map(\.message) == ["give either `preset` or `file`, not both"])
        // The effective config reads back equal.
        let again = try ConfigTestSupport.decode(fromFile.effectiveJSON(), base: folder)
        #expect(again.hardware == fromFile.hardware)
    }
}
