import Foundation

/// The files a run folder holds, by name.
public enum RunFiles {
    public static let effectiveConfig = "config.effective.json"
    public static let report = RunReport.fileName
    public static let annCheckpoint = "ann.safetensors"
    public static let convertedSNN = "snn-converted.safetensors"
    public static let fineTunedSNN = "snn-stdb.safetensors"
    public static let spikeTraceAER = SpikeTrace.aerFileName
    public static let spikeTraceCSV = SpikeTrace.csvFileName
    /// The ANN optimizer's state after `epoch` completed epochs (the one `annCheckpoint` needs to resume).
    public static func annOptimizerState(epoch: Int) -> String { "\(annOptimizerStatePrefix)\(epoch).safetensors" }
    public static let annOptimizerStatePrefix = "ann-optimizer.epoch"
    /// The STDB optimizer's state after `epoch` completed epochs (the one `fineTunedSNN` needs to resume).
    public static func stdbOptimizerState(epoch: Int) -> String { "\(stdbOptimizerStatePrefix)\(epoch).safetensors" }
    public static let stdbOptimizerStatePrefix = "stdb-optimizer.epoch"
}

/// What the stages of one run have produced so far. Each stage reads what earlier ones left and adds
/// its own results; the report is assembled from it.
struct RunState {
    let directory: URL
    let resume: Bool
    var ann: RunReport.ANN?
    var conversion: RunReport.Conversion?
    var simulations: [RunReport.Simulation] = []
    var stdb: RunReport.STDB?
    /// The loaded data.
    var data: DatasetSplit?
    /// The trained (or loaded) ANN.
    var network: Network?
    /// The converted spiking network.
    var spiking: SpikingNetwork?
    /// Exact operation counts per simulation entry (same order as `simulations`).
    var counts: [OperationCounts] = []
    /// A spike raster of the first test image, for the plot.
    var raster: SpikeRaster?
    var rasterTimeSteps = 0
    /// Warnings so far (`RunDiagnostics`), for the report.
    var warnings: [String] = []
    /// The converted network as simulated by the simulation stage (STDB replaces `spiking`).
    var converted: SpikingNetwork?

    init(directory: URL, resume: Bool) {
        self.directory = directory
        self.resume = resume
    }

    /// The URL of `name` in the run folder.
    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Whether a resumed run already has `name` from an earlier attempt.
    func hasArtifact(_ name: String) -> Bool { resume && FileManager.default.fileExists(atPath: file(name).path) }
}
