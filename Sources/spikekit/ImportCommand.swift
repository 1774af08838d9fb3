import Foundation
import SpikeKit

/// `spikekit import`: weights trained elsewhere (a PyTorch `state_dict` by name, or `.npy` files in
/// order) into a SpikeKit checkpoint, optionally checked against the other framework's outputs.
enum ImportCommand {
    static func run(_ command: ParsedCommand) throws {
        func usage(_ message: String) -> CommandLineUsageError { CommandLineUsageError(message, path: command.path) }
        guard let out = command.string("out") else { throw usage("Missing value for '--out <file>'") }
        let stateDict = command.string("state-dict"), npyDirectory = command.string("npy-dir")
        guard (stateDict == nil) != (npyDirectory == nil) else {
            throw usage("Give exactly one of '--state-dict <path>' (tensors by name) and '--npy-dir <dir>' (files in order)")
        }
        guard (command.string("model") == nil) != (command.string("config") == nil) else {
            throw usage("Give exactly one of '--model <arch>' and '--config <file>' to say which network the weights belong to")
        }

        // The network: a built-in architecture for --input/--classes, or a config's model section.
        let spec: ArchitectureSpec, inputShape: [Int]
        var mapping: [String: String] = [:]
        if let configPath = command.string("config") {
            let (config, _) = try ConfigFileError.loadConfig(configPath, command: command)
            let data = try config.data.load(seed: UInt64(bitPattern: Int64(config.seed)))
            inputShape = data.test.sampleShape
            spec = try config.model.spec(inputShape: inputShape, classes: data.test.classCount, dropout: nil)
            mapping = config.model.mapping
        } else {
            let shapeText = command.string("input") ?? "1x28x28"
            let shape = shapeText.split(separator: "x").compactMap { Int($0) }
            guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
                throw usage("Invalid value for '--input <shape>': expected e.g. 3x32x32, got '\(shapeText)'")
            }
            inputShape = shape
            spec = try Architectures.spec(named: command.string("model") ?? "", inputShape: shape, classes: command.integer("classes") ?? 10)
        }
        let mappingFile = command.string("mapping").map { URL(fileURLWithPath: $0) }

        let network: Network
        if let stateDict {
            if let mappingFile { mapping.merge(try WeightImporter.readMapping(mappingFile)) { _, file in file } }
            network = try StateDictImporter.network(at: URL(fileURLWithPath: stateDict), spec: { spec },
                                                    inputShape: inputShape, mapping: mapping).network
        } else {
            network = try WeightImporter.importNPY(architecture: spec, inputShape: inputShape,
                                                   directory: URL(fileURLWithPath: npyDirectory ?? ""), mapping: mappingFile)
        }
        let source = stateDict ?? npyDirectory ?? ""
        try Output.result("\(source): \(spec.name), \(network.parameterCount) parameters\n")
        if let check = try check(network, command: command) {
            try Output.result("check against \(command.string("check-outputs") ?? ""):\n\(check.summary)\n")
            if let diverging = check.firstDivergence {
                let hint = diverging.layer == "output" && command.string("check-layers") == nil
                    ? "; give --check-layers with each layer's outputs to find where they first diverge" : ""
                throw SpikeKitError.runtime(String(
                    format: "the imported network does not reproduce the given outputs: the first difference beyond %g is at %@ (max |Δ| %.3g, %.3g relative)%@; nothing was written",
                    check.tolerance, diverging.layer == "output" ? "the output" : "layer '\(diverging.layer)'",
                    diverging.maximumDifference, diverging.relativeDifference, hint))
            }
        }
        try NetworkCheckpoint.save(network, to: URL(fileURLWithPath: out), metadata: ["source": "import from \(source)"])
        try Output.result("wrote \(out)\n")
    }

    /// The check of `--check-inputs`/`--check-outputs` (nil when neither is given).
    private static func check(_ network: Network, command: ParsedCommand) throws -> ImportCheck? {
        let inputs = command.string("check-inputs"), outputs = command.string("check-outputs")
        guard inputs != nil || outputs != nil else { return nil }
        guard let inputs, let outputs else {
            throw CommandLineUsageError("Give both '--check-inputs <npy>' and '--check-outputs <npy>'", path: command.path)
        }
        let toleranceText = command.string("check-tolerance") ?? "1e-4"
        guard let tolerance = Float(toleranceText), tolerance >= 0, tolerance.isFinite else {
            throw CommandLineUsageError("Invalid value for '--check-tolerance <x>': expected a non-negative number, got '\(toleranceText)'",
                                        path: command.path)
        }
        var layers: [String: Tensor] = [:]
        if let folder = command.string("check-layers") {
            layers = try StateDictImporter.readTensors(at: URL(fileURLWithPath: folder))
        }
        return try ImportCheck.run(network: network, inputs: try NumPy.read(from: URL(fileURLWithPath: inputs)),
                                   outputs: try NumPy.read(from: URL(fileURLWithPath: outputs)),
                                   layerOutputs: layers, tolerance: tolerance)
    }
}
