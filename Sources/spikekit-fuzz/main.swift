import Foundation
import SpikeKit

// spikekit-fuzz: runs SpikeKit's seeded random-mutation fuzzer on its file readers.
//
//   spikekit-fuzz --reader idx|cifar|gzip|npy|safetensors|config|all [--seconds N] [--executions N]
//                 [--seed S] [--first N] [--findings DIR] [--hang-seconds N]
//   spikekit-fuzz --reader NAME --input FILE      (runs the reader's parsers on one file)
//
// Prints, per reader, the executions, how many inputs each parser accepted and rejected, and every
// finding (an error other than SpikeKitError, a slow input, an absurd allocation). Each finding's
// input is saved in the findings folder. Before every execution the input is also written to
// `<reader>-current.bin` there: if the process crashes, that file holds the crashing input (the
// next run reports it); a watchdog stops a run whose execution hangs, leaving the same file.
// Exit status: 0 without findings, 1 with, 64 for a usage error.

struct Options {
    var readers: [String] = []
    var seconds: Double?
    var executions: Int?
    var seed: UInt64 = 1
    var first = 0
    var findings = "fuzz-findings"
    var hangSeconds = 10.0
    /// Parse this file instead of fuzzing (to reproduce a finding).
    var input: String?
}

let usageLine = "usage: spikekit-fuzz --reader \(FuzzTarget.names.joined(separator: "|"))|all [--seconds N] [--executions N] "
    + "[--seed S] [--first N] [--findings DIR] [--hang-seconds N] [--input FILE]\n"

func usage(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n\(usageLine)".utf8))
    exit(64)
}

/// A non-negative number, or a usage error naming the option.
func number(_ text: String, _ option: String) -> Double {
    guard let value = Double(text), value >= 0, value < 1e15 else { usage("'\(option)' takes a non-negative number, got '\(text)'") }
    return value
}

func parseOptions(_ arguments: [String]) -> Options {
    var options = Options()
    var rest = arguments[...]
    func value(_ name: String) -> String {
        guard let v = rest.popFirst() else { usage("Missing value for '\(name)'") }
        return v
    }
    while let argument = rest.popFirst() {
        switch argument {
        case "--reader":
            let name = value(argument)
            if name == "all" { options.readers = FuzzTarget.names }
            else if FuzzTarget.names.contains(name) { options.readers.append(name) }
            else { usage("Unknown reader '\(name)'") }
        case "--seconds": options.seconds = number(value(argument), argument)
        case "--executions": options.executions = Int(number(value(argument), argument))
        case "--seed": options.seed = UInt64(number(value(argument), argument))
        case "--first": options.first = Int(number(value(argument), argument))
        case "--findings": options.findings = value(argument)
        case "--hang-seconds": options.hangSeconds = number(value(argument), argument)
        case "--input": options.input = value(argument)
        case "--help", "-h":
            print(usageLine, terminator: "")
            exit(0)
        default: usage("Unknown option '\(argument)'")
        }
    }
    if options.readers.isEmpty { usage("Missing option '--reader'") }
    if options.seconds == nil && options.executions == nil { options.seconds = 60 }
    return options
}

/// The execution in progress, for the hang watchdog.
final class Heartbeat: @unchecked Sendable {
    private let lock = NSLock()
    private var execution = -1
    private var since = Date()
    private var finished = false

    /// Stops the watchdog.
    func finish() {
        lock.lock()
        finished = true
        lock.unlock()
    }

    var isFinished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }

    func beat(_ n: Int) {
        lock.lock()
        execution = n
        since = Date()
        lock.unlock()
    }

    func current() -> (Int, TimeInterval) {
        lock.lock()
        defer { lock.unlock() }
        return (execution, Date().timeIntervalSince(since))
    }
}

let options = parseOptions(Array(CommandLine.arguments.dropFirst()))

if let input = options.input {
    guard let data = try? Data(contentsOf: URL(fileURLWithPath: input)) else { usage("cannot read '\(input)'") }
    let bytes = [UInt8](data)
    for name in options.readers {
        guard let target = try FuzzTarget.named(name) else { continue }
        for parser in target.parsers {
            FileHandle.standardError.write(Data("\(parser.name): parsing...\n".utf8))
            do {
                try parser.run(bytes)
                print("\(parser.name): accepted")
            } catch {
                print("\(parser.name): \(type(of: error)): \(error)")
            }
        }
    }
    exit(0)
}
let folder = URL(fileURLWithPath: options.findings)
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
var totalFindings = 0

for name in options.readers {
    guard let target = try FuzzTarget.named(name) else { continue }
    let current = folder.appendingPathComponent("\(name)-current.bin")
    if FileManager.default.fileExists(atPath: current.path) {
        let kept = folder.appendingPathComponent("\(name)-crash-\(Int(Date().timeIntervalSince1970)).bin")
        try? FileManager.default.moveItem(at: current, to: kept)
        print("\(name): the previous run stopped (crash or hang) on the input now in \(kept.path)")
        totalFindings += 1
    }
    try Data().write(to: current)
    let handle = try FileHandle(forWritingTo: current)
    let heartbeat = Heartbeat()
    let watchdog = Thread {
        while !heartbeat.isFinished {
            Thread.sleep(forTimeInterval: 0.5)
            let (execution, seconds) = heartbeat.current()
            if execution >= 0 && seconds > options.hangSeconds {
                FileHandle.standardError.write(Data("\(name): execution \(execution) hangs (over \(options.hangSeconds) s); its input is in \(current.path)\n".utf8))
                exit(3)
            }
        }
    }
    watchdog.start()
    let engine = FuzzEngine(target: target, seed: options.seed)
    let summary = engine.run(first: options.first, executions: options.executions, seconds: options.seconds,
                             beforeEach: { n, bytes in
        heartbeat.beat(n)
        try? handle.seek(toOffset: 0)
        try? handle.write(contentsOf: bytes)
        try? handle.truncate(atOffset: UInt64(bytes.count))
    }, onFinding: { finding in
        let file = folder.appendingPathComponent("\(name)-\(finding.execution)-\(finding.kind.rawValue.replacingOccurrences(of: " ", with: "-")).bin")
        try? Data(finding.input).write(to: file)
        print("\(name): FINDING \(finding) -> \(file.path)")
    })
    heartbeat.finish()
    try? handle.close()
    try? FileManager.default.removeItem(at: current)
    totalFindings += summary.findings.count
    let rate = Double(summary.executions) / max(summary.seconds, 1e-9)
    print(String(format: "%@: %d executions in %.1f s (%.0f/s), seed %llu, executions %d..<%d, %d findings",
                 name, summary.executions, summary.seconds, rate, options.seed, options.first,
                 options.first + summary.executions, summary.findings.count))
    for parser in target.parsers {
        print("  \(parser.name): \(summary.accepted[parser.name, default: 0]) accepted, \(summary.rejected[parser.name, default: 0]) rejected with SpikeKitError")
    }
}
exit(totalFindings == 0 ? 0 : 1)
