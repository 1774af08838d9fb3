import Foundation
import Testing
@testable import SpikeKit

@Suite struct DataIDXTests {
    static let count = 5, rows = 4, columns = 3
    static let pixels = DataFileWriters.pattern(count: count * rows * columns)
    static let labels: [UInt8] = [3, 0, 9, 1, 3]

    static var imageFile: [UInt8] { DataFileWriters.idxImages(count: count, rows: rows, columns: columns, pixels: pixels) }
    static var labelFile: [UInt8] { DataFileWriters.idxLabels(labels) }

    @Test(arguments: [false, true])
    func validFilesRoundTrip(compressed: Bool) throws {
        let directory = TemporaryDirectory()
        // Compressed files are detected by content, so the names deliberately have no .gz.
        let images = try directory.write(compressed ? DataFileWriters.gzip(Self.imageFile) : Self.imageFile, to: "images")
        let labels = try directory.write(compressed ? DataFileWriters.gzip(Self.labelFile) : Self.labelFile, to: "labels")
        let read = try IDXReader.read(images: images, labels: labels)
        #expect(read.count == Self.count)
        #expect(read.channels == 1 && read.height == Self.rows && read.width == Self.columns)
        #expect(read.pixels == Self.pixels)
        #expect(read.labels == Self.labels.map(Int32.init))
        #expect(try IDXReader.readLabels(labels) == Self.labels.map(Int32.init))
    }

    @Test func wrongMagicIsReportedAtOffsetZero() throws {
        let directory = TemporaryDirectory()
        var bytes = Self.imageFile
        bytes[3] = 0x02
        let images = try directory.write(bytes, to: "images")
        let labels = try directory.write(Self.labelFile, to: "labels")
        expectDataFileError(path: images, offset: 0, mentioning: ["bad magic number 0x00000802", "0x00000803"]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }

    @Test func swappedFilesAreRecognised() throws {
        let directory = TemporaryDirectory()
        let images = try directory.write(Self.labelFile, to: "images")
        let labels = try directory.write(Self.imageFile, to: "labels")
        expectDataFileError(path: images, offset: 0, mentioning: ["looks like an IDX label file"]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }

    @Test(arguments: [0, 3, 7, 15])
    func truncatedHeaderIsReportedAtTheEnd(length: Int) throws {
        let directory = TemporaryDirectory()
        let images = try directory.write(Array(Self.imageFile[0..<length]), to: "images")
        let labels = try directory.write(Self.labelFile, to: "labels")
        expectDataFileError(path: images, offset: length, mentioning: ["file ends after \(length) bytes"]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }

    @Test func truncatedDataIsReportedAtTheEnd() throws {
        let directory = TemporaryDirectory()
        let full = Self.imageFile
        let images = try directory.write(Array(full[0..<(full.count - 5)]), to: "images")
        let labels = try directory.write(Self.labelFile, to: "labels")
        // 16-byte header + 60 pixel bytes; 5 missing leave sample 4 incomplete.
        expectDataFileError(path: images, offset: full.count - 5, mentioning: ["truncated", "5×4×3", "sample 4 is incomplete"]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }

    @Test func truncatedCompressedDataReportsTheDecompressedOffset() throws {
        let directory = TemporaryDirectory()
        let full = Self.imageFile
        let images = try directory.write(DataFileWriters.gzip(Array(full[0..<30])), to: "images.gz")
        let labels = try directory.write(Self.labelFile, to: "labels")
        expectDataFileError(path: images, offset: 30, mentioning: ["truncated", "decompressed"]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }

    @Test func trailingBytesAreReportedAtTheFirstExtraByte() throws {
        let directory = TemporaryDirectory()
        let images = try directory.write(Self.imageFile, to: "images")
        let labels = try directory.write(Self.labelFile + [0, 0], to: "labels")
        expectDataFileError(path: labels, offset: 8 + Self.count, mentioning: ["2 unexpected trailing bytes"]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }

    @Test func zeroRowsIsReportedAtItsField() throws {
        let directory = TemporaryDirectory()
        let images = try directory.write(DataFileWriters.idxImages(count: 2, rows: 0, columns: 3, pixels: []), to: "images")
        let labels = try directory.write(DataFileWriters.idxLabels([1, 2]), to: "labels")
        expectDataFileError(path: images, offset: 8, mentioning: ["rows is 0"]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }

    @Test func impossibleSizesAreReportedAtTheOverflowingField() throws {
        let directory = TemporaryDirectory()
        let bytes = DataFileWriters.bigEndian(0x803) + DataFileWriters.bigEndian(.max) + DataFileWriters.bigEndian(.max)
            + DataFileWriters.bigEndian(.max)
        let images = try directory.write(bytes, to: "images")
        let labels = try directory.write(Self.labelFile, to: "labels")
        // (2^32 − 1)^2 exceeds Int.max, so the product overflows at the second size (rows).
        expectDataFileError(path: images, offset: 8, mentioning: ["impossibly large"]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }

    @Test func largeDeclaredCountIsATruncation() throws {
        let directory = TemporaryDirectory()
        let bytes = DataFileWriters.idxImages(count: 1 << 31, rows: 28, columns: 28, pixels: [1, 2, 3])
        let images = try directory.write(bytes, to: "images")
        let labels = try directory.write(Self.labelFile, to: "labels")
        expectDataFileError(path: images, offset: 19, mentioning: ["truncated", "2147483648×28×28", "sample 0 is incomplete"]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }

    @Test func imageAndLabelCountsMustAgree() throws {
        let directory = TemporaryDirectory()
        let images = try directory.write(Self.imageFile, to: "images")
        let labels = try directory.write(DataFileWriters.idxLabels([1, 2, 3, 4]), to: "labels")
        expectDataFileError(path: labels, offset: 4, mentioning: ["4 labels", "5 images", images]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }

    @Test func labelOutOfRangeIsReportedAtItsByte() throws {
        let directory = TemporaryDirectory()
        let images = try directory.write(Self.imageFile, to: "images")
        let labels = try directory.write(DataFileWriters.idxLabels([1, 2, 10, 4, 5]), to: "labels")
        expectDataFileError(path: labels, offset: 8 + 2, mentioning: ["label 10 of sample 2", "0..<10"]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }

    @Test func missingFileIsAnIOErrorNamingIt() throws {
        let directory = TemporaryDirectory()
        let labels = try directory.write(Self.labelFile, to: "labels")
        let missing = directory.path("nope-images-idx3-ubyte")
        let error = thrownSpikeKitError { _ = try IDXReader.read(images: missing, labels: labels) }
        #expect(error == .io(path: missing, reason: "no such file"))
    }

    @Test func corruptGzipIsReportedWithTheCompressedOffset() throws {
        let directory = TemporaryDirectory()
        let compressed = try DataFileWriters.gzip(Self.imageFile)
        let images = try directory.write(Array(compressed.dropLast(4)), to: "images.gz")
        let labels = try directory.write(Self.labelFile, to: "labels")
        expectDataFileError(path: images, offset: compressed.count - 4, mentioning: ["truncated", "compressed file"]) {
            _ = try IDXReader.read(images: images, labels: labels)
        }
    }
}
