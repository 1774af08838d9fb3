extension ConfigSchema {
    /// The `sweep` section: which keys vary across the runs of a sweep, where the sweep's folder is,
    /// and the resources of its Slurm array job. Read by `SweepPlan`; `spikekit run` ignores it.
    static let sweepSection = ConfigSectionSpec(
        name: "sweep", isStage: false,
        meaning: "A sweep over config keys, run by `spikekit sweep` (one run per point; `spikekit run` ignores this section).",
        keys: [
            ConfigKeySpec("values", .object, default: nil, defaultText: "none",
                          "Key path → list of values, e.g. `{\"conversion.scale\": [0.5, 0.7], \"simulation.timeSteps\": [8, 16]}`; the points are every combination (cartesian product), key paths in alphabetical order, the first varying slowest. A single value of a list key (`simulation.timeSteps`) stands for a one-element list. Give `values` or `points`."),
            ConfigKeySpec("points", .objectList, default: nil, defaultText: "none",
                          "Explicit points instead of a product: a list of objects, key path → value, e.g. `[{\"seed\": 1}, {\"seed\": 2, \"conversion.scale\": 0.6}]`."),
            ConfigKeySpec("directory", .path, default: nil, defaultText: "`<output.directory>/<name>`",
                          "The sweep's folder: `sweep.json` (the points), `points/<point>/` (one run folder per point), `ann/<hash>/` (shared ANNs), `logs/`, `sweep.sbatch`. Relative to the current directory. `--output DIR` replaces it."),
            ConfigKeySpec("shareANN", .boolean, default: .bool(true),
                          "Train the ANN once for all points with the same `seed`, `data`, `model` and `training` (in `ann/<hash>/`) and start every such point from it; the points' reports are those of separate runs."),
            ConfigKeySpec("slurm", .object, default: nil, defaultText: "the defaults below",
                          "Resources of the array job written by `spikekit sweep CONFIG --slurm`."),
            ConfigKeySpec("slurm.partition", .string, default: nil, defaultText: "the cluster's default", "`#SBATCH --partition`."),
            ConfigKeySpec("slurm.account", .string, default: nil, defaultText: "the user's default", "`#SBATCH --account`."),
            ConfigKeySpec("slurm.time", .string, default: .string("01:00:00"), "`#SBATCH --time`: the time limit of one point."),
            ConfigKeySpec("slurm.cpusPerTask", .integer(minimum: 1), default: .integer(2), unit: "cores",
                          "`#SBATCH --cpus-per-task`; each point runs with this many threads."),
            ConfigKeySpec("slurm.memory", .string, default: .string("4G"), "`#SBATCH --mem`: memory of one point."),
            ConfigKeySpec("slurm.maxConcurrent", .integer(minimum: 0), default: .integer(0), unit: "points",
                          "At most this many points at once (`--array=0-N%K`); 0 = no limit. `--jobs K` with `--slurm` sets it too."),
        ])
}
