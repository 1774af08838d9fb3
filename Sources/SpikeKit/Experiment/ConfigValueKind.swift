/// What a config key accepts: the JSON type and the range or names allowed. The same value drives
/// the check of a user's value (`ConfigReader`) and the "Type" column of the schema tables.
public enum ConfigValueKind: Sendable, Equatable {
    /// Any string.
    case string
    /// A file or folder path: absolute, relative, with `~`, `$VAR` or `${VAR}`.
    case path
    case boolean
    /// An integer at least `minimum` (1: "positive integer", 0: "non-negative integer").
    case integer(minimum: Int)
    /// A number in `range`. Integers are accepted.
    case number(NumberRange)
    /// One of the listed names, exactly as spelled.
    case choice([String])
    /// A non-empty list of integers, each at least `minimum`.
    case integerList(minimum: Int)
    /// A list, possibly empty, of strictly increasing fractions in (0, 1), such as LR milestones.
    case fractionList
    /// A non-empty list of numbers, each in the range (one per image channel, say).
    case numberList(NumberRange)
    /// An object whose keys are listed in the schema as `<key>.<child>`.
    case object
    /// Either one of the listed names or an object whose keys are listed as `<key>.<child>`.
    case nameOrObject([String])
    /// A list of objects (the explicit points of a sweep).
    case objectList

    /// How the kind reads in a message after "expected": "a positive integer", "a number in (0, 1]".
    public var expectation: String {
        switch self {
        case .string: return "a string"
        case .path: return "a path (a string)"
        case .boolean: return "true or false"
        case .integer(let minimum): return "a \(ConfigValueKind.integerName(minimum: minimum))"
        case .number(let range): return "a number \(range.phrase)".trimmingCharacters(in: .whitespaces)
        case .choice(let names): return "one of " + names.joined(separator: ", ")
        case .integerList(let minimum):
            return "a list of \(ConfigValueKind.integerName(minimum: minimum))s"
        case .fractionList: return "a list of increasing fractions in (0, 1)"
        case .numberList(let range): return "a list of numbers \(range.phrase)".trimmingCharacters(in: .whitespaces)
        case .object: return "an object"
        case .nameOrObject(let names): return "one of \(names.joined(separator: ", ")) or an object"
        case .objectList: return "a list of objects"
        }
    }

    /// The "Type" column of the schema table.
    public var typeColumn: String {
        switch self {
        case .string: return "string"
        case .path: return "path"
        case .boolean: return "boolean"
        case .integer(let minimum): return ConfigValueKind.integerName(minimum: minimum)
        case .number(let range): return "number \(range.phrase)".trimmingCharacters(in: .whitespaces)
        case .choice: return "name"
        case .integerList(let minimum): return "list of \(ConfigValueKind.integerName(minimum: minimum))s"
        case .fractionList: return "list of increasing fractions in (0, 1)"
        case .numberList(let range): return "list of numbers \(range.phrase)".trimmingCharacters(in: .whitespaces)
        case .object: return "object"
        case .nameOrObject: return "name or object"
        case .objectList: return "list of objects"
        }
    }

    /// The names a `choice` or `nameOrObject` key accepts, empty for other kinds.
    public var allowedNames: [String] {
        switch self {
        case .choice(let names), .nameOrObject(let names): return names
        default: return []
        }
    }

    static func integerName(minimum: Int) -> String {
        switch minimum {
        case 1: return "positive integer"
        case 0: return "non-negative integer"
        default: return "integer ≥ \(minimum)"
        }
    }
}

/// An interval of real numbers with open or closed ends, either of which may be unbounded.
public struct NumberRange: Sendable, Equatable {
    public var lower: Double?
    public var lowerInclusive: Bool
    public var upper: Double?
    public var upperInclusive: Bool

    public init(lower: Double? = nil, lowerInclusive: Bool = true, upper: Double? = nil, upperInclusive: Bool = true) {
        self.lower = lower
        self.lowerInclusive = lowerInclusive
        self.upper = upper
        self.upperInclusive = upperInclusive
    }

    /// Numbers > 0.
    public static let positive = NumberRange(lower: 0, lowerInclusive: false)
    /// Numbers ≥ 0.
    public static let nonNegative = NumberRange(lower: 0)
    /// Any finite number.
    public static let any = NumberRange()

    public func contains(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        if let lower, lowerInclusive ? value < lower : value <= lower { return false }
        if let upper, upperInclusive ? value > upper : value >= upper { return false }
        return true
    }

    /// "> 0", "≥ 0", "in (0, 1]", or "" when unbounded.
    public var phrase: String {
        switch (lower, upper) {
        case (nil, nil): return ""
        case (let lower?, nil): return (lowerInclusive ? "≥ " : "> ") + JSONValue.formatShort(lower)
        case (nil, let upper?): return (upperInclusive ? "≤ " : "< ") + JSONValue.formatShort(upper)
        case (let lower?, let upper?):
            return "in " + (lowerInclusive ? "[" : "(") + JSONValue.formatShort(lower) + ", "
                + JSONValue.formatShort(upper) + (upperInclusive ? "]" : ")")
        }
    }
}

extension JSONValue {
    /// A number for people: integral values without a trailing ".0" (`1` rather than `1.0`).
    static func formatShort(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return format(value)
    }
}
