/// The extent of a layer's neurons (or of the input image) as height × width × channels.
///
/// The simulator indexes neurons in height-width-channel order, `(y · width + x) · channels + c`, so
/// the channels of one position are contiguous: a convolution event then adds one contiguous weight
/// vector per target position. Fully connected layers are `1 × 1 × n`.
public struct FeatureShape: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int

    /// The shape a `kernel × kernel` pooling window moved by `stride` over this shape padded by
    /// `padding` on every side produces: ⌊(H + 2p − k) / s⌋ + 1 by ⌊(W + 2p − k) / s⌋ + 1, same channels.
    public func pooled(kernel k: Int, stride s: Int, padding p: Int = 0) -> FeatureShape {
        FeatureShape(height: (height + 2 * p - k) / s + 1, width: (width + 2 * p - k) / s + 1, channels: channels)
    }

    public init(height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// A `1 × 1 × n` shape for fully connected layers.
    public static func flat(_ n: Int) -> FeatureShape { FeatureShape(height: 1, width: 1, channels: n) }

    /// The number of spatial positions (height · width).
    @inlinable public var positions: Int { height * width }
    /// The number of neurons (height · width · channels).
    @inlinable public var count: Int { height * width * channels }

    public var description: String { "\(height)×\(width)×\(channels)" }

    /// The height-width-channel index of the element that sits at NCHW offset `(c, y, x)`.
    @inlinable public func hwcIndex(channel c: Int, y: Int, x: Int) -> Int { (y * width + x) * channels + c }
}
