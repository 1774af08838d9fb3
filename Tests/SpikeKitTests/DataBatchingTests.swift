import Testing
@testable import SpikeKit

@Suite struct DataBatchingTests {
    /// 10 images of 2×3×3 whose values encode (image, channel, y, x), labels image % 4.
    static func dataset(count: Int = 10) -> Dataset {
        let images = (0..<(count * 18)).map(Float.init)
        let labels = (0..<count).map { Int32($0 % 4) }
        return Dataset(name: "t", images: images, labels: labels, channels: 2, height: 3, width: 3, classCount: 4)
    }

    @Test func sameSeedAndEpochGiveTheSameOrder() {
        let d = Self.dataset(count: 100)
        #expect(d.epochOrder(seed: 3, epoch: 0) == d.epochOrder(seed: 3, epoch: 0))
        #expect(d.epochOrder(seed: 3, epoch: 0) != d.epochOrder(seed: 3, epoch: 1))
        #expect(d.epochOrder(seed: 3, epoch: 0) != d.epochOrder(seed: 4, epoch: 0))
        #expect(d.epochOrder(seed: 3, epoch: 5).sorted() == Array(0..<100))
        #expect(d.epochOrder(seed: 3, epoch: 5, shuffle: false) == Array(0..<100))
    }

    @Test func batchesCoverTheEpochAndKeepTheLastPartialBatch() {
        let d = Self.dataset()
        let batches = d.batches(size: 4, seed: 1, epoch: 2)
        #expect(batches.count == 3)
        #expect(batches.map(\.count) == [4, 4, 2])
        #expect(batches.flatMap(\.indices) == d.epochOrder(seed: 1, epoch: 2))
        for batch in batches {
            #expect(batch.images.shape == [batch.count, 2, 3, 3])
            for (slot, index) in batch.indices.enumerated() {
                #expect(batch.labels[slot] == d.labels[index])
                #expect(batch.images.slice(slot) == d.image(index))
            }
        }
    }

    @Test func augmentedBatchesAreDeterministicAndIndependentOfGrouping() {
        let d = Self.dataset(count: 37)
        let augmentation = Augmentation(cropPadding: 1, horizontalFlip: true)
        let a = d.batches(size: 8, seed: 9, epoch: 4, augmentation: augmentation)
        let b = d.batches(size: 8, seed: 9, epoch: 4, augmentation: augmentation)
        #expect(a.map(\.images) == b.map(\.images))
        // Each sample's augmentation is a function of (seed, epoch, index) alone, so batches of
        // another size or order, or one sample at a time (as any thread split would build them),
        // give every image the same pixels.
        let c = d.batches(size: 5, seed: 9, epoch: 4, augmentation: augmentation)
        var bySample: [Int: Tensor] = [:]
        for batch in c { for (slot, index) in batch.indices.enumerated() { bySample[index] = batch.images.slice(slot) } }
        for batch in a {
            for (slot, index) in batch.indices.enumerated() {
                #expect(batch.images.slice(slot) == bySample[index])
                let alone = d.makeBatch(indices: [index], augmentation: augmentation, seed: 9, epoch: 4)
                #expect(alone.images.slice(0) == bySample[index])
            }
        }
        // Another epoch augments differently.
        let e = d.batches(size: 8, seed: 9, epoch: 5, augmentation: augmentation)
        #expect(d.makeBatch(indices: Array(0..<37), augmentation: augmentation, seed: 9, epoch: 4).images
                    != d.makeBatch(indices: Array(0..<37), augmentation: augmentation, seed: 9, epoch: 5).images)
        #expect(e.count == a.count)
    }

    @Test func augmentedBatchMatchesTheReferenceTransform() {
        let d = Self.dataset(count: 6)
        let augmentation = Augmentation(cropPadding: 2, horizontalFlip: true)
        let batch = d.makeBatch(indices: [5, 0, 3], augmentation: augmentation, seed: 11, epoch: 1)
        for (slot, index) in batch.indices.enumerated() {
            let draw = augmentation.draw(seed: 11, epoch: 1, index: index)
            let expected = DataAugmentationTests.reference(d.image(index), draw: draw, fill: d.blackLevel)
            #expect(batch.images.slice(slot) == expected, "sample \(index), draw \(draw)")
        }
    }
}

