#!/usr/bin/env python3
"""Convert a dalesim parameter directory (network.toml + Parquet, written by
`dalesim export params`) into a NIR graph (https://github.com/neuromorphs/NIR),
written with the official `nir` package (nir.write, NIR file format 1.0.x).

Usage: to_nir.py PARAMS_DIR OUT.nir [--relative]

With --relative, potentials are measured from each population's v_rest (v_leak = i_ext,
v_reset - v_rest, v_threshold - v_rest): the same dynamics for delta and cuba neurons,
in the form most NIR consumers assume (v_leak = 0, reset to 0).

Needs: nir (1.0.x), numpy, pyarrow. Shipped inside dalesim (go:embed) and run
by `dalesim export nir`; `dalesim export nir --print-script` prints it.

Mapping (times in seconds, NIR's convention; potentials in mV; weights signed):
  poisson / spike_source population -> nir.Input (shape = size)
  delta population  -> nir.LIF(tau = tau_m, r = tau_m, v_leak = v_rest + i_ext,
                       v_threshold = v_thresh + theta (per neuron), v_reset)
                       (r = tau: an input spike of weight w moves v by w mV)
  cuba population   -> nir.CubaLIF(tau_syn = tau_e (= tau_i), tau_mem = tau_m, r = 1,
                       w_in = tau_syn, ...) (a spike of weight w makes the current jump by w)
  coba population   -> refused: NIR has no conductance-based neuron
  projection        -> nir.Linear(weight = sign * W), W[post, pre] the summed magnitudes
  output population -> an edge to a nir.Output node
What NIR cannot carry (refractory period, delays, threshold adaptation, Poisson
drives, rates) is kept in each node's metadata and reported on stderr.
"""
import sys
import tomllib
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

import nir


def node_name(name):
    return name.replace("/", "_")


