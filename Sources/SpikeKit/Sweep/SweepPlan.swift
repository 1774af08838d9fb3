import Foundation

/// A sweep read from a config file: the points it runs, each a checked `ExperimentConfig`, and the
/// sweep's folder.
///
/// The points are the cartesian product of `sweep.values` (key paths sorted, the first varying
/// slowest, so point k of an `n₁ × n₂` sweep has values `(k / n₂, k mod n₂)`) or the explicit
/// `sweep.points` in order. Every point's config is read through the schema like any config; a
/// problem in a swept value is reported at its place in the sweep (`sweep.values.conversion.scale[2]`).
public struct SweepPlan: Sendable {
    public let configURL: URL
    /// The base config (without the sweep's values).
    public let base: ExperimentConfig
    public let settings: SweepSettings
    /// The swept key paths, in the order of the folder names.
    public let keyPaths: [String]
    public let points: [SweepPoint]
    /// The sweep's folder (absolute).
    public let directory: URL

    /// Reads the config at `url` and builds its points. `output` replaces `sweep.directory`.
    /// Throws `SpikeKitError.config` with every problem found.
    public static func load(from url: URL, output: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SweepPlan {
        let data = try ExperimentConfig.readFile(url)
        let tree: JSONValue
        do {
            tree = try JSONValue.parse(data)
        } catch let error as JSONParseError {
            throw SpikeKitError.config([ConfigProblem(keyPath: "", message: error.message)])
        }
        guard case .object(var members) = tree else {
            throw SpikeKitError.config([ConfigProblem(keyPath: "", message: "expected a JSON object with the config's sections, got \(tree.shortDescription)")])
        }
        let baseDirectory = url.deletingLastPathComponent()
        let defaultName = url.deletingPathExtension().lastPathComponent
        let problems = ConfigProblemCollector()
        guard let sweepValue = members.removeValue(forKey: "sweep"), sweepValue != .null else {
            throw SpikeKitError.config([ConfigProblem(keyPath: "sweep", message: "the config has no `sweep` section; add one with `values` or `points` (see Configs/README.md)")])
        }
        let settings = SweepSettings(reading: ConfigReader(section: "sweep", value: sweepValue, problems: problems,
                                                           environment: environment, baseDirectory: baseDirectory))
        // The base config alone first: its problems are reported once, not once per point.
        let base = try ExperimentConfig.decode(.object(members), defaultName: defaultName, baseDirectory: baseDirectory,
                                               environment: environment)

        // The points as (key path, value, where the value is written in the sweep) lists.
        typealias Setting = (keyPath: String, value: JSONValue, origin: String)
        var pointSettings: [[Setting]] = []
        var keyPaths: [String] = []
        var resolved: [String: SweepKeyPath] = [:]
        func resolve(_ path: String, at problemPath: String) {
            guard resolved[path] == nil else { return }
            guard let key = SweepKeyPath.resolve(path, problemPath: problemPath, problems: problems) else { return }
            resolved[path] = key
            key.checkApplies(to: members, problemPath: problemPath, problems: problems)
        }
        if let explicit = settings.points {
            for (index, point) in explicit.enumerated() {
                var settingsOfPoint: [Setting] = []
                for path in point.keys.sorted() {
                    resolve(path, at: "sweep.points[\(index)].\(path)")
                    if !keyPaths.contains(path) { keyPaths.append(path) }
                    settingsOfPoint.append((path, point[path] ?? .null, "sweep.points[\(index)].\(path)"))
                }
                pointSettings.append(settingsOfPoint)
            }
            keyPaths.sort()
        } else {
            keyPaths = settings.axes.map(\.keyPath)
            for axis in settings.axes { resolve(axis.keyPath, at: "sweep.values.\(axis.keyPath)") }
            var product: [[Setting]] = [[]]
            for axis in settings.axes {
                product = product.flatMap { prefix in
                    axis.values.enumerated().map { index, value in prefix + [(axis.keyPath, value, "sweep.values.\(axis.keyPath)[\(index)]")] }
                }
            }
            pointSettings = settings.axes.isEmpty ? [] : product
        }
        if !problems.problems.isEmpty { throw SpikeKitError.config(problems.problems) }

        let labels = SweepPoint.labels(for: keyPaths)
        var points: [SweepPoint] = []
        var seenNames: [String: Int] = [:]
        var reported = Set<String>()
        for (index, settingsOfPoint) in pointSettings.enumerated() {
            let values = settingsOfPoint.map { (keyPath: $0.keyPath, value: $0.value) }
            let name = SweepPoint.folderName(values, labels: labels)
            if let earlier = seenNames[name] {
                problems.add(settings.points != nil ? "sweep.points[\(index)]" : "sweep.values",
                             "point \(index) is the same point as point \(earlier) (\(name))")
                continue
            }
            seenNames[name] = index
            var pointTree = members
            for setting in settingsOfPoint {
                guard let key = resolved[setting.keyPath] else { continue }
                pointTree = key.setting(setting.value, in: pointTree)
            }
            pointTree["name"] = .string("\(base.name)-\(name)")
            do {
                let config = try ExperimentConfig.decode(.object(pointTree), defaultName: defaultName,
                                                         baseDirectory: baseDirectory, environment: environment)
                points.append(SweepPoint(index: index, name: name, values: values, config: config))
            } catch SpikeKitError.config(let pointProblems) {
                // A problem at a swept key is the swept value's: report it where the value is written.
                for problem in pointProblems {
                    let origin = settingsOfPoint.first { problem.keyPath == $0.keyPath || problem.keyPath.hasPrefix($0.keyPath + ".")
                        || problem.keyPath.hasPrefix($0.keyPath + "[") }
                    let keyPath = origin.map { $0.origin + problem.keyPath.dropFirst($0.keyPath.count) } ?? problem.keyPath
                    let message = origin == nil ? "\(problem.message) (in point \(index), \(name))" : problem.message
                    guard reported.insert(keyPath + message).inserted else { continue }
                    problems.add(keyPath, message, suggestion: problem.suggestion)
                }
            }
        }
        if !problems.problems.isEmpty { throw SpikeKitError.config(problems.problems) }

        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let folder = output ?? settings.directory ?? URL(fileURLWithPath: base.output.directory, relativeTo: cwd)
            .appendingPathComponent(base.name).path
        let directory = URL(fileURLWithPath: folder, relativeTo: cwd).standardizedFileURL
        return SweepPlan(configURL: url.standardizedFileURL, base: base, settings: settings, keyPaths: keyPaths,
                         points: points, directory: directory)
    }

    /// The sweep of the config at `url`, or nil when it has no `sweep` section (an ordinary config).
    public static func loadIfPresent(from url: URL,
                                     environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SweepPlan? {
        guard let data = FileManager.default.contents(atPath: url.path), case .object(let members)? = try? JSONValue.parse(data),
              let sweep = members["sweep"], sweep != .null else { return nil }
        return try load(from: url, environment: environment)
    }

    /// One line for `spikekit validate`: the number of points, the swept keys and the folder.
    public var summary: String {
        let keys = settings.points == nil ? keyPaths.joined(separator: " × ") : "explicit points of " + keyPaths.joined(separator: ", ")
        return "  sweep       \(points.count) points (\(keys)) in \(directory.path)"
    }

    /// The point of array index `index`, or a usage error naming the valid range.
    public func point(_ index: Int) throws -> SweepPoint {
        guard points.indices.contains(index) else {
            throw SpikeKitError.usage("task \(index) is not a point of this sweep: it has \(points.count) points, 0...\(points.count - 1)")
        }
        return points[index]
    }
}
