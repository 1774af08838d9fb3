/// The declarations of the `spikekit` command-line tool: every command, argument and option, with
/// the text of its `--help`. The tool parses its arguments against `root()`.
public enum SpikeKitCommands {
    public static let run = CommandSpec(
        name: "run",
        abstract: "Run an experiment: train, convert, simulate, fine-tune and estimate energy as its config says.",
        discussion: """
            Results go into a new folder <output.directory>/<name>-<yyyyMMdd-HHmmss>/ (or --output): \
            report.json, config.effective.json and the saved networks. The results table is printed \
            on standard output; progress goes to standard error.
            """,
        arguments: [ArgumentSpec(name: "CONFIG", help: "The experiment config (JSON); see Configs/README.md.")],
        options: [
            .value("output", "dir", default: "<output.directory>/<name>-<yyyyMMdd-HHmmss>",
                   help: "Folder for this run's results, used as is."),
            .value("threads", "n", kind: .integer(minimum: 0), default: "simulation.threads, else all cores",
                   help: "Worker threads; 0 = all cores. Results do not depend on it."),
            .flag("resume", help: "Continue an interrupted run (in --output, or the latest run of this config), reusing the stages it finished."),
            .flag("quiet", help: "Print no progress on standard error."),
        ])

    public static let validate = CommandSpec(
        name: "validate",
        abstract: "Check a config and show what it would run.",
        discussion: "Prints 'CONFIG is valid' and a summary of the stages, or every problem with its key path (exit status 64).",
        arguments: [ArgumentSpec(name: "CONFIG", help: "The experiment config (JSON) to check.")])

    public static let config = CommandSpec(
        name: "config",
        abstract: "Describe the experiment config format.",
        options: [.flag("schema", help: "Print every config key (type, allowed values, default, unit, meaning) as Markdown tables.")])

    public static let importWeights = CommandSpec(
        name: "import",
        abstract: "Bring a network trained elsewhere into SpikeKit: NumPy .npy weights (PyTorch layout) to a checkpoint.",
        discussion: """
            One .npy file per weight layer (conv [out, in, kh, kw], linear [out, in]), matched to the \
            architecture's weight layers in file-name order, or by a JSON mapping {"layerName": "file.npy"}. \
            A shape mismatch is refused with the layer and both shapes. Use the checkpoint as model.checkpoint.
            """,
        options: [
            .value("model", "arch", help: "Architecture: mlp, cnn-s, vgg5, vgg9, vgg11, vgg16, resnet12, resnet20, resnet34."),
            .value("npy-dir", "dir", help: "Folder with the .npy files."),
            .value("out", "file", help: "Checkpoint to write (.safetensors)."),
            .value("input", "shape", default: "1x28x28", help: "Input shape CxHxW, e.g. 3x32x32 for CIFAR."),
            .value("classes", "n", kind: .integer(minimum: 1), default: "10", help: "Number of output classes."),
            .value("mapping", "json", help: "JSON file mapping layer names to .npy file names."),
        ])

    public static let report = CommandSpec(
        name: "report",
        abstract: "Re-render the summary table, CSV tables and plots of a finished run.",
        arguments: [ArgumentSpec(name: "RESULTS_DIR", help: "A run folder (holding report.json).")])

    public static let energy = CommandSpec(
        name: "energy",
        abstract: "Estimate the energy of a saved spiking network on hardware presets, without retraining.",
        discussion: """
            Simulates the first test images with the network of a checkpoint (snn-converted.safetensors \
            or snn-stdb.safetensors from a run folder) and prints each layer's spikes, synaptic \
            operations and ANN MACs per image, then the energy per image of the ANN and of the SNN \
            under each preset. Encoding, ordering, T and dataset default to what the run recorded in \
            the checkpoint.
            """,
        options: [
            .value("checkpoint", "file", help: "A saved spiking network (.safetensors)."),
            .value("preset", "name", default: "all four presets",
                   help: "Hardware preset: cmos45nm-fp32, cmos45nm-int8, loihi or truenorth."),
            .value("preset-file", "json", help: "A preset as a JSON object (the form of energy.preset in a config)."),
            .value("steps", "T", kind: .integer(minimum: 1), default: "the checkpoint's T, else 32", help: "Time steps."),
            .value("encoding", "name", default: "the checkpoint's, else direct", help: "Input encoding: direct or poisson."),
            .value("ordering", "name", default: "the checkpoint's, else delayed", help: "Spike ordering: delayed or immediate."),
            .value("images", "n", kind: .integer(minimum: 1), default: "100", help: "Test images to simulate."),
            .value("dataset", "name", default: "the checkpoint's, else fashion-mnist",
                   help: "Dataset: fashion-mnist, mnist, cifar10 or cifar100."),
            .value("data-dir", "dir", default: "the bundled Fashion-MNIST subset", help: "Folder with the dataset's files."),
            .value("threads", "n", kind: .integer(minimum: 0), default: "all cores", help: "Worker threads; 0 = all cores."),
            .flag("json", help: "Print the results as JSON."),
            .flag("quiet", help: "Print no progress on standard error."),
        ])

    /// `bench` with one subcommand per registered benchmark.
    public static func bench(_ benchmarks: [Benchmark]) -> CommandSpec {
        CommandSpec(
            name: "bench",
            abstract: "Measure the speed of SpikeKit's kernels on this machine.",
            subcommands: benchmarks.map(\.spec),
            isGroup: true)
    }

    /// The whole tool, with `benchmarks` under `bench`.
    public static func root(benchmarks: [Benchmark] = BenchmarkRegistry.all) -> CommandSpec {
        CommandSpec(
            name: "spikekit",
            abstract: "Convert deep networks to spiking networks, simulate them event by event, fine-tune them with STDB and estimate their energy.",
            options: [.flag("version", help: "Show the version.")],
            subcommands: [run, validate, config, importWeights, report, energy, bench(benchmarks), sweep, collect])
    }
}
