/// A config key named by its key path in a sweep (`conversion.scale`, `training.schedule.factor`,
/// `seed`), checked against `ConfigSchema`, and how a point's value is put into a config tree.
struct SweepKeyPath: Equatable, Sendable {
    /// The path as written.
    let path: String
    /// The section ("" for the top-level keys).
    let section: String
    /// The key within the section; dotted for a member of an object key (`schedule.factor`).
    let key: String
    let spec: ConfigKeySpec

    static func == (a: SweepKeyPath, b: SweepKeyPath) -> Bool { a.path == b.path }

    /// Keys a sweep may not vary: the run name (each point gets its own), the results folder (the
    /// sweep chooses it) and the sweep section itself.
    static let fixedKeys: Set<String> = ["name", "output.directory"]

    /// The key path's schema entry, or a problem (recorded at `problemPath`) naming the unknown path
    /// with the closest valid one.
    static func resolve(_ path: String, problemPath: String, problems: ConfigProblemCollector) -> SweepKeyPath? {
        let candidates = ConfigSchema.allKeyPaths.filter { !$0.hasPrefix("sweep") && !fixedKeys.contains($0) }
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        var resolved: SweepKeyPath?
        if parts.count == 2, parts[0] != "sweep", !parts[0].isEmpty, let section = ConfigSchema.section(parts[0]),
           let spec = section.key(parts[1]) {
            resolved = SweepKeyPath(path: path, section: parts[0], key: parts[1], spec: spec)
        } else if parts.count == 1, let spec = ConfigSchema.section("")?.key(path) {
            resolved = SweepKeyPath(path: path, section: "", key: path, spec: spec)
        }
        if fixedKeys.contains(path) || path.hasPrefix("sweep.") || path == "sweep" {
            problems.add(problemPath, "\(path) cannot be swept (the sweep sets the run names, folders and points itself)")
            return nil
        }
        guard let resolved else {
            problems.add(problemPath, "unknown key path \"\(path)\"", suggestion: NameSuggestion.closest(to: path, in: candidates))
            return nil
        }
        return resolved
    }

    /// `value` as the key takes it: a single number for a list key stands for a one-element list.
    func normalized(_ value: JSONValue) -> JSONValue {
        switch (spec.kind, value) {
        case (.integerList, .integer), (.integerList, .number), (.fractionList, .integer), (.fractionList, .number):
            return .array([value])
        default:
            return value
        }
    }

    /// Whether the key would apply to `tree`: a stage section the config lacks is not created, since
    /// that would run a stage the config does not ask for (the problem is recorded at `problemPath`).
    func checkApplies(to tree: [String: JSONValue], problemPath: String, problems: ConfigProblemCollector) {
        guard ConfigSchema.stageSections.contains(section), tree[section] == nil || tree[section] == .null else { return }
        problems.add(problemPath, "the config has no `\(section)` section, so \(path) would not apply; "
                     + "add \"\(section)\": {} to run that stage")
    }

    /// `tree` with `value` at this key path; the always-applying sections (`data`, `model`, `output`)
    /// and objects inside a section are created when absent.
    func setting(_ value: JSONValue, in tree: [String: JSONValue]) -> [String: JSONValue] {
        var tree = tree
        guard !section.isEmpty else {
            tree[key] = normalized(value)
            return tree
        }
        var sectionMembers: [String: JSONValue] = [:]
        switch tree[section] {
        case .object(let members)?: sectionMembers = members
        case nil, .null?: break
        default: return tree  // The base config's own problem, already reported.
        }
        tree[section] = .object(Self.set(normalized(value), at: key.split(separator: ".").map(String.init), in: sectionMembers))
        return tree
    }

    private static func set(_ value: JSONValue, at parts: [String], in members: [String: JSONValue]) -> [String: JSONValue] {
        var members = members
        guard let first = parts.first else { return members }
        if parts.count == 1 {
            members[first] = value
        } else {
            var inner: [String: JSONValue] = [:]
            if case .object(let existing)? = members[first] { inner = existing }
            members[first] = .object(set(value, at: Array(parts.dropFirst()), in: inner))
        }
        return members
    }
}
