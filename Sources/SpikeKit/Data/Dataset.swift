/// A set of labelled images ready for a network: one contiguous array of normalised floats in
/// `[count, channels, height, width]` order, and one class index per image.
///
/// `Dataset` is a value (its arrays are copy-on-write), so handing it to a trainer, a calibration
/// step and a simulator costs nothing. It remembers the `Normalization` that produced its values, so
/// augmentation can pad with the value a black pixel normalises to.
public struct Dataset: Sendable {
    /// A short name such as `fashion-mnist` or `cifar10` (for reports).
    public var name: String
    /// `count × channels × height × width` normalised pixel values, sample after sample.
    public private(set) var images: [Float]
    /// The class of each image, in `0..<classCount`.
    public private(set) var labels: [Int32]
    public let channels: Int
    public let height: Int
    public let width: Int
    /// The number of classes of the task (not only those present).
    public let classCount: Int
    /// Human-readable class names, `classCount` of them.
    public let classNames: [String]
    /// The mapping from bytes to the values in `images`.
    public let normalization: Normalization

    /// A dataset from already normalised values.
    public init(name: String, images: [Float], labels: [Int32], channels: Int, height: Int, width: Int,
                classCount: Int, classNames: [String]? = nil, normalization: Normalization = .symmetric) {
        precondition(channels > 0 && height > 0 && width > 0 && classCount > 0,
                     "dataset shape must be positive, got \(channels)×\(height)×\(width), \(classCount) classes")
        precondition(images.count == labels.count * channels * height * width,
                     "\(labels.count) images of \(channels)×\(height)×\(width) need "
                         + "\(labels.count * channels * height * width) values, got \(images.count)")
        precondition(classNames == nil || classNames?.count == classCount,
                     "\(classNames?.count ?? 0) class names for \(classCount) classes")
        self.name = name
        self.images = images
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
        self.classCount = classCount
        self.classNames = classNames ?? (0..<classCount).map(String.init)
        self.normalization = normalization
    }

    /// A dataset from raw bytes, normalised with `normalization` (which must fit the channel count).
    public init(name: String, images raw: LabeledImages, classCount: Int, classNames: [String]? = nil,
                normalization: Normalization = .symmetric) throws {
        try normalization.validate(channels: raw.channels)
        // A 256-entry table per channel turns normalisation into one lookup per pixel.
        let tables = (0..<raw.channels).map { normalization.table(channel: $0) }
        let plane = raw.height * raw.width
        var values = [Float](repeating: 0, count: raw.pixels.count)
        var i = 0
        for _ in 0..<raw.count {
            for c in 0..<raw.channels {
                let table = tables[c]
                for _ in 0..<plane {
                    values[i] = table[Int(raw.pixels[i])]
                    i += 1
                }
            }
        }
        self.init(name: name, images: values, labels: raw.labels, channels: raw.channels, height: raw.height,
                  width: raw.width, classCount: classCount, classNames: classNames, normalization: normalization)
    }

    /// The number of images.
    public var count: Int { labels.count }
    /// Values per image (`channels × height × width`).
    public var sampleSize: Int { channels * height * width }
    /// The shape of one image, `[channels, height, width]`.
    public var sampleShape: [Int] { [channels, height, width] }

    /// Image `index` as a `[channels, height, width]` tensor.
    public func image(_ index: Int) -> Tensor {
        precondition(index >= 0 && index < count, "image \(index) out of range 0..<\(count)")
        return Tensor(shape: sampleShape, scalars: Array(images[(index * sampleSize)..<((index + 1) * sampleSize)]))
    }

    /// How many images of each class the dataset holds.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }

    /// The images at `indices`, in that order (repeats allowed).
    public func subset(_ indices: [Int]) -> Dataset {
        let size = sampleSize
        var values: [Float] = []
        values.reserveCapacity(indices.count * size)
        var chosenLabels: [Int32] = []
        chosenLabels.reserveCapacity(indices.count)
        for index in indices {
            precondition(index >= 0 && index < count, "subset index \(index) out of range 0..<\(count)")
            values.append(contentsOf: images[(index * size)..<((index + 1) * size)])
            chosenLabels.append(labels[index])
        }
        return Dataset(name: name, images: values, labels: chosenLabels, channels: channels, height: height,
                       width: width, classCount: classCount, classNames: classNames, normalization: normalization)
    }

    /// The normalised value of a black (zero) pixel in each channel: the fill for padded borders.
    public var blackLevel: [Float] {
        (0..<channels).map { normalization.normalize(0, channel: $0) }
    }
}

/// The training and test parts of one dataset.
public struct DatasetSplit: Sendable {
    public var train: Dataset
    public var test: Dataset

    public init(train: Dataset, test: Dataset) {
        self.train = train
        self.test = test
    }
}
