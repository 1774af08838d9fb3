import Foundation
import Testing
@testable import SpikeKit

@Suite struct DataCIFARTests {
    static let pixels = DataFileWriters.pattern(count: 4 * 3072)

    @Test(arguments: [false, true])
    func cifar10RoundTrip(compressed: Bool) throws {
        let directory = TemporaryDirectory()
        let labels: [UInt8] = [6, 9, 0, 4]
        let bytes = DataFileWriters.cifar10(labels: labels, pixels: Self.pixels)
        let path = try directory.write(compressed ? DataFileWriters.gzip(bytes) : bytes, to: "data_batch_1.bin")
        let read = try CIFARReader.read(path, variant: .cifar10)
        #expect(read.count == 4 && read.channels == 3 && read.height == 32 && read.width == 32)
        #expect(read.labels == labels.map(Int32.init))
        #expect(read.pixels == Self.pixels)
    }

    @Test(arguments: [false, true])
    func cifar100UsesTheFineLabel(compressed: Bool) throws {
        let directory = TemporaryDirectory()
        let coarse: [UInt8] = [19, 0, 5, 11], fine: [UInt8] = [99, 42, 0, 7]
        let bytes = DataFileWriters.cifar100(coarse: coarse, fine: fine, pixels: Self.pixels)
        let path = try directory.write(compressed ? DataFileWriters.gzip(bytes) : bytes, to: "train.bin")
        let read = try CIFARReader.read(path, variant: .cifar100)
        #expect(read.labels == fine.map(Int32.init))
        #expect(read.pixels == Self.pixels)
    }

    @Test func partialRecordIsReportedWhereItStarts() throws {
        let directory = TemporaryDirectory()
        let bytes = DataFileWriters.cifar10(labels: [1, 2, 3, 4], pixels: Self.pixels)
        let path = try directory.write(Array(bytes.dropLast(100)), to: "data_batch_1.bin")
        expectDataFileError(path: path, offset: 3 * 3073, mentioning: ["record 3 is incomplete", "2973 of 3073"]) {
            _ = try CIFARReader.read(path, variant: .cifar10)
        }
    }

    @Test func partialCompressedRecordReportsTheDecompressedOffset() throws {
        let directory = TemporaryDirectory()
        let bytes = DataFileWriters.cifar100(coarse: [1, 2, 3, 4], fine: [1, 2, 3, 4], pixels: Self.pixels)
        let path = try directory.write(DataFileWriters.gzip(bytes + [7]), to: "test.bin.gz")
        expectDataFileError(path: path, offset: 4 * 3074, mentioning: ["record 4 is incomplete", "decompressed"]) {
            _ = try CIFARReader.read(path, variant: .cifar100)
        }
    }

    @Test func cifar10FileReadAsCifar100IsRecognised() throws {
        let directory = TemporaryDirectory()
        let bytes = DataFileWriters.cifar10(labels: [1, 2, 3, 4], pixels: Self.pixels)
        let path = try directory.write(bytes, to: "train.bin")
        // 4 × 3073 = 12292 = 3 × 3074 + 3070: the fourth CIFAR-100 record is partial.
        expectDataFileError(path: path, offset: 3 * 3074, mentioning: ["looks like a CIFAR-10 file"]) {
            _ = try CIFARReader.read(path, variant: .cifar100)
        }
    }

    @Test func cifar10LabelOutOfRangeIsReportedAtItsByte() throws {
        let directory = TemporaryDirectory()
        let bytes = DataFileWriters.cifar10(labels: [1, 2, 10, 4], pixels: Self.pixels)
        let path = try directory.write(bytes, to: "data_batch_1.bin")
        expectDataFileError(path: path, offset: 2 * 3073, mentioning: ["label 10 of record 2", "0..<10"]) {
            _ = try CIFARReader.read(path, variant: .cifar10)
        }
    }

    @Test func cifar100FineLabelOutOfRangeIsReportedAtItsByte() throws {
        let directory = TemporaryDirectory()
        let bytes = DataFileWriters.cifar100(coarse: [1, 2, 3, 4], fine: [1, 2, 3, 100], pixels: Self.pixels)
        let path = try directory.write(bytes, to: "train.bin")
        expectDataFileError(path: path, offset: 3 * 3074 + 1, mentioning: ["label 100 of record 3", "0..<100"]) {
            _ = try CIFARReader.read(path, variant: .cifar100)
        }
    }

    @Test func cifar100CoarseLabelOutOfRangeIsReportedAtItsByte() throws {
        let directory = TemporaryDirectory()
        let bytes = DataFileWriters.cifar100(coarse: [1, 20, 3, 4], fine: [1, 2, 3, 4], pixels: Self.pixels)
        let path = try directory.write(bytes, to: "train.bin")
        expectDataFileError(path: path, offset: 1 * 3074, mentioning: ["coarse label 20 of record 1"]) {
            _ = try CIFARReader.read(path, variant: .cifar100)
        }
    }

