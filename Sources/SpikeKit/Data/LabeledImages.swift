/// Images exactly as a data file stores them: one byte (0–255) per pixel, each sample laid out
/// channel-major (`[channels, height, width]`, the CIFAR and IDX order), with one label per sample.
///
/// This is what the IDX and CIFAR readers return; `Dataset` turns it into normalised floats.
public struct LabeledImages: Sendable, Equatable {
    /// `count × channels × height × width` bytes, sample after sample.
    public var pixels: [UInt8]
    /// One class index per sample.
    public var labels: [Int32]
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(pixels: [UInt8], labels: [Int32], channels: Int, height: Int, width: Int) {
        precondition(channels > 0 && height > 0 && width > 0,
                     "image shape must be positive, got \(channels)×\(height)×\(width)")
        precondition(pixels.count == labels.count * channels * height * width,
                     "\(labels.count) images of \(channels)×\(height)×\(width) need "
                         + "\(labels.count * channels * height * width) bytes, got \(pixels.count)")
        self.pixels = pixels
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// The number of samples.
    public var count: Int { labels.count }
    /// Bytes per sample (`channels × height × width`).
    public var sampleSize: Int { channels * height * width }

    /// Appends the samples of `other`, which must have the same image shape.
    public mutating func append(_ other: LabeledImages) {
        precondition(other.channels == channels && other.height == height && other.width == width,
                     "cannot append \(other.channels)×\(other.height)×\(other.width) images to "
                         + "\(channels)×\(height)×\(width) images")
        pixels.append(contentsOf: other.pixels)
        labels.append(contentsOf: other.labels)
    }
}
