import Foundation

/// A dataset given as four NumPy arrays, so any data a user can turn into arrays works:
/// `train_images.npy`, `train_labels.npy`, `test_images.npy`, `test_labels.npy` in one folder.
///
/// Images are uint8 (0–255, pixel value byte/255) or float32/float64 (pixel values, normally in
/// [0, 1]), shaped N×C×H×W (`layout` `nchw`, PyTorch's order), N×H×W×C (`nhwc`, NumPy's and
/// TensorFlow's), or N×H×W (one channel); either way they are normalised afterwards like any dataset
/// ((x − mean_c)/std_c, `data.normalization`; `none` passes float images unchanged). Labels are a
/// 1-D integer array (any NumPy integer dtype) of N class indices in [0, classes); `classes`
/// defaults to the largest label + 1. Every check names the file: a wrong rank, dtype, image shape
/// that differs between training and test set, label count, out-of-range label or non-finite pixel.
public enum NPYDatasetReader {
    /// How image arrays order their axes.
    public enum Layout: String, CaseIterable, Sendable {
        case nchw
        case nhwc
    }

    public static let fileNames = ["train_images.npy", "train_labels.npy", "test_images.npy", "test_labels.npy"]

    public static func load(_ folder: URL, layout: Layout, classes: Int?, normalization: Normalization) throws -> DatasetSplit {
        func file(_ name: String) throws -> URL {
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw SpikeKitError.io(path: url.path, reason: "missing; an npy dataset needs \(fileNames.joined(separator: ", "))")
            }
            return url
        }
        let trainImages = try NumPy.readArray(from: try file("train_images.npy"))
        let testImages = try NumPy.readArray(from: try file("test_images.npy"))
        let trainShape = try imageShape(trainImages, layout: layout)
        let testShape = try imageShape(testImages, layout: layout)
        let trainLabels = try labels(NumPy.readArray(from: try file("train_labels.npy")), count: trainImages.shape.first ?? 0,
                                     images: trainImages.path)
        let testLabels = try labels(NumPy.readArray(from: try file("test_labels.npy")), count: testImages.shape.first ?? 0,
                                    images: testImages.path)
        guard trainShape == testShape else {
            throw SpikeKitError.dataFile(path: testImages.path, offset: nil,
                                     reason: "test images are \(describe(testShape)) but training images are \(describe(trainShape))")
        }
        let largest = (trainLabels + testLabels).max() ?? 0
        let classCount = classes ?? largest + 1
        for (labels, array) in [(trainLabels, "train_labels.npy"), (testLabels, "test_labels.npy")] {
            if let k = labels.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
                throw SpikeKitError.dataFile(path: folder.appendingPathComponent(array).path, offset: nil,
                                         reason: "label \(k) is \(labels[k]), outside 0..<\(classCount)"
                                             + (classes == nil ? "" : " (data.classes is \(classCount))"))
            }
        }
        guard classCount >= 2 else {
            throw SpikeKitError.dataFile(path: folder.path, offset: nil, reason: "the labels name only \(classCount) class; a classifier needs at least 2")
        }
        try normalization.validate(channels: trainShape.channels)
        func dataset(_ images: NumPyArray, _ labels: [Int]) throws -> Dataset {
            try makeDataset(images, labels: labels.map { Int32($0) }, shape: trainShape, layout: layout, classes: classCount,
                            normalization: normalization)
        }
        return DatasetSplit(train: try dataset(trainImages, trainLabels), test: try dataset(testImages, testLabels))
    }

    /// (channels, height, width) of one image of `array`.
    static func imageShape(_ array: NumPyArray, layout: Layout) throws -> (channels: Int, height: Int, width: Int) {
        let shape = array.shape
        switch (shape.count, layout) {
        case (3, _): return (1, shape[1], shape[2])
        case (4, .nchw): return (shape[1], shape[2], shape[3])
        case (4, .nhwc): return (shape[3], shape[1], shape[2])
        default:
            throw SpikeKitError.dataFile(path: array.path, offset: nil,
                                     reason: "images must be N×C×H×W, N×H×W×C (data.layout) or N×H×W, got shape \(shape)")
        }
    }

    static func describe(_ s: (channels: Int, height: Int, width: Int)) -> String { "\(s.channels)×\(s.height)×\(s.width)" }

    static func labels(_ array: NumPyArray, count: Int, images: String) throws -> [Int] {
        guard array.dtype.isInteger else {
            throw SpikeKitError.dataFile(path: array.path, offset: nil,
                                     reason: "labels must be integers, got \(array.dtype.name) ('\(array.dtype.rawValue)')")
        }
        guard array.shape == [count] else {
            throw SpikeKitError.dataFile(path: array.path, offset: nil,
                                     reason: "expected \(count) labels (one per image of \(images)) as a 1-D array, got shape \(array.shape)")
        }
        return try array.integers()
    }

    /// The dataset from an image array in `layout`, as NCHW values.
    static func makeDataset(_ array: NumPyArray, labels: [Int32], shape: (channels: Int, height: Int, width: Int),
                            layout: Layout, classes: Int, normalization: Normalization) throws -> Dataset {
        let (c, h, w) = shape
        let count = labels.count, plane = h * w, size = c * plane
        guard count > 0 else { throw SpikeKitError.dataFile(path: array.path, offset: nil, reason: "the array holds no images") }
        /// NCHW position of element k of the file.
        func nchw(_ k: Int) -> Int {
            guard layout == .nhwc && c > 1 else { return k }
            let n = k / size, r = k % size
            let y = r / (w * c), x = (r / c) % w, ch = r % c
            return n * size + (ch * h + y) * w + x
        }
        if array.dtype == .uint8 {
            let bytes = try array.bytes()
            var pixels = [UInt8](repeating: 0, count: bytes.count)
            for k in bytes.indices { pixels[nchw(k)] = bytes[k] }
            return try Dataset(name: "npy", images: LabeledImages(pixels: pixels, labels: labels, channels: c, height: h, width: w),
                               classCount: classes, normalization: normalization)
        }
        guard !array.dtype.isInteger else {
            throw SpikeKitError.dataFile(path: array.path, offset: nil,
                                     reason: "images must be uint8, float32 or float64, got \(array.dtype.name) ('\(array.dtype.rawValue)')")
        }
        let raw = try array.floats()
        if let k = raw.firstIndex(where: { !$0.isFinite }) {
            throw SpikeKitError.dataFile(path: array.path, offset: nil, reason: "pixel \(k) is \(raw[k]); images must be finite")
        }
        var values = [Float](repeating: 0, count: raw.count)
        for k in raw.indices {
            let target = nchw(k)
            let channel = (target % size) / plane
            let mean = normalization.mean.count == 1 ? normalization.mean[0] : normalization.mean[channel]
            let std = normalization.standardDeviation.count == 1 ? normalization.standardDeviation[0] : normalization.standardDeviation[channel]
            values[target] = (raw[k] - mean) / std
        }
        return Dataset(name: "npy", images: values, labels: labels, channels: c, height: h, width: w, classCount: classes,
                       normalization: normalization)
    }
}
