import Foundation
import Testing
@testable import SpikeKit

/// The fuzz harness on a fixed budget per reader (the `spikekit-fuzz` tool runs it for longer), and
/// the inputs it once found that crashed or over-allocated, written by the tests.
@Suite struct FuzzHarnessTests {
    @Test(arguments: FuzzTarget.names)
    func everyReaderAcceptsOrRejectsEveryMutatedInput(reader: String) throws {
        let target = try #require(try FuzzTarget.named(reader))
        var engine = FuzzEngine(target: target, seed: 1)
        // The peak memory the engine watches is the whole process's, which here the suites running
        // alongside share (a 1,620-byte input was once blamed for their 739 MiB); the standalone
        // `spikekit-fuzz` keeps the memory check, and over-allocation regressions are pinned below.
        engine.memoryGrowthLimitBytes = Int.max / 2
        let summary = engine.run(executions: 1500)
        #expect(summary.executions == 1500)
        #expect(summary.findings.isEmpty, "\(summary.findings.map(\.description))")
        // Both outcomes occur for every parser, so the mutations reach past the first check.
        for parser in target.parsers {
            #expect(summary.accepted[parser.name, default: 0] > 0, "\(parser.name) accepted nothing")
            #expect(summary.rejected[parser.name, default: 0] > 0, "\(parser.name) rejected nothing")
        }
    }

    @Test func seedFilesAreValidAndInputsAreReproducible() throws {
        for target in try FuzzTarget.all() {
            for (index, seed) in target.seeds.enumerated() {
                var errors: [String] = []
                for parser in target.parsers {
                    do { try parser.run(seed.bytes) } catch { errors.append("\(parser.name): \(error)") }
                }
                #expect(errors.count < target.parsers.count, "\(target.name) seed \(index) is accepted by no parser: \(errors)")
            }
            let engine = FuzzEngine(target: target, seed: 9)
            #expect(engine.input(execution: 17).bytes == engine.input(execution: 17).bytes)
            #expect(engine.input(execution: 17).bytes != FuzzEngine(target: target, seed: 10).input(execution: 17).bytes)
        }
        // Every kind of mutation is drawn.
        let engine = FuzzEngine(target: try #require(try FuzzTarget.named("npy")), seed: 1)
        let kinds = Set((0..<500).flatMap { engine.input(execution: $0).mutations })
        #expect(kinds == Set(FuzzMutator.Kind.allCases))
    }

    @Test func anUnexpectedErrorIsAFinding() {
        struct Odd: Error {}
        let target = FuzzTarget(name: "odd", seeds: [FuzzSeed([1, 2, 3])], parsers: [
            FuzzTarget.Parser(name: "throws Odd on long inputs") { bytes in if bytes.count > 3 { throw Odd() } },
        ])
        let summary = FuzzEngine(target: target, seed: 1).run(executions: 200)
        #expect(!summary.findings.isEmpty)
        #expect(summary.findings.allSatisfy { $0.kind == .unexpectedError && $0.input.count > 3 })
    }

    // MARK: Regressions

    /// A shape whose byte count overflows Int crashed while the error message was being built.
    @Test func npyShapeWhoseByteCountOverflows() {
        // Version 1 header (10-byte preamble), the data of six float32 values after it.
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let bytes = NumPy.magic + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + [UInt8](repeating: 0, count: 24)
        #expect(throws: SpikeKitError.checkpoint(path: "x.npy", reason: "shape [4611686018427387904] of '<f4' needs too many data bytes, but the file has 24")) {
            _ = try NumPy.decode(Data(bytes), path: "x.npy")
        }
    }

    /// The same in a safetensors header: 2^61 float64 elements (found by a 10-minute run).
    @Test func safetensorsShapeWhoseByteCountOverflows() {
        var header = Array(#"{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}}"#.utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) }
        bytes += header + [UInt8](repeating: 0, count: 8)
        #expect(throws: SpikeKitError.checkpoint(path: "x.safetensors", reason: "tensor 'a': shape [2305843009213693952] of F64 needs too many bytes, but data_offsets [0, 8] hold 8")) {
            _ = try Safetensors.decode(Data(bytes), path: "x.safetensors")
        }
    }

    /// A network checkpoint whose `inputShape` was [4294967296, 6, 6] allocated 300 GB for its
    /// weights before looking at the file's tensors.
    @Test func networkCheckpointAskingForAbsurdWeightsIsRefusedBeforeAllocating() throws {
        var contents = try NetworkCheckpoint.contents(of: try FuzzSeeds.network())
        contents.metadata["inputShape"] = "[4294967296,6,6]"
        let error = thrownSpikeKitError { _ = try NetworkCheckpoint.decode(contents, path: "big.safetensors") }
        #expect(error == .checkpoint(path: "big.safetensors", reason: "the fuzz architecture on [4294967296, 6, 6] inputs needs 77309411475 weights, but the file holds 178 values"))
    }

    /// Sizes from a checkpoint's architecture overflowed in the shape arithmetic.
    @Test func architectureSizesThatOverflowAreRefused() throws {
        let padded = ArchitectureSpec(name: "p", layers: [.conv(outChannels: 1, kernel: 3, padding: Int.max / 2 + 1), .flatten, .linear(outputs: 2)])
        #expect(throws: SpikeKitError.model(layer: "conv1", reason: "its sizes are impossibly large for the input [1, 4, 4]")) {
            _ = try Network(spec: padded, inputShape: [1, 4, 4], seed: 1)
        }
        let flat = ArchitectureSpec(name: "f", layers: [.flatten, .linear(outputs: 2)])
        #expect(throws: SpikeKitError.model(layer: "flatten1", reason: "its sizes are impossibly large for the input [4294967296, 4294967296, 4294967296]")) {
            _ = try Network(spec: flat, inputShape: [1 << 32, 1 << 32, 1 << 32], seed: 1)
        }
        // Sizes that fit Int but not memory (an MLP for 100,000 × 100,000 images): refused by count.
        let mlp = try Architectures.spec(named: "mlp", inputShape: [1, 100_000, 100_000], classes: 10)
        let error = thrownSpikeKitError { _ = try Network(spec: mlp, inputShape: [1, 100_000, 100_000], seed: 1) }
        #expect(error?.description.hasSuffix("would need 5120000267264 weights, more than the 2147483648 SpikeKit allows") == true,
                "\(String(describing: error))")
    }
}
