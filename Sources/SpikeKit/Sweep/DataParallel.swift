import Foundation

/// The few collective operations data-parallel training needs from a message-passing library (MPI),
/// so that the library itself needs no MPI: the `spikekit` tool built with `SPIKEKIT_MPI=1` installs
/// an Open MPI implementation (`SpikeKitMPI.MPICommunicator`) when it runs under `mpirun`.
///
/// Every rank runs the same program on the same, deterministically loaded data; only the work of a
/// batch is divided. The operations are blocking and collective: every rank calls them in the same
/// order with buffers of the same size. A failure inside them ends the whole job (MPI's default
/// error handler), so they do not throw.
public protocol DataParallelCommunicator: AnyObject, Sendable {
    /// This process's rank, 0..<size.
    var rank: Int { get }
    /// The number of ranks.
    var size: Int { get }
    /// A left fold in rank order: rank 0 starts from `buffer` as given; rank r > 0 first receives
    /// rank r − 1's result into `buffer`; each rank then calls `contribute` on it and passes the
    /// result to rank r + 1; finally every rank receives the last rank's result. So
    /// `((b₀ ⊕ x₀) ⊕ x₁) ⊕ … ⊕ x_{n−1}` is computed in exactly one order whatever n is: the sum of
    /// floating-point gradients is then the same for any rank count. `contribute` may change the
    /// buffer's size (appending to it gathers every rank's part in rank order).
    func orderedSum(_ buffer: inout [UInt8], contribute: (inout [UInt8]) -> Void)
    /// Waits until every rank has called it.
    func barrier()
    /// Replaces `buffer` on every rank by `root`'s.
    func broadcast(_ buffer: inout [UInt8], root: Int)
    /// Ends every rank of the job with `message` and `status` (a rank that fails must not leave the
    /// others waiting in a collective operation).
    func abort(_ message: String, status: Int32) -> Never
}

/// The process's communicator, if it runs as one rank of several; nil in an ordinary run.
public enum DataParallel {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var _communicator: (any DataParallelCommunicator)?

    /// Set once at start-up by the tool; nil (or one rank) means no data parallelism.
    public static var communicator: (any DataParallelCommunicator)? {
        get { lock.lock(); defer { lock.unlock() }; return _communicator }
        set { lock.lock(); _communicator = newValue; lock.unlock() }
    }

    /// The communicator when there are at least two ranks.
    static var active: (any DataParallelCommunicator)? {
        guard let communicator, communicator.size > 1 else { return nil }
        return communicator
    }

    /// This rank (0 in an ordinary run).
    public static var rank: Int { communicator?.rank ?? 0 }

    /// `value` summed over the ranks (`value` itself without MPI).
    static func sum(_ value: Int) -> Int {
        guard let active else { return value }
        var buffer = withUnsafeBytes(of: 0) { Array($0) }
        active.orderedSum(&buffer) { buffer in
            let total = buffer.withUnsafeBytes { $0.loadUnaligned(as: Int.self) } + value
            buffer = withUnsafeBytes(of: total) { Array($0) }
        }
        return buffer.withUnsafeBytes { $0.loadUnaligned(as: Int.self) }
    }

    /// The part of `0..<count` work items this rank computes: contiguous blocks in rank order, so
    /// the ordered sum visits the items in their natural order.
    static func share(of count: Int) -> Range<Int> {
        guard let active else { return 0..<count }
        return share(of: count, rank: active.rank, size: active.size)
    }

    /// Rank `rank`'s part of `0..<count` among `size` ranks.
    static func share(of count: Int, rank: Int, size: Int) -> Range<Int> {
        (count * rank / size)..<(count * (rank + 1) / size)
    }
}
