/// The `sweep` and `collect` commands of the `spikekit` tool.
extension SpikeKitCommands {
    public static let sweep = CommandSpec(
        name: "sweep",
        abstract: "Run the points of a config's sweep section: list them, run one, run all here, or write a Slurm array job.",
        discussion: """
            Each point is the config with the values of one point of sweep.values (every combination) or \
            sweep.points, run as 'spikekit run' would into <sweep folder>/points/<point>/. A finished point \
            is skipped, an interrupted one resumed; points with the same seed, data, model and training \
            share one trained ANN (ann/<hash>/). Without --list, --jobs or --slurm, the point is --task, \
            else $SLURM_ARRAY_TASK_ID.
            """,
        arguments: [ArgumentSpec(name: "CONFIG", help: "An experiment config (JSON) with a sweep section; see Configs/README.md.")],
        options: [
            .flag("list", help: "Print every point: its index, status (pending, started, finished), folder and values."),
            .value("task", "n", kind: .integer(minimum: 0), default: "$SLURM_ARRAY_TASK_ID",
                   help: "Run point n (its index in --list)."),
            .value("jobs", "k", kind: .integer(minimum: 1),
                   help: "Run every unfinished point on this machine, k at a time (each its own process; logs in <sweep folder>/logs/). With --slurm: at most k array tasks at once."),
            .flag("slurm", help: "Write <sweep folder>/sweep.sbatch, a Slurm array job with one task per point and the resources of sweep.slurm, and print how to submit it."),
            .value("output", "dir", default: "sweep.directory, else <output.directory>/<name>", help: "The sweep's folder."),
            .value("threads", "n", kind: .integer(minimum: 0), default: "with --jobs: the cores divided by k; else simulation.threads, else all cores",
                   help: "Worker threads of each point; 0 = all cores. Results do not depend on it."),
            .flag("quiet", help: "Print no progress on standard error."),
        ])

    public static let collect = CommandSpec(
        name: "collect",
        abstract: "Merge the reports of a sweep's points into one table and plot accuracy and energy against each swept key.",
        discussion: """
            Writes sweep.csv and sweep-results.json (one row per point and simulation, with the point's \
            swept values) and accuracy-vs-<key>.svg and energy-vs-<key>.svg into the sweep folder, and \
            prints the table. Points that have not finished are listed and left out.
            """,
        arguments: [ArgumentSpec(name: "DIR", help: "A sweep folder (holding sweep.json).")])
}
