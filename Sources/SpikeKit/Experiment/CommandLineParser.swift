/// A command line read against its `CommandSpec`: which command, and its arguments, option values
/// and flags, all already checked.
public struct ParsedCommand: Sendable {
    /// The command's full name, root first: ["spikekit", "bench", "gemm"].
    public var path: [String]
    public var spec: CommandSpec
    /// Positional arguments by their `ArgumentSpec.name`.
    public var arguments: [String: String]
    /// Option values by option name (without dashes); the last one given wins.
    public var values: [String: String]
    /// Flags given, by name.
    public var flags: Set<String>

    public func argument(_ name: String) -> String? { arguments[name] }
    public func string(_ option: String) -> String? { values[option] }
    /// An integer option's value (checked while parsing), or nil if it was not given.
    public func integer(_ option: String) -> Int? { values[option].flatMap { Int($0) } }
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The command's name after the root: "run", "bench gemm".
    public var commandName: String { path.dropFirst().joined(separator: " ") }
}

/// What the user asked for.
public enum CommandLineRequest: Sendable {
    /// Run a command.
    case command(ParsedCommand)
    /// Show the help of the command at `path`.
    case help(CommandSpec, path: [String])
    /// Show the version.
    case version
}

/// A mistake on the command line: the message (in swift-argument-parser's words) and the command it
/// concerns, so the tool can point at that command's `--help`. Exit status 64.
public struct CommandLineUsageError: Error, Equatable, CustomStringConvertible, Sendable {
    public var message: String
    /// The command's full name, root first.
    public var path: [String]

    public init(_ message: String, path: [String]) {
        self.message = message
        self.path = path
    }

    public var description: String { message }
    /// "See 'spikekit run --help'."
    public var helpHint: String { "See '\(path.joined(separator: " ")) --help'." }
    public var exitCode: Int32 { 64 }
}

/// Reads a command line (without the program name) against a tree of `CommandSpec`s.
///
/// Accepted: subcommand names first; then, in any order, `--name value`, `--name=value`, flags, and
/// positional arguments; `--` ends options. `-h` / `--help` anywhere before `--` asks for the help of
/// the command named so far; `--version` is the root's. Errors name the argument and suggest the
/// closest valid spelling: "Unknown option '--step'. Did you mean '--steps'?",
/// "Missing value for '--output <dir>'", "Missing argument CONFIG".
public enum CommandLineParser {
    public static func parse(_ arguments: [String], root: CommandSpec) throws -> CommandLineRequest {
        let end = arguments.firstIndex(of: "--") ?? arguments.count
        let wantsHelp = arguments[..<end].contains { $0 == "--help" || $0 == "-h" }
        var tokens = arguments[..<end].filter { $0 != "--help" && $0 != "-h" } + arguments[end...]

        var spec = root
        var path = [root.name]
        while let first = tokens.first, !first.hasPrefix("-"), let subcommand = spec.subcommand(first) {
            spec = subcommand
            path.append(first)
            tokens.removeFirst()
        }
        if wantsHelp { return .help(spec, path: path) }
        if spec.isGroup {
            if let first = tokens.first, !first.hasPrefix("-") {
                let names = spec.subcommands.map(\.name)
                var message = "Unknown command '\(first)'."
                if let suggestion = NameSuggestion.closest(to: first, in: names) {
                    message += " Did you mean '\(suggestion)'?"
                } else if names.isEmpty {
                    message += " '\(path.joined(separator: " "))' has no subcommands in this build."
                } else {
                    message += " Expected one of: \(names.joined(separator: ", "))."
                }
                throw CommandLineUsageError(message, path: path)
            }
            // A group's own options (the root's --version) are still checked, so typos are reported.
            let parsed = try parseCommand(tokens, spec: spec, path: path)
            return parsed.flag("version") ? .version : .help(spec, path: path)
        }
        return .command(try parseCommand(tokens, spec: spec, path: path))
    }

    private static func parseCommand(_ tokens: [String], spec: CommandSpec, path: [String]) throws -> ParsedCommand {
        var parsed = ParsedCommand(path: path, spec: spec, arguments: [:], values: [:], flags: [])
        var positional: [String] = []
        var index = 0
        var optionsEnded = false
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            if optionsEnded || !token.hasPrefix("-") || token == "-" {
                positional.append(token)
                continue
            }
            if token == "--" { optionsEnded = true; continue }
            guard token.hasPrefix("--") else {
                throw CommandLineUsageError("Unknown option '\(token)'." + suggestion(for: token, in: spec), path: path)
            }
            let body = token.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let inline = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
            guard let option = spec.option(name) else {
                throw CommandLineUsageError("Unknown option '--\(name)'." + suggestion(for: "--\(name)", in: spec), path: path)
            }
            if option.isFlag {
                if inline != nil { throw CommandLineUsageError("The flag '--\(name)' does not take a value.", path: path) }
                parsed.flags.insert(name)
                continue
            }
            let value: String
            if let inline {
                value = inline
            } else if index < tokens.count, !tokens[index].hasPrefix("--") {
                value = tokens[index]
                index += 1
            } else {
                throw CommandLineUsageError("Missing value for '\(option.synopsis)'", path: path)
            }
            try check(value, for: option, path: path)
            parsed.values[name] = value
        }
        for (position, argument) in spec.arguments.enumerated() {
            guard position < positional.count else {
                throw CommandLineUsageError("Missing argument \(argument.name)", path: path)
            }
            parsed.arguments[argument.name] = positional[position]
        }
        if positional.count > spec.arguments.count {
            throw CommandLineUsageError("Unexpected argument '\(positional[spec.arguments.count])'", path: path)
        }
        return parsed
    }

    private static func check(_ value: String, for option: OptionSpec, path: [String]) throws {
        switch option.valueKind {
        case .string:
            if value.isEmpty { throw CommandLineUsageError("Missing value for '\(option.synopsis)'", path: path) }
        case .integer(let minimum):
            guard let number = Int(value), number >= minimum else {
                let expected = ConfigValueKind.integer(minimum: minimum).expectation
                throw CommandLineUsageError("The value '\(value)' is invalid for '\(option.synopsis)': expected \(expected)", path: path)
            }
        }
    }

    private static func suggestion(for token: String, in spec: CommandSpec) -> String {
        let names = spec.options.map { "--\($0.name)" } + ["--help"]
        guard let closest = NameSuggestion.closest(to: token, in: names) else { return "" }
        return " Did you mean '\(closest)'?"
    }
}
