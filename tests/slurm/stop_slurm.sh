#!/usr/bin/env bash
# Stop the daemons that start_slurm.sh started under DIR (by their pid files only).
set -uo pipefail
DIR="$(realpath "$1")"
for name in slurmd slurmctld munged; do
    pidfile="$DIR/run/$name.pid"
    [[ -s "$pidfile" ]] || continue
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || continue
    # Give it 10 s to exit cleanly, then force it.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
done
