import Foundation

/// How a run is started, beyond its config: the command-line options of `spikekit run`.
public struct RunOptions: Equatable, Sendable {
    /// The run folder, used as is (relative to the current directory); nil = a new
    /// `<output.directory>/<name>-<yyyyMMdd-HHmmss>/`.
    public var output: String?
    /// Worker threads; overrides `simulation.threads`. 0 = all cores.
    public var threads: Int?
    /// Continue an interrupted run in `output` (or the latest run of this config), reusing what its
    /// finished stages saved.
    public var resume: Bool
    /// No progress output.
    public var quiet: Bool

    public init(output: String? = nil, threads: Int? = nil, resume: Bool = false, quiet: Bool = false) {
        self.output = output
        self.threads = threads
        self.resume = resume
        self.quiet = quiet
    }
}

extension ExperimentConfig {
    /// The config with a run's overrides: `--threads` replaces `simulation.threads`.
    public func applying(_ options: RunOptions) -> ExperimentConfig {
        var config = self
        if let threads = options.threads { config.simulation?.threads = threads }
        return config
    }

    func withoutThreadCount() -> ExperimentConfig {
        var config = self
        config.simulation?.threads = 0
        return config
    }
}
