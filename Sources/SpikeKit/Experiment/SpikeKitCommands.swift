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
        abstract: "Bring a network trained elsewhere into SpikeKit (a PyTorch state_dict or .npy weights) and check it.",
        discussion: """
            The network is a built-in architecture (--model, --input, --classes) or a config's model \
            section (--config: model.architecture or model.layers, input shape and classes from its data). \
            --state-dict reads a PyTorch state_dict saved with safetensors.torch.save_file, or a folder of \
            <tensor name>.npy files, matched to the network's tensors by name (batch-norm statistics included; \
            --mapping or model.mapping renames); every missing, unused or misshapen tensor is listed at once. \
            --npy-dir reads one .npy per weight layer in file-name order (or by a mapping of layer names to \
            files). With --check-inputs and --check-outputs (the PyTorch logits for those inputs) the ANN's \
            outputs are compared and the command fails when they differ by more than --check-tolerance \
            relative to the logits' scale; --check-layers DIR (one <layer name>.npy per layer output) names the \
            first layer that diverges. Use the checkpoint as model.checkpoint.
            """,
        options: [
            .value("model", "arch", help: "Architecture: mlp, cnn-s, vgg5, vgg9, vgg11, vgg16, resnet12, resnet20, resnet34."),
            .value("config", "file", help: "Take the network (and input shape, classes, mapping) from this config's model and data sections."),
            .value("state-dict", "path", help: "A safetensors state_dict, or a folder of <tensor name>.npy files."),
            .value("npy-dir", "dir", help: "Folder with one .npy file per weight layer, in name order."),
            .value("out", "file", help: "Checkpoint to write (.safetensors)."),
            .value("input", "shape", default: "1x28x28", help: "Input shape CxHxW, e.g. 3x32x32 for CIFAR (with --model)."),
            .value("classes", "n", kind: .integer(minimum: 1), default: "10", help: "Number of output classes (with --model)."),
            .value("mapping", "json", help: "JSON file of names: {\"conv1\": \"features.0\"} (--state-dict) or {\"conv1\": \"file.npy\"} (--npy-dir)."),
            .value("check-inputs", "npy", help: "Inputs to check the import on: float32 [N, C, H, W], normalised as the network expects."),
            .value("check-outputs", "npy", help: "The other framework's outputs for --check-inputs: [N, classes]."),
            .value("check-layers", "dir", help: "Optional: <layer name>.npy per layer, that layer's outputs for --check-inputs."),
            .value("check-tolerance", "x", default: "1e-4", help: "Largest relative difference accepted by the check."),
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
            .value("checkpoint", "file", help: "A saved spiking network (.safetensors, or a NIR graph .nir)."),
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
            .value("predictions", "file", help: "Also write each image's predicted class and each layer's spikes per step (JSON)."),
        ])

    public static let export = CommandSpec(
        name: "export",
        abstract: "Write a saved spiking network as a NIR graph for other neuromorphic tools and chips.",
        discussion: """
            Reads a spiking network (snn-converted.safetensors or snn-stdb.safetensors of a run, or a .nir \
            file) and writes it as NIR (the HDF5 file nir.read loads). What NIR cannot say (reset by \
            subtraction, a charged initial membrane, the delayed ordering, Poisson input) is printed as a \
            warning and recorded in the graph's spikekit_* metadata; the mapping is in Configs/README.md. \
            Encoding and ordering default to what the run recorded in the checkpoint.
            """,
        options: [
            .value("nir", "file", help: "NIR file to write (.nir)."),
            .value("checkpoint", "file", help: "A saved spiking network (.safetensors or .nir)."),
            .value("time-step", "seconds", default: "0.0001", help: "Seconds per time step, for the LIF τ and r."),
            .value("encoding", "name", default: "the checkpoint's", help: "Input encoding to record: direct or poisson."),
            .value("ordering", "name", default: "the checkpoint's", help: "Spike ordering to record: delayed or immediate."),
            .flag("sum-pool", help: "Write average pooling as SumPool2d + Scale instead of AvgPool2d."),
            .flag("uncompressed", help: "Store arrays uncompressed (nir.write's default is gzip)."),
        ])

    public static let hardware = CommandSpec(
        name: "hardware",
        abstract: "Map a saved spiking network onto a neuromorphic chip and estimate its energy, time and precision.",
        discussion: """
            Partitions the network of a checkpoint onto the cores of a chip description (a preset or a \
            JSON file), simulates the first test images with every event captured, counts the traffic \
            per core and step (synaptic events, neuron updates, spikes, messages, hops) and prints the \
            energy per image by kind, the time per step and per image, and the cores per layer. \
            --print writes the chip description as JSON (to copy and edit) and needs no checkpoint; \
            --sanafe DIR also writes the mapped network for SANA-FE (arch.yaml, network.yaml, inputs.json).
            """,
        options: [
            .value("checkpoint", "file", help: "A saved spiking network (.safetensors)."),
            .value("preset", "name", default: "loihi", help: "Chip: loihi, truenorth, speck, cmos45nm-fp32 or cmos45nm-int8."),
            .value("file", "json", help: "A chip description in JSON (the form --print writes)."),
            .flag("print", help: "Print the chip description as JSON and stop."),
            .value("placement", "tiles", default: "compact", help: "Comma-separated global tile index of every core."),
            .value("steps", "T", kind: .integer(minimum: 1), default: "the checkpoint's T, else 32", help: "Time steps."),
            .value("encoding", "name", default: "the checkpoint's, else direct", help: "Input encoding: direct or poisson."),
            .value("ordering", "name", default: "the checkpoint's, else delayed", help: "Spike ordering: delayed or immediate."),
            .value("images", "n", kind: .integer(minimum: 1), default: "8", help: "Test images whose traffic is counted."),
            .value("dataset", "name", default: "the checkpoint's, else fashion-mnist",
                   help: "Dataset: fashion-mnist, mnist, cifar10 or cifar100."),
            .value("data-dir", "dir", default: "the bundled Fashion-MNIST subset", help: "Folder with the dataset's files."),
            .value("sanafe", "dir", help: "Also write the mapped network in SANA-FE's formats into this folder."),
            .flag("json", help: "Print the estimate as JSON."),
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
            subcommands: [run, validate, config, importWeights, report, energy, bench(benchmarks), export, hardware, sweep, collect])
    }
}
