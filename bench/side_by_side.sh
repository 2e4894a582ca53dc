#!/usr/bin/env bash
# Side-by-side speed of dalesim and Brian2 2.5.1 cpp_standalone on this machine, in one session.
# Usage: bash bench/side_by_side.sh [REPS] > bench/side-by-side-$(date +%F).txt     (~3 min with REPS=3)
# Interleaves the runs (Brian, then every dalesim configuration, REPS times) so that drift in the
# machine's load hits both alike. Brian's figure is its own reported run time (no compilation);
# dalesim's is wall_seconds of `bench --json` (the run loop, without building the network).
# Each repetition also trains on 10,000 MNIST samples at H = 400 and evaluates 4,000 (one thread, then
# evaluation with two). At the end, bench/side_by_side_summary.py prints every figure as a ratio (speed-up
# over Brian2, two threads over one) with the CPU model, against the targets.
set -u -o pipefail
REPS="${1:-3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
PY=/usr/bin/python3
export BRIAN_WORK="$(mktemp -d -t dalesim_sbs_XXXXXX)"
BIN="$BRIAN_WORK/dalesim"
trap 'rm -rf "$BRIAN_WORK"' EXIT
(cd "$ROOT" && go build -o "$BIN" .) || exit 1
filter() { awk '/pythran\/tables\.py:[0-9]+: FutureWarning/ {skip=1; next} skip {skip=0; next} {print; fflush()}'; }
load() { cut -d' ' -f1 /proc/loadavg; }

LOG="$BRIAN_WORK/log"
{
    echo "# dalesim vs Brian2 side by side $(date -u +%FT%TZ); REPS=$REPS"
    echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g') ; nproc=$(nproc) ; $("$BIN" info | grep -i selected)"
} | tee "$LOG"
# Warm-up: compile Brian's projects once (not timed).
DUR=1 $PY "$HERE/brian2/coba.py" cpp_standalone euler >/dev/null 2>&1
DUR=0.1 $PY "$HERE/brian2/brunel.py" 5 2 AI >/dev/null 2>&1

dalesim() {  # dalesim NAME DURATION_MS SIMD THREADS
    local out
    out=$("$BIN" bench "$1" --duration "$2" --simd "$3" --threads "$4" --json --quiet) || return 1
    echo "$out" | $PY -c 'import json,sys; d=json.load(sys.stdin); print("dalesim %s simd=%s threads=%d wall_s=%.3f events_per_s=%.3e checksum=%s" % (sys.argv[1], d["kernel"], d["threads"], d["wall_seconds"], d["events_per_second"], d["spike_checksum"]))' "$1"
}
train() {  # train THREADS: training and evaluation samples per second
    local out
    out=$("$BIN" train --hidden 400 --train-samples 10000 --test-samples 4000 --threads "$1" --json --quiet \
        --out "$BRIAN_WORK/model" --force) || return 1
    echo "$out" | $PY -c 'import json,sys; d=json.load(sys.stdin); print("dalesim train threads=%s train_samples_per_s=%.1f eval_samples_per_s=%.1f" % (sys.argv[1], d["train"]["samples_per_second"], d["test"]["samples_per_second"]))' "$1"
}
for rep in $(seq "$REPS"); do
    echo "## rep $rep coba 10 s [load $(load)]"
    echo "brian coba $(DUR=10 $PY "$HERE/brian2/coba.py" cpp_standalone euler 2>&1 | filter | grep standalone_reported_run_time_s)"
    for simd in generic avx2 avx512; do
        for th in 1 2; do dalesim coba 10000 "$simd" "$th"; done
    done
    echo "## rep $rep brunel AI 1 s [load $(load)]"
    echo "brian $(DUR=1 $PY "$HERE/brian2/brunel.py" 5 2 AI 2>&1 | filter | grep -o 'run_time_reported=[0-9.]*s')"
    for simd in generic avx2 avx512; do
        for th in 1 2; do dalesim brunel 1000 "$simd" "$th"; done
    done
    echo "## rep $rep train H=400 [load $(load)]"
    for th in 1 2; do train "$th"; done
done | tee -a "$LOG"
echo "# done $(date -u +%FT%TZ) [load $(load)]"
echo
$PY "$HERE/side_by_side_summary.py" "$LOG"
