import Foundation
import Testing
@testable import SpikeKit

/// Shared helpers of the config, report and CLI tests.
enum ConfigTestSupport {
    /// A config that runs every implemented stage on a few bundled images in well under a second:
    /// a small MLP, one short training epoch, threshold balancing over a short calibration, a short
    /// simulation, one STDB epoch, energy.
    static let tinyRunJSON = #"""
        {"data": {"trainLimit": 100, "testLimit": 20}, "model": {"architecture": "mlp"},
         "training": {"epochs": 1, "batchSize": 50},
         "conversion": {"calibrationImages": 10, "balancingSteps": 8},
         "simulation": {"timeSteps": [2, 4], "testLimit": 20},
         "stdb": {"timeSteps": 4, "epochs": 1, "batchSize": 50}, "energy": {}}
        """#

    /// The package's root folder, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A new empty folder under the system's temporary folder.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("spikekit-tests-\(getpid())-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func decode(_ json: String, environment: [String: String] = [:], base: URL? = nil,
                       name: String = "test") throws -> ExperimentConfig {
        try ExperimentConfig.decode(Data(json.utf8), defaultName: name,
                                    baseDirectory: base ?? URL(fileURLWithPath: "/tmp"), environment: environment)
    }

    /// The problems `json` produces; records a test failure if it decodes.
    static func problems(_ json: String, environment: [String: String] = [:], base: URL? = nil,
                         sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigProblem] {
        do {
            _ = try decode(json, environment: environment, base: base)
            Issue.record("expected config problems, but the config decoded", sourceLocation: sourceLocation)
            return []
        } catch SpikeKitError.config(let problems) {
            return problems
        } catch {
            Issue.record("expected SpikeKitError.config, got \(error)", sourceLocation: sourceLocation)
            return []
        }
    }

    /// The single problem at `keyPath`; records a failure (listing every problem) if there is not exactly one.
    static func problem(at keyPath: String, in problems: [ConfigProblem],
                        sourceLocation: SourceLocation = #_sourceLocation) -> ConfigProblem? {
        let matches = problems.filter { $0.keyPath == keyPath }
        if matches.count != 1 {
            Issue.record("expected one problem at \(keyPath), found \(matches.count) among: \(problems.map(\.description))",
                         sourceLocation: sourceLocation)
        }
        return matches.first
    }

    /// The keys of a JSON object in `data`, read with JSONSerialization.
    static func keys(_ object: Any?) -> Set<String> {
        Set((object as? [String: Any])?.keys.map { $0 } ?? [])
    }
}
