import Foundation
import Testing
@testable import SpikeKit

@Suite struct DataLoaderTests {
    @Test func bundledFashionMNISTSubsetLoads() throws {
        let split = try DatasetLoader.load(name: "fashion-mnist")
        #expect(split.train.count == 6_000 && split.test.count == 1_000)
        #expect(split.train.classCounts == [Int](repeating: 600, count: 10))
        #expect(split.test.classCounts == [Int](repeating: 100, count: 10))
        #expect(split.train.sampleShape == [1, 28, 28] && split.train.classCount == 10)
        #expect(split.train.classNames[9] == "Ankle boot")
        #expect(split.train.images.count == 6_000 * 784)
        // Mean 0.5 / std 0.5 normalisation puts every value in [−1, 1], using both ends.
        #expect(split.train.images.min() == -1 && split.train.images.max() == 1)
        // The subset keeps file order: the original training file starts with labels 9, 0, 0, 3.
        #expect(Array(split.train.labels.prefix(4)) == [9, 0, 0, 3])
    }

    @Test func bundledLookupHonoursTheEnvironmentVariable() throws {
        let real = try BundledData.fashionMNISTDirectory(environment: [:])
        #expect(try BundledData.fashionMNISTDirectory(environment: ["SPIKEKIT_BUNDLED_DATA": real.path]) == real)
        let directory = TemporaryDirectory()
        let error = thrownSpikeKitError {
            _ = try BundledData.fashionMNISTDirectory(environment: ["SPIKEKIT_BUNDLED_DATA": directory.url.path])
        }
        guard case let .io(path, reason)? = error else {
            Issue.record("expected an io error, got \(String(describing: error))")
            return
        }
        #expect(path == directory.url.standardizedFileURL.path)
        #expect(reason.contains("SPIKEKIT_BUNDLED_DATA") && reason.contains("train-images-idx3-ubyte.gz"))
    }

    @Test func bundledLookupPrefersTheResourceBundleAndTriesTheSourceTreeLast() {
        let candidates = BundledData.candidateDirectories()
        #expect(candidates.last?.path.hasSuffix("Sources/SpikeKit/Resources/fashion-mnist-subset") == true)
        #expect(candidates.contains { $0.path.contains("SpikeKit_SpikeKit.resources") })
        #if os(Linux)
        // Under `swift test` on Linux the copy SwiftPM puts next to the test runner is found first.
        let found = try? BundledData.fashionMNISTDirectory(environment: [:])
        #expect(found?.path.contains("SpikeKit_SpikeKit.resources/fashion-mnist-subset") == true, "found \(String(describing: found))")
        #endif
    }

    @Test func limitsKeepABalancedSeededSubsetInFileOrder() throws {
        let full = try DatasetLoader.load(name: "fashion-mnist")
        let a = try DatasetLoader.load(name: "fashion-mnist", trainLimit: 1_005, testLimit: 50, seed: 7)
        let b = try DatasetLoader.load(name: "Fashion_MNIST", trainLimit: 1_005, testLimit: 50, seed: 7)
        let c = try DatasetLoader.load(name: "fashion-mnist", trainLimit: 1_005, testLimit: 50, seed: 8)
        #expect(a.train.count == 1_005 && a.test.count == 50)
        // 1005 = 10 × 100 + 5: the first five classes get one more.
        #expect(a.train.classCounts == [101, 101, 101, 101, 101, 100, 100, 100, 100, 100])
        #expect(a.test.classCounts == [Int](repeating: 5, count: 10))
        #expect(a.train.images == b.train.images && a.train.labels == b.train.labels)
        #expect(a.train.images != c.train.images)
        // Every kept image is an original one, and the kept images are in file order.
        let size = full.train.sampleSize
        var searchFrom = 0
        for i in 0..<a.train.count {
            let image = a.train.images[(i * size)..<((i + 1) * size)]
            let match = (searchFrom..<full.train.count).first { full.train.images[($0 * size)..<(($0 + 1) * size)] == image }
            guard let match else {
                Issue.record("image \(i) of the subset is not in the full set after index \(searchFrom)")
                return
            }
            #expect(full.train.labels[match] == a.train.labels[i])
            searchFrom = match + 1
            if i == 20 { break } // a prefix suffices; the search is quadratic
        }
        // A limit at least the dataset's size keeps everything.
        #expect(try DatasetLoader.load(name: "fashion-mnist", testLimit: 5_000).test.count == 1_000)
    }

