#!/bin/bash
# A throwaway single-node Slurm cluster on this machine, for trying `spikekit sweep --slurm`
# scripts for real: slurmctld and slurmd on localhost with their own ports (SLURM_SINGLE_PORT and
# the next one; default 16817 and 16818), state,
# logs and config in DIR, no munge (auth/none) and no cgroups. Needs Debian's slurm-wlm and root (or
# a user slurmd may run jobs as).
#
#   Scripts/slurm-single-node.sh start DIR   # starts both daemons, waits until the node is idle
#   export SLURM_CONF=DIR/slurm.conf         # then sbatch, squeue, sacct, ... talk to it
#   Scripts/slurm-single-node.sh stop DIR    # ends the two daemons it started
set -euo pipefail
command=${1:-}
dir=${2:-}
if [[ -z "$command" || -z "$dir" ]]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 64
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
export SLURM_CONF="$dir/slurm.conf"

case "$command" in
start)
    for tool in slurmctld slurmd sbatch sinfo; do
        command -v "$tool" >/dev/null || { echo "$0: $tool not found (apt-get install slurm-wlm)" >&2; exit 69; }
    done
    host=$(hostname -s)
    cpus=$(nproc)
    memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
    user=$(id -un)
    port=${SLURM_SINGLE_PORT:-16817}
    mkdir -p "$dir/state" "$dir/spool"
    cat > "$SLURM_CONF" <<CONF
ClusterName=spikekit-single
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/none
CredType=cred/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=single Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
    slurmctld -i >>"$dir/slurmctld.out" 2>&1
    slurmd >>"$dir/slurmd.out" 2>&1
    for _ in $(seq 1 60); do
        state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1 || true)
        if [[ "$state" == "idle" || "$state" == "mix" ]]; then
            echo "$dir/slurm.conf"
            exit 0
        fi
        sleep 0.5
    done
    echo "$0: the node did not become idle; see $dir/slurmctld.log and $dir/slurmd.log" >&2
    exit 1
    ;;
stop)
    # SIGTERM, then SIGKILL for a daemon still finishing a job step after 10 s.
    for daemon in slurmd slurmctld; do
        [[ -f "$dir/$daemon.pid" ]] || continue
        pid=$(cat "$dir/$daemon.pid")
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 1 100); do
            # Gone, or a zombie (where nothing reaps the orphaned daemons).
            kill -0 "$pid" 2>/dev/null || break
            [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == "Z" ]] && break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    done
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 64
    ;;
esac
