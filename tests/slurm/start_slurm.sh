#!/usr/bin/env bash
# Start a private single-node Slurm (munged + slurmctld + slurmd) under DIR, as root.
# Usage: start_slurm.sh DIR
#   then: export SLURM_CONF=DIR/etc/slurm.conf PATH=DIR/bin:$PATH
# Everything (config, key, sockets, ports, pid files, state, logs) lives under DIR;
# stop it with stop_slurm.sh DIR. Needs Debian's munge, slurmctld, slurmd, slurm-client.
set -euo pipefail
DIR="$(realpath "$1")"
HERE="$(cd "$(dirname "$0")" && pwd)"
NODE=reflasso1

mkdir -p "$DIR"/{etc,munge,state,spool,run,log}
chmod 700 "$DIR" "$DIR/munge"

# Own munge key and socket, so a munged already running on the machine is left alone.
dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$DIR/munge/munge.key"
munged --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.sock" \
    --pid-file="$DIR/run/munged.pid" --log-file="$DIR/log/munged.log" \
    --seed-file="$DIR/munge/munged.seed" --force

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Declare the machine's real CPUs and memory (as slurmd measures them), else the node drains.
read -r CPUS MEM_MB < <(slurmd -C | awk '/^NodeName/ {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    print v["CPUs"], v["RealMemory"] }')

sed -e "s|@DIR@|$DIR|g" -e "s|@CTLD_HOST@|$(hostname -s)|g" \
    -e "s|@CTLD_PORT@|$(free_port)|g" -e "s|@SLURMD_PORT@|$(free_port)|g" \
    -e "s|@NODE@|$NODE|g" -e "s|@CPUS@|$CPUS|g" -e "s|@MEM_MB@|$MEM_MB|g" \
    "$HERE/slurm.conf.in" > "$DIR/etc/slurm.conf"
sed -e "s|@NODE@|$NODE|g" "$HERE/gres.conf.in" > "$DIR/etc/gres.conf"
export SLURM_CONF="$DIR/etc/slurm.conf"

# Inside a job the executor plugin calls srun with every SLURM_* variable removed, SLURM_CONF
# included; a real cluster's srun finds /etc/slurm/slurm.conf, ours would not. This srun
# (first on PATH) restores the test config; the real one lives next to sbatch.
mkdir -p "$DIR/bin"
printf '#!/bin/sh\nSLURM_CONF=%s exec %s "$@"\n' "$SLURM_CONF" "$(command -v srun)" \
    > "$DIR/bin/srun"
chmod +x "$DIR/bin/srun"

# -i: ignore state left by an earlier run in the same DIR.
slurmctld -f "$SLURM_CONF" -i
slurmd -f "$SLURM_CONF" -N "$NODE"

# Wait (at most 30 s) until the node accepts jobs.
for _ in $(seq 60); do
    state="$(sinfo --noheader --nodes="$NODE" --format=%t 2>/dev/null || true)"
    if [[ "$state" == idle* ]]; then
        echo "Slurm up: node $NODE idle, SLURM_CONF=$SLURM_CONF"
        exit 0
    fi
    sleep 0.5
done
echo "Slurm did not come up (node state: '${state:-none}'); logs in $DIR/log:" >&2
tail -n 20 "$DIR"/log/*.log >&2 || true
exit 1