@Suite struct DataAugmentationTests {
    /// The definition, pixel by pixel: out(c, y, x) = in(c, y + shiftY, x' + shiftX) with
    /// x' = W − 1 − x when flipped, else x; fill outside the image.
    static func reference(_ image: Tensor, draw: Augmentation.Draw, fill: [Float]) -> Tensor {
        let (channels, height, width) = (image.shape[0], image.shape[1], image.shape[2])
        var output = Tensor(shape: image.shape)
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    let sx = (draw.flip ? width - 1 - x : x) + draw.shiftX
                    let sy = y + draw.shiftY
                    output[c, y, x] = sy >= 0 && sy < height && sx >= 0 && sx < width ? image[c, sy, sx] : fill[c]
                }
            }
        }
        return output
    }

    static let image = Tensor(shape: [3, 5, 4], scalars: (0..<60).map { Float($0) + 0.5 })
    static let fill: [Float] = [-1, -2, -3]

    @Test func matchesTheReferenceForEveryShiftAndFlip() {
        // Shifts beyond the image size (the whole window in the padding) are included.
        for shiftY in -6...6 {
            for shiftX in -5...5 {
                for flip in [false, true] {
                    let draw = Augmentation.Draw(shiftY: shiftY, shiftX: shiftX, flip: flip)
                    let got = Augmentation.apply(draw, to: Self.image, fill: Self.fill)
                    #expect(got == Self.reference(Self.image, draw: draw, fill: Self.fill), "draw \(draw)")
                }
            }
        }
    }

    @Test func flippingTwiceIsTheIdentity() {
        let flip = Augmentation.Draw(shiftY: 0, shiftX: 0, flip: true)
        let once = Augmentation.apply(flip, to: Self.image, fill: Self.fill)
        #expect(once != Self.image)
        #expect(Augmentation.apply(flip, to: once, fill: Self.fill) == Self.image)
        #expect(Augmentation.apply(Augmentation.Draw(shiftY: 0, shiftX: 0, flip: false), to: Self.image, fill: Self.fill) == Self.image)
    }

    @Test func cropKeepsTheShapeAndOnlyMovesPixels() {
        let draw = Augmentation.Draw(shiftY: 2, shiftX: -1, flip: false)
        let out = Augmentation.apply(draw, to: Self.image, fill: Self.fill)
        #expect(out.shape == Self.image.shape)
        // Rows 3, 4 come from the padding; column 0 too.
        #expect(out[1, 3, 2] == -2 && out[0, 0, 0] == -1)
        #expect(out[2, 0, 1] == Self.image[2, 2, 0])
    }

    @Test func drawsStayWithinThePaddingAndUseEveryOffset() {
        let augmentation = Augmentation(cropPadding: 2, horizontalFlip: true)
        var seenY = Set<Int>(), seenX = Set<Int>(), flips = 0
        for index in 0..<2_000 {
            let draw = augmentation.draw(seed: 1, epoch: 0, index: index)
            seenY.insert(draw.shiftY)
            seenX.insert(draw.shiftX)
            if draw.flip { flips += 1 }
        }
        #expect(seenY == Set(-2...2) && seenX == Set(-2...2))
        #expect(flips > 900 && flips < 1_100)
        let none = Augmentation.none.draw(seed: 1, epoch: 0, index: 0)
        #expect(none == Augmentation.Draw(shiftY: 0, shiftX: 0, flip: false))
    }

    @Test func standardChoicesFollowTheDataset() {
        let mnist = Dataset(name: "mnist", images: [Float](repeating: 0, count: 784), labels: [0], channels: 1,
                            height: 28, width: 28, classCount: 10)
        let cifar = Dataset(name: "cifar10", images: [Float](repeating: 0, count: 3072), labels: [0], channels: 3,
                            height: 32, width: 32, classCount: 10)
        #expect(Augmentation.standard(for: mnist) == Augmentation(cropPadding: 2, horizontalFlip: false))
        #expect(Augmentation.standard(for: cifar) == Augmentation(cropPadding: 4, horizontalFlip: true))
    }
}

@Suite struct PoissonInputAugmentationTests {
    /// 200 images of 4 pixels with the values −1, −0.3, 0.25, 0.9 (normalised range).
    static func dataset() -> Dataset {
        let pixels: [Float] = [-1, -0.3, 0.25, 0.9]
        return Dataset(name: "t", images: Array((0..<200).map { _ in pixels }.joined()), labels: [Int32](repeating: 0, count: 200),
                       channels: 1, height: 2, width: 2, classCount: 2)
    }

    @Test func pixelsBecomeSignedSpikeCountsOverTheSteps() {
        let d = Self.dataset()
        let steps = 8
        let batch = d.makeBatch(indices: Array(0..<200), augmentation: Augmentation(poissonSteps: steps), seed: 4, epoch: 2)
        var means = [Double](repeating: 0, count: 4)
        for (k, value) in batch.images.scalars.enumerated() {
            let original = d.images[k]
            let spikes = value * Float(steps)
            // A whole number of spikes out of `steps`, with the pixel's sign (or 0).
            #expect(spikes == spikes.rounded() && abs(spikes) <= Float(steps), "pixel \(k): \(value)")
            #expect(value == 0 || (value < 0) == (original < 0), "pixel \(k): \(value) for \(original)")
            means[k % 4] += Double(value) / 200
        }
        // |x| = 1 always spikes; the others average to x (binomial standard error of the mean < 0.012).
        #expect(batch.images.scalars.enumerated().allSatisfy { $0.offset % 4 != 0 || $0.element == -1 })
        for (mean, expected) in zip(means, [-1.0, -0.3, 0.25, 0.9]) {
            #expect(abs(mean - expected) < 0.05, "mean \(mean), expected \(expected)")
        }
    }

    @Test func theRateCodeDependsOnlyOnSeedEpochAndIndex() {
        let d = Self.dataset()
        let augmentation = Augmentation(cropPadding: 0, horizontalFlip: false, poissonSteps: 4)
        let all = d.makeBatch(indices: Array(0..<200), augmentation: augmentation, seed: 7, epoch: 0).images
        let one = d.makeBatch(indices: [37], augmentation: augmentation, seed: 7, epoch: 0).images
        #expect(all.slice(37) == one.slice(0))
        #expect(d.makeBatch(indices: Array(0..<200), augmentation: augmentation, seed: 7, epoch: 1).images != all)
        // Crops and flips draw from their own stream: adding the rate code leaves the draw unchanged.
        let moved = Augmentation(cropPadding: 1, horizontalFlip: true)
        #expect(moved.draw(seed: 7, epoch: 0, index: 5) == moved.withPoissonSteps(4).draw(seed: 7, epoch: 0, index: 5))
        #expect(!Augmentation(poissonSteps: 3).isIdentity && !Augmentation(poissonSteps: 3).movesPixels)
    }

    @Test func trainingSettingsAndConfigCarryTheSteps() throws {
        #expect(TrainingSettings(poissonInputSteps: 8).problems().isEmpty)
        #expect(TrainingSettings(poissonInputSteps: -1).problems().map(\.keyPath) == ["training.poissonInputSteps"])
    }
}
