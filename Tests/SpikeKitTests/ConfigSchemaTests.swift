import Foundation
import Testing
@testable import SpikeKit

@Suite struct ConfigSchemaTests {
    typealias T = ConfigTestSupport

    static let configsFolder = ConfigTestSupport.packageRoot.appendingPathComponent("Configs")

    @Test func readmeHoldsExactlyTheGeneratedSchema() throws {
        let readme = try String(contentsOf: Self.configsFolder.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = "<!-- BEGIN GENERATED SCHEMA: spikekit config --schema -->\n"
        let end = "<!-- END GENERATED SCHEMA -->"
        let start = try #require(readme.range(of: begin), "Configs/README.md lacks the schema's begin marker")
        let stop = try #require(readme.range(of: end, range: start.upperBound..<readme.endIndex), "Configs/README.md lacks the end marker")
        let embedded = String(readme[start.upperBound..<stop.lowerBound])
        // To update: replace the text between the markers with the output of `spikekit config --schema`.
        #expect(embedded == ConfigSchema.markdown())
    }

    @Test(arguments: try FileManager.default.contentsOfDirectory(atPath: configsFolder.path).filter { $0.hasSuffix(".json") }.sorted())
    func shippedConfigIsValid(file: String) throws {
        let url = Self.configsFolder.appendingPathComponent(file)
        // Configs for data a user downloads name its folder through an environment variable; where
        // one is unset, an existing folder stands in so the rest of the config is still checked.
        var environment = ProcessInfo.processInfo.environment
        for variable in ["FASHION_MNIST_DIR", "MNIST_DIR", "CIFAR10_DIR", "CIFAR100_DIR"] where environment[variable] == nil {
            environment[variable] = FileManager.default.temporaryDirectory.path
        }
        let config = try ExperimentConfig.load(from: url, environment: environment)
        #expect(config.name == url.deletingPathExtension().lastPathComponent)
        try config.validate()
    }

    @Test func thereAreShippedConfigs() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.configsFolder.path)
        #expect(files.contains("quickstart.json") && files.contains("minimal.json"))
    }

    @Test func quickstartRunsEveryStage() throws {
        let config = try ExperimentConfig.load(from: Self.configsFolder.appendingPathComponent("quickstart.json"))
        #expect(config.training?.epochs == 2)
        #expect(config.conversion?.recipe == .thresholdBalancing)
        #expect(config.simulation?.timeSteps == [8, 16, 32] && config.simulation?.testLimit == 1000)
        #expect(config.stdb?.timeSteps == 8 && config.stdb?.epochs == 1)
        #expect(config.energy?.preset == .cmos45nmFP32)
    }

    @Test func choiceEnumsMatchTheSchemaNames() {
        func names<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> [String] where E.RawValue == String {
            E.allCases.map(\.rawValue)
        }
        func allowed(_ section: String, _ key: String) -> [String] { ConfigSchema.spec(section, key).kind.allowedNames }
        #expect(names(DataConfig.DatasetName.self) == allowed("data", "dataset"))
        #expect(names(DataConfig.NormalizationMode.self) == allowed("data", "normalization"))
        #expect(names(ModelConfig.Architecture.self) == allowed("model", "architecture"))
        #expect(names(ModelConfig.Activation.self) == allowed("model", "activation"))
        #expect(names(TrainingConfig.Optimizer.self) == allowed("training", "optimizer"))
        #expect(names(ConversionConfig.Recipe.self) == allowed("conversion", "recipe"))
        #expect(names(SimulationConfig.Encoding.self) == allowed("simulation", "encoding"))
        #expect(names(SimulationConfig.Ordering.self) == allowed("simulation", "ordering"))
        #expect(names(SimulationConfig.Reset.self) == allowed("simulation", "reset"))
        #expect(names(STDBConfig.Surrogate.self) == allowed("stdb", "surrogate"))
        #expect(names(STDBConfig.LossOverTime.self) == allowed("stdb", "lossOverTime"))
        #expect(names(SimulationConfig.Encoding.self) == allowed("stdb", "encoding"))
        #expect(EnergyModel.presets.map(\.name) == allowed("energy", "preset"))
    }

    @Test func everySchemaDefaultIsValidForItsKind() throws {
        // Reading a section with every key set to its default must give no problem.
        var tree: [String: JSONValue] = ["conversion": .object([:])]
        for section in ConfigSchema.sections where !section.name.isEmpty {
            var members: [String: JSONValue] = [:]
            for key in section.keys(under: "") {
                if let value = key.defaultValue { members[key.key] = value }
            }
            for key in section.keys where key.key.hasPrefix("schedule.") {
                var schedule: [String: JSONValue] = [:]
                if case .object(let existing)? = members["schedule"] { schedule = existing }
                schedule[String(key.key.dropFirst("schedule.".count))] = key.defaultValue
                members["schedule"] = .object(schedule)
            }
            tree[section.name] = .object(members)
        }
        _ = try ExperimentConfig.decode(.object(tree), defaultName: "defaults", baseDirectory: URL(fileURLWithPath: "/"), environment: [:])
    }

    @Test func effectiveJSONHasExactlyTheSchemaKeys() throws {
        let config = try T.decode("""
            {"data": {"trainLimit": 10, "testLimit": 10}, "model": {}, "training": {"dropout": 0.2}, "conversion": {},
             "simulation": {"testLimit": 5}, "stdb": {}, "energy": {}, "output": {"spikeTrace": 2}, "hardware": {}}
            """)
        let object = try JSONSerialization.jsonObject(with: Data(config.effectiveJSON().utf8)) as? [String: Any]
        let top = try #require(object)
        #expect(Set(top.keys) == Set(["name", "seed", "data", "model", "output"] + ConfigSchema.stageSections))
        // `sweep` describes a set of runs (read by SweepPlan), not one run: no effective config holds it.
        for section in ConfigSchema.sections where !section.name.isEmpty && section.name != "sweep" {
            let expected = Set(section.keys(under: "").map(\.key))
            var actual = T.keys(top[section.name])
            if section.name == "model" || section.name == "conversion" { actual.insert("checkpoint") }  // optional, not set here
            if section.name == "stdb" { actual.formUnion(["dropout", "trainLimit"]) }
            if section.name == "model" { actual.formUnion(["nir", "nirReset", "layers", "mapping"]) }  // optional, not set here
            if section.name == "data" { actual.formUnion(["directory", "layout", "classes"]) }  // directory, npy only
            if section.name == "hardware" { actual.formUnion(["file", "placement"]) }  // optional, not set here
            if section.name == "training" { actual.insert("gradientChunks") }  // written only when not 1
            #expect(actual == expected, "section \(section.name)")
        }
        let training = top["training"] as? [String: Any]
        #expect(T.keys(training?["schedule"]) == ["milestones", "factor"])
    }

    @Test func effectiveJSONRoundTrips() throws {
        let base = try ConfigTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        try FileManager.default.createDirectory(at: base.appendingPathComponent("cifar"), withIntermediateDirectories: true)
        let sources = [
            "{}",
            #"{"name": "x", "seed": 3, "training": {"schedule": {"milestones": [0.5, 0.75]}, "learningRate": 0.00001}, "conversion": {"recipe": "low-latency"}, "simulation": {"timeSteps": [1, 2, 4]}, "stdb": {}, "energy": {"preset": "truenorth"}}"#,
            #"{"data": {"dataset": "cifar10", "directory": "cifar", "testLimit": 100}, "model": {"architecture": "vgg5"}, "conversion": {"recipe": "data-norm", "percentile": 99.9}, "simulation": {"encoding": "poisson", "testLimit": 100}, "energy": {"preset": {"name": "chip", "macPicojoules": 1e-1, "accumulatePicojoules": 0.0123}}}"#,
        ]
        for source in sources {
            let config = try T.decode(source, base: base)
            let text = config.effectiveJSON()
            let again = try T.decode(text, base: URL(fileURLWithPath: "/elsewhere"))
            #expect(again == config, "round trip of \(source)")
            #expect(again.effectiveJSON() == text)
            #expect(again.configHash == config.configHash)
        }
    }

    @Test func effectiveJSONIsSortedAndPretty() throws {
        let text = try T.decode(#"{"simulation": {}}"#, name: "sorted").effectiveJSON()
        let expectedStart = """
            {
              "data": {
                "dataset": "fashion-mnist",
                "normalization": "half"
              },
              "model": {
                "activation": "relu",
                "architecture": "cnn-s",
                "clipInit": 4.0
              },
              "name": "sorted",
            """
        #expect(text.hasPrefix(expectedStart))
        #expect(text.contains(#""timeSteps": [16, 32, 64]"#))
    }

    @Test func configHashIsStableAndSensitive() throws {
        let a = try T.decode(#"{"seed": 1, "simulation": {}}"#, name: "h")
        let b = try T.decode(#"{"simulation": {"timeSteps": [16, 32, 64]}, "seed": 1}"#, name: "h")
        let c = try T.decode(#"{"seed": 2, "simulation": {}}"#, name: "h")
        #expect(a.configHash == b.configHash)
        #expect(a.configHash != c.configHash)
        #expect(a.configHash.count == 16 && a.configHash.allSatisfy(\.isHexDigit))
    }

    @Test func fnv1aMatchesItsReferenceValues() {
        // FNV-1a 64 of "" and "a" (from the algorithm's published test vectors), through the same code
        // path: a config hash is FNV-1a over the compact effective JSON.
        func fnv(_ text: String) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in text.utf8 { hash ^= UInt64(byte); hash = hash &* 0x0000_0100_0000_01b3 }
            return hash
        }
        #expect(fnv("") == 0xcbf2_9ce4_8422_2325)
        #expect(fnv("a") == 0xaf63_dc4c_8601_ec8c)
        let config = ExperimentConfig(name: "n")
        #expect(config.configHash == String(format: "%016llx", fnv(config.effectiveJSONValue().serialized(pretty: false))))
    }

    @Test func markdownListsEveryKeyOnce() {
        let markdown = ConfigSchema.markdown()
        for section in ConfigSchema.sections {
            for key in section.keys {
                let row = "| `\(key.key)` |"
                #expect(markdown.components(separatedBy: row).count - 1 >= 1, "\(section.name).\(key.key)")
            }
        }
        #expect(markdown.contains("| `timeSteps` | list of positive integers |  | `[16, 32, 64]` | time steps |"))
        #expect(markdown.contains("### `simulation`"))
    }

    @Test func schemaKeysAreUniqueWithinSections() {
        for section in ConfigSchema.sections {
            #expect(Set(section.keys.map(\.key)).count == section.keys.count, "section \(section.name)")
        }
    }

    @Test func nameSuggestions() {
        #expect(NameSuggestion.editDistance("kitten", "sitting") == 3)
        #expect(NameSuggestion.editDistance("", "abc") == 3)
        #expect(NameSuggestion.closest(to: "--step", in: ["--steps", "--output"]) == "--steps")
        #expect(NameSuggestion.closest(to: "cifar", in: ConfigSchema.datasets) == "cifar10")
        #expect(NameSuggestion.closest(to: "TIMESTEPS", in: ["timeSteps"]) == "timeSteps")
        #expect(NameSuggestion.closest(to: "xyz", in: ["timeSteps", "seed"]) == nil)
    }

    @Test func jsonValueParsesBooleansApartFromNumbers() throws {
        let value = try JSONValue.parse(Data(#"{"t": true, "one": 1, "zero": 0, "real": 1.0, "big": 1e300, "s": "a\"b"}"#.utf8))
        #expect(value == .object(["t": .bool(true), "one": .integer(1), "zero": .integer(0), "real": .number(1.0),
                                  "big": .number(1e300), "s": .string("a\"b")]))
        let text = value.serialized(pretty: false)
        #expect(text == #"{"big":1e+300,"one":1,"real":1.0,"s":"a\"b","t":true,"zero":0}"#)
        #expect(try JSONValue.parse(Data(text.utf8)) == value)
    }
}
