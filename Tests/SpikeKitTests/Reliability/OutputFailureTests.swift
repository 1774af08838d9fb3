import Foundation
import Testing
@testable import SpikeKit

/// A full disk, an unwritable folder or a closed output stream: a `SpikeKitError.io` naming the
/// path and the reason, an exit status below 128, and no file half-written.
@Suite(.serialized) struct OutputFailureTests {
    static let silent = ProgressReporter(quiet: true, isTerminal: false, clock: { 0 }, write: { _ in })

    func temporaryFiles(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter(AtomicFile.isTemporaryName)
    }

    @Test(arguments: [AtomicFile.Fault(step: .write, errno: ENOSPC, afterBytes: 0),
                      AtomicFile.Fault(step: .write, errno: ENOSPC, afterBytes: 5000),
                      AtomicFile.Fault(step: .fsync, errno: EIO),
                      AtomicFile.Fault(step: .close, errno: EDQUOT),
                      AtomicFile.Fault(step: .rename, errno: EXDEV)])
    func aFailedWriteKeepsTheOldFileAndRemovesTheTemporaryOne(fault: AtomicFile.Fault) throws {
        let folder = TemporaryDirectory()
        let url = folder.url.appendingPathComponent("report.json")
        try AtomicFile.write("the old report", to: url)
        let new = Data((0..<10_000).map { UInt8($0 % 251) })
        let error = thrownSpikeKitError { try AtomicFile.write(new, to: url, fault: fault) }
        guard case .io(let path, let reason) = error else {
            Issue.record("expected an I/O error, got \(String(describing: error))")
            return
        }
        #expect(path == url.path)
        #expect(reason.contains(String(cString: strerror(fault.errno))), "\(reason)")
        #expect(try String(contentsOf: url, encoding: .utf8) == "the old report")
        #expect(try temporaryFiles(in: folder.url).isEmpty)
        #expect(error?.exitCode == 1)
        // Without the fault the same write goes through.
        try AtomicFile.write(new, to: url)
        #expect(try Data(contentsOf: url) == new)
    }

    @Test func aDiskWithRoomForTheWholeFileDoesNotFail() throws {
        let folder = TemporaryDirectory()
        let url = folder.url.appendingPathComponent("small.json")
        try AtomicFile.write(Data("12345".utf8), to: url, fault: AtomicFile.Fault(step: .write, errno: ENOSPC, afterBytes: 5))
        #expect(try String(contentsOf: url, encoding: .utf8) == "12345")
    }

    @Test func leftoversOfInterruptedWritesAreRecognised() throws {
        let folder = TemporaryDirectory()
        try folder.write([1, 2], to: ".ann.safetensors.tmp-123-456")
        try folder.write([3], to: "ann.safetensors")
        #expect(AtomicFile.removeLeftovers(in: folder.url) == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["ann.safetensors"])
    }

    @Test func aRunWhoseReportCannotBeWrittenFailsWithThePath() throws {
        let folder = TemporaryDirectory()
        let output = folder.url.appendingPathComponent("run")
        // A folder where the report should go: rename cannot replace it, even for root.
        try FileManager.default.createDirectory(at: output.appendingPathComponent(RunFiles.report), withIntermediateDirectories: true)
        let config = try ConfigTestSupport.decode(#"{"data": {"trainLimit": 50, "testLimit": 10}, "model": {"architecture": "mlp"}}"#)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let error = thrownSpikeKitError {
            _ = try ExperimentRunner(config: config, configURL: nil, options: RunOptions(output: output.path, threads: 1),
                                     progress: Self.silent).run()
        }
        let path = output.appendingPathComponent(RunFiles.report).path
        #expect(error == .io(path: path, reason: "cannot replace file (Is a directory)"))
        #expect(try temporaryFiles(in: output).isEmpty)
    }

    /// Root writes into read-only folders, so this one runs only for other users (the tests above
    /// cover root with failures that permissions do not decide).
    @Test(.enabled(if: geteuid() != 0, "root ignores folder permissions"))
    func aReadOnlyFolderIsReported() throws {
        let folder = TemporaryDirectory()
        let locked = folder.url.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
        let url = locked.appendingPathComponent("report.json")
        #expect(throws: SpikeKitError.io(path: url.path, reason: "cannot write (Permission denied)")) {
            try AtomicFile.write("x", to: url)
        }
    }
}

/// The executable's behaviour when its output cannot be written.
@Suite(.serialized, .enabled(if: SpikeKitExecutable.url != nil, "the spikekit executable is not built next to the tests"))
struct OutputStreamFailureTests {
    /// Runs spikekit with standard output going to `output`, returning the status and standard error.
    func run(_ arguments: [String], output: FileHandle) throws -> (status: Int32, stderr: String) {
        let process = Process()
        guard let executable = SpikeKitExecutable.url else { throw SpikeKitError.runtime("no spikekit executable") }
        process.executableURL = executable
        process.arguments = arguments
        let err = Pipe()
        process.standardOutput = output
        process.standardError = err
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "spikekit died of signal \(process.terminationStatus)")
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full"), "no /dev/full"))
    func aFullDiskOnStandardOutputExits1() throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        defer { try? full.close() }
        let result = try run(["config", "--schema"], output: full)
        #expect(result.status == 1)
        #expect(result.stderr == "error: standard output: cannot write the results (No space left on device)\n")
    }

    @Test func aClosedPipeOnStandardOutputExits1() throws {
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let result = try run(["config", "--schema"], output: pipe.fileHandleForWriting)
        #expect(result.status == 1)
        #expect(result.stderr == "error: standard output: cannot write the results (Broken pipe)\n")
    }

    @Test func anOutputFolderInsideAFileExits1WithThePath() throws {
        let folder = TemporaryDirectory()
        let config = try folder.write(Array("{}".utf8), to: "c.json")
        let blocker = try folder.write([], to: "somefile")
        let result = try run(["run", config, "--output", blocker + "/run", "--quiet"], output: FileHandle.nullDevice)
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(blocker)/run: cannot create the run folder (Not a directory)\n")
    }
}
