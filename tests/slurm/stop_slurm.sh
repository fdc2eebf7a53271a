#!/usr/bin/env bash
# Stop the daemons that start_slurm.sh started under DIR (by their pid files only).
set -uo pipefail
DIR="$(realpath "$1")"
# Cancel this cluster's jobs first: a running job's slurmstepd would outlive slurmd.
if [[ -s "$DIR/run/slurmctld.pid" ]]; then
    export SLURM_CONF="$DIR/etc/slurm.conf"
    jobs="$(squeue --noheader --format=%i --states=PENDING,RUNNING 2>/dev/null || true)"
    if [[ -n "$jobs" ]]; then
        # shellcheck disable=SC2086
        scancel $jobs 2>/dev/null || true
        sleep 2
    fi
fi
for name in slurmd slurmctld munged; do
    pidfile="$DIR/run/$name.pid"
    [[ -s "$pidfile" ]] || continue
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || continue
    # Give it 10 s to exit cleanly, then force it.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
done
