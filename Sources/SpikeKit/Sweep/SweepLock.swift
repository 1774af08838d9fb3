import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a file (`flock(2)`), held while the value lives. The kernel
/// releases it when the process ends, however it ends, so a killed job never leaves a stale lock.
/// It guards what concurrent points of one sweep share: the training of a shared ANN, and a point's
/// folder (two processes never run the same point at once).
final class SweepLock {
    private let descriptor: Int32

    /// Takes the lock on `url` (created if absent), waiting for it when `wait`; nil when `wait` is
    /// false and another process holds it.
    init?(_ url: URL, wait: Bool) throws {
        let descriptor = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw SpikeKitError.io(path: url.path, reason: "cannot create the lock file (\(String(cString: strerror(errno))))")
        }
        while flock(descriptor, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let error = errno
            if error == EINTR { continue }
            close(descriptor)
            if error == EWOULDBLOCK { return nil }
            throw SpikeKitError.io(path: url.path, reason: "cannot lock the file (\(String(cString: strerror(error))))")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
