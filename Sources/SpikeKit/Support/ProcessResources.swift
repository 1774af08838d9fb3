import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the running process has used so far, from `getrusage`: peak resident memory and CPU time.
/// The benchmarks report the threads actually busy over a timed stretch as
/// (CPU seconds spent in it) / (wall seconds it took), which `Interval` measures.
public enum ProcessResources {
    /// The process's peak resident set size in bytes (`ru_maxrss`: kilobytes on Linux, bytes on macOS).
    public static func peakResidentBytes() -> Int64 {
        guard let usage = usage() else { return 0 }
        #if os(Linux)
        return Int64(usage.ru_maxrss) * 1024
        #else
        return Int64(usage.ru_maxrss)
        #endif
    }

    /// User plus system CPU time of every thread of the process so far, in seconds.
    public static func cpuSeconds() -> Double {
        guard let usage = usage() else { return 0 }
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// A stretch of wall and CPU time, accumulated over one or more `start`/`stop` pairs.
    public struct Interval: Sendable {
        public private(set) var wallSeconds = 0.0
        public private(set) var cpuSeconds = 0.0
        private var wallStart: UInt64 = 0
        private var cpuStart = 0.0

        public init() {}

        public mutating func start() {
            wallStart = DispatchTime.now().uptimeNanoseconds
            cpuStart = ProcessResources.cpuSeconds()
        }

        public mutating func stop() {
            wallSeconds += Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
            cpuSeconds += ProcessResources.cpuSeconds() - cpuStart
        }

        /// CPU seconds per wall second: how many threads were busy on average.
        public var busyThreads: Double { wallSeconds > 0 ? cpuSeconds / wallSeconds : 0 }
    }

    private static func usage() -> rusage? {
        var usage = rusage()
        #if os(Linux)
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return nil }
        #else
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return nil }
        #endif
        return usage
    }
}
