#!/usr/bin/env bash
# Scaling study: how time, synaptic events per second, memory and build time grow with the network.
#   Brunel's model A at fixed in-degree (C_E = 1000, C_I = 250, as examples/brunel.toml) from 12,500 to
#   1,600,000 neurons (2 x 10^9 synapses), and COBA (examples/coba.toml) at a fixed expected in-degree of 80
#   (p = 80 / N) from 4,000 to 400,000 neurons; each with 1 and 2 threads, and the plain-C scatter (bench/c)
#   on a network of the same size (K targets per row, constant weights per source: the "constant" variant).
# Usage: bash bench/scaling/run.sh [OUT.csv]   (default bench/scaling/results-DATE.csv; BRUNEL_SIZES and
#        COBA_SIZES, lists of neuron counts, replace the default sizes); then
#        go run ./bench/scaling/plot OUT.csv DIR   draws the PNG curves into DIR.
# Needs gcc and about 18 GiB of memory for the largest size (the C baseline holds 8 bytes per synapse).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$ROOT/bench/scaling/results-$(date +%F).csv}"
BIN="$(mktemp -d -t dalesim_scaling_XXXXXX)"
trap 'rm -rf "$BIN"' EXIT
(cd "$ROOT" && go build -o "$BIN/dalesim" .)
gcc -O3 -march=native -std=c11 -Wall -o "$BIN/scatter" "$ROOT/bench/c/scatter.c"
CPU="$(lscpu | sed -n 's/^Model name: *//p')"
echo "# dalesim scaling study $(date -u +%FT%TZ); $CPU; nproc=$(nproc); $("$BIN/dalesim" info | grep -i selected || true)" >&2
echo "model,neurons,threads,synapses,duration_ms,build_s,wall_s,s_per_sim_s,events,events_per_s,synapse_bytes,bytes_per_synapse,estimate_bytes,peak_rss_bytes,spike_checksum,c_constant_events_per_s,c_weighted_events_per_s,cpu" > "$OUT"

# one MODEL N SPEC DURATION K SPIKES_PER_STEP: dalesim with 1 and 2 threads, then the C scatter.
one() {
  local model=$1 n=$2 spec=$3 dur=$4 k=$5 per_step=$6
  local steps=$(( 4000000000 / (per_step * k) )) # about 4e9 events per timed repetition
  steps=$(( steps < 100 ? 100 : (steps > 10000 ? 10000 : steps) ))
  local c
  c="$("$BIN/scatter" "$n" "$k" "$per_step" "$steps" 3)"
  local cconst cweighted
  cconst="$(sed -n 's/^scatter constant .*events_per_s_best=\([^ ]*\).*/\1/p' <<<"$c")"
  cweighted="$(sed -n 's/^scatter weighted  .*events_per_s_best=\([^ ]*\).*/\1/p' <<<"$c")"
  for t in 1 2; do
    "$BIN/dalesim" run "$spec" --duration "$dur" --threads "$t" --json -q > "$BIN/sum.json"
    python3 - "$model" "$n" "$dur" "$cconst" "$cweighted" "$CPU" "$BIN/sum.json" >> "$OUT" <<'PY'
import json, sys
model, n, dur, cc, cw, cpu, path = sys.argv[1:]
s = json.load(open(path))
print(",".join(str(x) for x in [model, n, s["threads"], s["synapses"], dur, s["build_seconds"], s["wall_seconds"],
    s["wall_per_sim_second"], s["synaptic_events"], s["events_per_second"], s["synapse_bytes"], s["bytes_per_synapse"],
    s["memory_estimate_bytes"], s["peak_rss_bytes"], s["spike_checksum"], cc, cw, '"' + cpu + '"']))
PY
    tail -1 "$OUT" >&2
  done
}

for n in ${BRUNEL_SIZES:-12500 25000 50000 100000 200000 400000 800000 1600000}; do
  ne=$(( n * 4 / 5 )); ni=$(( n / 5 ))
  sed -e "s/^size = 10000$/size = $ne/" -e "s/^size = 2500$/size = $ni/" "$ROOT/examples/brunel.toml" > "$BIN/brunel.toml"
  dur=$(( 2000000000 / (46 * n) )) # about 2e9 synaptic events
  dur=$(( dur < 100 ? 100 : (dur > 1000 ? 1000 : dur) ))
  one brunel "$n" "$BIN/brunel.toml" "$dur" 1250 $(( n * 37 / 10000 ))
done
for n in ${COBA_SIZES:-4000 16000 40000 100000 400000}; do
  ne=$(( n * 4 / 5 )); ni=$(( n / 5 ))
  p="$(python3 -c "print(80 / $n)")"
  sed -e "s/^size = 3200$/size = $ne/" -e "s/^size = 800$/size = $ni/" -e "s/p = 0.02 }/p = $p }/" "$ROOT/examples/coba.toml" > "$BIN/coba.toml"
  one coba "$n" "$BIN/coba.toml" 1000 80 $(( n / 500 )) # E rate about 20 Hz

done
echo "wrote $OUT" >&2
