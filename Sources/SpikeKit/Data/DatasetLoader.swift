import Foundation

/// Loads a dataset's training and test parts by name, from a directory or from the bundled subset.
///
/// Names (case, `-` and `_` ignored): `fashion-mnist`, `mnist` (IDX files), `cifar10`, `cifar100`
/// (binary version). Without a directory, `fashion-mnist` is the bundled 6,000 / 1,000-image subset
/// (see `BundledData`); the others need one. A directory may use `$VAR` / `${VAR}` and `~`, and a
/// relative one is taken relative to `relativeTo` (the config file's folder) — see `DataPath`.
///
/// IDX file names: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
/// `t10k-labels-idx1-ubyte` (or with `.` before `idx`), each optionally `.gz`. CIFAR names: see
/// `CIFARReader.files(in:variant:)`. Limits keep a class-balanced, seeded-random subset
/// (`Dataset.balancedSubset`), in file order; a limit at least the dataset's size keeps everything.
/// Pixels are normalised with `normalization` (default mean 0.5, std 0.5: values in [−1, 1]).
public enum DatasetLoader {
    /// The dataset names `load` accepts, in their canonical spelling.
    public static let knownNames = ["fashion-mnist", "mnist", "cifar10", "cifar100", "npy"]

    public static func load(name: String, directory: String? = nil, relativeTo base: URL? = nil,
                            trainLimit: Int? = nil, testLimit: Int? = nil, seed: UInt64 = 0,
                            normalization: Normalization = .symmetric, layout: NPYDatasetReader.Layout = .nchw,
                            classes: Int? = nil) throws -> DatasetSplit {
        guard let canonical = canonicalName(name) else {
            throw SpikeKitError.usage("unknown dataset '\(name)'; known datasets: \(knownNames.joined(separator: ", "))")
        }
        for (label, limit) in [("trainLimit", trainLimit), ("testLimit", testLimit)] {
            if let limit, limit <= 0 {
                throw SpikeKitError.usage("\(label) must be a positive number of images, got \(limit)")
            }
        }
        let folder: URL
        if let directory {
            folder = try DataPath.resolve(directory, relativeTo: base)
        } else if canonical == "fashion-mnist" {
            folder = try BundledData.fashionMNISTDirectory()
        } else {
            throw SpikeKitError.usage("dataset '\(canonical)' needs a data directory (there is no bundled copy); "
                                          + "expected files: \(expectedFiles(canonical))")
        }
        var split: DatasetSplit
        switch canonical {
        case "npy":
            split = try NPYDatasetReader.load(folder, layout: layout, classes: classes, normalization: normalization)
        case "fashion-mnist", "mnist":
            let names = canonical == "mnist" ? mnistClassNames : fashionMNISTClassNames
            split = DatasetSplit(
                train: try loadIDX(folder, prefix: "train", name: canonical, classNames: names, normalization: normalization),
                test: try loadIDX(folder, prefix: "t10k", name: canonical, classNames: names, normalization: normalization))
        default:
            let variant: CIFARReader.Variant = canonical == "cifar10" ? .cifar10 : .cifar100
            let files = try CIFARReader.files(in: folder, variant: variant)
            let names = variant == .cifar10 ? cifar10ClassNames : cifar100ClassNames(in: folder)
            split = DatasetSplit(
                train: try Dataset(name: canonical, images: try CIFARReader.read(files.train, variant: variant),
                                   classCount: variant.classCount, classNames: names, normalization: normalization),
                test: try Dataset(name: canonical, images: try CIFARReader.read(files.test, variant: variant),
                                  classCount: variant.classCount, classNames: names, normalization: normalization))
        }
        // Separate streams, so changing one limit never changes which images the other keeps.
        if let trainLimit { split.train = split.train.balancedSubset(limit: trainLimit, seed: seed, stream: 0) }
        if let testLimit { split.test = split.test.balancedSubset(limit: testLimit, seed: seed, stream: 1) }
        return split
    }

    /// The canonical name for `name`, or nil if it is not a known dataset.
    public static func canonicalName(_ name: String) -> String? {
        let key = name.lowercased().filter { $0 != "-" && $0 != "_" }
        return knownNames.first { $0.filter { $0 != "-" } == key }
    }

    private static func loadIDX(_ folder: URL, prefix: String, name: String, classNames: [String],
                                normalization: Normalization) throws -> Dataset {
        let images = try findFile(in: folder, stems: ["\(prefix)-images-idx3-ubyte", "\(prefix)-images.idx3-ubyte"], dataset: name)
        let labels = try findFile(in: folder, stems: ["\(prefix)-labels-idx1-ubyte", "\(prefix)-labels.idx1-ubyte"], dataset: name)
        let raw = try IDXReader.read(images: images, labels: labels, classCount: 10)
        guard raw.count > 0 else {
            throw SpikeKitError.dataFile(path: images, offset: 4, reason: "the file holds no images")
        }
        return try Dataset(name: name, images: raw, classCount: 10, classNames: classNames, normalization: normalization)
    }

    /// The first of `stems` (plain, then `.gz`) that exists in `folder`.
    private static func findFile(in folder: URL, stems: [String], dataset: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpikeKitError.io(path: folder.path, reason: "no such directory; expected the \(dataset) files "
                                       + expectedFiles(dataset))
        }
        for stem in stems {
            for name in [stem, stem + ".gz"] {
                let path = folder.appendingPathComponent(name).path
                if FileManager.default.fileExists(atPath: path) { return path }
            }
        }
        throw SpikeKitError.io(path: folder.path, reason: "no \(stems[0])[.gz] here; expected the \(dataset) files "
                                   + expectedFiles(dataset))
    }

    static func expectedFiles(_ dataset: String) -> String {
        switch dataset {
        case "cifar10": return CIFARReader.expectedNames(.cifar10)
        case "cifar100": return CIFARReader.expectedNames(.cifar100)
        case "npy": return NPYDatasetReader.fileNames.joined(separator: ", ")
        default:
            return "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                + "t10k-labels-idx1-ubyte, each optionally .gz"
        }
    }

    static let fashionMNISTClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    static let mnistClassNames = (0..<10).map(String.init)
    static let cifar10ClassNames = ["airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck"]

    /// CIFAR-100's fine class names from the archive's `fine_label_names.txt`, when it is there.
    private static func cifar100ClassNames(in folder: URL) -> [String]? {
        for directory in [folder, folder.appendingPathComponent("cifar-100-binary")] {
            let url = directory.appendingPathComponent("fine_label_names.txt")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            if names.count == 100 { return names }
        }
        return nil
    }
}
