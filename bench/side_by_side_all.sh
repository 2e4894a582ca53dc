#!/usr/bin/env bash
# dalesim, NEST 3.10 and Brian2 2.9 side by side in one table (see side_by_side_all.py for the columns).
# Usage: bash bench/side_by_side_all.sh [--dur 1] [--nets coba,cuba,AI,SR,SIfast,SIslow] [--threads 1,2]
# Uses the module's .venv (python3 -m venv .venv && .venv/bin/pip install -r tools/python/requirements.txt)
# or $DALESIM_PYTHON.
set -eu -o pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${DALESIM_PYTHON:-$ROOT/.venv/bin/python}"
exec "$PY" "$ROOT/bench/side_by_side_all.py" "$@"
