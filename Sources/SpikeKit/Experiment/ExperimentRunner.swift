import Foundation

/// Runs one experiment: the only place that sequences the pipeline's stages, reports progress and
/// writes files (DESIGN §1).
///
/// `run()` checks the config, sets the thread count, creates the run folder, writes the effective
/// config, then runs each stage the config asks for, in order: data, ANN (train, or load
/// `model.checkpoint`, then evaluate), conversion, simulation at every T, STDB fine-tuning and its
/// evaluation, energy. Each stage is one method that reads what earlier stages left in `RunState`
/// and adds its own results; the report is assembled from `RunState` at the end and written
/// atomically. With `resume`, a stage whose artifact is already in the run folder may load it instead
/// of recomputing it.
public final class ExperimentRunner {
    /// The config with the options' overrides applied (what `config.effective.json` holds).
    public let config: ExperimentConfig
    /// The config file, when the run started from one (for messages).
    public let configURL: URL?
    public let options: RunOptions
    public let progress: ProgressReporter
    private let startDate: Date

    public init(config: ExperimentConfig, configURL: URL?, options: RunOptions, progress: ProgressReporter? = nil,
                startDate: Date = Date()) {
        self.config = config.applying(options)
        self.configURL = configURL
        self.options = options
        self.progress = progress ?? ProgressReporter(quiet: options.quiet)
        self.startDate = startDate
    }

    /// The worker threads the run uses: `--threads`, else `simulation.threads`, where 0 means all cores.
    public var threadCount: Int {
        let requested = options.threads ?? config.simulation?.threads ?? 0
        return requested > 0 ? requested : Parallel.coreCount
    }

    /// Runs every configured stage and returns the report and the run folder.
    public func run() throws -> (RunReport, URL) {
        try config.validate()
        if let threads = options.threads, threads < 0 {
            throw SpikeKitError.usage("--threads must be 0 (all cores) or more, got \(threads)")
        }
        Parallel.threadCount = threadCount
        let directory = try prepareRunDirectory()
        try AtomicFile.write(config.effectiveJSON(), to: directory.appendingPathComponent(RunFiles.effectiveConfig))
        progress.note("results: \(directory.path)")

        var state = RunState(directory: directory, resume: options.resume)
        try loadData(&state)
        try prepareANN(&state)
        if config.conversion != nil || config.model.nir != nil { try convert(&state) }
        if config.simulation != nil { try simulate(&state) }
        state.converted = state.spiking
        if config.stdb != nil { try fineTuneSTDB(&state) }
        if config.energy != nil { try estimateEnergy(&state) }
        if config.hardware != nil { try runHardwareStage(&state) }
        if config.output.nir { try writeNIR(state) }

        let report = makeReport(state)
        try writeTablesAndPlots(report: report, state: state)
        try report.write(to: directory)
        return (report, directory)
    }

    // MARK: Stages

    /// Stage: data. Loads `data.dataset` from `data.directory` (or the bundled subset) with its
    /// limits and normalisation, seeded by `seed`, into the state.
    private func loadData(_ state: inout RunState) throws {
        try runDataStage(&state)
    }

    /// Stage: ANN. Builds `model.architecture`; loads `model.checkpoint`, or trains with `training`
    /// (saving `RunFiles.annCheckpoint` when `output.saveCheckpoints`), or keeps the seeded
    /// initialisation; evaluates it and records `state.ann`.
    private func prepareANN(_ state: inout RunState) throws {
        try runANNStage(&state)
    }

    /// Stage: conversion. Converts the ANN with `conversion.recipe` on calibration images and
    /// records `state.conversion` (saving `RunFiles.convertedSNN`).
    private func convert(_ state: inout RunState) throws {
        try runConversionStage(&state)
    }

    /// Stage: simulation. Simulates the converted network at every `simulation.timeSteps` and appends
    /// one `.conversion` entry per T to `state.simulations`.
    private func simulate(_ state: inout RunState) throws {
        try runSimulationStage(&state)
    }

    /// Stage: STDB. Fine-tunes the converted network at `stdb.timeSteps`, records `state.stdb` and
    /// appends its evaluation as a `.stdb` simulation (saving `RunFiles.fineTunedSNN`).
    private func fineTuneSTDB(_ state: inout RunState) throws {
        try runSTDBStage(&state)
    }

