import Foundation
import Testing
@testable import SpikeKit

@Suite struct DataGzipTests {
    @Test(arguments: [0, 1, 100, 70_000, 1_000_003])
    func roundTrip(size: Int) throws {
        let original = DataFileWriters.pattern(count: size, salt: size)
        let compressed = try Gzip.compress(original)
        #expect(Gzip.isCompressed(compressed))
        #expect(try Gzip.decompress(compressed, path: "x.gz") == original)
    }

    @Test func compressionIsDeterministicAndShrinksRepetitiveData() throws {
        let original = [UInt8](repeating: 7, count: 100_000)
        let a = try Gzip.compress(original), b = try Gzip.compress(original)
        #expect(a == b)
        #expect(a.count < 1_000)
        // RFC 1952 header: magic, deflate method, no flags, zero timestamp.
        #expect(Array(a[0..<8]) == [0x1F, 0x8B, 8, 0, 0, 0, 0, 0])
    }

    @Test func readsAFileWrittenByPythonGzip() throws {
        // The bundled labels were written by Python's gzip module (Scripts/make_fashion_mnist_subset.py).
        let directory = try BundledData.fashionMNISTDirectory()
        let path = directory.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path
        let bytes = try Gzip.decompress([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
        #expect(bytes.count == 8 + 1_000)
        #expect(Array(bytes[0..<8]) == [0, 0, 8, 1, 0, 0, 3, 0xE8])
    }

    @Test func concatenatedMembersAreJoined() throws {
        let first = DataFileWriters.pattern(count: 5_000, salt: 1)
        let second = DataFileWriters.pattern(count: 3_000, salt: 2)
        let joined = try Gzip.compress(first) + Gzip.compress(second)
        #expect(try Gzip.decompress(joined, path: "cat.gz") == first + second)
    }

    @Test func trailingGarbageIsReportedAtItsOffset() throws {
        let member = try Gzip.compress(DataFileWriters.pattern(count: 2_000))
        expectDataFileError(path: "t.gz", offset: member.count, mentioning: ["3 unexpected bytes", "compressed"]) {
            _ = try Gzip.decompress(member + [1, 2, 3], path: "t.gz")
        }
    }

    @Test(arguments: [10, 100, 1_000])
    func truncatedStreamIsReportedAtTheEnd(keep: Int) throws {
        let member = try Gzip.compress(DataFileWriters.pattern(count: 50_000))
        #expect(member.count > keep)
        expectDataFileError(path: "short.gz", offset: keep, mentioning: ["truncated", "compressed"]) {
            _ = try Gzip.decompress(Array(member[0..<keep]), path: "short.gz")
        }
    }

    @Test func corruptMiddleIsReportedAtOrAfterTheDamage() throws {
        // Pseudo-random bytes compress poorly, so the damaged region lies well inside deflate blocks.
        var generator = SeededGenerator(seed: 5)
        let original = (0..<40_000).map { _ in UInt8(truncatingIfNeeded: generator.next() % 16) }
        var member = try Gzip.compress(original)
        let damage = member.count / 2
        for i in damage..<(damage + 8) { member[i] ^= 0xA5 }
        let error = thrownSpikeKitError { _ = try Gzip.decompress(member, path: "bad.gz") }
        guard case let .dataFile(path, offset, reason)? = error else {
            Issue.record("expected a data-file error, got \(String(describing: error))")
            return
        }
        #expect(path == "bad.gz")
        #expect(reason.contains("compressed file"))
        // zlib notices the damage where it is read, or at the latest at the CRC in the trailer.
        let at = try #require(offset)
        #expect(at >= damage && at <= member.count, "offset \(at), damage at \(damage)..<\(damage + 8), size \(member.count)")
    }

    @Test func damagedHeaderIsReportedAtTheStart() throws {
        var member = try Gzip.compress(DataFileWriters.pattern(count: 100))
        member[2] = 99 // compression method: only 8 (deflate) exists
        let error = thrownSpikeKitError { _ = try Gzip.decompress(member, path: "h.gz") }
        guard case let .dataFile(path, offset?, reason)? = error else {
            Issue.record("expected a data-file error with an offset, got \(String(describing: error))")
            return
        }
        #expect(path == "h.gz")
        #expect(reason.contains("unknown compression method"))
        // zlib reads the fixed header fields as a unit, so it stops just after byte 2.
        #expect(offset >= 3 && offset <= 10, "offset \(offset)")
    }
}
