import Dispatch
import Foundation

/// A seeded random-mutation fuzzer for one `FuzzTarget`.
///
/// Execution n mutates the seed file chosen by the stream `(seed, n)` with `FuzzMutator`, so every
/// input can be regenerated from the seed and its execution number (`input(execution:)`), and runs
/// every parser of the target on it. An input may be accepted or rejected with `SpikeKitError`;
/// the engine records as a finding any other error, an execution slower than `slowSeconds`, and an
/// execution after which the process's peak memory has grown by more than `memoryGrowthLimitBytes`
/// since the run began (a reader that allocated what a header claimed before checking it against
/// the file's length). A crash or a
/// hang cannot be caught in-process: `beforeEach` lets a driver save the input first (the
/// `spikekit-fuzz` tool does, and watches for hangs).
public struct FuzzEngine {
    public let target: FuzzTarget
    public let seed: UInt64
    public var slowSeconds = 2.0
    /// How far the process's peak memory may grow during a run. Inputs are at most 64 KiB, so no
    /// reader needs more than a small multiple of that (gzip's worst case, 1:1032, is 64 MiB).
    public var memoryGrowthLimitBytes = 512 << 20

    /// One input that did something other than parse or throw `SpikeKitError`.
    public struct Finding: Sendable, CustomStringConvertible {
        public enum Kind: String, Sendable { case unexpectedError = "unexpected error", slow, memory }
        public var execution: Int
        public var parser: String
        public var kind: Kind
        public var detail: String
        public var input: [UInt8]
        public var mutations: [FuzzMutator.Kind]

        public var description: String {
            "execution \(execution), \(parser): \(kind.rawValue): \(detail) "
                + "(\(input.count)-byte input from \(mutations.map(\.rawValue).joined(separator: "+")))"
        }
    }

    /// What a run did.
    public struct Summary: Sendable {
        public var target: String
        public var executions = 0
        /// Per parser: inputs it accepted, and inputs it rejected with `SpikeKitError`.
        public var accepted: [String: Int] = [:]
        public var rejected: [String: Int] = [:]
        public var findings: [Finding] = []
        public var seconds = 0.0
    }

    public init(target: FuzzTarget, seed: UInt64) {
        self.target = target
        self.seed = seed
    }

    /// The input of execution `execution` and the mutations that made it.
    public func input(execution: Int) -> (bytes: [UInt8], mutations: [FuzzMutator.Kind]) {
        var g = SeededGenerator(seed: seed, stream: [0xF022, UInt64(execution)])
        let base = target.seeds[g.nextInt(below: target.seeds.count)]
        return FuzzMutator.mutate(base, using: &g)
    }

    /// Runs executions `first...` until `executions` have run or `seconds` have passed (whichever
    /// is given and comes first). `beforeEach` sees each input before it is parsed; `onFinding`
    /// each finding as it happens.
    public func run(first: Int = 0, executions: Int? = nil, seconds: Double? = nil,
                    beforeEach: ((Int, [UInt8]) -> Void)? = nil, onFinding: ((Finding) -> Void)? = nil) -> Summary {
        var summary = Summary(target: target.name)
        let start = DispatchTime.now().uptimeNanoseconds
        let memoryLimit = Int(ProcessResources.peakResidentBytes()) + memoryGrowthLimitBytes
        var memoryFlagged = false
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var n = first
        while true {
            if let executions, n - first >= executions { break }
            if let seconds, elapsed() >= seconds { break }
            if executions == nil && seconds == nil { break }
            let (bytes, mutations) = input(execution: n)
            beforeEach?(n, bytes)
            for parser in target.parsers {
                let began = DispatchTime.now().uptimeNanoseconds
                var finding: (Finding.Kind, String)?
                do {
                    try parser.parse(bytes)
                    summary.accepted[parser.name, default: 0] += 1
                } catch is SpikeKitError {
                    summary.rejected[parser.name, default: 0] += 1
                } catch {
                    finding = (.unexpectedError, "\(type(of: error)): \(error)")
                }
                let took = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
                if finding == nil && took > slowSeconds {
                    finding = (.slow, String(format: "took %.2f s", took))
                }
                // The peak only grows, so only the first input past the limit is reported.
                let peak = Int(ProcessResources.peakResidentBytes())
                if finding == nil, !memoryFlagged, peak > memoryLimit {
                    finding = (.memory, "peak memory \(peak >> 20) MiB after this input")
                    memoryFlagged = true
                }
                if let (kind, detail) = finding {
                    let record = Finding(execution: n, parser: parser.name, kind: kind, detail: detail, input: bytes,
                                         mutations: mutations)
                    summary.findings.append(record)
                    onFinding?(record)
                }
            }
            n += 1
            summary.executions += 1
        }
        summary.seconds = elapsed()
        return summary
    }

}
