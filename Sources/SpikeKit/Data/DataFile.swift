import Foundation

/// The whole content of one data file, decompressed when it is gzip, with the path kept for errors.
///
/// Whether a file is gzip is decided by its first two bytes (1f 8b), never by its extension, so a
/// `.gz` file that was already unpacked, or a compressed file without `.gz`, both read correctly.
/// Readers report problems through `problem(at:_:)`, which names the file and the byte offset and
/// says, for compressed files, that the offset counts decompressed bytes.
struct DataFile {
    let path: String
    let bytes: [UInt8]
    let wasCompressed: Bool

    /// Reads (and if needed decompresses) the file at `path`.
    static func read(_ path: String) throws -> DataFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SpikeKitError.io(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw SpikeKitError.io(path: path, reason: "is a directory, expected a data file")
        }
        let raw: [UInt8]
        do {
            raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SpikeKitError.io(path: path, reason: "cannot read (\(error.localizedDescription))")
        }
        return try decode(raw, path: path)
    }

    /// The content of a file already in memory (decompressed when it is gzip); `path` names it in errors.
    static func decode(_ raw: [UInt8], path: String) throws -> DataFile {
        if Gzip.isCompressed(raw) {
            return DataFile(path: path, bytes: try Gzip.decompress(raw, path: path), wasCompressed: true)
        }
        return DataFile(path: path, bytes: raw, wasCompressed: false)
    }

    /// A `SpikeKitError.dataFile` for a problem at `offset` of the (decompressed) content.
    func problem(at offset: Int?, _ reason: String) -> SpikeKitError {
        let note = wasCompressed && offset != nil ? " (offset in the decompressed data)" : ""
        return .dataFile(path: path, offset: offset, reason: reason + note)
    }

    /// The big-endian 32-bit unsigned integer at `offset` (the caller has checked the length).
    func bigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
