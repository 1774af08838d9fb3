import Foundation

/// Hands out a batch's samples one at a time to whichever worker is free, and lets each worker add
/// its sample's result only in sample order: the sums are then those of one thread adding the samples
/// one after another, whatever the number of threads.
///
/// A worker waits in `inTurn` only while an earlier sample is still being computed by another worker;
/// the worker holding the earliest unfinished sample never waits, so the batch always completes.
final class SampleOrder: @unchecked Sendable {
    private let condition = NSCondition()
    private var nextToTake: Int
    private var nextToAdd: Int

    init(first: Int) {
        nextToTake = first
        nextToAdd = first
    }

    /// The next sample not yet taken, or nil once `end` is reached.
    func take(below end: Int) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard nextToTake < end else { return nil }
        nextToTake += 1
        return nextToTake - 1
    }

    /// Runs `body` once every sample before `n` has run its own, then lets sample n + 1 in.
    func inTurn(_ n: Int, _ body: () -> Void) {
        condition.lock()
        while nextToAdd != n { condition.wait() }
        condition.unlock()
        body()
        condition.lock()
        nextToAdd += 1
        condition.broadcast()
        condition.unlock()
    }
}
