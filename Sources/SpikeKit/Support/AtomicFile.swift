import Foundation

/// Writes files so that a crash at any moment leaves either the old file or the new one, never a
/// half-written one: the bytes go to a temporary file in the same directory, are flushed to disk,
/// and the temporary file is renamed over the destination (rename is atomic on POSIX file systems).
///
/// A failure at any step (creating, writing, flushing, closing or renaming the temporary file: a full
/// disk, a read-only or missing folder) throws `SpikeKitError.io` naming the destination and the
/// system's reason, removes the temporary file and leaves the destination as it was.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating the parent directory if needed.
    public static func write(_ data: Data, to url: URL) throws {
        try write(data, to: url, fault: nil)
    }

    /// A failure to simulate, for tests: the step that fails and the `errno` it fails with. A `write`
    /// fault lets the first `afterBytes` bytes through and fails on the next one, as a disk that fills
    /// up does.
    struct Fault {
        enum Step { case write, fsync, close, rename }
        var step: Step
        var errno: Int32
        var afterBytes = 0
    }

    static func write(_ data: Data, to url: URL, fault: Fault?) throws {
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SpikeKitError.io(path: directory.path, reason: "cannot create directory (\(systemErrorReason(error)))")
        }
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw SpikeKitError.io(path: url.path, reason: "cannot write (\(String(cString: strerror(errno))))")
        }
        // Runs a step and returns its errno if it fails; a simulated failure skips the step (except
        // `close`, which must still release the descriptor).
        func failed(_ step: Fault.Step, _ operation: () -> Int32) -> Int32? {
            if let fault, fault.step == step {
                if step == .close { _ = operation() }
                return fault.errno
            }
            return operation() != 0 ? errno : nil
        }
        var failure: Int32?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                var count = raw.count - offset
                if let fault, fault.step == .write {
                    count = min(count, fault.afterBytes - offset)
                    if count <= 0 {
                        failure = fault.errno
                        return
                    }
                }
                let written = Foundation.write(fd, raw.baseAddress! + offset, count)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == nil { failure = failed(.fsync) { fsync(fd) } }
        // close reports write-back errors on some file systems (NFS): the data may not be on disk.
        let closed = failed(.close) { close(fd) }
        if failure == nil { failure = closed }
        if let failure {
            unlink(temporary.path)
            throw SpikeKitError.io(path: url.path, reason: "write failed (\(String(cString: strerror(failure)))); "
                                   + "the previous file, if any, is unchanged")
        }
        if let renameFailure = failed(.rename, { rename(temporary.path, url.path) }) {
            unlink(temporary.path)
            throw SpikeKitError.io(path: url.path, reason: "cannot replace file (\(String(cString: strerror(renameFailure))))")
        }
        // Flush the directory entry too, so the rename itself survives a power cut (best effort).
        let directoryDescriptor = open(directory.path, O_RDONLY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Writes a UTF-8 string atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Whether `name` is one of the temporary files `write` makes (`.<name>.tmp-<pid>-<random>`).
    static func isTemporaryName(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(".tmp-")
    }

    /// Deletes the temporary files that writes interrupted by a crash or `kill -9` left in `directory`
    /// (best effort; returns how many were removed). Call it only when no other process writes there.
    @discardableResult
    public static func removeLeftovers(in directory: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var removed = 0
        for name in names where isTemporaryName(name) {
            if (try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))) != nil { removed += 1 }
        }
        return removed
    }
}
