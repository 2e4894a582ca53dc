"""nwbconv: dalesim's converter between spike lists and NWB 2.x files.

dalesim embeds this script (package internal/nwbconv) and runs it with the
interpreter named by DALESIM_PYTHON, else python3. It needs pynwb and pyarrow:

    pip install -r tools/python/requirements.txt

Two commands, also usable by hand:

  to-nwb LIST.parquet META.json OUT.nwb
      LIST holds one row per spike (population, neuron, step) of a dalesim run;
      META is the run's metadata (populations with sizes and identities, dt_ms,
      duration_ms, version, spec, seed, start_time, run_id). Writes a Units
      table: one unit per neuron (silent ones too) with its spike times in
      seconds, the columns population, identity and neuron (index in the
      population), and obs_intervals [0, duration]. The spec goes to
      /general/source_script, the dalesim version and run settings (JSON) to
      /general/notes.

  from-nwb IN.nwb OUT.parquet
      Turns the Units table of any NWB file into a spike list (neuron, t_ms,
      group): neuron is the "neuron" column if present, else the unit id;
      group is the "population" column, else the unit's electrode group, else
      "all"; a unit without spikes gives one row with a null t_ms. The footer
      carries dalesim.duration_ms (the end of the observation intervals) and,
      for files dalesim wrote, dalesim.dt_ms, dalesim.populations (with
      identities), dalesim.version, dalesim.spec and dalesim.seed.

Exit status 2 means bad input (the message says what), 3 a missing module.
"""

import json
import sys

BAD_INPUT = 2
MISSING_MODULE = 3


class BadInput(Exception):
    pass


def need_modules():
    try:
        import numpy  # noqa: F401
        import pyarrow  # noqa: F401
        import pynwb  # noqa: F401
    except ImportError as e:
        sys.stderr.write(
            "%s: NWB support needs pynwb and pyarrow in this Python (%s): "
            "pip install -r tools/python/requirements.txt\n" % (e, sys.executable))
        sys.exit(MISSING_MODULE)


