/// Training-time image augmentation: a random crop from a padded image, then a random horizontal flip.
///
/// This is torchvision's `RandomCrop(size, padding: p)` followed by `RandomHorizontalFlip()`, as the
/// hybrid-conversion paper trains CIFAR: the image is padded by `cropPadding` black pixels on every
/// side and a window of the original size is cut at a uniformly random position (a shift of
/// −p…p pixels in each direction); then, with probability ½, each row is mirrored. Padding is done
/// on raw pixels before normalisation, so the fill is the normalised value of a black pixel
/// (`Dataset.blackLevel`; −1 with the default normalisation), not 0.0.
///
/// Optionally, after the crop and flip, each normalised pixel x is replaced by the mean of
/// `poissonSteps` Poisson frames, sign(x)·[U < |x|] per frame (DESIGN §3's rate code): the input a
/// spiking network with Poisson encoding integrates over that many steps. An ANN trained on it learns
/// to classify from the noisy rate estimate a short simulation sees.
///
/// The random numbers for a sample come from its own stream, `(seed, epoch, sample index)`, so a
/// sample's augmentation depends neither on the batch it lands in nor on the thread that builds it.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Pixels of padding on each side before the random crop; 0 disables cropping.
    public var cropPadding: Int
    /// Whether to mirror each image left-right with probability ½.
    public var horizontalFlip: Bool
    /// Poisson frames averaged into each training pixel; 0 keeps the analog pixels.
    public var poissonSteps: Int

    public init(cropPadding: Int = 0, horizontalFlip: Bool = false, poissonSteps: Int = 0) {
        precondition(cropPadding >= 0, "crop padding must be non-negative, got \(cropPadding)")
        precondition(poissonSteps >= 0, "Poisson steps must be non-negative, got \(poissonSteps)")
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
        self.poissonSteps = poissonSteps
    }

    private enum CodingKeys: String, CodingKey { case cropPadding, horizontalFlip, poissonSteps }

    /// Decodes `{"cropPadding": 4, "horizontalFlip": true}` (both optional), rejecting a negative padding.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let padding = try container.decodeIfPresent(Int.self, forKey: .cropPadding) ?? 0
        guard padding >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .cropPadding, in: container,
                                                   debugDescription: "cropPadding must be non-negative, got \(padding)")
        }
        let steps = try container.decodeIfPresent(Int.self, forKey: .poissonSteps) ?? 0
        guard steps >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .poissonSteps, in: container,
                                                   debugDescription: "poissonSteps must be non-negative, got \(steps)")
        }
        self.init(cropPadding: padding,
                  horizontalFlip: try container.decodeIfPresent(Bool.self, forKey: .horizontalFlip) ?? false,
                  poissonSteps: steps)
    }

    /// No augmentation.
    public static let none = Augmentation()

    /// Whether this augmentation leaves every image unchanged.
    public var isIdentity: Bool { cropPadding == 0 && !horizontalFlip && poissonSteps == 0 }

    /// Whether crops or flips move pixels (as opposed to only the Poisson rate code changing them).
    public var movesPixels: Bool { cropPadding > 0 || horizontalFlip }

    /// This augmentation with every pixel also rate-coded over `steps` Poisson frames.
    public func withPoissonSteps(_ steps: Int) -> Augmentation {
        Augmentation(cropPadding: cropPadding, horizontalFlip: horizontalFlip, poissonSteps: steps)
    }

    /// The usual choice for a dataset: padding 4 for 32×32 images and 2 for 28×28 ones, with flips,
    /// except for MNIST digits, whose mirror images are not digits.
    public static func standard(for dataset: Dataset) -> Augmentation {
        Augmentation(cropPadding: dataset.height >= 32 ? 4 : 2, horizontalFlip: dataset.name != "mnist")
    }

    /// One sample's random choices: the window's offset from the centred position, and the flip.
    public struct Draw: Sendable, Equatable {
        /// Output pixel (y, x) shows input pixel (y + shiftY, x + shiftX) before the flip.
        public var shiftY: Int
        public var shiftX: Int
        public var flip: Bool

        public init(shiftY: Int, shiftX: Int, flip: Bool) {
            self.shiftY = shiftY
            self.shiftX = shiftX
            self.flip = flip
        }
    }

    /// The choices for sample `index` in `epoch` (drawn in the fixed order: y, x, flip).
    public func draw(seed: UInt64, epoch: Int, index: Int) -> Draw {
        var generator = SeededGenerator(seed: seed, stream: [DataStreams.augmentation,
                                                             UInt64(bitPattern: Int64(epoch)),
                                                             UInt64(bitPattern: Int64(index))])
        return draw(using: &generator)
    }

    /// The choices drawn from `generator`.
    public func draw(using generator: inout SeededGenerator) -> Draw {
        let span = 2 * cropPadding + 1
        let shiftY = cropPadding > 0 ? generator.nextInt(below: span) - cropPadding : 0
        let shiftX = cropPadding > 0 ? generator.nextInt(below: span) - cropPadding : 0
        let flip = horizontalFlip && generator.nextBernoulli(0.5)
        return Draw(shiftY: shiftY, shiftX: shiftX, flip: flip)
    }

    /// `image` (`[channels, height, width]`) shifted and flipped as `draw` says, borders filled with
    /// `fill[channel]`.
    public static func apply(_ draw: Draw, to image: Tensor, fill: [Float]) -> Tensor {
        precondition(image.rank == 3, "augmentation needs a [channels, height, width] image, got \(image.shape)")
        precondition(fill.count == image.shape[0], "\(fill.count) fill values for \(image.shape[0]) channels")
        var output = [Float](repeating: 0, count: image.count)
        apply(draw, source: image.scalars, sourceOffset: 0, into: &output, outputOffset: 0,
              channels: image.shape[0], height: image.shape[1], width: image.shape[2], fill: fill)
        return Tensor(shape: image.shape, scalars: output)
    }

    /// Writes one transformed image from `source[sourceOffset...]` into `output[outputOffset...]`.
    ///
    /// Works a row at a time: each output row is either all fill (the window's row lies in the
    /// padding) or fill, then a contiguous run of the source row, then fill; a flip reverses the
    /// finished row. The runs are copied as slices, which compile to memory copies.
    static func apply(_ draw: Draw, source: [Float], sourceOffset: Int, into output: inout [Float], outputOffset: Int,
                      channels: Int, height: Int, width: Int, fill: [Float]) {
        // Columns x in first..<last read source column x + shiftX, which is inside 0..<width.
        let first = min(width, max(0, -draw.shiftX))
        let last = max(first, min(width, width - draw.shiftX))
        for c in 0..<channels {
            let fillValue = fill[c]
            for y in 0..<height {
                let row = outputOffset + (c * height + y) * width
                let sourceY = y + draw.shiftY
                if sourceY < 0 || sourceY >= height || first == last {
                    for x in row..<(row + width) { output[x] = fillValue }
                    continue
                }
                for x in row..<(row + first) { output[x] = fillValue }
                for x in (row + last)..<(row + width) { output[x] = fillValue }
                let sourceRow = sourceOffset + (c * height + sourceY) * width + draw.shiftX
                output[(row + first)..<(row + last)] = source[(sourceRow + first)..<(sourceRow + last)]
                if draw.flip { output[row..<(row + width)].reverse() }
            }
        }
    }

    /// Replaces each of the `count` pixels at `values[offset...]` by the mean of `poissonSteps` Poisson
    /// frames, drawing from the sample's own stream `(seed, epoch, index)` pixel by pixel, frame by frame.
    func rateCode(_ values: inout [Float], offset: Int, count: Int, seed: UInt64, epoch: Int, index: Int) {
        guard poissonSteps > 0 else { return }
        var generator = SeededGenerator(seed: seed, stream: [DataStreams.poissonAugmentation,
                                                             UInt64(bitPattern: Int64(epoch)),
                                                             UInt64(bitPattern: Int64(index))])
        let scale = 1 / Float(poissonSteps)
        values.withUnsafeMutableBufferPointer { pixels in
            for i in offset..<(offset + count) {
                let x = pixels[i]
                let rate = abs(x)
                var spikes = 0
                for _ in 0..<poissonSteps where generator.nextUniform() < rate { spikes += 1 }
                // Same comparison as the encoder (U < |x|), so the frames are the SNN's frames in distribution.
                pixels[i] = (x < 0 ? -1 : 1) * Float(spikes) * scale
            }
        }
    }
}
