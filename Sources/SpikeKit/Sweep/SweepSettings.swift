import Foundation

/// The `sweep` section of a config (see `ConfigSchema.sweepSection`): the swept values or explicit
/// points, the sweep's folder, ANN sharing and the Slurm resources.
public struct SweepSettings: Equatable, Sendable {
    /// One swept key and its values, in the order written.
    public struct Axis: Equatable, Sendable {
        public var keyPath: String
        public var values: [JSONValue]
    }

    /// The resources of one array task of `sweep.sbatch`.
    public struct Slurm: Equatable, Sendable {
        public var partition: String?
        public var account: String?
        public var time: String
        public var cpusPerTask: Int
        public var memory: String
        /// 0 = no limit.
        public var maxConcurrent: Int
    }

    /// The cartesian-product axes, sorted by key path (JSON objects carry no order).
    public var axes: [Axis]
    /// Explicit points (key path → value), when given instead of `axes`.
    public var points: [[String: JSONValue]]?
    /// The sweep's folder as written (variables expanded), nil = `<output.directory>/<name>`.
    public var directory: String?
    public var shareANN: Bool
    public var slurm: Slurm

    init(reading reader: ConfigReader) {
        reader.checkUnknownKeys()
        let slurmReader = reader.object("slurm")
        slurmReader.checkUnknownKeys()
        slurm = Slurm(partition: slurmReader.optionalString("partition"), account: slurmReader.optionalString("account"),
                      time: slurmReader.string("time"), cpusPerTask: slurmReader.integer("cpusPerTask"),
                      memory: slurmReader.string("memory"), maxConcurrent: slurmReader.integer("maxConcurrent"))
        directory = reader.path("directory", relativeToBase: false)
        shareANN = reader.bool("shareANN")
        axes = []
        points = nil
        let problems = reader.problems
        let values = reader.raw("values")
        let explicit = reader.raw("points")
        switch (values, explicit) {
        case (nil, nil):
            problems.add("sweep", "expected `values` (key path → list of values) or `points` (a list of objects)")
        case (.some, .some):
            problems.add("sweep.points", "give either `values` (every combination) or `points`, not both")
        case (let values?, nil):
            guard case .object(let members) = values else {
                problems.add("sweep.values", "expected an object (key path → list of values), got \(values.shortDescription)")
                break
            }
            if members.isEmpty { problems.add("sweep.values", "expected at least one key path, got an empty object") }
            for keyPath in members.keys.sorted() {
                guard case .array(let list)? = members[keyPath], !list.isEmpty else {
                    problems.add("sweep.values.\(keyPath)", "expected a non-empty list of values, got \(members[keyPath]?.shortDescription ?? "nothing")")
                    continue
                }
                axes.append(Axis(keyPath: keyPath, values: list))
            }
        case (nil, let explicit?):
            guard case .array(let list) = explicit, !list.isEmpty else {
                problems.add("sweep.points", "expected a non-empty list of objects (key path → value), got \(explicit.shortDescription)")
                break
            }
            var parsed: [[String: JSONValue]] = []
            for (index, element) in list.enumerated() {
                guard case .object(let members) = element, !members.isEmpty else {
                    problems.add("sweep.points[\(index)]", "expected an object (key path → value) with at least one key, got \(element.shortDescription)")
                    continue
                }
                parsed.append(members)
            }
            points = parsed
        }
    }
}
