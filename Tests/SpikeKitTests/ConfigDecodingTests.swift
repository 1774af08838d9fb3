import Foundation
import Testing
@testable import SpikeKit

@Suite struct ConfigDecodingTests {
    typealias T = ConfigTestSupport

    @Test func emptyConfigGetsEveryDefaultAndNoStages() throws {
        let config = try T.decode("{}", name: "my-run")
        #expect(config.name == "my-run")
        #expect(config.seed == 1)
        #expect(config.data.dataset == .fashionMNIST)
        #expect(config.data.directory == nil)
        #expect(config.data.trainLimit == nil && config.data.testLimit == nil)
        #expect(config.data.normalization == .named(.half))
        #expect(config.model.architecture == .cnnS)
        #expect(config.model.activation == .relu)
        #expect(config.model.clipInit == 4.0)
        #expect(config.model.checkpoint == nil)
        #expect(config.training == nil && config.conversion == nil && config.simulation == nil)
        #expect(config.stdb == nil && config.energy == nil)
        #expect(config.output.directory == "results")
        #expect(config.output.saveCheckpoints == true)
        #expect(config.output.spikeTrace == nil)
    }

    @Test func emptyStageSectionsRunWithTheDocumentedDefaults() throws {
        let config = try T.decode("""
            {"training": {}, "conversion": {}, "simulation": {}, "stdb": {}, "energy": {}}
            """)
        let training = try #require(config.training)
        #expect(training.epochs == 10 && training.batchSize == 64 && training.optimizer == .adam)
        #expect(training.learningRate == 1e-3 && training.momentum == 0.9 && training.weightDecay == 0)
        #expect(training.amsgrad == false && training.augmentation == false && training.dropout == nil)
        #expect(training.poissonInputSteps == 0)
        #expect(training.schedule == TrainingConfig.Schedule(milestones: [], factor: 10))
        let conversion = try #require(config.conversion)
        #expect(conversion.recipe == .thresholdBalancing && conversion.calibrationImages == 512)
        #expect(conversion.balancingSteps == 1000 && conversion.scale == 0.7 && conversion.percentile == 99.99)
        #expect(conversion.channelWise == false && conversion.alphaGrid == 150)
        #expect(conversion.fineTuneEpochs == 2 && conversion.fineTuneTimeSteps == 2 && conversion.fineTuneLearningRate == 5e-4)
        let simulation = try #require(config.simulation)
        #expect(simulation.timeSteps == [16, 32, 64] && simulation.encoding == .direct && simulation.ordering == .delayed)
        #expect(simulation.batchSize == 100 && simulation.threads == 0 && simulation.reset == .subtract)
        #expect(simulation.leak == 1.0 && simulation.testLimit == nil && simulation.recordRaster == false)
        let stdb = try #require(config.stdb)
        #expect(stdb.timeSteps == 16 && stdb.epochs == 5 && stdb.batchSize == 64)
        #expect(stdb.learningRate == 1e-4 && stdb.weightDecay == 5e-4 && stdb.amsgrad == true)
        #expect(stdb.milestones == [0.6, 0.8, 0.9] && stdb.lrFactor == 5 && stdb.surrogate == .stdb)
        #expect(stdb.alpha == 0.3 && stdb.beta == 0.01 && stdb.gamma == 0.3 && stdb.maxDeltaT == 100)
        #expect(stdb.lossOverTime == .sum && stdb.encoding == .direct)
        #expect(config.energy?.preset == .cmos45nmFP32)
    }

    @Test func sectionInitializersMatchTheSchemaDefaults() throws {
        let decoded = try T.decode("""
            {"training": {}, "conversion": {}, "simulation": {}, "stdb": {}, "energy": {}}
            """)
        #expect(decoded.training == TrainingConfig())
        #expect(decoded.conversion == ConversionConfig())
        #expect(decoded.simulation == SimulationConfig())
        #expect(decoded.stdb == STDBConfig())
        #expect(decoded.energy == EnergyConfig())
        #expect(decoded.data == DataConfig() && decoded.model == ModelConfig() && decoded.output == OutputConfig())
    }

