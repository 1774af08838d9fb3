import Foundation

/// Gathers every problem found in one config, so a user sees them all at once.
final class ConfigProblemCollector {
    private(set) var problems: [ConfigProblem] = []

    func add(_ keyPath: String, _ message: String, suggestion: String? = nil) {
        problems.append(ConfigProblem(keyPath: keyPath, message: message, suggestion: suggestion))
    }
}

/// Reads one JSON object of a config (a section, or an object inside one) against `ConfigSchema`.
///
/// Every accessor returns a usable value even when the user's value is wrong (the schema's default),
/// after recording a problem with the value's key path, so that reading continues and all problems
/// are collected in one pass. Defaults and allowed ranges come from the schema, never from here.
struct ConfigReader {
    let section: ConfigSectionSpec
    /// The key path of this object as a user writes it: "training", "training.schedule", or "".
    let path: String
    /// This object's key within its section's schema: "" for the section, "schedule" for an object key.
    let parent: String
    let members: [String: JSONValue]
    let problems: ConfigProblemCollector
    let environment: [String: String]
    let baseDirectory: URL

    /// A reader of `value` (absent or null reads as an empty object) for section `sectionName`.
    init(section sectionName: String, value: JSONValue?, problems: ConfigProblemCollector,
         environment: [String: String], baseDirectory: URL) {
        guard let section = ConfigSchema.section(sectionName) else {
            preconditionFailure("config section '\(sectionName)' is not in ConfigSchema.sections")
        }
        self.init(section: section, path: sectionName, parent: "", value: value, problems: problems,
                  environment: environment, baseDirectory: baseDirectory)
    }

    private init(section: ConfigSectionSpec, path: String, parent: String, value: JSONValue?,
                 problems: ConfigProblemCollector, environment: [String: String], baseDirectory: URL) {
        self.section = section
        self.path = path
        self.parent = parent
        self.problems = problems
        self.environment = environment
        self.baseDirectory = baseDirectory
        switch value {
        case .object(let members)?: self.members = members
        case nil, .null?: self.members = [:]
        case let other?:
            problems.add(path, "expected an object, got \(other.shortDescription)")
            self.members = [:]
        }
    }

    /// A reader of an absent section: every accessor returns the schema's default. Used by the
    /// sections' `init()`, so their defaults come from the schema too.
    static func defaults(of section: String) -> ConfigReader {
        ConfigReader(section: section, value: nil, problems: ConfigProblemCollector(), environment: [:],
                     baseDirectory: URL(fileURLWithPath: "/"))
    }

    /// A reader for the object-valued key `key` (such as `schedule`).
    func object(_ key: String) -> ConfigReader {
        ConfigReader(section: section, path: keyPath(key), parent: schemaKey(key), value: members[key],
                     problems: problems, environment: environment, baseDirectory: baseDirectory)
    }

