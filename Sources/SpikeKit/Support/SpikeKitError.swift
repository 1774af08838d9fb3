/// Every failure SpikeKit reports to a user, with the information needed to fix it.
///
/// Each case's `description` is a one-line message that names what failed (a file and byte offset,
/// a config key path, a layer, an argument). The CLI maps `usage` and `config` to exit status 64
/// (EX_USAGE) and everything else to 1.
public enum SpikeKitError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A command-line mistake: unknown option, missing value, bad argument.
    case usage(String)
    /// One or more problems in an experiment config, each with its key path.
    case config([ConfigProblem])
    /// A malformed data file. `offset` is the byte offset (in the decompressed stream for `.gz`
    /// files) where the problem was found, when one applies.
    case dataFile(path: String, offset: Int?, reason: String)
    /// A file that could not be read or written.
    case io(path: String, reason: String)
    /// A checkpoint or weight file that cannot be used (bad header, shape mismatch, missing tensor).
    case checkpoint(path: String, reason: String)
    /// A network that cannot be built, converted or run as asked; `layer` names the culprit.
    case model(layer: String?, reason: String)
    /// A non-finite value (NaN or infinity) found in training or simulation.
    case numerical(String)
    /// Anything else that stops a run.
    case runtime(String)

    public var description: String {
        switch self {
        case .usage(let message): return message
        case .config(let problems):
            if problems.count == 1 { return "config: \(problems[0])" }
            return "config has \(problems.count) problems:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        case .dataFile(let path, let offset, let reason):
            if let offset { return "\(path): \(reason) (at byte offset \(offset))" }
            return "\(path): \(reason)"
        case .io(let path, let reason): return "\(path): \(reason)"
        case .checkpoint(let path, let reason): return "checkpoint \(path): \(reason)"
        case .model(let layer, let reason):
            if let layer { return "layer '\(layer)': \(reason)" }
            return reason
        case .numerical(let message): return "numerical error: \(message)"
        case .runtime(let message): return message
        }
    }

    /// The process exit status for this error: 64 for usage and config errors, 1 otherwise.
    public var exitCode: Int32 {
        switch self {
        case .usage, .config: return 64
        default: return 1
        }
    }
}

/// One problem found while validating a config: where (a dotted key path such as
/// `simulation.timeSteps[2]`) and what is wrong, with an optional suggestion.
public struct ConfigProblem: CustomStringConvertible, Equatable, Sendable {
    public var keyPath: String
    public var message: String
    public var suggestion: String?

    public init(keyPath: String, message: String, suggestion: String? = nil) {
        self.keyPath = keyPath
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        var text = "\(keyPath.isEmpty ? "(top level)" : keyPath): \(message)"
        if let suggestion { text += "; did you mean `\(suggestion)`?" }
        return text
    }
}
