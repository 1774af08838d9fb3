import Foundation
import Testing
@testable import SpikeKit

/// `.npy` reading (versions 1–3, float32 and float64) and its refusals, on files built byte by byte.
@Suite struct CheckpointNumPyTests {
    /// A `.npy` file of format `major` with `header` (padded as NumPy does) and raw data bytes.
    static func npy(major: UInt8 = 1, header: String, data: [UInt8]) -> Data {
        let lengthBytes = major == 1 ? 2 : 4
        var text = header
        let unpadded = 8 + lengthBytes + text.utf8.count + 1
        text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = text.utf8.count
        return Data(NumPy.magic + [major, 0] + (0..<lengthBytes).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
                    + Array(text.utf8) + data)
    }

    static func f4(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } }
    }

    static func f8(_ values: [Double]) -> [UInt8] {
        values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64($0))) } }
    }

    func expectFailure(_ data: Data, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try NumPy.decode(data, path: "w.npy")
            Issue.record("decoding succeeded", sourceLocation: sourceLocation)
        } catch SpikeKitError.checkpoint(let path, let reason) {
            #expect(path == "w.npy", sourceLocation: sourceLocation)
            #expect(reason.contains(fragment), "reason: \(reason)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func readsVersionOneFloat32() throws {
        let data = Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: Self.f4([1, 2, 3, 4, 5, 6]))
        let tensor = try NumPy.decode(data, path: "w.npy")
        #expect(tensor.shape == [2, 3] && tensor.scalars == [1, 2, 3, 4, 5, 6])
    }

    @Test func readsFloat64AndLaterVersions() throws {
        let v2 = Self.npy(major: 2, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", data: Self.f8([0.5, -2, 1e-3]))
        #expect(try NumPy.decode(v2, path: "w.npy").scalars == [0.5, -2, Float(1e-3)])
        let v3 = Self.npy(major: 3, header: "{\"shape\": (1L, 2L), \"fortran_order\": False, \"descr\": \"<f4\"}", data: Self.f4([7, 8]))
        let tensor = try NumPy.decode(v3, path: "w.npy")
        #expect(tensor.shape == [1, 2] && tensor.scalars == [7, 8])
        let scalar = Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: Self.f4([3]))
        #expect(try NumPy.decode(scalar, path: "w.npy").scalars == [3])
    }

    @Test func writeThenReadRoundTrips() throws {
        let directory = TemporaryDirectory()
        for shape in [[4, 3, 2, 2], [5], [0, 3]] {
            let tensor = ANNTestSupport.random(shape, seed: 1)
            let url = directory.url.appendingPathComponent("t.npy")
            try NumPy.write(tensor, to: url)
            let bytes = try Data(contentsOf: url)
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            #expect((10 + headerLength) % 64 == 0)
            #expect(try NumPy.read(from: url) == tensor)
        }
    }

    @Test func refusesWhatItCannotRead() {
        expectFailure(Data("PK\u{3}\u{4}not numpy".utf8), "missing the \\x93NUMPY magic")
        expectFailure(Self.npy(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data: Self.f4([1, 2, 3, 4])),
                      "Fortran order")
        expectFailure(Self.npy(header: "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data: Self.f4([1])),
                      "unsupported dtype '>f4'")
        expectFailure(Self.npy(header: "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", data: Self.f8([1])),
                      "unsupported dtype '<i8'")
        expectFailure(Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: Self.f4([1, 2, 3, 4, 5])),
                      "shape [2, 3] of '<f4' needs 24 data bytes, but the file has 20")
        expectFailure(Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: Self.f4([1, 2])),
                      "needs 4 data bytes, but the file has 8")
        expectFailure(Self.npy(header: "{'descr': '<f4', 'shape': (1,), }", data: Self.f4([1])), "no 'fortran_order' key")
        expectFailure(Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2), }", data: []), "malformed header")
        expectFailure(Self.npy(major: 7, header: "{}", data: []), "unsupported .npy format version 7.0")
        var truncated = Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: [])
        truncated.removeLast(30)
        expectFailure(truncated, "runs past the end")
    }

    @Test func headerParserAcceptsNumPyVariants() throws {
        #expect(try NumPyHeader.parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }")
                    == NumPyHeader(descr: "<f4", fortranOrder: false, shape: [3]))
        #expect(try NumPyHeader.parse("  {'shape':(2,3),'descr':'<f8','fortran_order':True}\n")
                    == NumPyHeader(descr: "<f8", fortranOrder: true, shape: [2, 3]))
        #expect(throws: NumPyHeader.ParseError.self) { try NumPyHeader.parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'extra': 1}") }
        #expect(throws: NumPyHeader.ParseError.self) { try NumPyHeader.parse("{'descr': '<f4'") }
    }
}