def main(params_dir, out, relative=False):
    d = Path(params_dir)
    with open(d / "network.toml", "rb") as f:
        p = tomllib.load(f)
    if not p.get("format", "").startswith("dalesim-params 1"):
        sys.exit(f"{d}: not a dalesim parameter directory (format = {p.get('format')!r})")
    dt_s = p["dt_ms"] * 1e-3
    ms = 1e-3
    nodes, edges, notes = {}, [], []
    pops = {q["name"]: q for q in p["population"]}
    for q in p["population"]:
        n, name = q["size"], node_name(q["name"])
        meta = {"dalesim_population": q["name"], "identity": q["identity"], "sign": q["sign"],
                "model": q["model"], "dt": dt_s}
        if q["model"] in ("poisson", "spike_source"):
            if "rate_hz" in q:
                meta["rate_hz"] = q["rate_hz"]
            nodes[name] = nir.Input(input_type={"input": np.array([n])}, metadata=meta)
            continue
        if q["model"] == "coba":
            sys.exit(f"population {q['name']!r}: model coba: NIR has no conductance-based neuron "
                     "(its LIF and CubaLIF are current-based); export a cuba or delta version of the network")
        theta = np.zeros(n, dtype=np.float32)
        if q.get("file"):
            t = pq.read_table(d / q["file"]).to_pydict()
            theta[np.asarray(t["neuron"])] = np.asarray(t["theta_mV"], dtype=np.float32)
        full = lambda v: np.full(n, v, dtype=np.float32)
        off = q["v_rest_mV"] if relative else 0.0
        meta["potential_origin_mV"] = off
        v_leak = full(q["v_rest_mV"] + q.get("i_ext_mV", 0.0) - off)
        v_thr = (full(q["v_thresh_mV"] - off) + theta).astype(np.float32)
        v_reset = full(q["v_reset_mV"] - off)
        tau_m = full(q["tau_m_ms"] * ms)
        for k in ("t_ref_ms", "theta_step_mV", "tau_theta_ms", "v_rest_mV", "i_ext_mV", "refractory_input"):
            if k in q:
                meta[k] = q[k]
        if q.get("t_ref_ms", 0) > 0:
            notes.append(f"{q['name']}: refractory period {q['t_ref_ms']} ms dropped (NIR has none; kept in metadata t_ref_ms)")
        if q.get("theta_step_mV", 0) > 0:
            notes.append(f"{q['name']}: adaptive threshold (theta_step {q['theta_step_mV']} mV) frozen at its exported value")
        if np.any(theta != 0):
            meta["theta_mV_folded_into_v_threshold"] = 1
        if q["model"] == "delta":
            nodes[name] = nir.LIF(tau=tau_m, r=tau_m.copy(), v_leak=v_leak, v_threshold=v_thr, v_reset=v_reset, metadata=meta)
        elif q["model"] == "cuba":
            te, ti = q["tau_e_ms"], q["tau_i_ms"]
            if abs(te - ti) > 1e-9 * max(te, ti):
                sys.exit(f"population {q['name']!r}: tau_e_ms = {te} differs from tau_i_ms = {ti}: "
                         "a NIR CubaLIF has one synaptic time constant per neuron")
            tau_s = full(te * ms)
            nodes[name] = nir.CubaLIF(tau_syn=tau_s, tau_mem=tau_m, r=full(1.0), v_leak=v_leak,
                                      v_threshold=v_thr, v_reset=v_reset, w_in=tau_s.copy(), metadata=meta)
        else:
            sys.exit(f"population {q['name']!r}: model {q['model']!r} has no NIR node")
    for e in p.get("projection", []):
        src, tgt = pops[e["source"]], pops[e["target"]]
        t = pq.read_table(d / e["file"]).to_pydict()
        w = np.zeros((tgt["size"], src["size"]), dtype=np.float32)
        np.add.at(w, (np.asarray(t["post"]), np.asarray(t["pre"])), np.asarray(t["weight"], dtype=np.float32))
        w *= e["sign"]
        meta = {"dalesim_projection": e["name"], "sign": e["sign"], "channel": e["channel"],
                "weight_unit": e["weight_unit"], "delay_steps_min": e["delay_steps_min"],
                "delay_steps_max": e["delay_steps_max"], "delay_min_s": e["delay_steps_min"] * dt_s,
                "delay_max_s": e["delay_steps_max"] * dt_s}
        if e["delay_steps_max"] > 1:
            notes.append(f"{e['name']}: delays up to {e['delay_steps_max']} steps dropped (NIR edges have no delay; kept in metadata)")
        pn = node_name(e["name"])
        if pn in nodes:
            pn = "proj_" + pn
        nodes[pn] = nir.Linear(weight=w, metadata=meta)
        edges += [(node_name(e["source"]), pn), (pn, node_name(e["target"]))]
    outs = p.get("outputs", [])
    for o in outs:
        on = "output" if len(outs) == 1 else "output_" + node_name(o)
        nodes[on] = nir.Output(output_type={"output": np.array([pops[o]["size"]])},
                               metadata={"dalesim_population": o})
        edges.append((node_name(o), on))
    for dr in p.get("drive", []):
        notes.append(f"drive {dr.get('name')!r} onto {dr['target']}: external Poisson drive dropped (NIR has no noise source)")
    gmeta = {"generator": "dalesim " + p.get("dalesim_version", ""), "format": p["format"], "name": p.get("name", ""),
             "dt": dt_s, "dt_ms": p["dt_ms"], "time_unit": "s", "potential_unit": "mV",
             "potentials": "relative to each population's v_rest (metadata v_rest_mV)" if relative else "absolute",
             "weight_unit": "mV per spike (delta: jump of v; cuba: jump of the synaptic current)",
             "identities": ",".join(f"{q['name']}={q['identity']}" for q in p["population"]),
             "not_represented": "; ".join(notes)}
    c = p.get("classifier")
    if c:
        gmeta.update({"classifier_input": c["input"], "classifier_readout": c["readout"],
                      "classes": np.asarray(c["classes"]), "readout_per_class": c["readout_per_class"],
                      "input_rate_hz": c["input_rate_hz"], "presentation_ms": c["presentation_ms"],
                      "decision": c["decision"]})
    g = nir.NIRGraph(nodes=nodes, edges=edges, metadata=gmeta)
    nir.write(out, g)
    for s in notes:
        print("note:", s, file=sys.stderr)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--relative"]
    if len(args) != 2:
        sys.exit(__doc__)
    main(args[0], args[1], relative="--relative" in sys.argv[1:])
