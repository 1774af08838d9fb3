import Foundation

/// The Slurm array job of a sweep (`spikekit sweep CONFIG --slurm`): one array task per point,
/// `--array=0-(n−1)` (with `%K` to run at most K at once), each task running
/// `spikekit sweep CONFIG --task $SLURM_ARRAY_TASK_ID` with the resources of `sweep.slurm`
/// (Slurm's sbatch manual: https://slurm.schedmd.com/sbatch.html, `--array` and job arrays).
///
/// Tasks that train the same shared ANN wait on its lock in the sweep folder, which therefore has to
/// be on a file system every node sees (as the results are). Finished points are skipped, so the
/// same script can be submitted again after a failure.
extension SweepPlan {
    public static let slurmScriptFile = "sweep.sbatch"

    /// The script text. `executable` is the spikekit binary the tasks run; `maxConcurrent`
    /// overrides `sweep.slurm.maxConcurrent`; `workingDirectory` is where the tasks start (relative
    /// paths in the config resolve as they did here).
    public func slurmScript(executable: URL, maxConcurrent: Int? = nil, workingDirectory: URL) -> String {
        let slurm = settings.slurm
        let limit = maxConcurrent ?? slurm.maxConcurrent
        let range = points.count == 1 ? "0" : "0-\(points.count - 1)"
        var lines = [
            "#!/bin/bash",
            "# Slurm array job of the sweep \(base.name): task N runs point N (`spikekit sweep CONFIG --list` shows them).",
            "# Submit with: sbatch \(directory.appendingPathComponent(Self.slurmScriptFile).path)",
            "#SBATCH --job-name=\(base.name)",
            "#SBATCH --array=\(range)\(limit > 0 ? "%\(limit)" : "")",
            "#SBATCH --ntasks=1",
            "#SBATCH --cpus-per-task=\(slurm.cpusPerTask)",
            "#SBATCH --mem=\(slurm.memory)",
            "#SBATCH --time=\(slurm.time)",
            "#SBATCH --chdir=\(workingDirectory.path)",
            "#SBATCH --output=\(directory.appendingPathComponent(Self.logsFolder).path)/slurm-%A_%a.out",
        ]
        if let partition = slurm.partition { lines.append("#SBATCH --partition=\(partition)") }
        if let account = slurm.account { lines.append("#SBATCH --account=\(account)") }
        lines += [
            "set -euo pipefail",
            "exec \(Self.shellQuoted(executable.path)) sweep \(Self.shellQuoted(configURL.path)) "
                + "--output \(Self.shellQuoted(directory.path)) --task \"$SLURM_ARRAY_TASK_ID\" "
                + "--threads \"${SLURM_CPUS_PER_TASK:-\(slurm.cpusPerTask)}\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the script to `sweep.sbatch` in the sweep folder (and creates `logs/`, which Slurm
    /// needs to exist before a task starts) and returns its URL.
    public func writeSlurmScript(executable: URL, maxConcurrent: Int? = nil, workingDirectory: URL) throws -> URL {
        try writeManifest()
        try createFolder(directory.appendingPathComponent(Self.logsFolder))
        let url = directory.appendingPathComponent(Self.slurmScriptFile)
        try AtomicFile.write(slurmScript(executable: executable, maxConcurrent: maxConcurrent, workingDirectory: workingDirectory), to: url)
        chmod(url.path, 0o755)
        return url
    }

    /// `text` in single quotes for a POSIX shell.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
