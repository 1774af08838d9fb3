import Foundation
import SpikeKit

/// `spikekit collect DIR`: the table and plots of a sweep's finished points.
enum CollectCommand {
    static func run(_ command: ParsedCommand) throws {
        guard let path = command.argument("DIR") else {
            throw CommandLineUsageError("Missing argument DIR", path: command.path)
        }
        let directory = URL(fileURLWithPath: path)
        let table = try SweepTable.collect(from: directory)
        let files = try table.write(to: directory)
        try Output.result(table.csv())
        let points = Set(table.rows.map(\.point)).count
        var note = "collected \(points) points (\(table.rows.count) rows)"
        if !table.missing.isEmpty { note += "; not finished: " + table.missing.joined(separator: ", ") }
        Output.error(note + "\nwrote " + files.map(\.lastPathComponent).joined(separator: ", ") + " in \(directory.path)\n")
    }
}
