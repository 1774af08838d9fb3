import Foundation
import Testing
@testable import SpikeKit

/// The HDF5 subset: files written here read back identically, files h5py wrote read as h5py sees
/// them, and damaged files are refused with the object path and byte offset.
@Suite struct HDF5ReaderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) throws -> HDF5Group {
        try HDF5Reader.read(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// A tree with every value kind, nested groups, a group larger than one symbol-table node, and attributes.
    static func sampleTree() -> HDF5Group {
        var many = HDF5Group()
        for i in 0..<45 { many["m\(i)"] = .dataset(.integer(Int64(i * i) - 30)) }
        var inner = HDF5Group(attributes: ["unit": .string("ms")])
        inner["weights"] = .dataset(HDF5Dataset(shape: [2, 3, 2], values: .float32((0..<12).map { Float($0) * 0.5 - 2 }),
                                                attributes: ["gain": HDF5Dataset(shape: [2], values: .float64([1.5, -3]))]))
        inner["empty"] = .dataset(HDF5Dataset(shape: [0, 4], values: .float32([])))
        var root = HDF5Group(attributes: ["created": .string("test")])
        root["version"] = .dataset(.string("1.0.8"))
        root["pairs"] = .dataset(HDF5Dataset(shape: [3, 2], values: .strings(["a", "bb", "", "é✓", "x", String(repeating: "y", count: 300)])))
        root["doubles"] = .dataset(HDF5Dataset(shape: [4], values: .float64([1e-300, -0.0, .pi, 7])))
        root["ints"] = .dataset(HDF5Dataset(shape: [5], values: .integers([Int64.min, -1, 0, 1, Int64.max])))
        root["scalar"] = .dataset(HDF5Dataset(shape: [], values: .float32([0.25])))
        root["inner"] = .group(inner)
        root["many"] = .group(many)
        root["nothing"] = .group(HDF5Group())
        return root
    }

    @Test(arguments: [nil, 0, 6] as [Int?])
    func roundTrip(level: Int?) throws {
        let tree = Self.sampleTree()
        let bytes = try HDF5Writer(compressionLevel: level).encode(tree)
        let back = try HDF5Reader.parse(bytes, path: "round-trip.h5")
        #expect(back == tree)
    }

    @Test func readsH5pyTypes() throws {
        let f = try Self.fixture("h5py-types.h5")
        #expect(f["f32"]?.dataset == HDF5Dataset(shape: [2, 3], values: .float32([0, 0.25, 0.5, 0.75, 1, 1.25]),
                                                   attributes: ["scale": HDF5Dataset(shape: [], values: .float32([2]))]))
        #expect(f["f64"]?.dataset?.values == .float64([1.5, -2.25, 1e300]))
        #expect(f["i64"]?.dataset?.values == .integers([-1, 2, 3_000_000_000]))
        #expect(f["i32"]?.dataset == HDF5Dataset(shape: [1, 2], values: .integers([7, -8])))
        #expect(f["u8"]?.dataset?.values == .integers([0, 255]))
        #expect(f["scalar_f"]?.dataset == HDF5Dataset(shape: [], values: .float32([0.125])))
        #expect(f["scalar_i"]?.dataset == .integer(42))
        #expect(f["vlen"]?.dataset == .string("Conv2d"))
        #expect(f["vlen_pairs"]?.dataset == HDF5Dataset(shape: [2, 2], values: .strings(["a", "bb", "ccc", "é"])))
        #expect(f["fixed"]?.dataset == .string("fixed-ascii"))
        #expect(f["empty"]?.dataset == HDF5Dataset(shape: [0, 3], values: .float32([])))
        // 40×25 in 16×10 chunks: partial edge chunks in both dimensions.
        #expect(f["gzip_chunked"]?.dataset == HDF5Dataset(shape: [40, 25], values: .float32((0..<1000).map(Float.init))))
        #expect(f["shuffled"]?.dataset?.values == .integers((0..<50).map { Int64($0) * 3 - 7 }))
        let many = try #require(f["many"]?.group)
        #expect(many.members.count == 21)
        for i in 0..<20 { #expect(many[String(format: "d%02d", i)]?.dataset == .integer(Int64(i))) }
        #expect(many["sub"]?.group?["deeper"]?.group?["x"]?.dataset?.values == .float64([3.5]))
        #expect(f.attributes["note"] == .string("root attribute"))
    }

    @Test func readsNIRPackageFiles() throws {
        for name in ["nir-conv-if-sumpool.nir", "nir-conv-if-sumpool-uncompressed.nir"] {
            let f = try Self.fixture(name)
            #expect(f["version"]?.dataset?.values == .strings(["1.0.8"]), "\(name)")
            let graph = try #require(f["node"]?.group)
            #expect(graph["type"]?.dataset == .string("NIRGraph"))
            #expect(graph["edges"]?.dataset?.shape == [7, 2])
            let conv = try #require(graph["nodes"]?.group?["conv"]?.group)
            #expect(conv["weight"]?.dataset?.shape == [4, 1, 3, 3])
            #expect(conv["stride"]?.dataset?.values == .integers([1, 1]))
        }
        // Compressed and uncompressed files hold the same tree.
        #expect(try Self.fixture("nir-conv-if-sumpool.nir") == (try Self.fixture("nir-conv-if-sumpool-uncompressed.nir")))
    }

    /// Every truncation of a valid file is refused with a SpikeKitError (never a crash).
    @Test func truncatedFilesAreRefused() throws {
        let bytes = try HDF5Writer(compressionLevel: 4).encode(Self.sampleTree())
        for length in stride(from: 0, to: bytes.count, by: 97) {
            #expect(throws: SpikeKitError.self) { try HDF5Reader.parse(Array(bytes.prefix(length)), path: "cut.h5") }
        }
    }

    @Test func errorsNameObjectAndOffset() throws {
        var root = HDF5Group()
        root["w"] = .dataset(HDF5Dataset(shape: [64], values: .float32((0..<64).map(Float.init))))
        let bytes = try HDF5Writer(compressionLevel: nil).encode(root)
        // Point the dataset's contiguous data past the end of the file.
        let layout = try #require(Self.find([3, 1], in: bytes))
        var damaged = bytes
        for k in 0..<8 { damaged[layout + 2 + k] = k == 2 ? 0x10 : 0 }
        let error = try #require(throws: SpikeKitError.self) { try HDF5Reader.parse(damaged, path: "bad.h5") }
        #expect(error.description == "bad.h5: HDF5 object '/w': contiguous data address 1048576 lies outside the "
                + "\(bytes.count)-byte file (at byte offset \(layout + 2))")

        let notHDF5 = try #require(throws: SpikeKitError.self) { try HDF5Reader.parse(Array("hello".utf8), path: "x.h5") }
        #expect(notHDF5.description == "x.h5: not an HDF5 file (no HDF5 signature at 0, 512, 1024, …) (at byte offset 0)")
        var v2 = bytes
        v2[8] = 2
        let version = try #require(throws: SpikeKitError.self) { try HDF5Reader.parse(v2, path: "v2.h5") }
        #expect(version.description.contains("superblock version 2 is not supported"))
    }

    /// The offset of the first occurrence of `pattern` after the superblock (the layout message).
    static func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        (96..<(bytes.count - pattern.count)).first { Array(bytes[$0..<($0 + pattern.count)]) == pattern
            && bytes[$0 - 8] == 0x08 && bytes[$0 - 7] == 0 }
    }
}
