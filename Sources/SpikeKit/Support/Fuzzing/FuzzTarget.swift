import Foundation

/// One file reader under fuzzing: the valid files it starts from (built here, so the harness needs no
/// corpus on disk), and the parse calls run on every mutated input.
///
/// A parser may accept an input or throw `SpikeKitError`; anything else it does (another error, a
/// crash, a hang, an absurd allocation) is a finding (`FuzzEngine`). Parsers work on bytes in memory
/// and use the same code paths as reading a file, from gzip detection to the final value.
public struct FuzzTarget: Sendable {
    /// One named parse call.
    public struct Parser: Sendable {
        public let name: String
        let parse: @Sendable ([UInt8]) throws -> Void

        /// Parses `bytes`: returns if they are accepted, throws `SpikeKitError` if they are rejected.
        public func run(_ bytes: [UInt8]) throws { try parse(bytes) }
    }

    /// `idx`, `cifar`, `gzip`, `npy`, `safetensors`, `config` or `hdf5`.
    public let name: String
    public let seeds: [FuzzSeed]
    public let parsers: [Parser]

    /// The names `named(_:)` accepts.
    public static let names = ["idx", "cifar", "gzip", "npy", "safetensors", "config", "hdf5"]

    /// The target called `name`, or nil.
    public static func named(_ name: String) throws -> FuzzTarget? {
        switch name {
        case "idx": return try idx()
        case "cifar": return try cifar()
        case "gzip": return try gzip()
        case "npy": return npy()
        case "safetensors": return try safetensors()
        case "config": return try config()
        case "hdf5": return try hdf5()
        default: return nil
        }
    }

    /// Every target, in `names` order.
    public static func all() throws -> [FuzzTarget] {
        try names.compactMap { try named($0) }
    }

    // MARK: Data files

    /// IDX image and label files, plain and gzip; parsed as images (paired with as many zero labels)
    /// and as labels.
    static func idx() throws -> FuzzTarget {
        let images = FuzzSeeds.idxImages(count: 3, rows: 5, columns: 4)
        let labels = FuzzSeeds.idxLabels([0, 9, 3, 7])
        let imageFields = [FuzzField(0, 4, .big), FuzzField(4, 4, .big), FuzzField(8, 4, .big), FuzzField(12, 4, .big)]
        let labelFields = [FuzzField(0, 4, .big), FuzzField(4, 4, .big), FuzzField(8, 1), FuzzField(11, 1)]
        let seeds = [FuzzSeed(images, fields: imageFields), FuzzSeed(labels, fields: labelFields),
                     FuzzSeed(try Gzip.compress(images), fields: FuzzSeeds.gzipFields),
                     FuzzSeed(try Gzip.compress(labels), fields: FuzzSeeds.gzipFields)]
        return FuzzTarget(name: "idx", seeds: seeds, parsers: [
            Parser(name: "idx images") { bytes in
                let file = try DataFile.decode(bytes, path: "fuzz-images.idx")
                let (count, _, _) = try IDXReader.parseImageHeader(file)
                let labels = DataFile(path: "fuzz-labels.idx", bytes: FuzzSeeds.idxLabels(Array(repeating: 0, count: count)),
                                      wasCompressed: false)
                _ = try IDXReader.parse(images: file, labels: labels, classCount: 10)
            },
            Parser(name: "idx labels") { bytes in
                _ = try IDXReader.parseLabels(try DataFile.decode(bytes, path: "fuzz-labels.idx"), classCount: 10)
            },
        ])
    }

    /// CIFAR-10 and CIFAR-100 records, plain and gzip; every input is parsed as both variants.
    static func cifar() throws -> FuzzTarget {
        let ten = FuzzSeeds.cifar(labels: [[3], [9]])
        let hundred = FuzzSeeds.cifar(labels: [[4, 42], [19, 99]])
        let seeds = [FuzzSeed(ten, fields: [FuzzField(0, 1), FuzzField(3073, 1), FuzzField(100, 4, .big)]),
                     FuzzSeed(hundred, fields: [FuzzField(0, 1), FuzzField(1, 1), FuzzField(3074, 1), FuzzField(3075, 1)]),
                     FuzzSeed(try Gzip.compress(ten), fields: FuzzSeeds.gzipFields)]
        return FuzzTarget(name: "cifar", seeds: seeds, parsers: CIFARReader.Variant.allCases.map { variant in
            Parser(name: variant.rawValue) { bytes in
                _ = try CIFARReader.parse(try DataFile.decode(bytes, path: "fuzz.bin"), variant: variant)
            }
        })
    }