    @Test func givenValuesAreRead() throws {
        let config = try T.decode("""
            {"name": "vgg-run", "seed": 7,
             "data": {"trainLimit": 600, "testLimit": 100, "normalization": "dataset"},
             "model": {"architecture": "vgg5", "activation": "clipped-relu", "clipInit": 2},
             "training": {"epochs": 3.0, "optimizer": "sgd", "schedule": {"milestones": [0.5, 0.75], "factor": 10},
                          "augmentation": true, "dropout": 0.1, "poissonInputSteps": 8},
             "simulation": {"timeSteps": [4], "encoding": "poisson", "reset": "zero", "leak": 0.9, "testLimit": 50},
             "conversion": {"recipe": "data-norm"}, "stdb": {"surrogate": "linear", "lossOverTime": "mean"},
             "energy": {"preset": "loihi"},
             "output": {"directory": "out", "saveCheckpoints": false, "spikeTrace": 3}}
            """)
        #expect(config.name == "vgg-run" && config.seed == 7)
        #expect(config.data.trainLimit == 600 && config.data.testLimit == 100 && config.data.normalization == .named(.dataset))
        #expect(config.model.architecture == .vgg5 && config.model.activation == .clippedReLU && config.model.clipInit == 2)
        #expect(config.training?.epochs == 3 && config.training?.optimizer == .sgd)
        #expect(config.training?.schedule == TrainingConfig.Schedule(milestones: [0.5, 0.75], factor: 10))
        #expect(config.training?.augmentation == true && config.training?.dropout == 0.1)
        #expect(config.training?.poissonInputSteps == 8)
        #expect(config.summary().contains("Poisson-coded input (8 steps)"))
        #expect(config.simulation?.timeSteps == [4] && config.simulation?.encoding == .poisson)
        #expect(config.simulation?.reset == .zero && config.simulation?.leak == 0.9 && config.simulation?.testLimit == 50)
        // stdb.encoding follows simulation.encoding when not given.
        #expect(config.stdb?.encoding == .poisson && config.stdb?.surrogate == .linear && config.stdb?.lossOverTime == .mean)
        #expect(config.energy?.preset == .loihi)
        #expect(config.output == { var o = OutputConfig(); o.directory = "out"; o.saveCheckpoints = false; o.spikeTrace = 3; return o }())
    }

    // MARK: Problems, one kind at a time

