import Foundation

/// Running the points of a sweep: the sweep folder's layout, finished points, and the ANN shared by
/// the points with the same training settings.
///
/// A point runs as `spikekit run` would, into `points/<name>/`. When `sweep.shareANN` is on and the
/// point trains its ANN, the ANN is trained once per training setting in `ann/<hash>/` (the hash of
/// the config's `seed`, `data`, `model` and `training`, under a lock so concurrent points wait for
/// it), linked into the point's folder as the fully trained `ann.safetensors`, and the point is run
/// as a resumed run: training is then already complete, and the report, including the ANN's
/// per-epoch history carried in the checkpoint, is the one a separate run of the point writes.
extension SweepPlan {
    /// What running one point did.
    public enum PointOutcome: Equatable, Sendable {
        /// The point ran; its report is in its folder.
        case ran
        /// The point had finished before (its report.json is for the same config).
        case skipped
        /// Another process is running the point.
        case busy
    }

    /// The state of a point's folder.
    public enum PointStatus: String, Sendable {
        case pending, started, finished
    }

    public static let manifestFile = "sweep.json"
    public static let pointsFolder = "points"
    public static let annFolder = "ann"
    public static let logsFolder = "logs"
    /// The lock files (`flock`) of points and shared ANNs.
    public static let locksFolder = "locks"

    public func pointDirectory(_ point: SweepPoint) -> URL {
        directory.appendingPathComponent(Self.pointsFolder).appendingPathComponent(point.name)
    }

    public func status(of point: SweepPoint) -> PointStatus {
        let folder = pointDirectory(point)
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(RunFiles.report).path) { return .finished }
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(RunFiles.effectiveConfig).path) { return .started }
        return .pending
    }

    /// The config that trains a point's ANN, and its hash, when the point trains one and ANNs are
    /// shared. Only what training reads is kept, so points that differ elsewhere share it.
    public func sharedANN(for point: SweepPoint) -> (config: ExperimentConfig, hash: String)? {
        guard settings.shareANN, point.config.training != nil, point.config.model.checkpoint == nil else { return nil }
        var config = point.config
        config.name = "ann"
        config.conversion = nil
        config.simulation = nil
        config.stdb = nil
        config.energy = nil
        config.output = OutputConfig()
        return (config, config.configHash)
    }

    public func sharedANNDirectory(hash: String) -> URL {
        directory.appendingPathComponent(Self.annFolder).appendingPathComponent(hash)
    }

    /// Writes `sweep.json`: the swept key paths and every point's index, folder and values (what
    /// `spikekit collect` reads). Atomic, so concurrent tasks writing the same content are safe.
    public func writeManifest() throws {
        try createFolder(directory)
        let manifest: JSONValue = .object([
            "name": .string(base.name),
            "config": .string(configURL.path),
            "keyPaths": .array(keyPaths.map(JSONValue.string)),
            "points": .array(points.map { point in
                .object(["index": .integer(point.index), "name": .string(point.name),
                         "values": .object(Dictionary(uniqueKeysWithValues: point.values.map { ($0.keyPath, $0.value) }))])
            }),
        ])
        try AtomicFile.write(manifest.serialized(pretty: true) + "\n", to: directory.appendingPathComponent(Self.manifestFile))
    }

    /// Trains (or finds) the shared ANN of `point` and returns its checkpoint; nil when the point
    /// does not share one. Waits while another process trains the same ANN; an interrupted training
    /// is resumed.
    @discardableResult
    public func prepareSharedANN(for point: SweepPoint, threads: Int?, quiet: Bool) throws -> URL? {
        guard let (config, hash) = sharedANN(for: point) else { return nil }
        let folder = sharedANNDirectory(hash: hash)
        try createFolder(folder.deletingLastPathComponent())
        try createFolder(directory.appendingPathComponent(Self.locksFolder))
        let lock = try SweepLock(directory.appendingPathComponent(Self.locksFolder).appendingPathComponent("ann-\(hash).lock"), wait: true)
        defer { withExtendedLifetime(lock) {} }
        let checkpoint = folder.appendingPathComponent(RunFiles.annCheckpoint)
        if !FileManager.default.fileExists(atPath: folder.appendingPathComponent(RunFiles.report).path) {
            let started = FileManager.default.fileExists(atPath: folder.appendingPathComponent(RunFiles.effectiveConfig).path)
            let runner = ExperimentRunner(config: config, configURL: configURL,
                                          options: RunOptions(output: folder.path, threads: threads, resume: started, quiet: quiet))
            _ = try runner.run()
        }
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw SpikeKitError.runtime("the shared ANN in \(folder.path) has no \(RunFiles.annCheckpoint)")
        }
        return checkpoint
    }

    /// Runs point `index` unless it has finished (or another process is running it), and returns
    /// what happened. A finished point whose report is for another config is an error: the sweep's
    /// config changed under a folder name that did not.
    public func runPoint(_ index: Int, threads: Int?, quiet: Bool) throws -> PointOutcome {
        let point = try point(index)
        try writeManifest()
        let folder = pointDirectory(point)
        try createFolder(directory.appendingPathComponent(Self.locksFolder))
        guard let lock = try SweepLock(directory.appendingPathComponent(Self.locksFolder).appendingPathComponent("\(point.name).lock"), wait: false) else {
            return .busy
        }
        defer { withExtendedLifetime(lock) {} }
        let options = RunOptions(output: folder.path, threads: threads, resume: false, quiet: quiet)
        let expectedHash = point.config.applying(options).withoutThreadCount().configHash
        if status(of: point) == .finished {
            let report = try RunReport.load(from: folder)
            guard report.configHash == expectedHash else {
                throw SpikeKitError.usage("\(folder.path) holds a finished run of another config than point \(index) (\(point.name)); "
                                          + "remove it, or give the sweep another folder (--output)")
            }
            return .skipped
        }
        var resume = status(of: point) == .started
        if let shared = try prepareSharedANN(for: point, threads: threads, quiet: quiet) {
            try createFolder(folder)
            let effective = folder.appendingPathComponent(RunFiles.effectiveConfig)
            if !resume { try AtomicFile.write(point.config.applying(options).effectiveJSON(), to: effective) }
            let local = folder.appendingPathComponent(RunFiles.annCheckpoint)
            if !FileManager.default.fileExists(atPath: local.path) { try linkOrCopy(shared, to: local) }
            resume = true
        }
        var runOptions = options
        runOptions.resume = resume
        _ = try ExperimentRunner(config: point.config, configURL: configURL, options: runOptions).run()
        return .ran
    }

    /// A hard link (no copy of a large checkpoint per point), or a copy where links are refused.
    /// Safe to share: checkpoints are replaced by rename, never written in place.
    private func linkOrCopy(_ source: URL, to destination: URL) throws {
        do {
            try FileManager.default.linkItem(at: source, to: destination)
        } catch {
            do {
                try FileManager.default.copyItem(at: source, to: destination)
            } catch {
                throw SpikeKitError.io(path: destination.path, reason: "cannot link or copy the shared ANN \(source.path) (\(systemErrorReason(error)))")
            }
        }
    }

    func createFolder(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw SpikeKitError.io(path: url.path, reason: "cannot create the folder (\(systemErrorReason(error)))")
        }
    }
}