    /// gzip streams: one member, two members, empty content, stored (level 0) and best compression.
    static func gzip() throws -> FuzzTarget {
        let text = Array("SpikeKit fuzzes its readers. ".utf8)
        let content = (0..<40).flatMap { _ in text } + FuzzSeeds.pattern(count: 700)
        let one = try Gzip.compress(content)
        let seeds = [FuzzSeed(one, fields: FuzzSeeds.gzipFields),
                     FuzzSeed(one + (try Gzip.compress(Array(content.prefix(99)), level: 1)), fields: FuzzSeeds.gzipFields),
                     FuzzSeed(try Gzip.compress([]), fields: FuzzSeeds.gzipFields),
                     FuzzSeed(try Gzip.compress(content, level: 0), fields: FuzzSeeds.gzipFields),
                     FuzzSeed(try Gzip.compress(content, level: 9), fields: FuzzSeeds.gzipFields)]
        return FuzzTarget(name: "gzip", seeds: seeds, parsers: [
            Parser(name: "gzip") { bytes in _ = try Gzip.decompress(bytes, path: "fuzz.gz") },
        ])
    }

    // MARK: Weights and configs

    /// `.npy` files: float32 arrays of several ranks (version 1), a version 2 header and float64 data,
    /// and the uint8 images and int64 labels of an npy dataset.
    static func npy() -> FuzzTarget {
        let fields = [FuzzField(6, 1), FuzzField(7, 1), FuzzField(8, 2, .little)]
        let seeds = [FuzzSeed(FuzzSeeds.npy(shape: [2, 3]), fields: fields),
                     FuzzSeed(FuzzSeeds.npy(shape: [5]), fields: fields),
                     FuzzSeed(FuzzSeeds.npy(shape: []), fields: fields),
                     FuzzSeed(FuzzSeeds.npy(shape: [0, 4]), fields: fields),
                     FuzzSeed(FuzzSeeds.npyVersion2Float64(shape: [3, 2]),
                              fields: [FuzzField(6, 1), FuzzField(8, 4, .little)]),
                     FuzzSeed(FuzzSeeds.npyIntegers(descr: "|u1", shape: [2, 3, 4, 4]), fields: fields),
                     FuzzSeed(FuzzSeeds.npyIntegers(descr: "<i8", shape: [6]), fields: fields)]
        return FuzzTarget(name: "npy", seeds: seeds, parsers: [
            Parser(name: "npy") { bytes in _ = try NumPy.decode(Data(bytes), path: "fuzz.npy") },
            // An npy dataset's arrays: any dtype, converted as the dataset reader converts them.
            Parser(name: "npy array") { bytes in
                let array = try NumPy.decodeArray(Data(bytes), path: "fuzz.npy")
                if array.dtype == .uint8 { _ = try array.bytes() }
                if array.dtype.isInteger { _ = try array.integers() } else { _ = try array.floats() }
                if array.shape.count >= 3 { _ = try NPYDatasetReader.imageShape(array, layout: .nhwc) }
            },
        ])
    }

