import Foundation

/// Reads the binary versions of CIFAR-10 and CIFAR-100 (Krizhevsky, 2009,
/// <https://www.cs.toronto.edu/~kriz/cifar.html>), plain or gzip-compressed.
///
/// Each record is the label byte(s) followed by 3,072 pixel bytes: 1,024 red, then 1,024 green,
/// then 1,024 blue, each a 32×32 image in row-major order (so a record is already `[3, 32, 32]`).
/// CIFAR-10 records have one label byte (0–9, 3,073 bytes per record); CIFAR-100 records have a
/// coarse label byte (0–19) and a fine label byte (0–99), 3,074 bytes per record, and SpikeKit uses
/// the fine label. A file whose length is not a whole number of records is reported at the offset
/// where the partial record starts; a label out of range at the offset of that label byte.
public enum CIFARReader {
    /// The two CIFAR binary formats.
    public enum Variant: String, Sendable, CaseIterable {
        case cifar10
        case cifar100

        /// Bytes before the pixels in each record.
        public var labelBytes: Int { self == .cifar10 ? 1 : 2 }
        /// Bytes per record: the label bytes and 3 × 32 × 32 pixels.
        public var recordSize: Int { labelBytes + CIFARReader.pixelsPerRecord }
        /// The number of (fine) classes.
        public var classCount: Int { self == .cifar10 ? 10 : 100 }
    }

    static let pixelsPerRecord = 3 * 32 * 32

    /// Reads one CIFAR binary file.
    public static func read(_ path: String, variant: Variant) throws -> LabeledImages {
        try parse(try DataFile.read(path), variant: variant)
    }

    /// Reads several files of one split (for example `data_batch_1.bin` … `data_batch_5.bin`) in order.
    public static func read(_ paths: [String], variant: Variant) throws -> LabeledImages {
        var all = LabeledImages(pixels: [], labels: [], channels: 3, height: 32, width: 32)
        for path in paths { all.append(try read(path, variant: variant)) }
        return all
    }

    static func parse(_ file: DataFile, variant: Variant) throws -> LabeledImages {
        let bytes = file.bytes
        let recordSize = variant.recordSize
        guard !bytes.isEmpty else {
            throw file.problem(at: 0, "file is empty; expected \(variant.rawValue) records of \(recordSize) bytes")
        }
        let count = bytes.count / recordSize
        guard bytes.count % recordSize == 0 else {
            throw file.problem(at: count * recordSize, "file length \(bytes.count) is not a multiple of the "
                                   + "\(variant.rawValue) record size \(recordSize): record \(count) is incomplete "
                                   + "(\(bytes.count % recordSize) of \(recordSize) bytes)"
                                   + (bytes.count % 3073 == 0 && variant == .cifar100 ? "; this looks like a CIFAR-10 file" : "")
                                   + (bytes.count % 3074 == 0 && variant == .cifar10 ? "; this looks like a CIFAR-100 file" : ""))
        }
        var labels = [Int32](repeating: 0, count: count)
        var pixels = [UInt8](repeating: 0, count: count * pixelsPerRecord)
        for i in 0..<count {
            let start = i * recordSize
            if variant == .cifar100 {
                let coarse = bytes[start]
                guard coarse < 20 else {
                    throw file.problem(at: start, "coarse label \(coarse) of record \(i) is out of range 0..<20")
                }
            }
            let labelOffset = start + variant.labelBytes - 1
            let label = bytes[labelOffset]
            guard Int(label) < variant.classCount else {
                throw file.problem(at: labelOffset, "label \(label) of record \(i) is out of range 0..<\(variant.classCount)")
            }
            labels[i] = Int32(label)
            pixels[(i * pixelsPerRecord)..<((i + 1) * pixelsPerRecord)] = bytes[(start + variant.labelBytes)..<(start + recordSize)]
        }
        return LabeledImages(pixels: pixels, labels: labels, channels: 3, height: 32, width: 32)
    }

    /// The CIFAR files found in `directory`, as `(train, test)` lists of paths in reading order.
    ///
    /// CIFAR-10: training files `data_batch_<n>.bin` in order of `n` (the official 1–5, or a subset
    /// such as the single `data_batch_1.bin`), the test file `test_batch.bin`, or where it is absent
    /// the files `test_batch_<suffix>.bin` (for example `test_batch_2000.bin`). CIFAR-100: `train.bin`
    /// and `test.bin`. Each name may end in `.gz`; where both forms exist the plain file is used. If
    /// `directory` holds none of them but has the official archive's folder (`cifar-10-batches-bin`,
    /// `cifar-100-binary`), that folder is searched.
    public static func files(in directory: URL, variant: Variant) throws -> (train: [String], test: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpikeKitError.io(path: directory.path, reason: "no such directory; expected \(expectedNames(variant))")
        }
        let found = try matchingFiles(in: directory, variant: variant)
        if found.train.isEmpty && found.test.isEmpty {
            let nested = directory.appendingPathComponent(variant == .cifar10 ? "cifar-10-batches-bin" : "cifar-100-binary")
            if FileManager.default.fileExists(atPath: nested.path) {
                return try files(in: nested, variant: variant)
            }
        }
        guard !found.train.isEmpty, !found.test.isEmpty else {
            let missing = found.train.isEmpty ? "training" : "test"
            throw SpikeKitError.io(path: directory.path, reason: "no \(variant.rawValue) \(missing) files; expected "
                                       + expectedNames(variant))
        }
        return found
    }

    static func expectedNames(_ variant: Variant) -> String {
        switch variant {
        case .cifar10:
            return "data_batch_1.bin … data_batch_5.bin and test_batch.bin (or test_batch_<n>.bin), each optionally .gz"
        case .cifar100:
            return "train.bin and test.bin, each optionally .gz"
        }
    }

    private static func matchingFiles(in directory: URL, variant: Variant) throws -> (train: [String], test: [String]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw SpikeKitError.io(path: directory.path, reason: "cannot list directory (\(error.localizedDescription))")
        }
        // Strip `.gz`, keep one path per base name, preferring the uncompressed file.
        var byBase: [String: String] = [:]
        for name in names.sorted() {
            let base = name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
            guard base.hasSuffix(".bin") else { continue }
            if byBase[base] == nil || !name.hasSuffix(".gz") {
                byBase[base] = directory.appendingPathComponent(name).path
            }
        }
        switch variant {
        case .cifar100:
            return (byBase["train.bin"].map { [$0] } ?? [], byBase["test.bin"].map { [$0] } ?? [])
        case .cifar10:
            var train: [(Int, String)] = []
            var test: [String] = []
            for (base, path) in byBase.sorted(by: { $0.key < $1.key }) {
                let stem = String(base.dropLast(4))
                if stem.hasPrefix("data_batch_"), let n = Int(stem.dropFirst("data_batch_".count)) {
                    train.append((n, path))
                } else if stem.hasPrefix("test_batch_") {
                    test.append(path)
                }
            }
            // The official test file wins over partial ones, which are usually taken from it.
            if let official = byBase["test_batch.bin"] { test = [official] }
            return (train.sorted { $0.0 < $1.0 }.map(\.1), test)
        }
    }
}
