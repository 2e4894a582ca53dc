#!/usr/bin/env bash
# Bare-metal synaptic-delivery baseline: build scatter.c with gcc -O3 -march=native and run it.
# Usage: bash bench/c/run.sh [N p spikes_per_step steps reps]   (defaults 12500 0.1 38 10000 9) > bench/c/results-$(date +%F).txt
# Run it on an otherwise idle machine (not alongside the Brian2 runs).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="$(mktemp -d -t dalesim_scatter_XXXXXX)"
trap 'rm -rf "$BIN"' EXIT
echo "# dalesim C scatter baseline $(date -u +%FT%TZ)"
echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g') ; nproc=$(nproc)"
echo "# $(gcc --version | head -1) ; flags: -O3 -march=native"
gcc -O3 -march=native -std=c11 -Wall -o "$BIN/scatter" "$HERE/scatter.c"
# The machine is a shared VM and timings drift by up to ~1.5x between passes: run 3 passes
# (each with 9 timed reps per variant, best and median reported) and compare.
for pass in 1 2 3; do
    echo "## pass $pass [loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)]"
    "$BIN/scatter" "$@"
done
