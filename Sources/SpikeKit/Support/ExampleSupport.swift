import Foundation

/// What the example scripts under `Examples/` share: their two command-line options and the way
/// they end. Each example accepts `--target-accuracy X` (a fraction, or a percentage above 1) and
/// exits with status 1 when the accuracy it measures misses it, so CI can run the fast ones as
/// accuracy tests; `--quick` makes a longer example do less.
public struct ExampleOptions: Sendable {
    public var targetAccuracy: Double?
    public var quick: Bool
    public var values: [String: String]

    /// Parses `arguments` (without the program name); unknown options are reported and end the
    /// program with status 64.
    public init(_ arguments: [String] = Array(CommandLine.arguments.dropFirst()), valueOptions: [String] = []) {
        targetAccuracy = nil
        quick = false
        values = [:]
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--target-accuracy":
                guard let text = rest.popFirst(), let value = Double(text), value > 0 else {
                    ExampleOptions.fail("--target-accuracy needs a number, e.g. 0.8 or 80")
                }
                targetAccuracy = value > 1 ? value / 100 : value
            case "--quick":
                quick = true
            case let option where option.hasPrefix("--") && valueOptions.contains(String(option.dropFirst(2))):
                guard let value = rest.popFirst() else { ExampleOptions.fail("\(option) needs a value") }
                values[String(option.dropFirst(2))] = value
            default:
                ExampleOptions.fail("unknown argument '\(argument)'; options: --target-accuracy X, --quick"
                                    + valueOptions.map { ", --\($0) VALUE" }.joined())
            }
        }
    }

    static func fail(_ message: String) -> Never {
        try? FileHandle.standardError.write(contentsOf: Data("error: \(message)\n".utf8))
        exit(64)
    }

    /// Ends the example: checks `accuracy` against the target and exits 0 or 1.
    public func finish(accuracy: Double, what: String) -> Never {
        if let target = targetAccuracy {
            if accuracy + 1e-12 < target {
                print(String(format: "FAILED: %@ %.2f %% is below the target %.2f %%", what, accuracy * 100, target * 100))
                exit(1)
            }
            print(String(format: "OK: %@ %.2f %% meets the target %.2f %%", what, accuracy * 100, target * 100))
        }
        exit(0)
    }

    /// Runs `body`, turning any error into a message and exit status 1.
    public static func run(_ body: () throws -> Never) -> Never {
        do {
            try body()
        } catch {
            try? FileHandle.standardError.write(contentsOf: Data("error: \(error)\n".utf8))
            exit(1)
        }
    }
}