def to_nwb(list_path, meta_path, out_path):
    import datetime
    import uuid

    import numpy as np
    import pyarrow.parquet as pq
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.file import Subject
    from pynwb.misc import Units
    from hdmf.common import ElementIdentifiers, VectorData, VectorIndex

    with open(meta_path) as f:
        meta = json.load(f)
    tbl = pq.read_table(list_path)
    pops = tbl.column("population").to_pylist() if tbl.num_rows else []
    neuron = tbl.column("neuron").to_numpy() if tbl.num_rows else np.zeros(0, np.int64)
    step = tbl.column("step").to_numpy() if tbl.num_rows else np.zeros(0, np.int64)
    dt_ms = float(meta["dt_ms"])
    dur_s = float(meta["duration_ms"]) / 1000.0

    start = meta.get("start_time") or ""
    try:
        start = datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
    except ValueError:
        start = None
    if start is None or start.year < 1900:
        start = datetime.datetime.now(datetime.timezone.utc)
    if start.tzinfo is None:
        start = start.replace(tzinfo=datetime.timezone.utc)

    notes = {
        "generator": "dalesim",
        "dalesim_version": meta.get("version", ""),
        "dt_ms": dt_ms,
        "duration_ms": float(meta["duration_ms"]),
        "seed": meta.get("seed", 0),
        "run_id": meta.get("run_id", ""),
        "status": meta.get("status", ""),
        "populations": meta["populations"],
    }
    names = ", ".join("%s (%d %s)" % (p["name"], p["size"], p["identity"] or "neurons") for p in meta["populations"])
    nwb = NWBFile(
        session_description="dalesim %s simulation of spiking LIF populations under Dale's law: %s; "
        "spikes recorded every %g ms for %g s" % (meta.get("version", ""), names, dt_ms, dur_s),
        identifier=meta.get("run_id") or str(uuid.uuid4()),
        session_start_time=start,
        source_script=meta.get("spec", ""),
        source_script_file_name="spec.toml",
        notes=json.dumps(notes, sort_keys=True),
        experiment_description="simulation of spiking LIF populations under Dale's law with dalesim",
        keywords=["simulation", "spiking neural network", "Dale's law", "dalesim"],
        data_collection="simulated with dalesim %s from the spec in source_script; spike times are "
        "multiples of the time step dt_ms given in notes" % meta.get("version", ""),
    )
    # A simulation has no animal; the subject says so (nwbinspector and DANDI
    # want a subject), with sex "U" (unknown) and no species. Its date of
    # birth is when the simulated network was built: the start of the run.
    nwb.subject = Subject(subject_id="dalesim-simulation", sex="U", date_of_birth=start,
                          description="no animal: a network of simulated LIF neurons (dalesim), "
                          "built at the start of the run (date_of_birth); it has no species")
    # Spike times per (population, neuron), built as whole columns (add_unit
    # per neuron takes ~2 ms each): sort by population, neuron, step.
    pop_index = {p["name"]: i for i, p in enumerate(meta["populations"])}
    sizes = np.array([p["size"] for p in meta["populations"]], dtype=np.int64)
    first = np.concatenate(([0], np.cumsum(sizes)[:-1]))  # unit id of each population's neuron 0
    pcode = np.array([pop_index[p] for p in pops], dtype=np.int64)
    order = np.lexsort((step, neuron, pcode))
    unit = (first[pcode] + neuron)[order]
    times = step[order].astype(np.float64) * (dt_ms / 1000.0)
    n = int(sizes.sum())
    ends = np.searchsorted(unit, np.arange(n), side="right")
    population = [p["name"] for p in meta["populations"] for _ in range(p["size"])]
    identity = [p["identity"] for p in meta["populations"] for _ in range(p["size"])]
    index = np.concatenate([np.arange(p["size"]) for p in meta["populations"]]) if n else np.zeros(0, np.int64)

    st = VectorData(name="spike_times", data=times, description="the spike times for each unit in seconds")
    obs = VectorData(name="obs_intervals", data=np.tile([0.0, dur_s], (n, 1)),
                     description="the observation intervals for each unit")
    columns = [
        st, VectorIndex(name="spike_times_index", data=ends, target=st),
        obs, VectorIndex(name="obs_intervals_index", data=np.arange(1, n + 1), target=obs),
        VectorData(name="population", data=population, description="dalesim population of the neuron"),
        VectorData(name="identity", data=identity,
                   description="identity of the population under Dale's law: excitatory or inhibitory"),
        VectorData(name="neuron", data=index, description="index of the neuron within its population"),
    ]
    # Spike times are multiples of dt: that is their resolution.
    nwb.units = Units(name="units", description="simulated neurons, one unit per neuron (silent ones too)",
                      resolution=dt_ms / 1000.0, id=ElementIdentifiers(name="id", data=np.arange(n)),
                      columns=columns)
    with NWBHDF5IO(out_path, "w") as io:
        io.write(nwb)