    @Test func balancedSubsetGivesShortClassesTheirAll() {
        // Class 0 has 2 images, class 1 has 6: a limit of 6 takes both of class 0 and 4 of class 1.
        let labels: [Int32] = [1, 0, 1, 1, 1, 0, 1, 1]
        let images = (0..<8).map(Float.init)
        let dataset = Dataset(name: "t", images: images, labels: labels, channels: 1, height: 1, width: 1, classCount: 2)
        let subset = dataset.balancedSubset(limit: 6, seed: 1, stream: 0)
        #expect(subset.classCounts == [2, 4])
        #expect(subset.images == subset.images.sorted()) // file order kept
    }

    @Test func idxDirectoryResolvesRelativeToTheConfigFolder() throws {
        let root = TemporaryDirectory()
        let data = root.url.appendingPathComponent("data/digits")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let pixels = DataFileWriters.pattern(count: 3 * 784)
        try Data(try DataFileWriters.gzip(DataFileWriters.idxImages(count: 3, rows: 28, columns: 28, pixels: pixels)))
            .write(to: data.appendingPathComponent("train-images-idx3-ubyte.gz"))
        try Data(DataFileWriters.idxLabels([1, 2, 3])).write(to: data.appendingPathComponent("train-labels-idx1-ubyte"))
        try Data(DataFileWriters.idxImages(count: 1, rows: 28, columns: 28, pixels: Array(pixels[0..<784])))
            .write(to: data.appendingPathComponent("t10k-images.idx3-ubyte"))
        try Data(DataFileWriters.idxLabels([7])).write(to: data.appendingPathComponent("t10k-labels.idx1-ubyte"))

        let configFolder = root.url.appendingPathComponent("configs")
        let split = try DatasetLoader.load(name: "MNIST", directory: "../data/digits", relativeTo: configFolder,
                                           normalization: .unit)
        #expect(split.train.count == 3 && split.test.labels == [7] && split.train.name == "mnist")
        #expect(split.train.images[0..<784].elementsEqual(pixels[0..<784].map { Float($0) / 255 }))
    }

    @Test func missingFilesNameTheDirectoryAndTheExpectedNames() throws {
        let directory = TemporaryDirectory()
        let error = thrownSpikeKitError { _ = try DatasetLoader.load(name: "mnist", directory: directory.url.path) }
        guard case let .io(path, reason)? = error else {
            Issue.record("expected an io error, got \(String(describing: error))")
            return
        }
        #expect(path == directory.url.standardizedFileURL.path)
        #expect(reason.contains("train-images-idx3-ubyte") && reason.contains("t10k-labels-idx1-ubyte"))

        let absent = directory.url.appendingPathComponent("absent").path
        let missing = thrownSpikeKitError { _ = try DatasetLoader.load(name: "fashion-mnist", directory: absent) }
        guard case let .io(path2, reason2)? = missing else {
            Issue.record("expected an io error, got \(String(describing: missing))")
            return
        }
        #expect(path2 == absent && reason2.contains("no such directory"))
    }

    @Test func namesAndLimitsAreChecked() {
        #expect(DatasetLoader.canonicalName("CIFAR-10") == "cifar10")
        #expect(DatasetLoader.canonicalName("cifar_100") == "cifar100")
        #expect(DatasetLoader.canonicalName("imagenet") == nil)
        let unknown = thrownSpikeKitError { _ = try DatasetLoader.load(name: "imagenet") }
        #expect(unknown?.description.contains("fashion-mnist, mnist, cifar10, cifar100") == true)
        let noDirectory = thrownSpikeKitError { _ = try DatasetLoader.load(name: "cifar10") }
        #expect(noDirectory?.description.contains("needs a data directory") == true)
        let badLimit = thrownSpikeKitError { _ = try DatasetLoader.load(name: "fashion-mnist", trainLimit: 0) }
        #expect(badLimit?.description.contains("trainLimit") == true)
        #expect(badLimit?.exitCode == 64)
    }

