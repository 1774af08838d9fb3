import Testing
@testable import SpikeKit

/// Builders of small, exactly known data files (valid or deliberately broken) for reader tests.
enum DataFileWriters {
    /// Deterministic pixel bytes that differ from sample to sample and pixel to pixel.
    static func pattern(count: Int, salt: Int = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ ($0 >> 8) &* 11 &+ salt &* 101) }
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// An IDX image file (magic 0x00000803): header then `pixels`, which should hold count×rows×columns bytes.
    static func idxImages(count: Int, rows: Int, columns: Int, pixels: [UInt8]) -> [UInt8] {
        bigEndian(0x0000_0803) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows)) + bigEndian(UInt32(columns)) + pixels
    }

    /// An IDX label file (magic 0x00000801).
    static func idxLabels(_ labels: [UInt8]) -> [UInt8] {
        bigEndian(0x0000_0801) + bigEndian(UInt32(labels.count)) + labels
    }

    /// CIFAR-10 records: each label byte followed by 3,072 pixel bytes from `pixels` (3,072 × labels.count).
    static func cifar10(labels: [UInt8], pixels: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (i, label) in labels.enumerated() {
            bytes.append(label)
            bytes += pixels[(i * 3072)..<((i + 1) * 3072)]
        }
        return bytes
    }

    /// CIFAR-100 records: coarse label, fine label, 3,072 pixel bytes.
    static func cifar100(coarse: [UInt8], fine: [UInt8], pixels: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        for i in fine.indices {
            bytes.append(coarse[i])
            bytes.append(fine[i])
            bytes += pixels[(i * 3072)..<((i + 1) * 3072)]
        }
        return bytes
    }

    /// `bytes` as a gzip file.
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] { try Gzip.compress(bytes) }
}

/// Expects `body` to throw `SpikeKitError.dataFile` for `path` at `offset`, with a reason containing
/// every string in `mentioning`; on failure, records what was expected and what happened.
func expectDataFileError(path: String, offset: Int?, mentioning: [String] = [],
                         sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        let expected = offset.map(String.init) ?? "nil"
        Issue.record("expected a data-file error for \(path) at offset \(expected), but nothing was thrown",
                     sourceLocation: sourceLocation)
    } catch let SpikeKitError.dataFile(thrownPath, thrownOffset, reason) {
        #expect(thrownPath == path, "error names \(thrownPath), expected \(path)", sourceLocation: sourceLocation)
        let (found, expected) = (thrownOffset.map(String.init) ?? "nil", offset.map(String.init) ?? "nil")
        #expect(thrownOffset == offset, "offset \(found), expected \(expected); reason: \(reason)",
                sourceLocation: sourceLocation)
        for word in mentioning {
            #expect(reason.contains(word), "reason '\(reason)' does not mention '\(word)'", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a data-file error for \(path), got \(error)", sourceLocation: sourceLocation)
    }
}

/// The `SpikeKitError` that `body` throws (recording an issue if it throws nothing or something else).
func thrownSpikeKitError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> SpikeKitError? {
    do {
        try body()
        Issue.record("expected an error, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as SpikeKitError {
        return error
    } catch {
        Issue.record("expected a SpikeKitError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
