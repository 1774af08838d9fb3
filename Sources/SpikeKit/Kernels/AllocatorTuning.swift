#if canImport(Glibc)
import Glibc
#endif

/// Keeps freed large blocks in the process for reuse (glibc only; elsewhere a no-op).
///
/// Training allocates the same activation-sized arrays (megabytes each) on every step. glibc serves
/// such blocks with `mmap` and unmaps them on `free`, or trims the top of its heap, so every step
/// touches fresh pages and pays a page fault per 4 KiB: measured here, the ReLU after CNN-S's first
/// convolution took ten times longer than the arithmetic. Raising the mmap threshold to 256 MiB and
/// the trim threshold to 1 GiB makes glibc keep those blocks and hand them out again. The cost is
/// that memory freed after a large run stays with the process until it exits. The setting is
/// process-wide; `ANNTrainer` and `TrainingThroughput` apply it when they start, once.
public enum AllocatorTuning {
    private static let applied: Bool = {
        #if canImport(Glibc)
        // `mallopt` is declared in <malloc.h>, which the Glibc module does not export, so it is
        // looked up by name; its parameter codes are glibc's M_TRIM_THRESHOLD (−1) and
        // M_MMAP_THRESHOLD (−3).
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3
        return mallopt(mmapThreshold, 256 << 20) == 1 && mallopt(trimThreshold, 1 << 30) == 1
        #else
        return false
        #endif
    }()

    /// Applies the tuning (idempotent, thread-safe). Returns whether the platform supports it.
    @discardableResult
    public static func retainFreedBlocks() -> Bool { applied }
}
