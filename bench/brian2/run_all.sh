#!/usr/bin/env bash
# Brian2 reference numbers for dalesim: COBA and CUBA (Brette et al. 2007 benchmarks 1 and 2) and
# Brunel (2000) model A in four regimes. Runs sequentially (machine has 2 cores), cpp_standalone,
# Debian's Brian2 2.5.1 under /usr/bin/python3 (not a pyenv python).
# Usage: bash bench/brian2/run_all.sh > bench/brian2/results-$(date +%F).txt
# All output (the scripts' stdout and stderr) goes to stdout; only the pythran FutureWarning noise
# that Debian's numpy 1.24 triggers at `import brian2` is filtered out.
# Wall time: about 5-8 minutes (each script compiles its standalone project, ~15-30 s each).
set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3
export BRIAN_WORK="$(mktemp -d -t dalesim_brian_XXXXXX)"
trap 'rm -rf "$BRIAN_WORK"' EXIT

# drop "…/pythran/tables.py:NNNN: FutureWarning: …" and the source line that follows it
filter() { awk '/pythran\/tables\.py:[0-9]+: FutureWarning/ {skip=1; next} skip {skip=0; next} {print; fflush()}'; }

run() {  # run LABEL DUR cmd...
    local label="$1" dur="$2"; shift 2
    echo "### $label DUR=$dur: $*   [loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)]"
    local t0=$(date +%s.%N)
    DUR="$dur" "$@" 2>&1 | filter
    local rc=$?
    echo "### $label exit=$rc [loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)] total_wall_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')"
}

echo "# dalesim Brian2 reference run $(date -u +%FT%TZ)"
echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g') ; nproc=$(nproc)"
echo "# $($PY -c 'import brian2, numpy, sys; print("brian2", brian2.__version__, "numpy", numpy.__version__, "python", sys.version.split()[0])' 2>/dev/null) ; $(gcc --version | head -1)"

for d in 1 10; do
    run coba "$d" $PY "$HERE/coba_cv.py" cpp_standalone euler
done
for d in 1 10; do
    run cuba "$d" $PY "$HERE/cuba.py" cpp_standalone exact
done
# Brunel (2000) fig. 8 regimes: AI (g=5, eta=2), SR (g=3, eta=2), SI-fast (g=6, eta=4), SI-slow (g=4.5, eta=0.9)
for spec in "5 2 AI" "3 2 SR" "6 4 SIfast" "4.5 0.9 SIslow"; do
    set -- $spec
    run "brunel_$3" 1 $PY "$HERE/brunel.py" "$1" "$2" "$3"
done