    /// Stage: energy. Prices every simulation in `state.simulations` with `energy.preset` and sets
    /// its `energy`.
    private func estimateEnergy(_ state: inout RunState) throws {
        try runEnergyStage(&state)
    }

    // MARK: Report and folder

    private func makeReport(_ state: RunState) -> RunReport {
        RunReport(name: config.name, seed: config.seed, threads: threadCount, configHash: config.withoutThreadCount().configHash,
                  ann: state.ann, conversion: state.conversion, simulations: state.simulations, stdb: state.stdb,
                  warnings: state.warnings.isEmpty ? nil : state.warnings)
    }

    /// Creates (or, with `resume`, finds and checks) the run folder.
    func prepareRunDirectory() throws -> URL {
        let fileManager = FileManager.default
        if let output = options.output {
            let directory = URL(fileURLWithPath: output).standardizedFileURL
            let effective = directory.appendingPathComponent(RunFiles.effectiveConfig)
            if fileManager.fileExists(atPath: effective.path) {
                guard options.resume else {
                    throw SpikeKitError.usage("\(directory.path) already holds a run; pass --resume to continue it, or choose another --output")
                }
                try checkResumable(directory)
                return directory
            }
            if options.resume {
                throw SpikeKitError.usage("\(directory.path) holds no run to resume (no \(RunFiles.effectiveConfig))")
            }
            try createDirectory(directory)
            return directory
        }

        let parent = URL(fileURLWithPath: config.output.directory).standardizedFileURL
        if options.resume {
            guard let latest = latestRun(in: parent) else {
                throw SpikeKitError.usage("no earlier run of '\(config.name)' in \(parent.path) to resume")
            }
            try checkResumable(latest)
            return latest
        }
        let stem = "\(config.name)-\(ExperimentRunner.timestamp(startDate))"
        var directory = parent.appendingPathComponent(stem)
        var attempt = 2
        while fileManager.fileExists(atPath: directory.path) {
            directory = parent.appendingPathComponent("\(stem)-\(attempt)")
            attempt += 1
        }
        try createDirectory(directory)
        return directory
    }

    /// The newest `<name>-<yyyyMMdd-HHmmss>[-n]` folder in `parent` that holds an effective config.
    private func latestRun(in parent: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        let prefix = config.name + "-"
        var newest: (stamp: String, attempt: Int, name: String)?
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            let stamp = String(rest.prefix(15))
            guard stamp.count == 15, stamp.enumerated().allSatisfy({ $0.offset == 8 ? $0.element == "-" : $0.element.isNumber }) else { continue }
            // Runs started in the same second get "-2", "-3", ... after the timestamp.
            let suffix = rest.dropFirst(15)
            let attempt = suffix.isEmpty ? 1 : (suffix.hasPrefix("-") ? Int(suffix.dropFirst()) : nil) ?? 0
            guard attempt > 0,
                  FileManager.default.fileExists(atPath: parent.appendingPathComponent(name).appendingPathComponent(RunFiles.effectiveConfig).path)
            else { continue }
            if newest == nil || (stamp, attempt) > (newest!.stamp, newest!.attempt) { newest = (stamp, attempt, name) }
        }
        return newest.map { parent.appendingPathComponent($0.name) }
    }

    /// A run can be resumed only with the config it was started with (the thread count may differ:
    /// results do not depend on it).
    private func checkResumable(_ directory: URL) throws {
        let file = directory.appendingPathComponent(RunFiles.effectiveConfig)
        let previous: ExperimentConfig
        do {
            previous = try ExperimentConfig.load(from: file)
        } catch {
            throw SpikeKitError.runtime("cannot resume \(directory.path): its \(RunFiles.effectiveConfig) is unreadable (\(error))")
        }
        guard previous.withoutThreadCount().configHash == config.withoutThreadCount().configHash else {
            throw SpikeKitError.usage("cannot resume \(directory.path): it was started with a different config; start a new run instead")
        }
        // Writes the earlier attempt was killed in the middle of left their temporary files.
        AtomicFile.removeLeftovers(in: directory)
    }

    private func createDirectory(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SpikeKitError.io(path: directory.path, reason: "cannot create the run folder (\(systemErrorReason(error)))")
        }
    }

    /// `yyyyMMdd-HHmmss` in local time.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: date)
    }
}