    @Test func wrongTypeNamesTheKeyAndTheValue() {
        let problems = T.problems(#"{"training": {"epochs": "ten", "amsgrad": "yes"}, "seed": 1.5}"#)
        #expect(T.problem(at: "training.epochs", in: problems)?.message == #"expected a positive integer, got "ten""#)
        #expect(T.problem(at: "training.amsgrad", in: problems)?.message == #"expected true or false, got "yes""#)
        #expect(T.problem(at: "seed", in: problems)?.message == "expected a non-negative integer, got 1.5")
        #expect(problems.count == 3)
    }

    @Test func outOfRangeValues() {
        let problems = T.problems("""
            {"simulation": {"leak": 0, "batchSize": 0, "threads": -1},
             "conversion": {"percentile": 100.5, "scale": -0.7},
             "training": {"momentum": 1, "dropout": 1.0, "poissonInputSteps": -2}}
            """)
        #expect(T.problem(at: "simulation.leak", in: problems)?.message == "expected a number in (0, 1], got 0")
        #expect(T.problem(at: "simulation.batchSize", in: problems)?.message == "expected a positive integer, got 0")
        #expect(T.problem(at: "simulation.threads", in: problems)?.message == "expected a non-negative integer, got -1")
        #expect(T.problem(at: "conversion.percentile", in: problems)?.message == "expected a number in (0, 100], got 100.5")
        #expect(T.problem(at: "conversion.scale", in: problems)?.message == "expected a number > 0, got -0.7")
        #expect(T.problem(at: "training.momentum", in: problems)?.message == "expected a number in [0, 1), got 1")
        #expect(T.problem(at: "training.dropout", in: problems)?.message == "expected a number in [0, 1), got 1.0")
        #expect(T.problem(at: "training.poissonInputSteps", in: problems)?.message == "expected a non-negative integer, got -2")
        #expect(problems.count == 8)
    }

    @Test func unknownNamesSuggestTheClosestValidOne() {
        let problems = T.problems("""
            {"data": {"dataset": "fashion_mnist"}, "model": {"architecture": "resnet18"},
             "conversion": {"recipe": "lowlatency"}, "simulation": {"encoding": "Poisson", "ordering": "imediate"},
             "energy": {"preset": "lohi"}, "training": {"optimizer": "adamw"}}
            """)
        #expect(T.problem(at: "data.dataset", in: problems)?.suggestion == "fashion-mnist")
        #expect(T.problem(at: "model.architecture", in: problems)?.suggestion == "resnet12")
        #expect(T.problem(at: "conversion.recipe", in: problems)?.suggestion == "low-latency")
        #expect(T.problem(at: "simulation.encoding", in: problems)?.suggestion == "poisson")
        #expect(T.problem(at: "simulation.ordering", in: problems)?.suggestion == "immediate")
        #expect(T.problem(at: "energy.preset", in: problems)?.suggestion == "loihi")
        #expect(T.problem(at: "training.optimizer", in: problems)?.suggestion == "adam")
        let dataset = T.problem(at: "data.dataset", in: problems)
        #expect(dataset?.message == #"unknown dataset "fashion_mnist"; expected one of fashion-mnist, mnist, cifar10, cifar100, npy"#)
        #expect(dataset?.description.hasSuffix("did you mean `fashion-mnist`?") == true)
    }

    @Test func nameWithNothingCloseHasNoSuggestion() {
        let problems = T.problems(#"{"model": {"architecture": "transformer"}}"#)
        #expect(T.problem(at: "model.architecture", in: problems)?.suggestion == nil)
    }

    @Test func unknownKeysSuggestTheClosestKey() {
        let problems = T.problems("""
            {"simulation": {"timeStep": [8]}, "trainng": {}, "training": {"lr": 0.1, "learningrate": 0.1,
             "schedule": {"milestone": [0.5]}}, "model": {"timeSteps": 3}, "colour": 1}
            """)
        #expect(T.problem(at: "simulation.timeStep", in: problems)?.suggestion == "simulation.timeSteps")
        #expect(T.problem(at: "simulation.timeStep", in: problems)?.message == "unknown key")
        #expect(T.problem(at: "trainng", in: problems)?.suggestion == "training")
        #expect(T.problem(at: "training.learningrate", in: problems)?.suggestion == "training.learningRate")
        #expect(T.problem(at: "training.lr", in: problems)?.suggestion == nil)
        #expect(T.problem(at: "training.schedule.milestone", in: problems)?.suggestion == "training.schedule.milestones")
        // The right key in the wrong section points to the section that has it.
        #expect(T.problem(at: "model.timeSteps", in: problems)?.suggestion == "simulation.timeSteps")
        #expect(T.problem(at: "colour", in: problems)?.suggestion == nil)
    }

    @Test func listElementsAreCheckedAtTheirOwnPath() {
        let problems = T.problems("""
            {"simulation": {"timeSteps": [8, 16, -4, "x"]}, "stdb": {"milestones": [0.6, 0.5, 1.2]}, "conversion": {}}
            """)
        #expect(T.problem(at: "simulation.timeSteps[2]", in: problems)?.message == "expected a positive integer, got -4")
        #expect(T.problem(at: "simulation.timeSteps[3]", in: problems)?.message == #"expected a positive integer, got "x""#)
        #expect(T.problem(at: "stdb.milestones[1]", in: problems)?.message == "milestones must increase, but 0.5 follows 0.6")
        #expect(T.problem(at: "stdb.milestones[2]", in: problems)?.message == "expected a fraction in (0, 1), got 1.2")
        #expect(problems.count == 4)
    }

    @Test func listShapeProblems() {
        let problems = T.problems(#"{"simulation": {"timeSteps": 16}, "stdb": {"milestones": 0.5}, "conversion": {}}"#)
        let timeSteps = T.problem(at: "simulation.timeSteps", in: problems)
        #expect(timeSteps?.message == "expected a list of positive integers, got 16 (write [16] for a single value)")
        #expect(T.problem(at: "stdb.milestones", in: problems) != nil)
        let empty = T.problems(#"{"simulation": {"timeSteps": []}}"#)
        #expect(T.problem(at: "simulation.timeSteps", in: empty)?.message == "expected at least one value, got an empty list")
    }

    @Test func sectionsMustBeObjects() {
        let problems = T.problems(#"{"training": 5, "data": "mnist", "energy": [1], "simulation": {}}"#)
        #expect(T.problem(at: "training", in: problems)?.message == "expected an object, got 5")
        #expect(T.problem(at: "data", in: problems)?.message == #"expected an object, got "mnist""#)
        #expect(T.problem(at: "energy", in: problems)?.message == "expected an object, got a list")
    }

    @Test func nullMeansAbsent() throws {
        let config = try T.decode(#"{"training": null, "data": {"testLimit": null}, "simulation": {"testLimit": null}}"#)
        #expect(config.training == nil)
        #expect(config.data.testLimit == nil)
        #expect(config.simulation?.testLimit == nil)
    }

    @Test func allProblemsAreReportedAtOnce() {
        let problems = T.problems("""
            {"seed": -1, "data": {"dataset": "cifar", "trainLimit": 0}, "training": {"epochs": "ten"},
             "simulation": {"timeStep": [8], "timeSteps": [8, -1], "leak": 2}, "stdb": {"surrogate": "lnear"}}
            """)
        let paths = Set(problems.map(\.keyPath))
        #expect(paths == ["seed", "data.dataset", "data.trainLimit", "training.epochs", "simulation.timeStep",
                          "simulation.timeSteps[1]", "simulation.leak", "stdb.surrogate", "stdb"])
    }

    @Test func notJSONGivesLineAndColumn() {
        let problems = T.problems("{\n  \"seed\": 1,\n  \"data\": x\n}")
        #expect(problems.count == 1)
        #expect(problems.first?.keyPath == "")
        #expect(problems.first?.message.hasPrefix("not valid JSON") == true)
        #expect(problems.first?.message.contains("line 3, column 11") == true)
        let empty = T.problems("  \n")
        #expect(empty.first?.message == "not valid JSON: the file is empty")
        let truncated = T.problems(#"{"seed": 1"#)
        #expect(truncated.first?.message.hasPrefix("not valid JSON") == true)
    }

    @Test func topLevelMustBeAnObject() {
        let problems = T.problems("[1, 2]")
        #expect(problems == [ConfigProblem(keyPath: "", message: "expected a JSON object with the config's sections, got a list")])
    }

    @Test func invalidNameIsAProblemAndFileNamesAreSanitised() throws {
        let problems = T.problems(#"{"name": "../escape"}"#)
        #expect(T.problem(at: "name", in: problems) != nil)
        let config = try ExperimentConfig.decode(Data("{}".utf8), defaultName: "my config", baseDirectory: URL(fileURLWithPath: "/"),
                                                 environment: [:])
        #expect(config.name == "my-config")
    }

    // MARK: Consistency

    @Test func lowLatencyImpliesClippedReLUAndImmediateOrdering() throws {
        let config = try T.decode(#"{"conversion": {"recipe": "low-latency"}, "simulation": {"timeSteps": [1, 2]}}"#)
        #expect(config.model.activation == .clippedReLU)
        #expect(config.simulation?.ordering == .immediate)
        #expect(config.simulation?.encoding == .direct)
        #expect(config.simulation?.initialMembrane == 0.5)
        let explicit = try T.decode(#"{"conversion": {"recipe": "low-latency"}, "simulation": {"initialMembrane": 0}}"#)
        #expect(explicit.simulation?.initialMembrane == 0)
        let other = try T.decode(#"{"conversion": {}, "simulation": {}}"#)
        #expect(other.simulation?.initialMembrane == 0)
    }

    @Test func lowLatencyWithExplicitConflictsIsAProblem() {
        let problems = T.problems("""
            {"model": {"activation": "relu"}, "conversion": {"recipe": "low-latency"},
             "simulation": {"ordering": "delayed", "encoding": "poisson"}}
            """)
        #expect(T.problem(at: "simulation.ordering", in: problems)?.message.contains("immediate") == true)
        #expect(T.problem(at: "model.activation", in: problems)?.message.contains("clipped-relu") == true)
        #expect(T.problem(at: "simulation.encoding", in: problems)?.message.contains("direct") == true)
        #expect(problems.count == 3)
    }

    @Test func explicitDelayedWithoutLowLatencyIsFine() throws {
        let config = try T.decode(#"{"conversion": {"recipe": "data-norm"}, "simulation": {"ordering": "delayed"}}"#)
        #expect(config.simulation?.ordering == .delayed)
    }

    @Test func stdbNeedsConversion() {
        let problems = T.problems(#"{"stdb": {}}"#)
        #expect(T.problem(at: "stdb", in: problems)?.message.contains("conversion") == true)
    }

    @Test func energyNeedsASimulation() {
        let problems = T.problems(#"{"energy": {}}"#)
        #expect(T.problem(at: "energy", in: problems)?.message.contains("simulation") == true)
    }

    @Test func otherDatasetsNeedADirectory() {
        let problems = T.problems(#"{"data": {"dataset": "cifar10"}}"#)
        #expect(T.problem(at: "data.directory", in: problems)?.message
                == "cifar10 needs a directory with the CIFAR-10 binary files; only fashion-mnist has a bundled subset")
    }

    @Test func missingDirectoryAndCheckpointAreProblems() throws {
        let base = try ConfigTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        let problems = T.problems(#"{"data": {"directory": "nowhere"}, "model": {"checkpoint": "/no/such/weights.safetensors"}}"#, base: base)
        #expect(T.problem(at: "data.directory", in: problems)?.message == "\(base.appendingPathComponent("nowhere").path) does not exist")
        #expect(T.problem(at: "model.checkpoint", in: problems)?.message == "/no/such/weights.safetensors does not exist")
    }

    @Test func checkpointAndTrainingTogetherIsAProblem() throws {
        let base = try ConfigTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        try Data().write(to: base.appendingPathComponent("ann.safetensors"))
        let problems = T.problems(#"{"model": {"checkpoint": "ann.safetensors"}, "training": {}}"#, base: base)
        #expect(T.problem(at: "training", in: problems) != nil)
        let config = try T.decode(#"{"model": {"checkpoint": "ann.safetensors"}}"#, base: base)
        #expect(config.model.checkpoint == base.appendingPathComponent("ann.safetensors").path)
    }

    @Test func simulationTestLimitMustFitTheDataTestLimit() {
        let problems = T.problems(#"{"data": {"testLimit": 100}, "simulation": {"testLimit": 500}}"#)
        #expect(T.problem(at: "simulation.testLimit", in: problems) != nil)
    }

    @Test func normalizationAsPyTorchWritesIt() throws {
        #expect(try T.decode(#"{"data": {"normalization": "none"}}"#).data.normalization == .named(.none))
        let custom = try T.decode(#"{"data": {"normalization": {"mean": [0.1307], "std": [0.3081]}}}"#).data.normalization
        #expect(custom == .perChannel(mean: [0.1307], std: [0.3081]))
        #expect(custom.normalization(for: .mnist) == Normalization(mean: [0.1307], standardDeviation: [0.3081]))
        #expect(DataConfig.NormalizationSetting.named(.none).normalization(for: .fashionMNIST) == .unit)
        let missing = T.problems(#"{"data": {"normalization": {"mean": [0.5, 0.5, 0.5]}}}"#)
        #expect(T.problem(at: "data.normalization.std", in: missing)?.message.contains("Normalize") == true)
        let negative = T.problems(#"{"data": {"normalization": {"mean": [0.5], "std": [0]}}}"#)
        #expect(T.problem(at: "data.normalization.std[0]", in: negative) != nil)
        let scalar = T.problems(#"{"data": {"normalization": {"mean": 0.5, "std": [0.5]}}}"#)
        #expect(T.problem(at: "data.normalization.mean", in: scalar)?.message.contains("[0.5]") == true)
        let unknown = T.problems(#"{"data": {"normalization": "unit"}}"#)
        #expect(T.problem(at: "data.normalization", in: unknown) != nil)
        let extra = T.problems(#"{"data": {"normalization": {"mean": [0.5], "std": [0.5], "stdev": [1]}}}"#)
        #expect(T.problem(at: "data.normalization.stdev", in: extra) != nil)
    }

    @Test func neuronModelAndCurrentDecay() throws {
        let config = try T.decode(#"{"simulation": {"neuron": "cuba-lif", "currentDecay": 0.5}}"#)
        #expect(config.simulation?.neuron == .currentBasedLIF && config.simulation?.currentDecay == 0.5)
        #expect(try T.decode(#"{"simulation": {}}"#).simulation?.neuron == .integrateAndFire)
        let decayWithoutModel = T.problems(#"{"simulation": {"currentDecay": 0.5}}"#)
        #expect(T.problem(at: "simulation.currentDecay", in: decayWithoutModel)?.message.contains("cuba-lif") == true)
        let unknown = T.problems(#"{"simulation": {"neuron": "lif"}}"#)
        #expect(T.problem(at: "simulation.neuron", in: unknown) != nil)
        #expect(T.problem(at: "simulation.currentDecay", in: T.problems(#"{"simulation": {"neuron": "cuba-lif", "currentDecay": 1}}"#)) != nil)
    }

    @Test func aWrongValueIsNotReportedTwice() {
        // The unset variable leaves no directory; "cifar10 needs a directory" would repeat the problem.
        let problems = T.problems(#"{"data": {"dataset": "cifar10", "directory": "$NO_SUCH_VARIABLE/cifar"}}"#)
        #expect(problems.count == 1)
        #expect(problems.first?.keyPath == "data.directory")
        #expect(problems.first?.message.contains("NO_SUCH_VARIABLE") == true)
    }

    // MARK: Paths

    @Test func pathsResolveRelativeToTheConfigAndThroughVariables() throws {
        let base = try ConfigTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        let data = base.appendingPathComponent("datasets/cifar", isDirectory: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)

        let relative = try T.decode(#"{"data": {"dataset": "cifar10", "directory": "datasets/cifar"}}"#, base: base)
        #expect(relative.data.directory == data.path)
        let braced = try T.decode(#"{"data": {"dataset": "cifar10", "directory": "${ROOT}/cifar"}}"#,
                                  environment: ["ROOT": base.appendingPathComponent("datasets").path])
        #expect(braced.data.directory == data.path)
        let plain = try T.decode(#"{"data": {"dataset": "cifar10", "directory": "$ROOT/datasets/cifar"}}"#,
                                 environment: ["ROOT": base.path])
        #expect(plain.data.directory == data.path)
        let home = try T.decode(#"{"data": {"dataset": "cifar10", "directory": "~/datasets/cifar"}}"#,
                                environment: ["HOME": base.path])
        #expect(home.data.directory == data.path)
        let absolute = try T.decode(#"{"data": {"directory": "\#(data.path)/../cifar"}}"#)
        #expect(absolute.data.directory == data.path)
    }

    @Test func pathVariableProblems() {
        let problems = T.problems(#"{"data": {"directory": "${DATA"}, "model": {"checkpoint": "$/x"}, "output": {"directory": "$OUT"}}"#)
        #expect(T.problem(at: "data.directory", in: problems)?.message.contains("without a closing") == true)
        #expect(T.problem(at: "model.checkpoint", in: problems)?.message.contains("not followed by a variable name") == true)
        #expect(T.problem(at: "output.directory", in: problems)?.message
                == #""$OUT" uses the environment variable OUT, which is not set"#)
    }

    @Test func outputDirectoryStaysRelative() throws {
        let config = try T.decode(#"{"output": {"directory": "$RUNS/spikekit"}}"#, environment: ["RUNS": "runs"])
        #expect(config.output.directory == "runs/spikekit")
    }

    // MARK: Energy presets

    @Test func inlineEnergyPreset() throws {
        let config = try T.decode("""
            {"simulation": {}, "energy": {"preset": {"name": "my-chip", "macPicojoules": 3.1, "accumulatePicojoules": 0.1,
             "spikePicojoules": 2}}}
            """)
        #expect(config.energy?.preset == EnergyModel(name: "my-chip", macPicojoules: 3.1, accumulatePicojoules: 0.1,
                                                          spikePicojoules: 2))
    }

    @Test func inlineEnergyPresetProblems() {
        let problems = T.problems("""
            {"simulation": {}, "energy": {"preset": {"macPicojoule": 3.1, "accumulatePicojoules": -1}}}
            """)
        #expect(T.problem(at: "energy.preset.macPicojoule", in: problems)?.suggestion == "energy.preset.macPicojoules")
        #expect(T.problem(at: "energy.preset.macPicojoules", in: problems)?.message.hasPrefix("missing") == true)
        #expect(T.problem(at: "energy.preset.accumulatePicojoules", in: problems)?.message == "expected a number ≥ 0, got -1")
    }

    @Test func everyNamedPresetDecodes() throws {
        for name in ConfigSchema.energyPresets {
            let config = try T.decode(#"{"simulation": {}, "energy": {"preset": "\#(name)"}}"#)
            #expect(config.energy?.preset.name == name)
            #expect(config.energy?.preset == EnergyModel.named(name))
        }
    }

    // MARK: Code-built configs

    @Test func validateChecksAConfigBuiltInCode() throws {
        var config = ExperimentConfig(name: "coded")
        config.simulation = SimulationConfig()
        try config.validate(environment: [:])
        config.simulation?.leak = 1.5
        config.simulation?.timeSteps = [8, 0]
        #expect(throws: SpikeKitError.self) { try config.validate(environment: [:]) }
        do {
            try config.validate(environment: [:])
        } catch SpikeKitError.config(let problems) {
            #expect(Set(problems.map(\.keyPath)) == ["simulation.leak", "simulation.timeSteps[1]"])
        }
    }
}
