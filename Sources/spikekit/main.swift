import Foundation

// spikekit: the command-line tool. Results go to standard output, progress and errors to standard
// error; usage and config errors exit with 64 (EX_USAGE), other failures with 1.
// A reader that goes away (`spikekit config --schema | head`) makes writes fail with EPIPE, reported
// as an error, instead of killing the process with SIGPIPE (exit status 141).
signal(SIGPIPE, SIG_IGN)
exit(SpikeKitTool.main(Array(CommandLine.arguments.dropFirst())))
