import Foundation
import SpikeKit

/// `spikekit report RESULTS_DIR`: the summary table, CSV tables and plots of a finished run, again.
enum ReportCommand {
    static func run(_ command: ParsedCommand) throws {
        guard let path = command.argument("RESULTS_DIR") else {
            throw CommandLineUsageError("Missing argument RESULTS_DIR", path: command.path)
        }
        let directory = URL(fileURLWithPath: path)
        let report = try RunReport.load(from: directory)
        try RunOutputs.write(report: report, raster: nil, rasterTimeSteps: 0, to: directory)
        try Output.result(report.summaryTable())
        try Output.result("results: \(directory.path)\n")
    }
}
