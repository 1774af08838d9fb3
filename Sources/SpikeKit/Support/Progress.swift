import Dispatch
import Foundation

/// Progress of a long run, written to standard error so standard output carries only results.
///
/// On a terminal (`isatty(2)`) the current stage is one line redrawn in place with a carriage return:
/// stage, percentage, count and estimated time left, at most four times a second. Anywhere else (a log
/// file, CI) it prints plain lines: one when a stage begins, one every `lineInterval` seconds while it
/// runs, and one when it finishes, so logs stay short. `quiet` prints nothing.
///
/// Thread-safe: `advance(by:)` may be called from parallel workers; a lock guards the state.
public final class ProgressReporter: @unchecked Sendable {
    public let quiet: Bool
    public let isTerminal: Bool
    /// The shortest time between two redraws on a terminal, in seconds.
    public let redrawInterval: Double = 0.25
    /// The shortest time between two plain progress lines, in seconds.
    public let lineInterval: Double = 10

    private let lock = NSLock()
    private let write: @Sendable (String) -> Void
    private let clock: @Sendable () -> Double
    private var stage: String?
    private var total: Int?
    private var done = 0
    private var started = 0.0
    private var lastOutput = -Double.infinity
    private var lineOpen = false

    /// A reporter on standard error.
    public convenience init(quiet: Bool = false) {
        self.init(quiet: quiet, isTerminal: isatty(2) != 0,
                  clock: { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 },
                  write: { text in try? FileHandle.standardError.write(contentsOf: Data(text.utf8)) })
    }

    /// A reporter writing through `write`, with `clock` giving seconds (for tests).
    public init(quiet: Bool, isTerminal: Bool, clock: @escaping @Sendable () -> Double,
                write: @escaping @Sendable (String) -> Void) {
        self.quiet = quiet
        self.isTerminal = isTerminal
        self.clock = clock
        self.write = write
    }

    /// Starts a stage of `total` work items (nil when the amount is unknown).
    public func begin(stage: String, total: Int? = nil) {
        lock.lock(); defer { lock.unlock() }
        closeLine()
        self.stage = stage
        self.total = total
        done = 0
        started = clock()
        lastOutput = started
        guard !quiet else { return }
        if isTerminal {
            emit("\r\u{1B}[K" + statusText(now: started))
            lineOpen = true
        } else {
            emit(stage + (total.map { " (\($0) items)" } ?? "") + "\n")
        }
    }

    /// Records `count` more finished items of the current stage.
    public func advance(by count: Int = 1) {
        lock.lock(); defer { lock.unlock() }
        done += count
        guard !quiet, stage != nil else { return }
        let now = clock()
        if isTerminal {
            guard now - lastOutput >= redrawInterval else { return }
            emit("\r\u{1B}[K" + statusText(now: now))
            lineOpen = true
        } else {
            guard now - lastOutput >= lineInterval else { return }
            emit(statusText(now: now) + "\n")
        }
        lastOutput = now
    }

    /// Ends the current stage with its duration and an optional result (`"test accuracy 91.2 %"`).
    public func finish(message: String? = nil) {
        lock.lock(); defer { lock.unlock() }
        guard let stage else { return }
        let elapsed = clock() - started
        self.stage = nil
        guard !quiet else { return }
        var text = "\(stage): done in \(ProgressReporter.duration(elapsed))"
        if let message { text += " — \(message)" }
        emit((isTerminal ? "\r\u{1B}[K" : "") + text + "\n")
        lineOpen = false
    }

    /// Prints one line of information (not progress), ending any line being redrawn.
    public func note(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        guard !quiet else { return }
        if lineOpen { emit("\r\u{1B}[K"); lineOpen = false }
        emit(text + "\n")
        if stage != nil && isTerminal {
            emit(statusText(now: clock()))
            lineOpen = true
        }
    }

    private func closeLine() {
        if lineOpen && !quiet { emit("\n") }
        lineOpen = false
    }

    private func emit(_ text: String) { write(text) }

    /// "training epoch 2  37% (370/1000), 0:12 left" or "calibration 370 items, 4.1 s".
    private func statusText(now: Double) -> String {
        let name = stage ?? ""
        let elapsed = now - started
        guard let total, total > 0 else {
            return "\(name): \(done) done, \(ProgressReporter.duration(elapsed))"
        }
        let fraction = min(1, Double(done) / Double(total))
        var text = "\(name): \(Int(fraction * 100)) % (\(done)/\(total))"
        if done > 0 && done < total && elapsed > 0 {
            text += ", \(ProgressReporter.clockTime(elapsed / Double(done) * Double(total - done))) left"
        }
        return text
    }

    /// "0.42 s", "12.3 s", "3:05", "1:02:03".
    static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.2f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        return clockTime(seconds)
    }

    static func clockTime(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
