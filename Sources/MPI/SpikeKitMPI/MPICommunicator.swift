import CMPI
import Foundation
import SpikeKit

/// `DataParallelCommunicator` over Open MPI's `MPI_COMM_WORLD` (MPI 3.1 standard, §3 point-to-point
/// and §5 collective communication: https://www.mpi-forum.org/docs/).
///
/// `orderedSum` is a chain: rank r receives the running sum from r − 1 (`MPI_Recv`), adds its own
/// part, sends it to r + 1 (`MPI_Send`), and the last rank's total is broadcast (`MPI_Bcast`). That
/// costs n − 1 messages and a broadcast per batch instead of a tree reduction's log n, and in return
/// fixes the order of the floating-point additions. Every message is its length, then its bytes
/// (in pieces of at most `Int32.max` bytes: MPI counts are `int`). Errors use MPI's default handler, `MPI_ERRORS_ARE_FATAL`: a failed
/// call, or a rank that dies, ends the whole job.
public final class MPICommunicator: DataParallelCommunicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int

    /// Initialises MPI (once per process) and reads the rank and size of `MPI_COMM_WORLD`.
    public init() {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 { MPI_Init(nil, nil) }
        var rank: Int32 = 0, size: Int32 = 1
        MPI_Comm_rank(spikekit_mpi_comm_world(), &rank)
        MPI_Comm_size(spikekit_mpi_comm_world(), &size)
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// Whether this process was started by `mpirun`/`mpiexec` (Open MPI sets these variables), so
    /// an ordinary run of an MPI-enabled build never initialises MPI.
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// Ends MPI; call once, after the last collective operation.
    public func finalize() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 { MPI_Finalize() }
    }

    static let piece = Int(Int32.max)

    /// The bytes of `raw` in pieces of at most `piece` bytes (MPI counts are `int`).
    private func pieces(_ count: Int, _ body: (Int, Int32) -> Void) {
        var offset = 0
        repeat {
            let length = min(Self.piece, count - offset)
            body(offset, Int32(length))
            offset += length
        } while offset < count
    }

    /// A message is its length (8 bytes) and then its bytes, so buffers may change size on the way.
    private func send(_ buffer: [UInt8], to destination: Int) {
        var length = Int64(buffer.count)
        MPI_Send(&length, 8, spikekit_mpi_byte(), Int32(destination), 0, spikekit_mpi_comm_world())
        buffer.withUnsafeBytes { raw in
            pieces(raw.count) { offset, length in
                MPI_Send(raw.baseAddress.map { $0 + offset }, length, spikekit_mpi_byte(), Int32(destination), 0,
                         spikekit_mpi_comm_world())
            }
        }
    }

    private func receive(_ buffer: inout [UInt8], from source: Int) {
        var length: Int64 = 0
        MPI_Recv(&length, 8, spikekit_mpi_byte(), Int32(source), 0, spikekit_mpi_comm_world(), spikekit_mpi_status_ignore())
        buffer = [UInt8](repeating: 0, count: Int(length))
        buffer.withUnsafeMutableBytes { raw in
            pieces(raw.count) { offset, length in
                MPI_Recv(raw.baseAddress.map { $0 + offset }, length, spikekit_mpi_byte(), Int32(source), 0,
                         spikekit_mpi_comm_world(), spikekit_mpi_status_ignore())
            }
        }
    }

    public func orderedSum(_ buffer: inout [UInt8], contribute: (inout [UInt8]) -> Void) {
        if rank > 0 { receive(&buffer, from: rank - 1) }
        contribute(&buffer)
        if rank < size - 1 { send(buffer, to: rank + 1) }
        broadcast(&buffer, root: size - 1)
    }

    public func barrier() {
        MPI_Barrier(spikekit_mpi_comm_world())
    }

    public func broadcast(_ buffer: inout [UInt8], root: Int) {
        var length = Int64(buffer.count)
        MPI_Bcast(&length, 8, spikekit_mpi_byte(), Int32(root), spikekit_mpi_comm_world())
        if rank != root { buffer = [UInt8](repeating: 0, count: Int(length)) }
        buffer.withUnsafeMutableBytes { raw in
            pieces(raw.count) { offset, length in
                MPI_Bcast(raw.baseAddress.map { $0 + offset }, length, spikekit_mpi_byte(), Int32(root), spikekit_mpi_comm_world())
            }
        }
    }

    public func abort(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("rank \(rank) of \(size): \(message)\n".utf8))
        MPI_Abort(spikekit_mpi_comm_world(), status)
        exit(status)
    }
}
