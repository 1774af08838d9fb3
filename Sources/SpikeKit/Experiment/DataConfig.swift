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

        /// The name used in messages ("Fashion-MNIST", "CIFAR-10").
        public var displayName: String {
            switch self {
            case .fashionMNIST: return "Fashion-MNIST"
            case .mnist: return "MNIST"
            case .cifar10: return "CIFAR-10"
            case .cifar100: return "CIFAR-100"
            }
        }

        /// What the dataset's folder must hold, for messages.
        public var expectedFiles: String {
            switch self {
            case .fashionMNIST, .mnist: return "the \(displayName) IDX files (train-images-idx3-ubyte, ... plain or .gz)"
            case .cifar10, .cifar100: return "the \(displayName) binary files"
            }
        }
    }

    /// `half`: (x − 0.5) / 0.5; `dataset`: the dataset's per-channel mean and standard deviation.
    public enum NormalizationMode: String, CaseIterable, Sendable {
        case half
        case dataset
    }

    public var dataset: DatasetName
    /// The dataset's folder as an absolute path (variables expanded, made absolute against the
    /// config file's folder); nil means the bundled Fashion-MNIST subset.
    public var directory: String?
    public var trainLimit: Int?
    public var testLimit: Int?
    public var normalization: NormalizationMode

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
        normalization = reader.choice("normalization")
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "dataset": .string(dataset.rawValue),
            "normalization": .string(normalization.rawValue),
        ]
        if let directory { members["directory"] = .string(directory) }
        if let trainLimit { members["trainLimit"] = .integer(trainLimit) }
        if let testLimit { members["testLimit"] = .integer(testLimit) }
        return .object(members)
    }
}
