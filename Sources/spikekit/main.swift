import Foundation

// spikekit: the command-line tool. Results go to standard output, progress and errors to standard
// error; usage and config errors exit with 64 (EX_USAGE), other failures with 1.
exit(SpikeKitTool.main(Array(CommandLine.arguments.dropFirst())))
