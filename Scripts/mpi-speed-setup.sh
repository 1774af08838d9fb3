# Sourced by the MPI speed scripts (Scripts/mpi-*-speed.sh) after `set -euo pipefail`, with the
# script's arguments WORKDIR and EPOCHS and a default epoch count in default_epochs: sets root,
# work (absolute, created), epochs and spikekit (a release build with MPI in .build-mpi).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
work=${1:-$(mktemp -d -t spikekit-mpi-speed-XXXXXX)}
epochs=${2:-$default_epochs}
mkdir -p "$work"
work=$(cd "$work" && pwd)
: "${FASHION_MNIST_DIR:?set FASHION_MNIST_DIR to the folder with the Fashion-MNIST IDX files}"
# Open MPI refuses root unless told; containers often run as root.
if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

SPIKEKIT_MPI=1 swift build -c release --build-path .build-mpi --product spikekit
spikekit="$root/.build-mpi/release/spikekit"
