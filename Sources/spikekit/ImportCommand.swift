import Foundation
import SpikeKit

/// `spikekit import --model ARCH --npy-dir DIR --out FILE`: NumPy weights to a SpikeKit checkpoint.
enum ImportCommand {
    static func run(_ command: ParsedCommand) throws {
        func required(_ name: String, _ value: String) throws -> String {
            guard let v = command.string(name) else {
                throw CommandLineUsageError("Missing value for '--\(name) <\(value)>'", path: command.path)
            }
            return v
        }
        let model = try required("model", "arch"), directory = try required("npy-dir", "dir"), out = try required("out", "file")
        let shapeText = command.string("input") ?? "1x28x28"
        let shape = shapeText.split(separator: "x").compactMap { Int($0) }
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
            throw CommandLineUsageError("Invalid value for '--input <shape>': expected e.g. 3x32x32, got '\(shapeText)'", path: command.path)
        }
        let spec = try Architectures.spec(named: model, inputShape: shape, classes: command.integer("classes") ?? 10)
        let network = try WeightImporter.importNPY(architecture: spec, inputShape: shape,
                                                   directory: URL(fileURLWithPath: directory),
                                                   mapping: command.string("mapping").map { URL(fileURLWithPath: $0) })
        try NetworkCheckpoint.save(network, to: URL(fileURLWithPath: out), metadata: ["source": "import from \(directory)"])
        try Output.result("\(out): \(spec.name), \(network.parameterCount) parameters\n")
    }
}
