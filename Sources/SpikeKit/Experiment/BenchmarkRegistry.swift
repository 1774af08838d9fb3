import Foundation

/// One `spikekit bench <name>` benchmark: its declaration and the function that runs it.
///
/// Every benchmark gets a `--json` flag (print the report as JSON instead of text) and `--threads`
/// (worker threads; `gemm` times 1 to all cores whatever it says). Adding one is a
/// single entry in `BenchmarkRegistry.all`:
///
///     Benchmark(name: "gemm", abstract: "Time single-precision matrix multiplication.",
///               options: [.value("size", "n", kind: .integer(minimum: 1), default: "512", help: "Matrix size n.")]) { command in
///         let n = command.integer("size") ?? 512
///         return try BenchmarkOutput(report: GEMMBenchmark.run(m: n, n: n, k: n, repetitions: 5))
///     }
public struct Benchmark: Sendable {
    public var name: String
    public var abstract: String
    /// Options besides `--json`.
    public var options: [OptionSpec]
    public var run: @Sendable (ParsedCommand) throws -> BenchmarkOutput

    public init(name: String, abstract: String, options: [OptionSpec] = [],
                run: @escaping @Sendable (ParsedCommand) throws -> BenchmarkOutput) {
        self.name = name
        self.abstract = abstract
        self.options = options
        self.run = run
    }

    /// The command declaration, with the shared `--threads` option and `--json` flag.
    public var spec: CommandSpec {
        CommandSpec(name: name, abstract: abstract,
                    options: options + [
                        .value("threads", "n", kind: .integer(minimum: 0), default: "all cores",
                               help: "Worker threads; 0 = all cores."),
                        .flag("json", help: "Print the report as JSON (sorted keys) instead of text."),
                    ])
    }
}

/// What a benchmark prints: its report as JSON (for `--json`) and as text.
public struct BenchmarkOutput: Sendable {
    public var json: String
    public var text: String

    public init(json: String, text: String) {
        self.json = json
        self.text = text
    }

    /// The report encoded as pretty JSON with sorted keys; without `text`, the text form lists the
    /// report's fields one per line ("gflops: 71.3").
    public init<Report: Encodable>(report: Report, text: String? = nil) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(report)
        } catch {
            throw SpikeKitError.runtime("cannot encode the benchmark report: \(error)")
        }
        json = String(decoding: data, as: UTF8.self) + "\n"
        if let text {
            self.text = text
        } else {
            var lines: [String] = []
            BenchmarkOutput.flatten((try? JSONValue.parse(data)) ?? .null, prefix: "", into: &lines)
            self.text = lines.joined(separator: "\n") + "\n"
        }
    }

    private static func flatten(_ value: JSONValue, prefix: String, into lines: inout [String]) {
        switch value {
        case .object(let members):
            for key in members.keys.sorted() {
                flatten(members[key]!, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &lines)
            }
        case .array(let elements) where elements.contains(where: { if case .object = $0 { return true }; return false }):
            for (index, element) in elements.enumerated() { flatten(element, prefix: "\(prefix)[\(index)]", into: &lines) }
        default:
            lines.append("\(prefix): \(value.serialized(pretty: true).trimmingCharacters(in: CharacterSet(charactersIn: "\"")))")
        }
    }
}

/// The benchmarks `spikekit bench` offers, in the order its help lists them.
public enum BenchmarkRegistry {
    public static let all: [Benchmark] = [gemm, simulate, train, stdb]
}