    /// safetensors files: plain tensors with metadata, a saved spiking network (convolution, pooling,
    /// residual block, linear output), a saved ANN and the same ANN as a bare state dict; each parsed
    /// as plain tensors, as both kinds of checkpoint and as a state dict loaded by name. A checkpoint that loads is also run on one image (simulated, or a forward pass),
    /// as `spikekit energy` and a run would.
    static func safetensors() throws -> FuzzTarget {
        let plain = Safetensors.encode(Safetensors.Contents(
            tensors: [("a", Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])), ("b", Tensor(shape: [3], scalars: [5, 6, 7]))],
            metadata: ["note": "fuzz", "epoch": "3"]))
        let spiking = Safetensors.encode(try SpikingNetworkCheckpoint.contents(of: FuzzSeeds.spikingNetwork(),
                                                                              metadata: ["stage": "conversion"]))
        let network = Safetensors.encode(try NetworkCheckpoint.contents(of: try FuzzSeeds.network(), metadata: ["epoch": "1"]))
        // A PyTorch-style state dict of the ANN seed: its tensors without SpikeKit's metadata.
        let ann = try FuzzSeeds.network()
        let stateDict = Safetensors.encode(Safetensors.Contents(tensors: (ann.parameters + ann.buffers).map { ($0.name, $0.value) }))
        let fields = [FuzzField(0, 8, .little)]
        let seeds = [plain, spiking, network, stateDict].map { FuzzSeed([UInt8]($0), fields: fields) }
        return FuzzTarget(name: "safetensors", seeds: seeds, parsers: [
            Parser(name: "safetensors") { bytes in _ = try Safetensors.decode(Data(bytes), path: "fuzz.safetensors") },
            Parser(name: "spiking network checkpoint") { bytes in
                let contents = try Safetensors.decode(Data(bytes), path: "fuzz.safetensors")
                let network = try SpikingNetworkCheckpoint.decode(contents, path: "fuzz.safetensors")
                // A network that loads must also simulate (one image, both orderings, a few steps).
                let shape = network.inputShape
                guard shape.count <= 1 << 16 else { return }
                let image = Tensor(shape: [1, shape.channels, shape.height, shape.width],
                                   scalars: (0..<shape.count).map { Float($0 % 7) / 3 - 1 })
                for ordering in [SpikeOrdering.delayed, .immediate] {
                    _ = try EventScheduler(network: network).run(
                        images: image, options: SimulationOptions(timeSteps: 3, ordering: ordering, threads: 1))
                }
            },
            // A state dict loaded by name into the ANN seed's architecture, then run, as model.checkpoint does.
            Parser(name: "state dict") { bytes in
                let contents = try Safetensors.decode(Data(bytes), path: "fuzz.safetensors")
                let network = try FuzzSeeds.network()
                try StateDictImporter.load(contents.dictionary.filter { !StateDictImporter.isIgnored($0.key) }, into: network,
                                           source: "fuzz.safetensors")
                _ = network.forward(Tensor(shape: [1] + network.inputShape, scalars: (0..<36).map { Float($0 % 5) / 2 - 1 }),
                                    training: false)
            },
            Parser(name: "network checkpoint") { bytes in
                let contents = try Safetensors.decode(Data(bytes), path: "fuzz.safetensors")
                let (network, _) = try NetworkCheckpoint.decode(contents, path: "fuzz.safetensors")
                // A network that loads must also run on an image of its input shape.
                let count = network.inputShape.reduce(1, *)
                guard count <= 1 << 16 else { return }
                _ = network.forward(Tensor(shape: [1] + network.inputShape, scalars: (0..<count).map { Float($0 % 5) / 2 - 1 }),
                                    training: false)
            },
        ])
    }

    /// Experiment configs: every key of every section, the quickstart, one with environment variables
    /// and a custom energy preset, an empty object. An accepted config is also summarised, written
    /// back out and validated (the checks across sections and of the files it names), as
    /// `spikekit validate` and `run` do.
    static func config() throws -> FuzzTarget {
        let everything = try ExperimentConfig.decode(
            Data(#"{"training": {}, "conversion": {}, "simulation": {}, "stdb": {}, "energy": {}}"#.utf8),
            defaultName: "fuzz", baseDirectory: FuzzSeeds.configBase, environment: [:]).effectiveJSON()
        let seeds = [everything, FuzzSeeds.quickstartConfig, FuzzSeeds.variedConfig, "{}"].map { FuzzSeed(Array($0.utf8)) }
        @Sendable func decode(_ bytes: [UInt8]) throws -> ExperimentConfig {
            try ExperimentConfig.decode(Data(bytes), defaultName: "fuzz", baseDirectory: FuzzSeeds.configBase,
                                        environment: FuzzSeeds.configEnvironment)
        }
        return FuzzTarget(name: "config", seeds: seeds, parsers: [
            Parser(name: "config") { bytes in
                let config = try decode(bytes)
                _ = config.summary()
                _ = config.effectiveJSON()
                _ = config.configHash
            },
            Parser(name: "config validation") { bytes in try decode(bytes).validate(environment: FuzzSeeds.configEnvironment) },
        ])
    }
}

/// A valid input to start mutating from, with the positions of its header fields.
public struct FuzzSeed: Sendable {
    public let bytes: [UInt8]
    /// Header fields worth overwriting with extreme values (sizes, counts, lengths, versions).
    public let fields: [FuzzField]

    public init(_ bytes: [UInt8], fields: [FuzzField] = []) {
        self.bytes = bytes
        self.fields = fields
    }
}

/// An integer field of a file header: its offset, width in bytes and byte order. A negative offset
/// counts from the end of the input (gzip's trailer).
public struct FuzzField: Sendable {
    public enum ByteOrder: Sendable { case big, little }
    public let offset: Int
    public let width: Int
    public let order: ByteOrder

    public init(_ offset: Int, _ width: Int, _ order: ByteOrder = .big) {
        self.offset = offset
        self.width = width
        self.order = order
    }
}