def from_nwb(in_path, out_path):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pynwb import NWBHDF5IO

    try:
        io = NWBHDF5IO(in_path, "r")
        nwb = io.read()
    except Exception as e:  # h5py and hdmf raise many kinds
        raise BadInput("not a readable NWB 2.x file: %s: %s" % (type(e).__name__, e))
    try:
        units = nwb.units
        if units is None:
            raise BadInput("has no Units table (/units): spike trains of sorted units are needed")
        cols = set(units.colnames)
        if "spike_times" not in cols:
            raise BadInput("its Units table has no spike_times column")
        n = len(units.id)
        ids = np.asarray(units.id.data[:], dtype=np.int64)
        flat = np.asarray(units.spike_times.data[:], dtype=np.float64)
        ends = np.asarray(units.spike_times_index.data[:], dtype=np.int64)
        starts = np.concatenate(([0], ends[:-1])) if n else ends
        neuron = np.asarray(units["neuron"].data[:], dtype=np.int64) if "neuron" in cols else ids
        if "population" in cols:
            group = [str(g) for g in units["population"].data[:]]
        elif "electrode_group" in cols:
            group = [g.name for g in units["electrode_group"].data[:]]
        else:
            group = ["all"] * n
        identity = [str(x) for x in units["identity"].data[:]] if "identity" in cols else None
        duration_ms = None
        if "obs_intervals" in cols:
            iv = np.asarray(units.obs_intervals.data[:], dtype=np.float64)
            if iv.size:
                duration_ms = float(iv[:, 1].max()) * 1000.0

        out_neuron, out_t, out_group = [], [], []
        for i in range(n):
            t = flat[starts[i]:ends[i]]
            if t.size and not np.all(np.isfinite(t)):
                raise BadInput("unit %d has a spike time that is not a finite number" % ids[i])
            if t.size and t.min() < 0:
                raise BadInput("unit %d has a negative spike time (%g s)" % (ids[i], t.min()))
            if t.size > 1 and np.any(np.diff(t) < 0):
                k = int(np.flatnonzero(np.diff(t) < 0)[0])
                raise BadInput("unit %d: spike times are not sorted (%g s after %g s)" % (ids[i], t[k + 1], t[k]))
            if t.size == 0:
                out_neuron.append(np.array([neuron[i]]))
                out_t.append(np.array([np.nan]))
                out_group.extend([group[i]])
            else:
                out_neuron.append(np.full(t.size, neuron[i]))
                out_t.append(t * 1000.0)
                out_group.extend([group[i]] * t.size)
        if n == 0:
            raise BadInput("its Units table has no units")
        tms = np.concatenate(out_t)
        table = pa.table({
            "neuron": pa.array(np.concatenate(out_neuron), type=pa.int64()),
            "t_ms": pa.array(tms, type=pa.float64(), mask=np.isnan(tms)),
            "group": pa.array(out_group, type=pa.string()),
        })
        kv = {}
        if duration_ms is not None:
            kv["dalesim.duration_ms"] = repr(duration_ms)
        notes = None
        try:
            notes = json.loads(nwb.notes) if nwb.notes else None
        except ValueError:
            pass
        if isinstance(notes, dict) and notes.get("generator") == "dalesim":
            kv["dalesim.dt_ms"] = repr(float(notes["dt_ms"]))
            kv["dalesim.version"] = str(notes.get("dalesim_version", ""))
            kv["dalesim.seed"] = str(int(notes.get("seed", 0)))
            kv["dalesim.populations"] = json.dumps(notes.get("populations", []))
            if nwb.source_script:
                kv["dalesim.spec"] = nwb.source_script
            if notes.get("run_id"):
                kv["dalesim.run_id"] = notes["run_id"]
            if notes.get("status"):
                kv["dalesim.status"] = notes["status"]
        elif identity is not None:
            pops, seen = [], set()
            for g, ident in zip(group, identity):
                if g not in seen:
                    seen.add(g)
                    pops.append({"name": g, "size": 0, "identity": ident})
            kv["dalesim.populations"] = json.dumps(pops)
        table = table.replace_schema_metadata(kv)
        pq.write_table(table, out_path)
    finally:
        io.close()


def main(argv):
    if len(argv) < 2 or argv[1] not in ("to-nwb", "from-nwb"):
        sys.stderr.write(__doc__)
        return BAD_INPUT
    need_modules()
    try:
        if argv[1] == "to-nwb" and len(argv) == 5:
            to_nwb(argv[2], argv[3], argv[4])
        elif argv[1] == "from-nwb" and len(argv) == 4:
            from_nwb(argv[2], argv[3])
        else:
            sys.stderr.write(__doc__)
            return BAD_INPUT
    except BadInput as e:
        sys.stderr.write("%s\n" % e)
        return BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
