/// One command of the `spikekit` tool, declared once: its parser reads arguments from this
/// declaration and its `--help` is rendered from it, so the two cannot disagree.
public struct CommandSpec: Sendable {
    public var name: String
    /// One sentence: what the command does.
    public var abstract: String
    /// Optional paragraphs after the overview.
    public var discussion: String?
    /// Positional arguments, in order; all required.
    public var arguments: [ArgumentSpec]
    public var options: [OptionSpec]
    public var subcommands: [CommandSpec]
    /// Whether the command groups subcommands: run without one, it shows its help, which lists them.
    public var isGroup: Bool

    /// `isGroup` defaults to "has subcommands and no arguments".
    public init(name: String, abstract: String, discussion: String? = nil, arguments: [ArgumentSpec] = [],
                options: [OptionSpec] = [], subcommands: [CommandSpec] = [], isGroup: Bool? = nil) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.arguments = arguments
        self.options = options
        self.subcommands = subcommands
        self.isGroup = isGroup ?? (!subcommands.isEmpty && arguments.isEmpty)
    }

    public func subcommand(_ name: String) -> CommandSpec? { subcommands.first { $0.name == name } }

    public func option(_ name: String) -> OptionSpec? { options.first { $0.name == name } }
}

/// A required positional argument, such as `CONFIG`.
public struct ArgumentSpec: Sendable {
    /// The name shown in usage and messages ("CONFIG").
    public var name: String
    public var help: String

    public init(name: String, help: String) {
        self.name = name
        self.help = help
    }
}

/// A `--name` option: a flag, or one that takes a value (`--output <dir>`).
public struct OptionSpec: Sendable {
    /// What a value must be; checked while parsing, so commands receive valid values.
    public enum ValueKind: Sendable, Equatable {
        case string
        case integer(minimum: Int)
    }

    /// The name without dashes ("output").
    public var name: String
    /// The value's placeholder ("dir"); nil for a flag.
    public var valueName: String?
    public var valueKind: ValueKind
    /// What happens when the option is not given, for `--help`.
    public var defaultText: String?
    public var help: String

    /// A flag such as `--resume`.
    public static func flag(_ name: String, help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, valueKind: .string, defaultText: nil, help: help)
    }

    /// An option with a value such as `--output <dir>`.
    public static func value(_ name: String, _ valueName: String, kind: ValueKind = .string, default defaultText: String? = nil,
                             help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, valueKind: kind, defaultText: defaultText, help: help)
    }

    public var isFlag: Bool { valueName == nil }

    /// "--output <dir>" or "--resume": how the option is named in usage and messages.
    public var synopsis: String { "--\(name)" + (valueName.map { " <\($0)>" } ?? "") }
}

extension CommandSpec {
    /// The text `--help` prints, after swift-argument-parser's layout: OVERVIEW, USAGE, ARGUMENTS,
    /// OPTIONS, SUBCOMMANDS. `path` is the command's full name ("spikekit bench gemm").
    public func helpText(path: [String]) -> String {
        let commandName = path.joined(separator: " ")
        var out = "OVERVIEW: " + CommandSpec.wrap(abstract, width: CommandSpec.width, indent: 10).dropFirst(10) + "\n\n"
        if let discussion { out += CommandSpec.wrap(discussion, width: CommandSpec.width, indent: 0) + "\n\n" }
        out += "USAGE: \(wrappedUsage(path: path, width: CommandSpec.width))\n"

        let column = 26
        func row(_ left: String, _ right: String) -> String {
            let label = "  " + left
            let text = CommandSpec.wrap(right, width: CommandSpec.width, indent: column)
            if label.count >= column - 1 { return label + "\n" + text + "\n" }
            return label.padding(toLength: column, withPad: " ", startingAt: 0) + text.dropFirst(column) + "\n"
        }
        if !arguments.isEmpty {
            out += "\nARGUMENTS:\n"
            for argument in arguments { out += row(argument.name, argument.help) }
        }
        out += "\nOPTIONS:\n"
        for option in options {
            var text = option.help
            if let defaultText = option.defaultText { text += " (default: \(defaultText))" }
            out += row(option.synopsis, text)
        }
        out += row("-h, --help", "Show help information.")
        if isGroup {
            out += "\nSUBCOMMANDS:\n"
            if subcommands.isEmpty { out += "  (none in this build)\n" }
            for subcommand in subcommands { out += row(subcommand.name, subcommand.abstract) }
            out += "\n  See '\(commandName) <subcommand> --help' for detailed help.\n"
        }
        return out
    }

    /// Help is laid out for an 80-column terminal.
    static let width = 80

    /// `text` broken into lines of at most `width` columns (a longer word stays whole), every line
    /// indented by `indent` spaces.
    static func wrap(_ text: String, width: Int, indent: Int) -> String {
        if text.contains("\n") {
            return text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { wrap(String($0), width: width, indent: indent) }.joined(separator: "\n")
        }
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if !line.isEmpty && indent + line.count + 1 + word.count > width {
                lines.append(margin + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        lines.append(margin + line)
        return lines.joined(separator: "\n")
    }

    /// "spikekit run CONFIG [--output <dir>] [--threads <n>] [--resume] [--quiet]".
    public func usage(path: [String]) -> String {
        usageParts(path: path).joined(separator: " ")
    }

    func usageParts(path: [String]) -> [String] {
        var parts = [path.joined(separator: " ")]
        if isGroup { parts.append("<subcommand>") }
        parts += arguments.map(\.name)
        parts += options.map { "[\($0.synopsis)]" }
        return parts
    }

    /// The usage line wrapped at `width` between its parts, continuation lines indented under the
    /// command name (after "USAGE: ").
    func wrappedUsage(path: [String], width: Int) -> String {
        var lines: [String] = []
        var line = ""
        for part in usageParts(path: path) {
            if !line.isEmpty && 7 + line.count + 1 + part.count > width {
                lines.append(line)
                line = "      "
            }
            line += (line.isEmpty || line.allSatisfy { $0 == " " } ? "" : " ") + part
        }
        lines.append(line)
        return lines.joined(separator: "\n ")
    }
}