    @Test func normalizationIsAppliedPerChannel() throws {
        let raw = LabeledImages(pixels: [0, 255, 51, 102, 0, 255], labels: [0, 1], channels: 3, height: 1, width: 1)
        let normalization = Normalization(mean: [0, 0.5, 0.2], standardDeviation: [1, 0.5, 0.4])
        let dataset = try Dataset(name: "t", images: raw, classCount: 2, normalization: normalization)
        let expected: [Float] = [0, 1, (0.2 - 0.2) / 0.4, 0.4, -1, (1 - 0.2) / 0.4]
        for (value, want) in zip(dataset.images, expected) { #expect(abs(value - want) < 1e-6, "\(value) vs \(want)") }
        #expect(dataset.blackLevel == [0, -1, -0.5])
        let mismatched = thrownSpikeKitError {
            _ = try Dataset(name: "t", images: raw, classCount: 2, normalization: Normalization(mean: [0, 0], standardDeviation: [1]))
        }
        #expect(mismatched?.description.contains("3 channels") == true)
        let zeroStd = thrownSpikeKitError {
            _ = try Dataset(name: "t", images: raw, classCount: 2, normalization: Normalization(mean: [0], standardDeviation: [0]))
        }
        #expect(zeroStd?.description.contains("positive") == true)
    }
}

/// The full Fashion-MNIST of Debian's `dataset-fashion-mnist` package, where it is installed.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"),
                "needs /usr/share/datasets/fashion-mnist"))
struct DataFullFashionMNISTTests {
    @Test func readsTheOriginalTestFiles() throws {
        // The test split only: the training files hold 60,000 images and would slow the debug test run.
        let directory = "/usr/share/datasets/fashion-mnist"
        let test = try IDXReader.read(images: directory + "/t10k-images-idx3-ubyte.gz",
                                      labels: directory + "/t10k-labels-idx1-ubyte.gz")
        #expect(test.count == 10_000 && test.height == 28 && test.width == 28)
        var counts = [Int](repeating: 0, count: 10)
        for label in test.labels { counts[Int(label)] += 1 }
        #expect(counts == [Int](repeating: 1_000, count: 10))
        // The bundled subset's test images are the first 100 of each class of these, in file order.
        let bundled = try DatasetLoader.load(name: "fashion-mnist", normalization: .unit).test
        var taken = [Int](repeating: 0, count: 10)
        var next = 0
        for index in 0..<test.count where taken[Int(test.labels[index])] < 100 {
            taken[Int(test.labels[index])] += 1
            #expect(bundled.labels[next] == test.labels[index])
            let original = test.pixels[(index * 784)..<((index + 1) * 784)].map { Float($0) / 255 }
            #expect(bundled.images[(next * 784)..<((next + 1) * 784)].elementsEqual(original), "bundled test image \(next)")
            next += 1
        }
        #expect(next == 1_000)
    }
}

@Suite struct DataPathTests {
    let environment = ["DATA": "/srv/data", "SUB": "fashion", "HOME": "/home/u"]

    @Test func expandsVariablesAndHome() throws {
        #expect(try DataPath.resolve("$DATA/x", environment: environment).path == "/srv/data/x")
        #expect(try DataPath.resolve("${DATA}/${SUB}-mnist", environment: environment).path == "/srv/data/fashion-mnist")
        #expect(try DataPath.resolve("~/d", environment: environment).path == "/home/u/d")
        #expect(try DataPath.resolve("/a/$$b", environment: environment).path == "/a/$b")
    }

    @Test func relativePathsUseTheBase() throws {
        let base = URL(fileURLWithPath: "/configs/experiments", isDirectory: true)
        #expect(try DataPath.resolve("../data", relativeTo: base, environment: environment).path == "/configs/data")
        #expect(try DataPath.resolve("$SUB", relativeTo: base, environment: environment).path == "/configs/experiments/fashion")
        #expect(try DataPath.resolve("/abs", relativeTo: base, environment: environment).path == "/abs")
    }

    @Test func unsetOrMalformedVariablesAreErrors() {
        let unset = thrownSpikeKitError { _ = try DataPath.resolve("$NOPE/x", environment: environment) }
        #expect(unset?.description.contains("NOPE") == true && unset?.description.contains("not set") == true)
        let unclosed = thrownSpikeKitError { _ = try DataPath.resolve("${DATA", environment: environment) }
        #expect(unclosed?.description.contains("closing") == true)
        let bare = thrownSpikeKitError { _ = try DataPath.resolve("a/$/b", environment: environment) }
        #expect(bare?.description.contains("variable name") == true)
    }
}
