import Foundation

/// NIR files as SpikeKit uses them: exporting a spiking network (what `spikekit export --nir` and
/// `output.nir` write) and loading a spiking network from either of its two file forms (a SpikeKit
/// checkpoint, or a `.nir` graph), as `conversion.checkpoint` and `model.nir` do.
public enum NIRFile {
    /// Whether `url` names a NIR file (by its `.nir` extension).
    public static func isNIR(_ url: URL) -> Bool { url.pathExtension.lowercased() == "nir" }

    /// Writes `network` as a NIR graph to `url` atomically and returns the export's warnings.
    @discardableResult
    public static func export(_ network: SpikingNetwork, context: NIRExport.Context, to url: URL,
                              exporter: NIRExport = NIRExport(), compressionLevel: Int? = 4) throws -> [String] {
        let (graph, warnings) = try exporter.export(network, context: context)
        try graph.write(to: url, compressionLevel: compressionLevel)
        return warnings
    }

    /// The spiking network saved at `url` and its metadata in checkpoint form. A `.nir` file is
    /// imported (`NIRImport`); its `spikekit_*` graph metadata becomes `encoding`, `ordering` and
    /// `timeSteps`, its import notes `nirNotes`, and `recipe` is "nir". Anything else is read as a
    /// SpikeKit checkpoint. `importer` sets how a graph's neurons reset (`model.nirReset`).
    public static func loadSpikingNetwork(from url: URL, importer: NIRImport = NIRImport()) throws -> (network: SpikingNetwork, metadata: [String: String]) {
        guard isNIR(url) else { return try SpikingNetworkCheckpoint.load(from: url) }
        let graph = try NIRGraph.read(contentsOf: url)
        let (network, notes) = try importer.network(from: graph, path: url.path)
        var metadata = ["recipe": "nir", "source": url.path]
        if let e = graph.metadata["spikekit_encoding"]?.string { metadata["encoding"] = e }
        if let o = graph.metadata["spikekit_ordering"]?.string { metadata["ordering"] = o }
        if let t = graph.metadata["spikekit_time_steps"]?.number, t >= 1, t < 1e9 { metadata["timeSteps"] = String(Int(t)) }
        if let n = graph.metadata["spikekit_normalization"]?.string { metadata["normalization"] = n }
        if let d = graph.metadata["spikekit_dataset"]?.string { metadata["dataset"] = d }
        if !notes.isEmpty { metadata["nirNotes"] = notes.joined(separator: "; ") }
        return (network, metadata)
    }
}