extension FuzzTarget {
    /// HDF5 files: a tree of every value kind (contiguous and deflate-chunked) and a NIR graph of a
    /// small convolutional SNN; each parsed as HDF5, and as a NIR graph that is imported and, if it
    /// imports, simulated on one image for a few steps (what `model.nir` and `spikekit energy` do).
    static func hdf5() throws -> FuzzTarget {
        var tree = HDF5Group(attributes: ["note": .string("fuzz")])
        tree["ints"] = .dataset(HDF5Dataset(shape: [2, 3], values: .integers([1, -2, 3, -4, 5, -6])))
        tree["floats"] = .dataset(HDF5Dataset(shape: [4], values: .float32([0.5, -1, 2, 1e-3])))
        tree["doubles"] = .dataset(HDF5Dataset(shape: [], values: .float64([3.25])))
        tree["names"] = .dataset(HDF5Dataset(shape: [2, 2], values: .strings(["a", "bc", "", "é"])))
        var inner = HDF5Group()
        for i in 0..<10 { inner["m\(i)"] = .dataset(.integer(Int64(i))) }
        tree["inner"] = .group(inner)
        let network = FuzzSeeds.nirNetwork()
        let (graph, _) = try NIRExport().export(network, context: .init(encoding: .direct, ordering: .immediate))
        // Superblock fields: versions, sizes of offsets and lengths, root object header address, end of file.
        let fields = [FuzzField(8, 1), FuzzField(13, 1), FuzzField(14, 1), FuzzField(64, 8, .little), FuzzField(40, 8, .little)]
        let seeds = try [HDF5Writer(compressionLevel: nil).encode(tree), HDF5Writer(compressionLevel: 4).encode(tree),
                         HDF5Writer(compressionLevel: 4).encode(graph.encode()), HDF5Writer(compressionLevel: nil).encode(graph.encode())]
            .map { FuzzSeed($0, fields: fields) }
        return FuzzTarget(name: "hdf5", seeds: seeds, parsers: [
            Parser(name: "hdf5") { bytes in _ = try HDF5Reader.parse(bytes, path: "fuzz.h5") },
            Parser(name: "nir import") { bytes in
                let graph = try NIRGraph.decode(try HDF5Reader.parse(bytes, path: "fuzz.nir"), path: "fuzz.nir")
                let (network, _) = try NIRImport().network(from: graph, path: "fuzz.nir")
                let shape = network.inputShape
                guard shape.count <= 1 << 14, network.synapses.reduce(0, { $0 + $1.weights.count }) <= 1 << 20 else { return }
                let image = Tensor(shape: [1, shape.channels, shape.height, shape.width],
                                   scalars: (0..<shape.count).map { Float($0 % 7) / 3 - 1 })
                _ = try EventScheduler(network: network).run(
                    images: image, options: SimulationOptions(timeSteps: 3, ordering: .immediate, threads: 1))
            },
        ])
    }
}

extension FuzzSeeds {
    /// A small SNN NIR can hold: conv (bias, subtract reset) → average pool → conv (LIF, zero reset,
    /// charged membrane) → flatten → linear output.
    static func nirNetwork() -> SpikingNetwork {
        func weights(_ count: Int, _ salt: Int) -> [Float] { (0..<count).map { Float(($0 * 5 + salt) % 13) / 13 - 0.35 } }
        let g1 = ConvolutionGeometry(inChannels: 1, outChannels: 2, inputHeight: 6, inputWidth: 6,
                                     kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let g2 = ConvolutionGeometry(inChannels: 2, outChannels: 3, inputHeight: 3, inputWidth: 3,
                                     kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1)
        let conv1 = Synapse.convolution(name: "conv1", geometry: g1, pytorchWeights: weights(18, 1), bias: [0.1, -0.1])
        let conv2 = Synapse.convolution(name: "conv2", geometry: g2, pytorchWeights: weights(54, 2))
        let out = FeatureShape(height: 2, width: 2, channels: 3)
        let fc = Synapse.linear(name: "fc", inputShape: out, outputs: 2, pytorchWeights: weights(24, 3))
        return SpikingNetwork(inputShape: FeatureShape(height: 6, width: 6, channels: 1), layers: [
            .synaptic(conv1, neurons: NeuronParameters(threshold: 0.5), inputDropout: 0),
            .averagePool(name: "pool1", input: FeatureShape(height: 6, width: 6, channels: 2), kernel: 2, stride: 2),
            .synaptic(conv2, neurons: NeuronParameters(threshold: 0.75, leak: 0.875, reset: .zero, initialMembrane: 0.25),
                      inputDropout: 0),
            .flatten(name: "flatten", input: out),
            .synaptic(fc, neurons: nil, inputDropout: 0),
        ])
    }
}
