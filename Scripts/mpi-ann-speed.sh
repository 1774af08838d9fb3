#!/bin/bash
# Seconds per ANN training epoch of CNN-S on Fashion-MNIST (60,000 training images, batch 64,
# `training.gradientChunks` 8): one process pinned to one core (`taskset -c 0`, one thread)
# against `mpirun -np 2` (one thread per rank, each rank bound to its own core), and, for scale,
# one process on both cores with whole batches (gradientChunks 1, the default). The two chunked
# runs must write identical report.json files. Run it on an otherwise idle machine with at least
# two cores. Needs FASHION_MNIST_DIR (the four IDX files), libopenmpi-dev and openmpi-bin.
# Usage: Scripts/mpi-ann-speed.sh [WORKDIR] [EPOCHS]
set -euo pipefail
default_epochs=1
# shellcheck source=Scripts/mpi-speed-setup.sh
source "$(dirname "$0")/mpi-speed-setup.sh"

config() {  # config NAME CHUNKS
    cat > "$work/$1.json" <<JSON
{"name": "speed-ann", "seed": 1, "data": {"dataset": "fashion-mnist", "directory": "$FASHION_MNIST_DIR"},
 "model": {"architecture": "cnn-s"},
 "training": {"epochs": $epochs, "batchSize": 64, "optimizer": "adam", "learningRate": 0.001, "gradientChunks": $2}}
JSON
}
config chunked 8
config whole 1
# The mean of the epochs' seconds from the trainer's "epoch k/n: ... 123.4 s (…)" lines.
per_epoch() {
    sed -n 's/^epoch [0-9]*\/[0-9]*: train loss.*, \([0-9.]*\) s (.*/\1/p' "$1" | awk '{ s += $1; n++ } END { printf "%.2f", s / n }'
}
rm -rf "$work/one" "$work/two" "$work/whole"
taskset -c 0 "$spikekit" run "$work/chunked.json" --output "$work/one" --threads 1 > /dev/null 2> "$work/one.log"
mpirun -np 2 --bind-to core --map-by core "$spikekit" run "$work/chunked.json" --output "$work/two" --threads 1 \
    > /dev/null 2> "$work/two.log"
"$spikekit" run "$work/whole.json" --output "$work/whole" --threads 2 > /dev/null 2> "$work/whole.log"
one=$(per_epoch "$work/one.log")
two=$(per_epoch "$work/two.log")
whole=$(per_epoch "$work/whole.log")
echo "seconds per ANN epoch: one process on one core $one, mpirun -np 2 $two (speed-up $(awk -v a="$one" -v b="$two" 'BEGIN {printf "%.2f", a / b}')×); one process, 2 threads, whole batches $whole"
cmp "$work/one/report.json" "$work/two/report.json" && echo "report.json identical (one process and mpirun -np 2)"
