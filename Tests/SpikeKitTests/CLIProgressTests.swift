import Foundation
import Testing
@testable import SpikeKit

@Suite struct CLIProgressTests {
    /// A fake clock and a buffer standing in for standard error.
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var now = 0.0
        private var text = ""
        func time() -> Double { lock.lock(); defer { lock.unlock() }; return now }
        func advance(_ seconds: Double) { lock.lock(); now += seconds; lock.unlock() }
        func write(_ s: String) { lock.lock(); text += s; lock.unlock() }
        var output: String { lock.lock(); defer { lock.unlock() }; return text }
    }

    func reporter(_ recorder: Recorder, terminal: Bool, quiet: Bool = false) -> ProgressReporter {
        ProgressReporter(quiet: quiet, isTerminal: terminal, clock: { recorder.time() }, write: { recorder.write($0) })
    }

    @Test func terminalRedrawsOneLineAtMostFourTimesASecond() {
        let recorder = Recorder()
        let progress = reporter(recorder, terminal: true)
        progress.begin(stage: "simulation T=8", total: 32)
        for _ in 0..<32 {
            recorder.advance(0.0625)  // 16 updates a second (exact in binary), for 2 s
            progress.advance()
        }
        progress.finish(message: "accuracy 71.0 %")
        let output = recorder.output
        let draws = output.components(separatedBy: "\r\u{1B}[K").dropFirst()
        // The first draw, a redraw every 0.25 s (every 4th update) and the final line.
        #expect(draws.count == 1 + 8 + 1, "\(Array(draws))")
        #expect(draws.contains("simulation T=8: 50 % (16/32), 0:01 left"))
        #expect(output.hasSuffix("\r\u{1B}[Ksimulation T=8: done in 2.00 s — accuracy 71.0 %\n"))
        #expect(output.filter { $0 == "\n" }.count == 1)
    }

    @Test func etaIsEstimatedFromTheRateSoFar() {
        let recorder = Recorder()
        let progress = reporter(recorder, terminal: true)
        progress.begin(stage: "training", total: 10)
        recorder.advance(30)
        progress.advance(by: 2)  // 2 items in 30 s: 8 more take 2 minutes
        #expect(recorder.output.hasSuffix("training: 20 % (2/10), 2:00 left"))
    }

    @Test func plainOutputPrintsOccasionalLines() {
        let recorder = Recorder()
        let progress = reporter(recorder, terminal: false)
        progress.begin(stage: "calibration", total: 1000)
        for _ in 0..<1000 {
            recorder.advance(0.05)  // 50 s in all
            progress.advance()
        }
        progress.finish()
        let lines = recorder.output.split(separator: "\n")
        #expect(!recorder.output.contains("\r"))
        #expect(lines.first == "calibration (1000 items)")
        #expect(lines.count >= 5 && lines.count <= 8, "\(lines.count) lines: one per 10 s plus begin and end")
        #expect(lines.last == "calibration: done in 50.0 s")
    }

    @Test func quietPrintsNothing() {
        let recorder = Recorder()
        let progress = reporter(recorder, terminal: true, quiet: true)
        progress.begin(stage: "x", total: 3)
        recorder.advance(1)
        progress.advance(by: 3)
        progress.note("hello")
        progress.finish(message: "done")
        #expect(recorder.output.isEmpty)
    }

    @Test func noteEndsTheRedrawnLine() {
        let recorder = Recorder()
        let progress = reporter(recorder, terminal: true)
        progress.begin(stage: "training", total: nil)
        progress.note("epoch 1: loss 0.5")
        #expect(recorder.output == "\r\u{1B}[Ktraining: 0 done, 0.00 s\r\u{1B}[Kepoch 1: loss 0.5\ntraining: 0 done, 0.00 s")
    }

    @Test func concurrentAdvancesAreAllCounted() {
        let recorder = Recorder()
        let progress = reporter(recorder, terminal: false)
        progress.begin(stage: "parallel", total: 4000)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<1000 { progress.advance() }
        }
        recorder.advance(20)
        progress.advance(by: 0)
        #expect(recorder.output.hasSuffix("parallel: 100 % (4000/4000)\n"))
    }

    @Test func durations() {
        #expect(ProgressReporter.duration(0.4219) == "0.42 s")
        #expect(ProgressReporter.duration(12.34) == "12.3 s")
        #expect(ProgressReporter.duration(185) == "3:05")
        #expect(ProgressReporter.duration(3723) == "1:02:03")
    }
}
