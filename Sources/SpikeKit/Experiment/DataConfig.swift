import Foundation

/// The `data` section: which dataset, where its files are, how much of it to use and how pixels are
/// normalised. Always applies.
public struct DataConfig: Equatable, Sendable {
    /// The datasets SpikeKit reads; raw values are the names used in configs.
    public enum DatasetName: String, CaseIterable, Sendable {
        case fashionMNIST = "fashion-mnist"
        case mnist
        case cifar10
        case cifar100
        /// Four NumPy arrays of the user's own data (`NPYDatasetReader`).
        case npy

        /// The name used in messages ("Fashion-MNIST", "CIFAR-10").
        public var displayName: String {
            switch self {
            case .fashionMNIST: return "Fashion-MNIST"
            case .mnist: return "MNIST"
            case .cifar10: return "CIFAR-10"
            case .cifar100: return "CIFAR-100"
            case .npy: return "NumPy arrays"
            }
        }

        /// What the dataset's folder must hold, for messages.
        public var expectedFiles: String {
            switch self {
            case .fashionMNIST, .mnist: return "the \(displayName) IDX files (train-images-idx3-ubyte, ... plain or .gz)"
            case .cifar10, .cifar100: return "the \(displayName) binary files"
            case .npy: return NPYDatasetReader.fileNames.joined(separator: ", ")
            }
        }
    }

    /// The named normalisations: `none` (pixels in [0, 1], as PyTorch's `ToTensor()` alone), `half`
    /// ((x − 0.5) / 0.5, pixels in [−1, 1]), `dataset` (the dataset's per-channel mean and standard
    /// deviation).
    public enum NormalizationMode: String, CaseIterable, Sendable {
        case none
        case half
        case dataset
    }

    /// How pixels in [0, 1] become network inputs: a named mode, or per-channel statistics as
    /// PyTorch's `Normalize(mean, std)` takes them (x − mean_c) / std_c.
    public enum NormalizationSetting: Equatable, Sendable {
        case named(NormalizationMode)
        case perChannel(mean: [Double], std: [Double])

        /// The pixel transform for `dataset`.
        public func normalization(for dataset: DatasetName) -> Normalization {
            switch self {
            case .named(.none): return .unit
            case .named(.half): return .symmetric
            case .named(.dataset):
                switch dataset {
                case .cifar10: return .cifar10
                case .cifar100: return .cifar100
                // The IDX datasets and the user's own arrays carry no channel statistics here.
                case .fashionMNIST, .mnist, .npy: return .symmetric
                }
            case .perChannel(let mean, let std):
                return Normalization(mean: mean.map(Float.init), standardDeviation: std.map(Float.init))
            }
        }

        /// How the summary and the effective config name it.
        var jsonValue: JSONValue {
            switch self {
            case .named(let mode): return .string(mode.rawValue)
            case .perChannel(let mean, let std):
                return .object(["mean": .array(mean.map(JSONValue.number)), "std": .array(std.map(JSONValue.number))])
            }
        }

        var summary: String {
            switch self {
            case .named(let mode): return "\(mode.rawValue) normalization"
            case .perChannel(let mean, let std):
                func list(_ values: [Double]) -> String { values.map { String(format: "%g", $0) }.joined(separator: ", ") }
                return "normalization mean [\(list(mean))], std [\(list(std))]"
            }
        }
    }

    public var dataset: DatasetName
    /// The dataset's folder as an absolute path (variables expanded, made absolute against the
    /// config file's folder); nil means the bundled Fashion-MNIST subset.
    public var directory: String?
    public var trainLimit: Int?
    public var testLimit: Int?
    public var normalization: NormalizationSetting
    /// The axis order of an `npy` dataset's image arrays.
    public var layout: NPYDatasetReader.Layout
    /// The class count of an `npy` dataset; nil = the largest label + 1.
    public var classes: Int?

    /// The defaults of `ConfigSchema`.
    public init() {
        self.init(reading: .defaults(of: "data"))
    }

    init(reading reader: ConfigReader) {
        reader.checkUnknownKeys()
        dataset = reader.choice("dataset")
        directory = reader.path("directory", relativeToBase: true)
        trainLimit = reader.optionalInteger("trainLimit")
        testLimit = reader.optionalInteger("testLimit")
        layout = reader.choice("layout")
        classes = reader.optionalInteger("classes")
        normalization = .named(.half)
        if let value = reader.raw("normalization") {
            if case .object = value {
                let statistics = reader.object("normalization")
                statistics.checkUnknownKeys()
                for required in ["mean", "std"] where !statistics.isPresent(required) {
                    reader.problems.add(statistics.keyPath(required), "missing; per-channel normalization gives both mean and std (as PyTorch's Normalize)")
                }
                if let mean = statistics.optionalNumberList("mean"), let std = statistics.optionalNumberList("std") {
                    if mean.count != std.count && mean.count != 1 && std.count != 1 {
                        reader.problems.add(reader.keyPath("normalization"), "mean has \(mean.count) values and std \(std.count); give one per channel (or one for all)")
                    }
                    normalization = .perChannel(mean: mean, std: std)
                }
            } else if let name = reader.checkedName(value, key: "normalization", names: NormalizationMode.allCases.map(\.rawValue)),
                      let mode = NormalizationMode(rawValue: name) {
                normalization = .named(mode)
            }
        }
    }

    /// The training and test sets this section describes: limits (chosen from `seed`), pixel
    /// normalisation, layout and class count applied.
    public func load(seed: UInt64) throws -> DatasetSplit {
        try DatasetLoader.load(name: dataset.rawValue, directory: directory, relativeTo: nil,
                               trainLimit: trainLimit, testLimit: testLimit, seed: seed,
                               normalization: normalization.normalization(for: dataset), layout: layout, classes: classes)
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "dataset": .string(dataset.rawValue),
            "normalization": normalization.jsonValue,
        ]
        if let directory { members["directory"] = .string(directory) }
        if let trainLimit { members["trainLimit"] = .integer(trainLimit) }
        if let testLimit { members["testLimit"] = .integer(testLimit) }
        // Only an npy dataset has a layout and a class count to state (other configs keep their hash).
        if dataset == .npy { members["layout"] = .string(layout.rawValue) }
        if let classes { members["classes"] = .integer(classes) }
        return .object(members)
    }
}
