import Foundation
import Testing
@testable import SpikeKit

/// Safetensors writing and every validation of reading, on files built byte by byte.
@Suite struct CheckpointSafetensorsTests {
    /// A safetensors file from a header string and raw data bytes.
    static func file(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> Data {
        let headerBytes = Array(header.utf8)
        let length = declaredLength ?? UInt64(headerBytes.count)
        return Data((0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + headerBytes + data)
    }

    static func float32Bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * UInt32($0))) } }
    }

    /// Expects decoding to fail with a checkpoint error whose reason contains every fragment.
    func expectFailure(_ data: Data, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try Safetensors.decode(data, path: "model.safetensors")
            Issue.record("decoding succeeded", sourceLocation: sourceLocation)
        } catch SpikeKitError.checkpoint(let path, let reason) {
            #expect(path == "model.safetensors", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(reason.contains(fragment), "reason: \(reason)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func roundTripWithMetadata() throws {
        let directory = TemporaryDirectory()
        let url = directory.url.appendingPathComponent("sub/t.safetensors")
        let contents = Safetensors.Contents(tensors: [
            ("b", Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, .greatestFiniteMagnitude, -0.25])),
            ("a \"quoted\"", Tensor(shape: [1], scalars: [7])),
            ("empty", Tensor(shape: [0, 4])),
        ], metadata: ["epoch": "3", "note": "line\nbreak"])
        try Safetensors.write(contents, to: url)
        let bytes = try Data(contentsOf: url)
        // The header length is a multiple of 8, so the data start aligned.
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(length % 8 == 0)
        let read = try Safetensors.read(from: url)
        #expect(read.metadata == contents.metadata)
        #expect(read.tensors.map(\.name) == ["b", "a \"quoted\"", "empty"])
        #expect(read["b"] == contents.tensors[0].tensor)
        #expect(read["a \"quoted\""]?.scalars == [7])
        #expect(read["empty"]?.shape == [0, 4])
    }

    @Test func readsHandWrittenFileWithFloat64() throws {
        // F64 values are converted to F32; offsets need not follow name order.
        let f64: [UInt8] = [2.5, -1.0].flatMap { (v: Double) in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64($0))) } }
        let header = #"{"x":{"dtype":"F64","shape":[2],"data_offsets":[4,20]},"y":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#
        let contents = try Safetensors.decode(Self.file(header: header, data: Self.float32Bytes([9]) + f64), path: "p")
        #expect(contents.tensors.map(\.name) == ["y", "x"])
        #expect(contents["x"]?.scalars == [2.5, -1])
        #expect(contents["y"]?.shape == [] && contents["y"]?.scalars == [9])
        #expect(contents.metadata.isEmpty)
    }

    @Test func refusesTooShortFile() {
        expectFailure(Data([1, 2, 3]), "too short")
    }

    @Test func refusesHeaderLengthBeyondFile() {
        expectFailure(Self.file(header: "{}", data: [], declaredLength: 1000), "header length 1000", "truncated")
    }

    @Test func refusesInvalidJSON() {
        expectFailure(Self.file(header: "{\"a\": [1, 2", data: []), "not a JSON object")
        expectFailure(Self.file(header: "[1, 2]", data: []), "not a JSON object")
    }

    @Test func refusesTruncatedData() {
        let header = #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#
        expectFailure(Self.file(header: header, data: Self.float32Bytes([1, 2, 3])), "tensor 'w'", "outside the 12 data bytes")
    }

    @Test func refusesShapeThatDoesNotMatchTheByteRange() {
        let header = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        expectFailure(Self.file(header: header, data: Self.float32Bytes([1, 2])), "tensor 'w'", "shape [3] of F32 needs 12 bytes", "hold 8")
    }

    @Test func refusesUnsupportedDtype() {
        let header = #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#
        expectFailure(Self.file(header: header, data: [0, 0, 0, 0]), "tensor 'h'", "unsupported dtype 'F16'")
    }

    @Test func refusesMalformedEntries() {
        expectFailure(Self.file(header: #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#, data: []), "tensor 'w'", "'shape'")
        expectFailure(Self.file(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, data: [0, 0, 0, 0]), "tensor 'w'", "data_offsets")
        expectFailure(Self.file(header: #"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "tensor 'w'", "dtype")
        expectFailure(Self.file(header: #"{"w":5}"#, data: []), "tensor 'w'", "not an object")
        expectFailure(Self.file(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0]), "tensor 'w'")
    }

    @Test func refusesOverlappingTensors() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        expectFailure(Self.file(header: header, data: Self.float32Bytes([1, 2, 3])), "'a' and 'b' overlap")
    }

    @Test func refusesNonStringMetadata() {
        expectFailure(Self.file(header: #"{"__metadata__":{"epoch":3}}"#, data: []), "__metadata__")
    }
}
