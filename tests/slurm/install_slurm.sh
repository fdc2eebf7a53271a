#!/usr/bin/env bash
# Install Debian's Slurm 22.05 and munge (root, Debian/Ubuntu), without starting services.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client