    /// Whether `key` is given (null counts as not given).
    func isPresent(_ key: String) -> Bool {
        if let value = members[key], value != .null { return true }
        return false
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func schemaKey(_ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }

    private func spec(_ key: String) -> ConfigKeySpec { ConfigSchema.spec(section.name, schemaKey(key)) }

    /// The user's value, or the schema default (nil for optional keys without one).
    private func valueOrDefault(_ key: String) -> (value: JSONValue?, isDefault: Bool) {
        if let value = members[key], value != .null { return (value, false) }
        return (spec(key).defaultValue, true)
    }

    // MARK: Unknown keys

    /// Records a problem for every key of this object that the schema does not know, with the closest
    /// known key as the suggestion (or the same key in another section, when it exists there).
    /// `extraKeys` are valid names not described by this object's schema rows (the top level's sections).
    func checkUnknownKeys(extraKeys: [String] = []) {
        let known = section.keys(under: parent).map { String($0.key.dropFirst(parent.isEmpty ? 0 : parent.count + 1)) } + extraKeys
        for key in members.keys.sorted() where !known.contains(key) {
            var suggestion = NameSuggestion.closest(to: key, in: known).map(keyPath)
            if suggestion == nil {
                // The right key in the wrong section: `training.timeSteps` → `simulation.timeSteps`.
                suggestion = ConfigSchema.allKeyPaths.first { candidate in
                    candidate.split(separator: ".").last.map { $0.lowercased() == key.lowercased() } ?? false
                }
            }
            problems.add(keyPath(key), "unknown key", suggestion: suggestion)
        }
    }

    // MARK: Scalars

    func integer(_ key: String) -> Int {
        guard let value = optionalInteger(key) ?? defaultInteger(key) else { return 0 }
        return value
    }

    func optionalInteger(_ key: String) -> Int? {
        let (value, _) = valueOrDefault(key)
        guard let value else { return nil }
        guard case .integer(let minimum) = spec(key).kind else { preconditionFailure("\(keyPath(key)) is not an integer key") }
        return checkedInteger(value, minimum: minimum, at: keyPath(key), kind: spec(key).kind)
    }

    private func defaultInteger(_ key: String) -> Int? {
        if case .integer(let value)? = spec(key).defaultValue { return value }
        return nil
    }

    private func checkedInteger(_ value: JSONValue, minimum: Int, at keyPath: String, kind: ConfigValueKind) -> Int? {
        let integer: Int?
        switch value {
        case .integer(let exact): integer = exact
        // 10.0 is accepted as 10; 2.5 is not an integer.
        case .number(let number) where number == number.rounded() && abs(number) < 9e15: integer = Int(number)
        default: integer = nil
        }
        guard let integer, integer >= minimum else {
            problems.add(keyPath, "expected \(ConfigValueKind.integer(minimum: minimum).expectation), got \(value.shortDescription)")
            return nil
        }
        return integer
    }

    func number(_ key: String) -> Double {
        if let value = optionalNumber(key) { return value }
        if let fallback = spec(key).defaultValue, let number = ConfigReader.numeric(fallback) { return number }
        return 0
    }

    func optionalNumber(_ key: String) -> Double? {
        let (value, _) = valueOrDefault(key)
        guard let value else { return nil }
        guard case .number(let range) = spec(key).kind else { preconditionFailure("\(keyPath(key)) is not a number key") }
        guard let number = ConfigReader.numeric(value), range.contains(number) else {
            problems.add(keyPath(key), "expected \(spec(key).kind.expectation), got \(value.shortDescription)")
            return nil
        }
        return number
    }

    static func numeric(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let integer): return Double(integer)
        case .number(let number): return number
        default: return nil
        }
    }

    func bool(_ key: String) -> Bool {
        let (value, _) = valueOrDefault(key)
        if case .bool(let flag)? = value { return flag }
        if let value { problems.add(keyPath(key), "expected true or false, got \(value.shortDescription)") }
        if case .bool(let flag)? = spec(key).defaultValue { return flag }
        return false
    }

    func string(_ key: String) -> String {
        if let text = optionalString(key) { return text }
        if case .string(let text)? = spec(key).defaultValue { return text }
        return ""
    }

    func optionalString(_ key: String) -> String? {
        let (value, _) = valueOrDefault(key)
        guard let value else { return nil }
        guard case .string(let text) = value else {
            problems.add(keyPath(key), "expected a string, got \(value.shortDescription)")
            return nil
        }
        return text
    }

    /// A name from the key's `choice` list, as the enum whose raw values are those names.
    func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, as type: Choice.Type = Choice.self) -> Choice
    where Choice.RawValue == String {
        if let chosen = optionalChoice(key, as: type) { return chosen }
        if case .string(let name)? = spec(key).defaultValue, let chosen = Choice(rawValue: name) { return chosen }
        guard let first = Choice.allCases.first else { preconditionFailure("\(Choice.self) has no cases") }
        return first
    }

    func optionalChoice<Choice: RawRepresentable & CaseIterable>(_ key: String, as type: Choice.Type = Choice.self) -> Choice?
    where Choice.RawValue == String {
        let (value, _) = valueOrDefault(key)
        guard let value else { return nil }
        guard let name = checkedName(value, key: key, names: spec(key).kind.allowedNames) else { return nil }
        guard let chosen = Choice(rawValue: name) else {
            preconditionFailure("\(Choice.self) has no case for '\(name)' listed in the schema of \(keyPath(key))")
        }
        return chosen
    }

    /// `value` if it is one of `names`; otherwise records "unknown <key> ..." with the closest name.
    func checkedName(_ value: JSONValue, key: String, names: [String]) -> String? {
        guard case .string(let name) = value else {
            problems.add(keyPath(key), "expected one of \(names.joined(separator: ", ")), got \(value.shortDescription)")
            return nil
        }
        guard names.contains(name) else {
            let noun = key.split(separator: ".").last.map(String.init) ?? key
            problems.add(keyPath(key), "unknown \(noun) \"\(name)\"; expected one of \(names.joined(separator: ", "))",
                         suggestion: NameSuggestion.closest(to: name, in: names))
            return nil
        }
        return name
    }

    /// The user's value of a `choice` key exactly as given, without the default (for keys whose
    /// default depends on other keys).
    func raw(_ key: String) -> JSONValue? {
        if let value = members[key], value != .null { return value }
        return nil
    }

    // MARK: Lists

    /// A non-empty list of integers, each checked at its own path (`simulation.timeSteps[2]`).
    /// A `numberList` key's values; nil when absent (or wrong, with the problem recorded).
    func optionalNumberList(_ key: String) -> [Double]? {
        guard case .numberList(let range) = spec(key).kind else { preconditionFailure("\(keyPath(key)) is not a number list") }
        guard let value = raw(key) else { return nil }
        guard case .array(let elements) = value, !elements.isEmpty else {
            let hint = ConfigReader.numeric(value) != nil ? " (write [\(value.shortDescription)] for a single value)" : ""
            problems.add(keyPath(key), "expected \(spec(key).kind.expectation), got \(value.shortDescription)\(hint)")
            return nil
        }
        var result: [Double] = []
        for (index, element) in elements.enumerated() {
            guard let number = ConfigReader.numeric(element), range.contains(number) else {
                problems.add("\(keyPath(key))[\(index)]", "expected a number \(range.phrase), got \(element.shortDescription)")
                continue
            }
            result.append(number)
        }
        return result.count == elements.count ? result : nil
    }

    func integerList(_ key: String) -> [Int] {
        let fallback: [Int]
        if case .array(let values)? = spec(key).defaultValue {
            fallback = values.compactMap { if case .integer(let v) = $0 { return v } else { return nil } }
        } else {
            fallback = []
        }
        guard case .integerList(let minimum) = spec(key).kind else { preconditionFailure("\(keyPath(key)) is not an integer list") }
        guard let value = raw(key) else { return fallback }
        guard case .array(let elements) = value else {
            // A single number is a common slip for a one-element list.
            let hint = ConfigReader.numeric(value) != nil ? " (write [\(value.shortDescription)] for a single value)" : ""
            problems.add(keyPath(key), "expected \(spec(key).kind.expectation), got \(value.shortDescription)\(hint)")
            return fallback
        }
        guard !elements.isEmpty else {
            problems.add(keyPath(key), "expected at least one value, got an empty list")
            return fallback
        }
        var result: [Int] = []
        for (index, element) in elements.enumerated() {
            if let integer = checkedInteger(element, minimum: minimum, at: "\(keyPath(key))[\(index)]", kind: spec(key).kind) {
                result.append(integer)
            }
        }
        return result.count == elements.count ? result : fallback
    }

    /// A possibly empty list of strictly increasing fractions in (0, 1).
    func fractionList(_ key: String) -> [Double] {
        let fallback: [Double] = {
            if case .array(let values)? = spec(key).defaultValue { return values.compactMap(ConfigReader.numeric) }
            return []
        }()
        guard let value = raw(key) else { return fallback }
        guard case .array(let elements) = value else {
            problems.add(keyPath(key), "expected \(spec(key).kind.expectation), got \(value.shortDescription)")
            return fallback
        }
        var result: [Double] = []
        var valid = true
        for (index, element) in elements.enumerated() {
            let elementPath = "\(keyPath(key))[\(index)]"
            guard let fraction = ConfigReader.numeric(element), fraction > 0, fraction < 1 else {
                problems.add(elementPath, "expected a fraction in (0, 1), got \(element.shortDescription)")
                valid = false
                continue
            }
            if let previous = result.last, fraction <= previous {
                problems.add(elementPath, "milestones must increase, but \(JSONValue.formatShort(fraction)) follows \(JSONValue.formatShort(previous))")
                valid = false
            }
            result.append(fraction)
        }
        return valid ? result : fallback
    }

    // MARK: Paths

    /// The path given for `key`, with variables expanded and, when `relativeToBase`, made absolute
    /// against the config's folder. Nil when the key is absent and has no default.
    func path(_ key: String, relativeToBase: Bool) -> String? {
        let (value, _) = valueOrDefault(key)
        guard let value else { return nil }
        guard case .string(let text) = value else {
            problems.add(keyPath(key), "expected a path (a string), got \(value.shortDescription)")
            return nil
        }
        switch ConfigPath.resolve(text, base: relativeToBase ? baseDirectory : nil, environment: environment) {
        case .success(let resolved): return resolved
        case .failure(let failure):
            problems.add(keyPath(key), ConfigPath.message(for: failure, in: text))
            return nil
        }
    }
}