    @Test func emptyFileIsAnError() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write([], to: "test_batch.bin")
        expectDataFileError(path: path, offset: 0, mentioning: ["empty"]) {
            _ = try CIFARReader.read(path, variant: .cifar10)
        }
    }

    @Test func directoryListingFindsStandardNames() throws {
        let directory = TemporaryDirectory()
        let record = DataFileWriters.cifar10(labels: [1], pixels: Self.pixels)
        for name in ["data_batch_10.bin", "data_batch_2.bin.gz", "data_batch_2.bin", "data_batch_1.bin.gz",
                     "test_batch_2000.bin.gz", "batches.meta.txt", "readme.html"] {
            try directory.write(record, to: name)
        }
        let found = try CIFARReader.files(in: directory.url, variant: .cifar10)
        // Numeric order, the plain file preferred over its .gz twin.
        #expect(found.train == ["data_batch_1.bin.gz", "data_batch_2.bin", "data_batch_10.bin"].map(directory.path))
        #expect(found.test == [directory.path("test_batch_2000.bin.gz")])

        // The official test file wins over partial ones.
        try directory.write(record, to: "test_batch.bin.gz")
        #expect(try CIFARReader.files(in: directory.url, variant: .cifar10).test == [directory.path("test_batch.bin.gz")])
    }

    @Test func directoryListingLooksInsideTheArchiveFolder() throws {
        let directory = TemporaryDirectory()
        let nested = directory.url.appendingPathComponent("cifar-100-binary")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        let record = DataFileWriters.cifar100(coarse: [0], fine: [0], pixels: Self.pixels)
        try Data(record).write(to: nested.appendingPathComponent("train.bin"))
        try Data(record).write(to: nested.appendingPathComponent("test.bin"))
        let found = try CIFARReader.files(in: directory.url, variant: .cifar100)
        #expect(found.train == [nested.appendingPathComponent("train.bin").path])
        #expect(found.test == [nested.appendingPathComponent("test.bin").path])
    }

    @Test func missingFilesNameTheDirectoryAndTheExpectedNames() throws {
        let directory = TemporaryDirectory()
        try directory.write(DataFileWriters.cifar10(labels: [1], pixels: Self.pixels), to: "data_batch_1.bin")
        let error = thrownSpikeKitError { _ = try CIFARReader.files(in: directory.url, variant: .cifar10) }
        guard case let .io(path, reason)? = error else {
            Issue.record("expected an io error, got \(String(describing: error))")
            return
        }
        #expect(path == directory.url.path)
        #expect(reason.contains("no cifar10 test files") && reason.contains("test_batch.bin"))

        let absent = directory.url.appendingPathComponent("nowhere")
        let missingDirectory = thrownSpikeKitError { _ = try CIFARReader.files(in: absent, variant: .cifar100) }
        guard case let .io(path2, reason2)? = missingDirectory else {
            Issue.record("expected an io error, got \(String(describing: missingDirectory))")
            return
        }
        #expect(path2 == absent.path)
        #expect(reason2.contains("no such directory") && reason2.contains("train.bin"))
    }
}

/// The shared real CIFAR-10 subset (`../shared/data/cifar-10-subset` next to the package), when present.
enum SharedCIFARSubset {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent() // SpikeKitTests
        .deletingLastPathComponent() // Tests
        .deletingLastPathComponent() // package root
        .appendingPathComponent("../shared/data/cifar-10-subset").standardizedFileURL
    static var isPresent: Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("data_batch_1.bin.gz").path)
    }
}

@Suite(.enabled(if: SharedCIFARSubset.isPresent, "needs ../shared/data/cifar-10-subset"))
struct DataSharedCIFARTests {
    @Test func loadsTheSharedSubset() throws {
        let split = try DatasetLoader.load(name: "cifar10", directory: SharedCIFARSubset.directory.path)
        #expect(split.train.count == 10_000)
        #expect(split.test.count == 2_000)
        #expect(split.train.classCounts == [Int](repeating: 1_000, count: 10))
        #expect(split.test.classCounts.allSatisfy { $0 > 150 && $0 < 250 })
        #expect(split.train.sampleShape == [3, 32, 32])
        #expect(split.train.classNames[0] == "airplane")
        // Channel means of the [0, 1] pixels (see the subset's README: 0.4913 / 0.4821 / 0.4465),
        // recovered from the normalised values x = (p − 0.5) / 0.5.
        let plane = 32 * 32
        for (channel, expected) in [0.4913, 0.4821, 0.4465].enumerated() {
            var sum = 0.0
            for image in 0..<split.train.count {
                let start = (image * 3 + channel) * plane
                for value in split.train.images[start..<(start + plane)] { sum += Double(value) }
            }
            let mean = sum / Double(split.train.count * plane) * 0.5 + 0.5
            #expect(abs(mean - expected) < 0.001, "channel \(channel) mean \(mean)")
        }
    }
}
