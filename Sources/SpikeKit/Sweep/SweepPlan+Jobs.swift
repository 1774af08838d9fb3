import Foundation

/// All points of a sweep on this machine, K at a time (`spikekit sweep CONFIG --jobs K`).
///
/// The shared ANNs are trained first, in this process with every thread; then each unfinished point
/// runs as its own process (`spikekit sweep CONFIG --task N`), so points never share the process-wide
/// thread setting, and one point failing leaves the others running. Each point's output goes to
/// `logs/<point>.log`.
extension SweepPlan {
    /// A point that did not finish, with the log that says why.
    public struct Failure: Equatable, Sendable {
        public var point: String
        public var status: Int32
        public var log: URL
    }

    /// Runs every unfinished point with `jobs` processes at a time, each with `threads` threads
    /// (default: the cores divided among the jobs), and returns the points that failed.
    public func runAll(jobs: Int, threads: Int?, executable: URL, progress: ProgressReporter) throws -> [Failure] {
        try writeManifest()
        let pending = points.filter { status(of: $0) != .finished }
        progress.note("sweep \(base.name): \(points.count) points, \(points.count - pending.count) finished, \(pending.count) to run, \(jobs) at a time")
        var trained = Set<String>()
        for point in pending {
            guard let (_, hash) = sharedANN(for: point), trained.insert(hash).inserted else { continue }
            progress.note("sweep: shared ANN \(hash) (ann/\(hash)/)")
            try prepareSharedANN(for: point, threads: threads, quiet: progress.quiet)
        }
        let perJob = threads ?? max(1, Parallel.coreCount / max(jobs, 1))
        let logs = directory.appendingPathComponent(Self.logsFolder)
        try createFolder(logs)

        // The handlers record which processes ended; the loop below waits for them.
        let finished = DispatchSemaphore(value: 0)
        let ended = EndedProcesses()
        var running: [(point: SweepPoint, process: Process, log: URL)] = []
        var queue = pending[...]
        var failures: [Failure] = []
        var done = points.count - pending.count
        while !queue.isEmpty || !running.isEmpty {
            while running.count < max(jobs, 1), let point = queue.popFirst() {
                let log = logs.appendingPathComponent("\(point.name).log")
                let process = Process()
                process.executableURL = executable
                process.arguments = ["sweep", configURL.path, "--output", directory.path, "--task", String(point.index),
                                     "--threads", String(perJob), "--quiet"]
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                let handle = try FileHandle(forWritingTo: log)
                process.standardOutput = handle
                process.standardError = handle
                process.terminationHandler = { process in
                    ended.add(process.processIdentifier)
                    finished.signal()
                }
                do {
                    try process.run()
                } catch {
                    throw SpikeKitError.runtime("cannot start \(executable.path) for point \(point.name): \(error)")
                }
                try? handle.close()
                running.append((point, process, log))
            }
            finished.wait()
            let pids = ended.take()
            for (index, job) in running.enumerated().reversed() where pids.contains(job.process.processIdentifier) {
                running.remove(at: index)
                done += 1
                let status = job.process.terminationStatus
                if job.process.terminationReason == .exit && status == 0 {
                    progress.note("sweep: [\(done)/\(points.count)] \(job.point.name) finished")
                } else {
                    let code = job.process.terminationReason == .uncaughtSignal ? 128 + status : status
                    failures.append(Failure(point: job.point.name, status: code, log: job.log))
                    progress.note("sweep: [\(done)/\(points.count)] \(job.point.name) FAILED (exit status \(code)); see \(job.log.path)")
                }
            }
        }
        return failures
    }
}

/// The process identifiers of ended processes, written by termination handlers on other threads.
private final class EndedProcesses: @unchecked Sendable {
    private let lock = NSLock()
    private var pids: Set<Int32> = []

    func add(_ pid: Int32) {
        lock.lock()
        pids.insert(pid)
        lock.unlock()
    }

    /// The ones recorded so far, removed from the set.
    func take() -> Set<Int32> {
        lock.lock()
        defer { pids = []; lock.unlock() }
        return pids
    }
}
