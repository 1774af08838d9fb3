import Foundation
import Synchronization

/// The workers that share one sample when a batch has fewer samples than threads (neuron-block
/// parallelism, DESIGN §3): each owns a band of every population (`NeuronBand`), delivers into and
/// steps only its band, and the bands' spike lists are joined at a barrier before the next layer
/// reads them.
///
/// It owns the barrier and, per gather point (`slot`), one event buffer per worker, double-buffered
/// by step parity: a worker may publish step t + 1's events while a slower one still copies step
/// t's, because at least one barrier separates two uses of the same parity.
final class SampleTeam: @unchecked Sendable {
    let workers: Int
    let barrier: SpinBarrier
    /// [slot][parity][worker].
    private let buffers: [[[SharedEventBuffer]]]

    /// `capacities[slot]`: the most events a slot's list can hold (its layer's neuron count).
    init(workers: Int, capacities: [Int]) {
        self.workers = workers
        barrier = SpinBarrier(parties: workers)
        buffers = capacities.map { capacity in
            (0..<2).map { _ in (0..<workers).map { _ in SharedEventBuffer(capacity: capacity) } }
        }
    }

    /// Publishes worker `worker`'s part of slot `slot` at step `t`, waits for every worker's part,
    /// and writes the joined list (parts in worker order, which is ascending index order) to `whole`.
    /// Returns the bitwise OR of the workers' `flags` (see `EventScheduler.simulate`).
    @discardableResult
    func gather(_ part: SpikeEvents, slot: Int, t: Int, worker: Int, into whole: inout SpikeEvents, flags: UInt8 = 0) -> UInt8 {
        let parts = buffers[slot][t & 1]
        parts[worker].store(part, flags: flags)
        barrier.wait()
        whole.removeAll(binary: part.isBinary)
        var joinedFlags: UInt8 = 0
        for w in 0..<workers {
            parts[w].append(to: &whole)
            joinedFlags |= parts[w].flags
        }
        return joinedFlags
    }
}

/// One worker's events at a gather point, in memory allocated once (no reference counting between
/// the threads that write and read it).
final class SharedEventBuffer: @unchecked Sendable {
    private let capacity: Int
    private let indices: UnsafeMutablePointer<Int32>
    private let values: UnsafeMutablePointer<Float>
    private var count = 0
    private var binary = true
    /// A few bits the worker shares along with its events.
    private(set) var flags: UInt8 = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        indices = .allocate(capacity: self.capacity)
        values = .allocate(capacity: self.capacity)
    }

    deinit {
        indices.deallocate()
        values.deallocate()
    }

    func store(_ events: SpikeEvents, flags: UInt8) {
        self.flags = flags
        precondition(events.count <= capacity, "SharedEventBuffer: \(events.count) events for room of \(capacity)")
        count = events.count
        binary = events.isBinary
        events.indices.withUnsafeBufferPointer { indices.update(from: $0.baseAddress!, count: count) }
        if !binary { events.values.withUnsafeBufferPointer { values.update(from: $0.baseAddress!, count: count) } }
    }

    func append(to events: inout SpikeEvents) {
        guard count > 0 else { return }
        if binary {
            events.append(binary: UnsafeBufferPointer(start: indices, count: count))
        } else {
            events.append(indices: UnsafeBufferPointer(start: indices, count: count),
                          values: UnsafeBufferPointer(start: values, count: count))
        }
    }
}

/// A reusable barrier for a fixed number of threads that spins briefly, then yields the core:
/// a layer's work between two barriers is a few microseconds, far less than a futex wake-up, and
/// yielding keeps it correct (if slow) when there are more workers than cores.
final class SpinBarrier: Sendable {
    private let parties: Int
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)

    init(parties: Int) {
        precondition(parties >= 1, "a barrier needs at least one party")
        self.parties = parties
    }

    func wait() {
        if parties == 1 { return }
        let current = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parties {
            arrived.store(0, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .releasing)
            return
        }
        var spins = 0
        while generation.load(ordering: .acquiring) == current {
            spins += 1
            if spins > 4_000 { sched_yield() }
        }
    }
}

/// Runs `body(worker)` for `workers` workers on that many threads at once (the calling thread is
/// worker 0, the others come from `TeamThreads.shared`). Unlike `DispatchQueue.concurrentPerform`,
/// every worker is guaranteed its own running thread, which workers that wait for each other at a
/// barrier need.
func runConcurrently(_ workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
    if workers <= 1 { body(0); return }
    TeamThreads.shared.run(workers, body)
}

/// Threads kept for `runConcurrently`, so that simulating one image at a time does not start a
/// thread per image. A thread that finished its part spins briefly for the next one (the next image
/// usually follows within microseconds), then sleeps on a semaphore. Calls are serialised.
final class TeamThreads: @unchecked Sendable {
    static let shared = TeamThreads()
    private let lock = NSLock()
    private var threads: [TeamThread] = []

    func run(_ workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
        lock.lock(); defer { lock.unlock() }
        while threads.count < workers - 1 { threads.append(TeamThread()) }
        let finished = FinishedCount()
        for w in 1..<workers {
            threads[w - 1].submit { body(w); finished.count.wrappingAdd(1, ordering: .releasing) }
        }
        body(0)
        var spins = 0
        while finished.count.load(ordering: .acquiring) < workers - 1 {
            spins += 1
            if spins > 4_000 { sched_yield() }
        }
    }

    private final class FinishedCount: Sendable {
        let count = Atomic<Int>(0)
    }
}

/// One kept thread: it runs the jobs `submit` hands it, one at a time.
final class TeamThread: @unchecked Sendable {
    private var job: (@Sendable () -> Void)?
    private let generation = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Hands the thread its next job (the previous one must have finished).
    func submit(_ job: @escaping @Sendable () -> Void) {
        self.job = job
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        // Either the thread sees the new generation before sleeping, or this sees it asleep.
        if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
    }

    private func loop() {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .sequentiallyConsistent) == seen {
                spins += 1
                if spins < 20_000 { continue }
                sleeping.store(true, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                sleeping.store(false, ordering: .sequentiallyConsistent)
                spins = 0
            }
            seen = generation.load(ordering: .acquiring)
            job?()
        }
    }
}
