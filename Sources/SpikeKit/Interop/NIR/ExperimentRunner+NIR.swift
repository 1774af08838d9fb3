import Foundation

extension RunFiles {
    /// The final spiking network as a NIR graph (`output.nir`).
    public static let nirGraph = "network.nir"
}

extension ExperimentRunner {
    /// `output.nir`: writes the run's final spiking network (the STDB- or low-latency-tuned one when
    /// those stages ran, else the converted or loaded one) as `RunFiles.nirGraph`, recording the
    /// simulation's encoding and ordering, its largest T and the pixel normalisation; each export
    /// warning is shown as a progress note.
    func writeNIR(_ state: RunState) throws {
        guard let network = state.spiking else {
            progress.note("output.nir: no spiking network was made, so there is no network.nir")
            return
        }
        let s = config.simulation
        var extra = ["dataset": config.data.dataset.rawValue, "run": config.name]
        if let data = state.data, let normalization = try? JSONEncoder().encode(data.test.normalization) {
            extra["normalization"] = String(decoding: normalization, as: UTF8.self)
        }
        let context = NIRExport.Context(encoding: s.map { $0.encoding == .poisson ? .poisson : .direct },
                                        ordering: s.map { $0.ordering == .immediate ? .immediate : .delayed },
                                        timeSteps: s?.timeSteps.max(), extra: extra)
        let url = state.file(RunFiles.nirGraph)
        let warnings = try NIRFile.export(network, context: context, to: url)
        for warning in warnings { progress.note("NIR export: \(warning)") }
        progress.note("NIR graph: \(url.path)")
    }
}
