import Foundation

/// Builders of the small valid files the fuzz targets start from.
enum FuzzSeeds {
    /// Deterministic bytes that differ from position to position.
    static func pattern(count: Int, salt: Int = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ ($0 >> 8) &* 11 &+ salt &* 101) }
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// An IDX image file (magic 0x00000803) of `count` patterned images.
    static func idxImages(count: Int, rows: Int, columns: Int) -> [UInt8] {
        bigEndian(IDXReader.imagesMagic) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows)) + bigEndian(UInt32(columns))
            + pattern(count: count * rows * columns)
    }

    /// An IDX label file (magic 0x00000801).
    static func idxLabels(_ labels: [UInt8]) -> [UInt8] {
        bigEndian(IDXReader.labelsMagic) + bigEndian(UInt32(labels.count)) + labels
    }

    /// CIFAR records: each record's label bytes (one for CIFAR-10, coarse and fine for CIFAR-100)
    /// followed by 3,072 patterned pixels.
    static func cifar(labels: [[UInt8]]) -> [UInt8] {
        labels.enumerated().flatMap { index, label in label + pattern(count: CIFARReader.pixelsPerRecord, salt: index) }
    }

    /// gzip's header flags and modification time, and its trailer's CRC-32 and size (from the end).
    static let gzipFields = [FuzzField(3, 1), FuzzField(4, 4, .little), FuzzField(-8, 4, .little), FuzzField(-4, 4, .little)]

    /// A version 1 float32 `.npy` file.
    static func npy(shape: [Int]) -> [UInt8] {
        let count = shape.reduce(1, *)
        return [UInt8](NumPy.encode(Tensor(shape: shape, scalars: (0..<count).map { Float($0) * 0.5 - 1 })))
    }

    /// A version 1 integer `.npy` file (`descr` `|u1` or `<i8`), as an npy dataset's images or labels.
    static func npyIntegers(descr: String, shape: [Int]) -> [UInt8] {
        let count = shape.reduce(1, *)
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var bytes = NumPy.magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        for k in 0..<count {
            if descr == "|u1" { bytes.append(UInt8(k % 256)) } else { withUnsafeBytes(of: Int64(k % 10).littleEndian) { bytes += $0 } }
        }
        return bytes
    }

    /// A version 2 float64 `.npy` file (4-byte header length), as NumPy writes for large headers.
    static func npyVersion2Float64(shape: [Int]) -> [UInt8] {
        let count = shape.reduce(1, *)
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", ")),), }"
        header += String(repeating: " ", count: (64 - (12 + header.utf8.count + 1) % 64) % 64) + "\n"
        let length = UInt32(header.utf8.count)
        var bytes = NumPy.magic + [2, 0, UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)]
        bytes += Array(header.utf8)
        for k in 0..<count { withUnsafeBytes(of: (Double(k) / 3).bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }

    /// A spiking network with every kind of layer: convolution (with bias), average pooling, a
    /// residual block with a projection shortcut, max pooling, flatten and a linear output layer.
    static func spikingNetwork() -> SpikingNetwork {
        func weights(_ count: Int, _ salt: Int) -> [Float] { (0..<count).map { Float(($0 * 7 + salt) % 11) / 11 - 0.4 } }
        let input = FeatureShape(height: 6, width: 6, channels: 1)
        let g1 = ConvolutionGeometry(inChannels: 1, outChannels: 2, inputHeight: 6, inputWidth: 6,
                                     kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let conv = Synapse.convolution(name: "conv1", geometry: g1, pytorchWeights: weights(18, 1), bias: [0.1, -0.1])
        let gb1 = ConvolutionGeometry(inChannels: 2, outChannels: 3, inputHeight: 3, inputWidth: 3,
                                      kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1)
        let gb2 = ConvolutionGeometry(inChannels: 3, outChannels: 3, inputHeight: 2, inputWidth: 2,
                                      kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let gs = ConvolutionGeometry(inChannels: 2, outChannels: 3, inputHeight: 3, inputWidth: 3,
                                     kernelHeight: 1, kernelWidth: 1, stride: 2, padding: 0)
        let block = ResidualBlock(
            name: "block1",
            conv1: Synapse.convolution(name: "block1.conv1", geometry: gb1, pytorchWeights: weights(54, 2)),
            neurons1: NeuronParameters(threshold: 0.75),
            conv2: Synapse.convolution(name: "block1.conv2", geometry: gb2, pytorchWeights: weights(81, 3)),
            shortcut: Synapse.convolution(name: "block1.shortcut", geometry: gs, pytorchWeights: weights(6, 4)),
            neurons2: NeuronParameters(threshold: 1.25, leak: 0.875, reset: .zero))
        let blockOutput = FeatureShape(height: 2, width: 2, channels: 3)
        let flat = FeatureShape(height: 1, width: 1, channels: 3)
        let fc = Synapse.linear(name: "fc", inputShape: flat, outputs: 2, pytorchWeights: weights(6, 5))
        return SpikingNetwork(inputShape: input, layers: [
            .synaptic(conv, neurons: NeuronParameters(threshold: 0.5), inputDropout: 0),
            .averagePool(name: "pool1", input: FeatureShape(height: 6, width: 6, channels: 2), kernel: 2, stride: 2),
            .residual(block),
            .maxPool(name: "pool2", input: blockOutput, kernel: 2, stride: 2),
            .flatten(name: "flatten", input: flat),
            .synaptic(fc, neurons: nil, inputDropout: 0.25),
        ])
    }

    /// A small ANN with convolution, batch norm, clipped ReLU, pooling, a residual block, dropout and linear layers.
    static func network() throws -> Network {
        let spec = ArchitectureSpec(name: "fuzz", layers: [
            .conv(outChannels: 2, kernel: 3, padding: 1, bias: true), .batchNorm, .clippedRelu(initialClip: 2),
            .avgPool(kernel: 2, stride: 2), .residual(outChannels: 3, stride: 1), .maxPool(kernel: 3, stride: 3),
            .flatten, .dropout(p: 0.1), .linear(outputs: 2, bias: true),
        ])
        return try Network(spec: spec, inputShape: [1, 6, 6], seed: 1)
    }

    /// The folder relative config paths resolve against (it need not exist).
    static let configBase = URL(fileURLWithPath: "/nonexistent/fuzz")
    /// The environment of fuzzed configs: `FUZZ_DATA` names a folder that exists.
    static let configEnvironment = ["FUZZ_DATA": FileManager.default.temporaryDirectory.path]

    static let quickstartConfig = #"""
        {"name": "quickstart", "seed": 1, "data": {"dataset": "fashion-mnist"}, "model": {"architecture": "cnn-s"},
         "training": {"epochs": 2, "batchSize": 64, "learningRate": 0.001, "schedule": {"milestones": [0.5, 0.75], "factor": 10}},
         "conversion": {"recipe": "threshold-balancing", "calibrationImages": 256, "balancingSteps": 64, "scale": 0.7},
         "simulation": {"timeSteps": [8, 16, 32], "testLimit": 1000},
         "stdb": {"timeSteps": 8, "epochs": 1, "learningRate": 0.001}, "energy": {"preset": "cmos45nm-fp32"}}
        """#

    /// Environment variables in paths, a custom energy preset, the low-latency recipe.
    static let variedConfig = #"""
        {"data": {"dataset": "cifar10", "directory": "${FUZZ_DATA}", "trainLimit": 100, "normalization": "dataset"},
         "model": {"architecture": "resnet20", "activation": "clipped-relu", "clipInit": 2.5},
         "conversion": {"recipe": "low-latency", "alphaGrid": 20, "fineTuneEpochs": 1},
         "simulation": {"timeSteps": [1, 2], "ordering": "immediate", "leak": 0.99},
         "energy": {"preset": {"name": "mine", "macPicojoules": 1.5, "accumulatePicojoules": 0.25}},
         "output": {"directory": "$$HOME/results", "saveCheckpoints": false, "spikeTrace": 2}}
        """#
}
