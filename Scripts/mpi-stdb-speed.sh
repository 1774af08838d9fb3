#!/bin/bash
# Seconds per STDB epoch of CNN-S on Fashion-MNIST (60,000 training images, the recipe of
# Configs/fmnist-cnn-s-hybrid.json): one process pinned to one core (`taskset -c 0`, one thread)
# against `mpirun -np 2` (one thread per rank, each rank bound to its own core). The target is a
# ratio ≥ 1.6. Run it on an otherwise idle machine with at least two cores.
# Needs FASHION_MNIST_DIR (the four IDX files), libopenmpi-dev and openmpi-bin.
# Usage: Scripts/mpi-stdb-speed.sh [WORKDIR] [EPOCHS]
set -euo pipefail
default_epochs=2
# shellcheck source=Scripts/mpi-speed-setup.sh
source "$(dirname "$0")/mpi-speed-setup.sh"

# The ANN once (10 epochs), so the timed runs only convert, fine-tune and evaluate.
cat > "$work/ann.json" <<JSON
{"name": "speed-ann", "seed": 1, "data": {"dataset": "fashion-mnist", "directory": "$FASHION_MNIST_DIR"},
 "model": {"architecture": "cnn-s"},
 "training": {"epochs": 10, "batchSize": 64, "optimizer": "adam", "learningRate": 0.001,
              "schedule": {"milestones": [0.5, 0.8], "factor": 10}, "poissonInputSteps": 8}}
JSON
[[ -f "$work/ann/report.json" ]] || "$spikekit" run "$work/ann.json" --output "$work/ann" --quiet > /dev/null
cat > "$work/stdb.json" <<JSON
{"name": "speed-stdb", "seed": 1, "data": {"dataset": "fashion-mnist", "directory": "$FASHION_MNIST_DIR"},
 "model": {"architecture": "cnn-s", "checkpoint": "$work/ann/ann.safetensors"},
 "conversion": {"recipe": "threshold-balancing", "calibrationImages": 512, "balancingSteps": 300, "scale": 0.5},
 "simulation": {"timeSteps": [8], "encoding": "poisson", "ordering": "immediate", "testLimit": 1000},
 "stdb": {"timeSteps": 8, "epochs": $epochs, "encoding": "poisson", "dropout": 0, "surrogate": "linear"}}
JSON

# The STDB stage's "done in" time ("4.98 s", "12.3 s", "m:ss" or "h:mm:ss"), divided by the epochs.
per_epoch() {
    sed -n 's/^STDB fine-tuning.*: done in \([0-9.:]*\).*/\1/p' "$1" | tail -n 1 | awk -v e="$epochs" '{
        n = split($1, part, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + part[i]
        printf "%.2f", s / e
    }'
}
rm -rf "$work/one" "$work/two"
taskset -c 0 "$spikekit" run "$work/stdb.json" --output "$work/one" --threads 1 > /dev/null 2> "$work/one.log"
mpirun -np 2 --bind-to core --map-by core "$spikekit" run "$work/stdb.json" --output "$work/two" --threads 1 \
    > /dev/null 2> "$work/two.log"
one=$(per_epoch "$work/one.log")
two=$(per_epoch "$work/two.log")
echo "seconds per STDB epoch: one process on one core $one, mpirun -np 2 $two, speed-up $(awk -v a="$one" -v b="$two" 'BEGIN {printf "%.2f", a / b}')×"
cmp "$work/one/report.json" "$work/two/report.json" && echo "report.json identical"
