import Dispatch
import Foundation

/// How many threads SpikeKit's kernels may use, and the loop that uses them.
///
/// The thread count is process-wide (set once by the CLI's `--threads` or the config's
/// `simulation.threads`), defaulting to the number of active cores. Every parallel loop in SpikeKit
/// splits work into chunks whose boundaries do **not** depend on the thread count, and reduces partial
/// results in chunk order, so a result is bit-identical for 1, 2 or 64 threads.
public enum Parallel {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var _threadCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The number of worker threads parallel kernels use (at least 1).
    public static var threadCount: Int {
        get { lock.lock(); defer { lock.unlock() }; return _threadCount }
        set { lock.lock(); _threadCount = max(1, newValue); lock.unlock() }
    }

    /// The number of cores the operating system reports as active.
    public static var coreCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}

/// Runs `body(i)` for every `i` in `0..<count`, on up to `threads` threads.
///
/// Iterations are grouped into at most `threads` contiguous blocks, each run by one Dispatch worker;
/// with one thread (or one iteration) the loop runs inline with no Dispatch overhead. The body must
/// write only memory that belongs to iteration `i` (see `SendablePointer`).
@inlinable
public func parallelFor(_ count: Int, threads: Int = Parallel.threadCount, _ body: @Sendable (Int) -> Void) {
    if count <= 0 { return }
    let workers = min(max(1, threads), count)
    if workers == 1 {
        for i in 0..<count { body(i) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        let start = count * w / workers
        let end = count * (w + 1) / workers
        for i in start..<end { body(i) }
    }
}

/// Runs `body(range)` over `0..<count` split into chunks of at least `minimumChunk` iterations,
/// one chunk per worker, so cheap iterations are not scheduled one by one.
@inlinable
public func parallelForChunks(_ count: Int, minimumChunk: Int, threads: Int = Parallel.threadCount,
                              _ body: @Sendable (Range<Int>) -> Void) {
    if count <= 0 { return }
    let chunks = max(1, min(max(1, threads), count / max(1, minimumChunk)))
    if chunks == 1 { body(0..<count); return }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        body((count * c / chunks)..<(count * (c + 1) / chunks))
    }
}
