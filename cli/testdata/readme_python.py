# Runs README.md's ```python blocks verbatim and checks what they read, for
# cli/python_test.go.
#
# usage: python readme_python.py WORKDIR EXPECTED_JSON BLOCK_FILE...
#
# WORKDIR holds the runs the snippets name (runs/ai, demo, sweep/run=g4,
# sweep/run=g5). Each block runs in a fresh namespace with WORKDIR as the
# working directory; then the frames it defines (pandas, polars or pyarrow)
# are compared with EXPECTED_JSON, which the Go test computed with package
# traces. Prints one line per block and check (MISMATCH on a difference) and
# a last line FAILED: ... when a check failed; a snippet that raises exits
# non-zero with its traceback.

import json
import math
import os
import sys


def to_pandas(x):
    if hasattr(x, "to_pandas"):  # polars DataFrame/Series, pyarrow Table
        return x.to_pandas()
    return x


def counts_by(df, *cols):
    """{(col values...): rows} of a pandas frame."""
    g = df.groupby(list(cols), observed=True).size()
    return {"/".join(str(k) for k in (key if isinstance(key, tuple) else (key,))): int(v) for key, v in g.items()}


def main(workdir, expected_path, blocks):
    with open(expected_path) as f:
        want = json.load(f)
    os.chdir(workdir)
    failures = []

    def check(block, what, got, exp):
        ok = got == exp
        if isinstance(exp, float) and isinstance(got, (float, int)):
            ok = math.isclose(got, exp, rel_tol=1e-6, abs_tol=1e-9)
        print(f"block {block}: {what}: {'ok' if ok else 'MISMATCH'} (got {got!r}, want {exp!r})")
        if not ok:
            failures.append(f"block {block}: {what}")

    for n, path in enumerate(blocks, 1):
        with open(path) as f:
            code = f.read()
        ns = {"__name__": f"readme_block_{n}"}
        exec(compile(code, f"README.md python block {n}", "exec"), ns)
        for name in ["sp", "meta", "dt_ms", "pops", "spikes", "stats", "states", "weights", "rates", "run", "sweep", "sweep_stats"]:
            if name not in ns:
                failures.append(f"block {n}: defines no {name}")
        if failures:
            break

        sp = to_pandas(ns["sp"])
        check(n, "flat spikes: rows", len(sp), want["ai_spikes"])
        check(n, "flat spikes: columns", sorted(sp.columns), ["neuron", "population", "step", "t_ms"])
        check(n, "flat spikes: max t_ms", float(sp["t_ms"].max()), want["ai_max_t_ms"])
        check(n, "metadata: dt_ms", ns["dt_ms"], want["dt_ms"])
        check(n, "metadata: populations", ns["pops"], want["populations"])
        meta = ns["meta"]
        status = meta.get(b"dalesim.status", meta.get("dalesim.status"))
        check(n, "metadata: status", status.decode() if isinstance(status, bytes) else status, "complete")

        spikes = to_pandas(ns["spikes"])
        if hasattr(spikes, "columns"):  # polars group_by().len(): population, len
            spikes = dict(zip(spikes["population"], spikes["len"]))
        check(n, "spikes per population", {k: int(v) for k, v in dict(spikes).items()}, want["ai_by_population"])

        stats = to_pandas(ns["stats"])
        s = stats[(stats["scope"] == "population") & (stats["metric"] == "spikes")]
        check(n, "analysis.parquet: spikes per population", {r["name"]: int(r["value"]) for _, r in s.iterrows()}, want["ai_by_population"])

        states = to_pandas(ns["states"])
        check(n, "states (wide): rows", len(states), want["state_samples"])
        check(n, "states (wide): variables", sorted(c for c in states.columns if c in want["state_vars"]), sorted(want["state_vars"]))
        check(n, "states (wide): sum of v", float(states["v"].astype("float64").sum()), want["state_sum_v"])

        weights = to_pandas(ns["weights"])
        check(n, "weights: rows", len(weights), want["weight_rows"])
        check(n, "weights: sum", float(weights["weight"].astype("float64").sum()), want["weight_sum"])
        check(n, "weights: per projection", counts_by(weights, "projection"), want["weights_by_projection"])

        rates = to_pandas(ns["rates"])
        check(n, "rates: rows", len(rates), want["rate_rows"])
        check(n, "rates: sum", float(rates["rate_hz"].astype("float64").sum()), want["rate_sum"])

        run = to_pandas(ns["run"])
        check(n, "partitioned run: spikes per population", counts_by(run, "population"), want["sweep_by_run_population"]["g4"])

        for name in ["sweep"] + (["sweep_table"] if "sweep_table" in ns else []):
            sweep = to_pandas(ns[name])
            got = {}
            for k, v in counts_by(sweep, "run", "population").items():
                r, p = k.split("/")
                got.setdefault(r, {})[p] = v
            check(n, f"{name}: spikes per run and population", got, want["sweep_by_run_population"])
            check(n, f"{name}: rows", len(sweep), sum(sum(d.values()) for d in want["sweep_by_run_population"].values()))

        st = to_pandas(ns["sweep_stats"])
        st = st[(st["scope"] == "population") & (st["metric"] == "spikes")]
        got = {}
        for _, r in st.iterrows():
            got.setdefault(str(r["run"]), {})[r["name"]] = int(r["value"])
        check(n, "sweep analysis.parquet: spikes per run and population", got, want["sweep_by_run_population"])

    if failures:
        print("FAILED: " + "; ".join(failures))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
