import Foundation
import Testing
@testable import SpikeKit

@Suite struct CLIParserTests {
    static let fakeBenchmark = Benchmark(
        name: "gemm", abstract: "Time matrix multiplication.",
        options: [.value("size", "n", kind: .integer(minimum: 1), default: "512", help: "Matrix size n.")]) { command in
            struct Report: Codable { var size: Int; var gflops: Double }
            return try BenchmarkOutput(report: Report(size: command.integer("size") ?? 512, gflops: 1.5))
        }
    static let root = SpikeKitCommands.root(benchmarks: [fakeBenchmark])

    func parse(_ arguments: [String]) throws -> CommandLineRequest {
        try CommandLineParser.parse(arguments, root: Self.root)
    }

    func command(_ arguments: [String]) throws -> ParsedCommand {
        guard case .command(let command) = try parse(arguments) else {
            Issue.record("\(arguments) did not parse as a command")
            throw CommandLineUsageError("not a command", path: [])
        }
        return command
    }

    /// The usage error `arguments` produce; records a failure if they parse.
    func usageError(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) -> CommandLineUsageError? {
        do {
            _ = try parse(arguments)
            Issue.record("\(arguments) parsed without error", sourceLocation: sourceLocation)
        } catch let error as CommandLineUsageError {
            return error
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test func runWithEveryOption() throws {
        let parsed = try command(["run", "Configs/quickstart.json", "--output", "out", "--threads=3", "--resume", "--quiet"])
        #expect(parsed.path == ["spikekit", "run"])
        #expect(parsed.argument("CONFIG") == "Configs/quickstart.json")
        #expect(parsed.string("output") == "out")
        #expect(parsed.integer("threads") == 3)
        #expect(parsed.flag("resume") && parsed.flag("quiet"))
    }

    @Test func optionsMayComeBeforeArgumentsAndLastValueWins() throws {
        let parsed = try command(["run", "--threads", "1", "--threads", "2", "config.json"])
        #expect(parsed.argument("CONFIG") == "config.json")
        #expect(parsed.integer("threads") == 2)
        #expect(!parsed.flag("resume"))
    }

    @Test func doubleDashEndsOptions() throws {
        let parsed = try command(["validate", "--", "--odd-name.json"])
        #expect(parsed.argument("CONFIG") == "--odd-name.json")
    }

    @Test func unknownOptionSuggestsTheClosest() {
        #expect(usageError(["run", "c.json", "--outptu", "x"])?.message == "Unknown option '--outptu'. Did you mean '--output'?")
        #expect(usageError(["run", "c.json", "--thread", "2"])?.message == "Unknown option '--thread'. Did you mean '--threads'?")
        #expect(usageError(["run", "c.json", "--zzz"])?.message == "Unknown option '--zzz'.")
        #expect(usageError(["run", "c.json", "-q"])?.message == "Unknown option '-q'.")
        #expect(usageError(["bench", "gemm", "--sizes", "4"])?.message == "Unknown option '--sizes'. Did you mean '--size'?")
    }

    @Test func missingValuesAndArguments() {
        #expect(usageError(["run", "c.json", "--output"])?.message == "Missing value for '--output <dir>'")
        #expect(usageError(["run", "c.json", "--output", "--quiet"])?.message == "Missing value for '--output <dir>'")
        #expect(usageError(["run", "c.json", "--output="])?.message == "Missing value for '--output <dir>'")
        #expect(usageError(["run"])?.message == "Missing argument CONFIG")
        #expect(usageError(["validate", "--"])?.message == "Missing argument CONFIG")
    }

    @Test func invalidValuesAndExtraArguments() {
        #expect(usageError(["run", "c.json", "--threads", "many"])?.message
                == "The value 'many' is invalid for '--threads <n>': expected a non-negative integer")
        #expect(usageError(["run", "c.json", "--threads", "-2"])?.message
                == "The value '-2' is invalid for '--threads <n>': expected a non-negative integer")
        #expect(usageError(["bench", "gemm", "--size", "0"])?.message
                == "The value '0' is invalid for '--size <n>': expected a positive integer")
        #expect(usageError(["run", "a.json", "b.json"])?.message == "Unexpected argument 'b.json'")
        #expect(usageError(["run", "a.json", "--quiet=yes"])?.message == "The flag '--quiet' does not take a value.")
    }

    @Test func unknownCommandsSuggestTheClosest() {
        let error = usageError(["rn", "c.json"])
        #expect(error?.message == "Unknown command 'rn'. Did you mean 'run'?")
        #expect(error?.path == ["spikekit"])
        #expect(usageError(["bench", "gemn"])?.message == "Unknown command 'gemn'. Did you mean 'gemm'?")
        #expect(usageError(["frobnicate"])?.message == "Unknown command 'frobnicate'. Expected one of: run, validate, config, import, report, energy, bench, export, hardware, sweep, collect.")
    }

    @Test func errorsPointAtTheirCommandsHelp() {
        let error = usageError(["run", "c.json", "--step"])
        #expect(error?.path == ["spikekit", "run"])
        #expect(error?.helpHint == "See 'spikekit run --help'.")
        #expect(error?.exitCode == 64)
        #expect(SpikeKitError.usage("x").exitCode == 64)
        #expect(SpikeKitError.config([]).exitCode == 64)
        #expect(SpikeKitError.runtime("x").exitCode == 1)
        #expect(usageError(["bench", "gemm", "--x"])?.helpHint == "See 'spikekit bench gemm --help'.")
    }

    @Test func helpAndVersion() throws {
        guard case .help(let spec, let path) = try parse(["run", "--help"]) else { Issue.record("no help"); return }
        #expect(spec.name == "run" && path == ["spikekit", "run"])
        guard case .help(let spec2, _) = try parse(["-h", "bench", "gemm", "--size", "nonsense"]) else { Issue.record("no help"); return }
        #expect(spec2.name == "gemm")
        guard case .help(let rootSpec, _) = try parse([]) else { Issue.record("no root help"); return }
        #expect(rootSpec.name == "spikekit")
        guard case .help(let benchSpec, _) = try parse(["bench"]) else { Issue.record("no bench help"); return }
        #expect(benchSpec.name == "bench")
        guard case .version = try parse(["--version"]) else { Issue.record("no version"); return }
        #expect(usageError(["--versoin"])?.message == "Unknown option '--versoin'. Did you mean '--version'?")
    }

    /// Every command and subcommand of the tool.
    static func allCommands(_ spec: CommandSpec, path: [String]) -> [(CommandSpec, [String])] {
        [(spec, path)] + spec.subcommands.flatMap { allCommands($0, path: path + [$0.name]) }
    }

    @Test func everyHelpMentionsEveryOptionAndArgument() throws {
        let commands = Self.allCommands(Self.root, path: ["spikekit"])
        #expect(commands.map { $0.1.joined(separator: " ") }
                == ["spikekit", "spikekit run", "spikekit validate", "spikekit config", "spikekit import", "spikekit report",
                    "spikekit energy", "spikekit bench", "spikekit bench gemm", "spikekit export", "spikekit hardware", "spikekit sweep", "spikekit collect"])
        for (spec, path) in commands {
            guard case .help(_, _) = try parse(Array(path.dropFirst()) + ["--help"]) else {
                Issue.record("\(path) --help is not help")
                continue
            }
            let help = spec.helpText(path: path)
            #expect(help.hasPrefix("OVERVIEW: "))
            #expect(help.contains("USAGE: " + path.joined(separator: " ")))
            #expect(help.contains("-h, --help"))
            for option in spec.options {
                #expect(help.contains(option.synopsis), "\(path) help lacks \(option.synopsis)")
                if let defaultText = option.defaultText { #expect(help.contains("(default: "), "\(defaultText)") }
            }
            for argument in spec.arguments { #expect(help.contains(argument.name)) }
            for subcommand in spec.subcommands { #expect(help.contains("  \(subcommand.name) ")) }
            for line in help.split(separator: "\n") { #expect(line.count <= 80 || !line.contains(" "), "long line: \(line)") }
        }
        let runHelp = SpikeKitCommands.run.helpText(path: ["spikekit", "run"])
        for text in ["--output <dir>", "--threads <n>", "--resume", "--quiet", "CONFIG"] { #expect(runHelp.contains(text)) }
        #expect(SpikeKitCommands.run.usage(path: ["spikekit", "run"])
                == "spikekit run CONFIG [--output <dir>] [--threads <n>] [--resume] [--quiet]")
    }

    @Test func benchListsItsBenchmarksAndAddsJSON() throws {
        let help = SpikeKitCommands.bench([Self.fakeBenchmark]).helpText(path: ["spikekit", "bench"])
        #expect(help.contains("SUBCOMMANDS:\n  gemm"))
        let empty = SpikeKitCommands.bench([]).helpText(path: ["spikekit", "bench"])
        #expect(empty.contains("SUBCOMMANDS:\n  (none in this build)"))
        let parsed = try command(["bench", "gemm", "--json", "--size", "64"])
        #expect(parsed.flag("json") && parsed.integer("size") == 64)
        let output = try Self.fakeBenchmark.run(parsed)
        #expect(output.json == "{\n  \"gflops\" : 1.5,\n  \"size\" : 64\n}\n")
        #expect(output.text == "gflops: 1.5\nsize: 64\n")
    }
}
