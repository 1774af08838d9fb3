import Foundation
import SpikeKit
#if SPIKEKIT_MPI
import SpikeKitMPI
#endif

// spikekit: the command-line tool. Results go to standard output, progress and errors to standard
// error; usage and config errors exit with 64 (EX_USAGE), other failures with 1.
// A reader that goes away (`spikekit config --schema | head`) makes writes fail with EPIPE, reported
// as an error, instead of killing the process with SIGPIPE (exit status 141).
signal(SIGPIPE, SIG_IGN)
#if SPIKEKIT_MPI
// Built with SPIKEKIT_MPI=1 and started by mpirun: this process is one rank of a data-parallel run.
if MPICommunicator.launchedByMPI {
    let communicator = MPICommunicator()
    DataParallel.communicator = communicator
    let status = SpikeKitTool.main(Array(CommandLine.arguments.dropFirst()))
    // A failed rank must not leave the others waiting for its gradients.
    if status != 0 && communicator.size > 1 {
        communicator.abort("failed with exit status \(status) (its error is above); ending all \(communicator.size) ranks", status: status)
    }
    communicator.finalize()
    exit(status)
}
#endif
exit(SpikeKitTool.main(Array(CommandLine.arguments.dropFirst())))
