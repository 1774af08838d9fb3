/// Reads MNIST-style IDX files (MNIST, Fashion-MNIST), plain or gzip-compressed.
///
/// An IDX file is a big-endian header followed by raw bytes (LeCun et al.,
/// <http://yann.lecun.com/exdb/mnist/>): two zero bytes, a type byte (0x08 = unsigned byte), the
/// number of dimensions, then one 32-bit size per dimension. Image files are `0x00000803`
/// (`count, rows, columns`), label files `0x00000801` (`count`). The reader checks the magic number,
/// that every size is positive, that the file is exactly as long as the header says (reporting a
/// truncation at the end of the file and trailing bytes at the first extra byte), that labels lie in
/// `0..<classCount`, and that an image file and its label file agree on the count. Every error is a
/// `SpikeKitError.dataFile` naming the file and the byte offset of the problem.
public enum IDXReader {
    static let imagesMagic: UInt32 = 0x0000_0803
    static let labelsMagic: UInt32 = 0x0000_0801

    /// Reads an image file and its label file and checks that they describe the same samples.
    public static func read(images imagesPath: String, labels labelsPath: String, classCount: Int = 10) throws -> LabeledImages {
        try parse(images: try DataFile.read(imagesPath), labels: try DataFile.read(labelsPath), classCount: classCount)
    }

    /// Checks an image file and its label file, already read, and pairs them.
    static func parse(images: DataFile, labels: DataFile, classCount: Int) throws -> LabeledImages {
        let (count, rows, columns) = try parseImageHeader(images)
        let labelValues = try parseLabels(labels, classCount: classCount)
        guard labelValues.count == count else {
            throw labels.problem(at: 4, "the label file has \(labelValues.count) labels but the image file "
                                    + "\(images.path) has \(count) images")
        }
        return LabeledImages(pixels: Array(images.bytes[16...]), labels: labelValues,
                             channels: 1, height: rows, width: columns)
    }

    /// Reads the labels of an IDX label file (magic `0x00000801`).
    public static func readLabels(_ path: String, classCount: Int = 10) throws -> [Int32] {
        try parseLabels(try DataFile.read(path), classCount: classCount)
    }

    /// Checks an image file's header and length; returns `(count, rows, columns)`. The pixels start at byte 16.
    static func parseImageHeader(_ file: DataFile) throws -> (count: Int, rows: Int, columns: Int) {
        let sizes = try parseHeader(file, magic: imagesMagic, what: "images", names: ["image count", "rows", "columns"])
        return (sizes[0], sizes[1], sizes[2])
    }

    /// Checks a label file's header, length and label range; returns the labels.
    static func parseLabels(_ file: DataFile, classCount: Int) throws -> [Int32] {
        let sizes = try parseHeader(file, magic: labelsMagic, what: "labels", names: ["label count"])
        let header = 8
        var labels = [Int32](repeating: 0, count: sizes[0])
        for i in 0..<sizes[0] {
            let label = file.bytes[header + i]
            guard Int(label) < classCount else {
                throw file.problem(at: header + i, "label \(label) of sample \(i) is out of range 0..<\(classCount)")
            }
            labels[i] = Int32(label)
        }
        return labels
    }

    /// Validates magic number, sizes and total length; returns the dimension sizes.
    private static func parseHeader(_ file: DataFile, magic: UInt32, what: String, names: [String]) throws -> [Int] {
        let bytes = file.bytes
        let expectedMagic = String(magic, radix: 16).leftPadded(to: 8)
        guard bytes.count >= 4 else {
            throw file.problem(at: bytes.count, "file ends after \(bytes.count) bytes, inside the 4-byte IDX "
                                   + "magic number (expected 0x\(expectedMagic) for \(what))")
        }
        let found = file.bigEndianUInt32(at: 0)
        guard found == magic else {
            var reason = "bad magic number 0x\(String(found, radix: 16).leftPadded(to: 8)); expected 0x\(expectedMagic) "
                + "(IDX \(what): unsigned bytes, \(names.count) dimension\(names.count == 1 ? "" : "s"))"
            if found == imagesMagic { reason += "; this looks like an IDX image file" }
            if found == labelsMagic { reason += "; this looks like an IDX label file" }
            throw file.problem(at: 0, reason)
        }
        let headerLength = 4 + 4 * names.count
        guard bytes.count >= headerLength else {
            throw file.problem(at: bytes.count, "file ends after \(bytes.count) bytes, inside the "
                                   + "\(headerLength)-byte IDX header")
        }
        var sizes: [Int] = []
        var total = 1
        for (k, name) in names.enumerated() {
            let size = Int(file.bigEndianUInt32(at: 4 + 4 * k))
            // A count of zero is a valid (empty) file; an image with no rows or columns is not.
            guard size > 0 || k == 0 else {
                throw file.problem(at: 4 + 4 * k, "\(name) is 0")
            }
            sizes.append(size)
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow else { throw file.problem(at: 4 + 4 * k, "the header's sizes \(sizes) are impossibly large") }
            total = product
        }
        let (expectedLength, overflow) = headerLength.addingReportingOverflow(total)
        guard !overflow else { throw file.problem(at: 4, "the header's sizes \(sizes) are impossibly large") }
        let shape = sizes.map(String.init).joined(separator: "×")
        if bytes.count < expectedLength {
            let sample = sizes.count > 1 ? " (sample \((bytes.count - headerLength) / (total / max(1, sizes[0]))) is incomplete)" : ""
            throw file.problem(at: bytes.count, "file is truncated: the header declares \(what) of shape \(shape), "
                                   + "\(expectedLength) bytes in all, but the file has \(bytes.count)\(sample)")
        }
        if bytes.count > expectedLength {
            throw file.problem(at: expectedLength, "\(bytes.count - expectedLength) unexpected trailing bytes: the header "
                                   + "declares \(what) of shape \(shape), \(expectedLength) bytes in all")
        }
        return sizes
    }
}

extension String {
    /// The string with leading zeros added up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
