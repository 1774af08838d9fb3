import Foundation
import Testing
@testable import SpikeKit

/// `"dataset": "npy"`: the user's own arrays, read from files the test writes in NumPy's format.
@Suite struct DataNPYDatasetTests {
    /// The bytes of a version-1 `.npy` file of `descr` and `shape` holding `payload`.
    static func npy(_ descr: String, _ shape: [Int], _ payload: Data) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(Data(header.utf8))
        data.append(payload)
        return data
    }

    static func int64s(_ values: [Int]) -> Data {
        var data = Data()
        for v in values { withUnsafeBytes(of: Int64(v).littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func float32s(_ values: [Float]) -> Data {
        var data = Data()
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func folder(_ files: [String: Data]) throws -> URL {
        let url = try ConfigTestSupport.temporaryDirectory()
        for (name, data) in files { try data.write(to: url.appendingPathComponent(name)) }
        return url
    }

    @Test func uint8ImagesInEitherLayout() throws {
        // Two 2×2 images with 3 channels; pixel (y, x, c) of image n = 100·n + 10·(2y + x) + c.
        var nhwc: [UInt8] = []
        for n in 0..<2 {
            for position in 0..<4 {
                for c in 0..<3 {
                    let value: Int = 100 * n + 10 * position + c
                    nhwc.append(UInt8(value))
                }
            }
        }
        let url = try Self.folder([
            "train_images.npy": Self.npy("|u1", [2, 2, 2, 3], Data(nhwc)),
            "train_labels.npy": Self.npy("<i8", [2], Self.int64s([0, 3])),
            "test_images.npy": Self.npy("|u1", [2, 2, 2, 3], Data(nhwc)),
            "test_labels.npy": Self.npy("<i8", [2], Self.int64s([1, 2])),
        ])
        defer { try? FileManager.default.removeItem(at: url) }
        let split = try DatasetLoader.load(name: "npy", directory: url.path, normalization: .unit, layout: .nhwc)
        #expect(split.train.sampleShape == [3, 2, 2] && split.train.classCount == 4)
        #expect(split.train.labels == [0, 3] && split.test.labels == [1, 2])
        // NCHW value of image 1, channel 2, y = 1, x = 0, at 1·12 + (2·2 + 1)·2 + 0 = 22: byte 100 + 10·2 + 2 = 122.
        let value = split.train.images[22]
        #expect(value == Float(122) / 255)
        // Read as NCHW, the same bytes are another (valid) image: shape [2, 2, 3] → C = 2, H = 2, W = 3.
        let asNCHW = try DatasetLoader.load(name: "npy", directory: url.path, normalization: .unit, layout: .nchw, classes: 5)
        #expect(asNCHW.train.sampleShape == [2, 2, 3] && asNCHW.train.classCount == 5)
    }

    @Test func floatImagesAreNormalisedLikePixels() throws {
        let pixels: [Float] = [0, 0.25, 0.5, 1, 1, 0.5, 0.25, 0]
        let url = try Self.folder([
            "train_images.npy": Self.npy("<f4", [2, 2, 2], Self.float32s(pixels)),
            "train_labels.npy": Self.npy("|u1", [2], Data([0, 1])),
            "test_images.npy": Self.npy("<f4", [2, 2, 2], Self.float32s(pixels)),
            "test_labels.npy": Self.npy("|u1", [2], Data([1, 0])),
        ])
        defer { try? FileManager.default.removeItem(at: url) }
        let plain = try DatasetLoader.load(name: "npy", directory: url.path, normalization: .unit)
        #expect(plain.train.images == pixels && plain.train.sampleShape == [1, 2, 2])
        let half = try DatasetLoader.load(name: "npy", directory: url.path, normalization: .symmetric)
        #expect(half.test.images == pixels.map { ($0 - 0.5) / 0.5 })
    }

    @Test func badArraysAreNamed() throws {
        let image = Self.npy("|u1", [2, 2, 2], Data(repeating: 7, count: 8))
        func refusal(_ files: [String: Data], _ fragments: [String]) throws {
            var all: [String: Data] = ["train_images.npy": image, "train_labels.npy": Self.npy("<i8", [2], Self.int64s([0, 1])),
                                       "test_images.npy": image, "test_labels.npy": Self.npy("<i8", [2], Self.int64s([1, 0]))]
            for (name, data) in files { all[name] = data }
            let url = try Self.folder(all.filter { !$0.value.isEmpty })
            defer { try? FileManager.default.removeItem(at: url) }
            do {
                _ = try DatasetLoader.load(name: "npy", directory: url.path, normalization: .unit)
                Issue.record("accepted: \(fragments)")
            } catch let error as SpikeKitError {
                for fragment in fragments {
                    #expect(error.description.contains(fragment), "\(error.description) lacks \(fragment)")
                }
            }
        }
        try refusal(["test_labels.npy": Data()], ["test_labels.npy", "missing"])
        try refusal(["train_labels.npy": Self.npy("<i8", [2], Self.int64s([0, -1]))], ["train_labels.npy", "label 1 is -1"])
        try refusal(["test_labels.npy": Self.npy("<f4", [2], Self.float32s([0, 1]))], ["test_labels.npy", "integers"])
        try refusal(["test_labels.npy": Self.npy("<i8", [3], Self.int64s([0, 1, 1]))], ["test_labels.npy", "expected 2 labels"])
        try refusal(["test_images.npy": Self.npy("|u1", [2, 2, 1], Data(repeating: 0, count: 4))], ["test_images.npy", "1×2×1", "1×2×2"])
        try refusal(["train_images.npy": Self.npy("<f4", [2, 2, 2], Self.float32s([0, .nan, 0, 0, 0, 0, 0, 0]))],
                    ["train_images.npy", "pixel 1"])
        try refusal(["train_images.npy": Self.npy("|u1", [8], Data(repeating: 0, count: 8))], ["train_images.npy", "N×C×H×W"])
    }

    @Test func configNamesTheDatasetAndItsLayout() throws {
        let config = try ConfigTestSupport.decode(#"{"data": {"dataset": "npy", "directory": "/tmp", "layout": "nhwc", "classes": 10}}"#)
        #expect(config.data.dataset == .npy && config.data.layout == .nhwc && config.data.classes == 10)
        let problems = ConfigTestSupport.problems(#"{"data": {"dataset": "npy", "layout": "hwc"}}"#)
        #expect(ConfigTestSupport.problem(at: "data.layout", in: problems) != nil)
        #expect(ConfigTestSupport.problem(at: "data.directory", in: problems) != nil)
    }
}
