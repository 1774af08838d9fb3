import Foundation
import Synchronization
@testable import SpikeKit

/// `size` ranks of a data-parallel job played by threads of this process, for testing what runs
/// over MPI without MPI: `communicator(rank:)` gives each thread its rank's communicator. The
/// ordered sum follows `DataParallelCommunicator`'s contract exactly (rank 0 starts, each rank
/// contributes to its predecessor's result in turn, every rank receives the last one's).
final class ThreadRanks: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    /// The number of finished collective operations, and the turn within the current one.
    private var finished = 0, turn = 0
    private var carried: [UInt8] = []
    /// Each finished operation's result until every rank has read it.
    private var results: [Int: (bytes: [UInt8], unread: Int)] = [:]

    init(size: Int) { self.size = size }

    func communicator(rank: Int) -> any DataParallelCommunicator { Rank(ranks: self, rank: rank) }

    /// Runs `body(rank)` on `size` threads at once and returns the results in rank order.
    func run<T: Sendable>(_ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        let results = Mutex<[Int: Result<T, any Error>]>([:])
        let group = DispatchGroup()
        for rank in 0..<size {
            let thread = Thread {
                let result = Result<T, any Error> { try body(rank) }
                results.withLock { $0[rank] = result }
                group.leave()
            }
            thread.stackSize = 8 << 20
            group.enter()
            thread.start()
        }
        group.wait()
        return try (0..<size).map { rank in
            guard let result = results.withLock({ $0[rank] }) else { throw SpikeKitError.runtime("rank \(rank) did not finish") }
            return try result.get()
        }
    }

    /// Operation number `index` of `rank`: waits for its turn, contributes, then waits for the result.
    fileprivate func orderedSum(rank: Int, index: Int, _ buffer: inout [UInt8], contribute: (inout [UInt8]) -> Void) {
        condition.lock()
        while !(finished == index && turn == rank) { condition.wait() }
        if rank > 0 { buffer = carried }
        contribute(&buffer)
        carried = buffer
        turn += 1
        if turn == size {
            results[index] = (carried, size)
            turn = 0
            finished += 1
        }
        condition.broadcast()
        while results[index] == nil { condition.wait() }
        buffer = results[index]!.bytes
        results[index]!.unread -= 1
        if results[index]!.unread == 0 { results[index] = nil }
        condition.unlock()
    }

    private final class Rank: DataParallelCommunicator, @unchecked Sendable {
        let ranks: ThreadRanks
        let rank: Int
        /// The collective operations this rank has started (all ranks call them in the same order).
        private var calls = 0
        init(ranks: ThreadRanks, rank: Int) { self.ranks = ranks; self.rank = rank }
        var size: Int { ranks.size }

        func orderedSum(_ buffer: inout [UInt8], contribute: (inout [UInt8]) -> Void) {
            calls += 1
            ranks.orderedSum(rank: rank, index: calls - 1, &buffer, contribute: contribute)
        }

        func barrier() {
            var nothing: [UInt8] = []
            orderedSum(&nothing) { _ in }
        }

        func broadcast(_ buffer: inout [UInt8], root: Int) {
            let mine = buffer, isRoot = rank == root
            orderedSum(&buffer) { if isRoot { $0 = mine } }
        }

        func abort(_ message: String, status: Int32) -> Never {
            fatalError("rank \(rank) of \(size) aborted: \(message)")
        }
    }
}
