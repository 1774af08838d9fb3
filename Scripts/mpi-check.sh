#!/bin/bash
# Data-parallel ANN training and STDB over MPI on one machine, checked end to end (opt-in; needs
# Debian's libopenmpi-dev and openmpi-bin):
#   1. builds spikekit with SPIKEKIT_MPI=1 into .build-mpi (the default build stays MPI-free);
#   2. runs a small CNN-S ANN training (each batch in 6 gradient chunks shared by the ranks) +
#      conversion + STDB config (ANN evaluated in 3 batches of 256 test images, simulations in 4
#      batches) as one process and as `mpirun --oversubscribe
#      -np 2` and `-np 3`, and requires byte-identical report.json files;
#   3. kills rank 1 with SIGKILL during STDB and requires the job to end (non-zero, with Open MPI's
#      message naming the rank) instead of hanging;
#   4. resumes the killed run with `--resume --output` under mpirun and requires the report of the
#      uninterrupted run.
# Usage: Scripts/mpi-check.sh [WORKDIR]   (WORKDIR defaults to a fresh temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${1:-$(mktemp -d -t spikekit-mpi-XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
for tool in mpirun pkg-config; do
    command -v "$tool" >/dev/null || { echo "$0: $tool not found (apt-get install libopenmpi-dev openmpi-bin)" >&2; exit 69; }
done
pkg-config --exists ompi-c || { echo "$0: Open MPI headers not found (apt-get install libopenmpi-dev)" >&2; exit 69; }
# Open MPI refuses root unless told; containers often run as root.
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

echo "== SPIKEKIT_MPI=1 swift build --build-path .build-mpi"
SPIKEKIT_MPI=1 swift build --build-path .build-mpi --product spikekit 2>&1 | tail -n 1
spikekit="$root/.build-mpi/debug/spikekit"

cat > "$work/stdb.json" <<'JSON'
{"name": "mpi-stdb", "seed": 7, "data": {"trainLimit": 1000, "testLimit": 600}, "model": {"architecture": "cnn-s"},
 "training": {"epochs": 2, "batchSize": 50, "gradientChunks": 6},
 "conversion": {"calibrationImages": 10, "balancingSteps": 64},
 "simulation": {"timeSteps": [16], "testLimit": 300, "batchSize": 75},
 "stdb": {"timeSteps": 16, "epochs": 3, "batchSize": 50, "learningRate": 0.001}, "energy": {}}
JSON
cd "$work"
rm -rf one np2 np3 killed
echo "== one process"
"$spikekit" run stdb.json --output one --threads 1 --quiet > /dev/null
for n in 2 3; do
    echo "== mpirun --oversubscribe -np $n"
    mpirun --oversubscribe -np "$n" "$spikekit" run stdb.json --output "np$n" --threads 1 --quiet > /dev/null
    cmp one/report.json "np$n/report.json"
    echo "   report.json identical to one process"
done

echo "== kill rank 1 during STDB"
mkdir -p tmp-ranks
TMPDIR="$work/tmp-ranks" mpirun --oversubscribe -np 2 -x TMPDIR "$spikekit" run stdb.json --output killed --threads 1 \
    > killed.log 2>&1 &
job=$!
for _ in $(seq 1 1200); do
    [[ -f killed/snn-stdb.safetensors ]] && break
    sleep 0.05
done
[[ -f killed/snn-stdb.safetensors ]] || { echo "no STDB epoch was saved; see $work/killed.log" >&2; exit 1; }
# Rank 1's scratch folder is named spikekit-rank1-<pid>-...
rank1=$(ls tmp-ranks | sed -n 's/^spikekit-rank1-\([0-9]*\)-.*/\1/p' | head -n 1)
[[ -n "$rank1" ]] || { echo "rank 1 not found" >&2; exit 1; }
kill -9 "$rank1"
status=0
wait "$job" || status=$?
[[ $status -ne 0 ]] || { echo "the job ended with status 0 after rank 1 was killed" >&2; exit 1; }
[[ ! -f killed/report.json ]] || { echo "the killed job finished anyway (kill too late); rerun" >&2; exit 1; }
echo "   the job ended with status $status; Open MPI said:"
grep -iE "signal|exited|abort" killed.log | head -n 3 | sed 's/^/     /'

echo "== resume the killed run under mpirun -np 2"
mpirun --oversubscribe -np 2 "$spikekit" run stdb.json --output killed --resume --threads 1 --quiet > /dev/null
cmp one/report.json killed/report.json
echo "   resumed report.json identical to the uninterrupted one"
echo "mpi-check: all passed ($work)"
