import Foundation

/// One experiment, as read from a JSON config file: the dataset and model, and the pipeline stages to
/// run with their parameters (DESIGN §9; every key is listed in `ConfigSchema` and `Configs/README.md`).
///
/// `data`, `model` and `output` always apply. A stage section (`training`, `conversion`, `simulation`,
/// `stdb`, `energy`) that is absent from the file is nil here, and that stage does not run; `{}` runs
/// it with all defaults.
///
/// Reading a config reports every problem at once, each with its key path (`simulation.timeSteps[2]`)
/// and, for a misspelt key or name, the closest valid one. Defaults that depend on other keys are
/// filled in after reading: the `low-latency` recipe implies `model.activation: clipped-relu`,
/// `simulation.ordering: immediate` and direct encoding, and `stdb.encoding` follows
/// `simulation.encoding`; giving a conflicting value explicitly is a problem.
public struct ExperimentConfig: Equatable, Sendable {
    /// Run name: letters, digits, `.`, `-` and `_`.
    public var name: String
    public var seed: Int
    public var data: DataConfig
    public var model: ModelConfig
    public var training: TrainingConfig?
    public var conversion: ConversionConfig?
    public var simulation: SimulationConfig?
    public var stdb: STDBConfig?
    public var energy: EnergyConfig?
    public var hardware: HardwareConfig?
    public var output: OutputConfig

    /// A config with the given name, seed 1, the default `data`, `model` and `output`, and no stages.
    public init(name: String = "experiment") {
        self.name = name
        seed = 1
        data = DataConfig()
        model = ModelConfig()
        output = OutputConfig()
    }

    // MARK: Reading

    /// Reads and checks the config file at `url`. Its name defaults to the file name without
    /// extension, and relative data and checkpoint paths are taken relative to its folder.
    /// The bytes of the config file at `url`; `SpikeKitError.io` says whether it is missing or unreadable.
    static func readFile(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path) ? "cannot read the config file" : "no such config file"
            throw SpikeKitError.io(path: url.path, reason: reason)
        }
    }

    /// Throws `SpikeKitError.io` if the file cannot be read and `SpikeKitError.config` with every
    /// problem found otherwise.
    public static func load(from url: URL,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ExperimentConfig {
        let data = try readFile(url)
        return try decode(data, defaultName: url.deletingPathExtension().lastPathComponent,
                          baseDirectory: url.deletingLastPathComponent(), environment: environment)
    }

    /// Reads and checks config JSON. `defaultName` is used when the config has no `name`;
    /// `baseDirectory` is what relative data and checkpoint paths are relative to.
    public static func decode(_ data: Data, defaultName: String, baseDirectory: URL,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ExperimentConfig {
        let tree: JSONValue
        do {
            tree = try JSONValue.parse(data)
        } catch let error as JSONParseError {
            throw SpikeKitError.config([ConfigProblem(keyPath: "", message: error.message)])
        }
        return try decode(tree, defaultName: defaultName, baseDirectory: baseDirectory, environment: environment)
    }

    /// Reads and checks an already parsed config.
    public static func decode(_ tree: JSONValue, defaultName: String, baseDirectory: URL,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ExperimentConfig {
        let problems = ConfigProblemCollector()
        guard case .object(let members) = tree else {
            throw SpikeKitError.config([ConfigProblem(keyPath: "", message: "expected a JSON object with the config's sections, got \(tree.shortDescription)")])
        }
        func reader(_ section: String, _ value: JSONValue?) -> ConfigReader {
            ConfigReader(section: section, value: value, problems: problems, environment: environment, baseDirectory: baseDirectory)
        }
        // `sweep` is read by `SweepPlan`; a single run ignores it.
        let sectionNames = ["data", "model"] + ConfigSchema.stageSections + ["output", "sweep"]
        let top = reader("", tree)
        top.checkUnknownKeys(extraKeys: sectionNames)

        var config = ExperimentConfig(name: sanitizedName(defaultName))
        if let name = top.optionalString("name") {
            if isValidName(name) {
                config.name = name
            } else {
                problems.add("name", "\"\(name)\" cannot be used in a folder name; use letters, digits, '.', '-' and '_'")
            }
        }
        config.seed = top.integer("seed")

        let dataReader = reader("data", members["data"])
        let modelReader = reader("model", members["model"])
        config.data = DataConfig(reading: dataReader)
        config.model = ModelConfig(reading: modelReader)
        config.output = OutputConfig(reading: reader("output", members["output"]))
        func stage(_ name: String) -> ConfigReader? {
            guard let value = members[name], value != .null else { return nil }
            return reader(name, value)
        }
        config.training = stage("training").map(TrainingConfig.init(reading:))
        config.conversion = stage("conversion").map(ConversionConfig.init(reading:))
        let simulationReader = stage("simulation")
        config.simulation = simulationReader.map(SimulationConfig.init(reading:))

        // Defaults implied by the low-latency recipe, applied only where the user gave no value.
        if config.conversion?.recipe == .lowLatency {
            if modelReader.raw("activation") == nil { config.model.activation = .clippedReLU }
            if simulationReader?.raw("ordering") == nil { config.simulation?.ordering = .immediate }
            // Half a threshold to start makes spike counts round rather than truncate: +1.1 pt at T = 2
            // on CNN-S (Configs/README.md).
            if simulationReader?.raw("initialMembrane") == nil { config.simulation?.initialMembrane = 0.5 }
        }
        config.stdb = stage("stdb").map { STDBConfig(reading: $0, defaultEncoding: config.simulation?.encoding ?? .direct) }
        config.energy = stage("energy").map(EnergyConfig.init(reading:))
        config.hardware = stage("hardware").map(HardwareConfig.init(reading:))

        // A value already reported as wrong was replaced by its default; checks on that default
        // would only repeat the problem in other words.
        let reported = Set(problems.problems.map(\.keyPath))
        for problem in config.consistencyProblems() where !reported.contains(problem.keyPath) {
            problems.add(problem.keyPath, problem.message, suggestion: problem.suggestion)
        }
        if !problems.problems.isEmpty { throw SpikeKitError.config(problems.problems) }
        return config
    }

    /// Checks a config built or changed in code the way a config file is checked: its effective
    /// JSON is read back through the schema, so ranges, names and consistency are all verified.
    public func validate(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        _ = try ExperimentConfig.decode(effectiveJSONValue(), defaultName: name, baseDirectory: base, environment: environment)
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
        }
    }

    /// A file name made usable as a run name: other characters become '-'.
    static func sanitizedName(_ name: String) -> String {
        var result = String(String.UnicodeScalarView(name.unicodeScalars.map { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar)) ? scalar : "-"
        }))
        while result.hasPrefix(".") { result.removeFirst() }
        return result.isEmpty ? "experiment" : result
    }
}
