# Recomputes the spike-train statistics of `dalesim analyze` with Elephant
# (elephant.statistics, elephant.spike_train_correlation, elephant.conversion)
# on the spike trains of a flat run, for cli/elephant_test.go.
#
# usage: python elephant_agree.py RUN_DIR ANALYZE_JSON
#
# RUN_DIR is read with pyarrow (spikes.parquet, its dalesim.* metadata);
# ANALYZE_JSON is `dalesim analyze RUN_DIR --json`, used only for the options
# (window, bins, cross-correlogram groups) and the pairs dalesim sampled
# (corr_pair_list); every statistic is recomputed here. Prints JSON:
# {"populations": {name: {metric: value}}, "ccg": {"lags_ms": [], "counts": []}}
# with the metric names of the analyze JSON.
#
# Convention mapping, where Elephant has no one-call equivalent:
#   - spike trains: neo.SpikeTrain of t = step * dt_ms in the half-open window
#     [from, to) (dalesim drops a spike at exactly `to`; neo would keep it);
#   - rates: per neuron elephant.statistics.mean_firing_rate (of the array of
#     spike times with t_start, t_stop: spikes / duration) in Hz; the
#     population's mean rate is their mean, its SD the sample SD (ddof 1), its
#     percentiles numpy's method="inverted_cdf" (gonum stat.Empirical: the
#     smallest rate with at least p*N rates <= it);
#   - CV, LV: elephant.statistics.cv and lv of elephant.statistics.isi per
#     neuron with >= 3 spikes, averaged over those neurons (cv is
#     scipy.stats.variation, ddof 0);
#   - Fano factor: elephant.statistics.fanofactor applies to spike counts
#     across a list of trains (trials). dalesim's per-neuron Fano factor over
#     consecutive windows is fanofactor of the list of the neuron's train cut
#     into the half-open windows [from + k*w, from + (k+1)*w), k < floor((to -
#     from)/w), each window a "trial" of its own (not SpikeTrain.time_slice,
#     which keeps a spike at the right edge in two windows); averaged over
#     neurons with a spike in [from, to) whose Fano factor is defined;
#   - correlation: elephant.spike_train_correlation.correlation_coefficient
#     (binary=False) of the BinnedSpikeTrain of the neurons of the pairs of
#     corr_pair_list, read at each pair (the pairs
#     dalesim drew; see analysis.SamplePairs), skipping NaN (a constant
#     count vector); mean and sample SD (ddof 1) over the pairs;
#   - cross-correlogram: cross_correlation_histogram (method "memory",
#     no border correction) of the BinnedSpikeTrains of the group-merged
#     trains (the first N neurons of each group);
#   - synchrony: Elephant has neither measure. sync_cv is
#     elephant.statistics.cv of time_histogram(output="counts"); Golomb's chi
#     is computed with numpy from BinnedSpikeTrain.to_array():
#     chi^2 = var_t(mean_i x_i(t)) / mean_i var_t(x_i(t)), ddof 0, all neurons.

import json
import math
import sys
import warnings

import numpy as np
import pyarrow.parquet as pq
import quantities as pq_u
import neo
from elephant import statistics as es
from elephant import spike_train_correlation as stc
from elephant.conversion import BinnedSpikeTrain

warnings.simplefilter("ignore")  # Elephant warns on constant binned trains (NaN correlation)

ms = pq_u.ms


def main(run_dir, analyze_json):
    with open(analyze_json) as f:
        a = json.load(f)
    opt = a["options"]
    t0, t1 = float(a["from_ms"]), float(a["to_ms"])

    table = pq.read_table(run_dir + "/spikes.parquet")
    kv = pq.read_metadata(run_dir + "/spikes.parquet").metadata
    dt = float(kv[b"dalesim.dt_ms"])
    sizes = {p["name"]: p["size"] for p in json.loads(kv[b"dalesim.populations"])}
    step = table.column("step").to_numpy()
    pop = np.asarray(table.column("population").to_pylist())
    neuron = table.column("neuron").to_numpy()
    t = step * dt  # float64, as dalesim's step * dt_ms

    def trains_of(name):
        sel = (pop == name) & (t >= t0) & (t < t1)
        tt, nn = t[sel], neuron[sel]
        order = np.lexsort((tt, nn))  # by neuron, then time
        tt, nn = tt[order], nn[order]
        cuts = np.searchsorted(nn, np.arange(1, sizes[name]))
        return np.split(tt, cuts)  # one array of spike times (ms) per neuron

    def neo_trains(arrays):
        return [neo.SpikeTrain(x, units=ms, t_start=t0 * ms, t_stop=t1 * ms) for x in arrays]

    def nan_to_none(x):
        x = float(x)
        return None if math.isnan(x) or math.isinf(x) else x

    result = {"populations": {}}
    trains = {}
    for ps in a["populations"]:
        name = ps["name"]
        xs = trains_of(name)  # plain arrays where Elephant takes them (quantities is slow)
        sts = neo_trains(xs)  # neo.SpikeTrains for the binned statistics
        trains[name] = xs
        r = {}

        # mean_firing_rate of an array: spikes / (t_stop - t_start), in 1/ms
        # (it refuses an empty array: a silent neuron's SpikeTrain then).
        rates = np.array([1000 * float(np.asarray(es.mean_firing_rate(x, t_start=t0, t_stop=t1) if len(x) else
                                                  es.mean_firing_rate(st))) for x, st in zip(xs, sts)])
        r["spikes"] = int(sum(len(x) for x in xs))
        r["mean_rate_hz"] = rates.mean()
        r["rate_sd_hz"] = rates.std(ddof=1) if len(rates) > 1 else 0.0
        for key, p in [("p5_hz", 5), ("p25_hz", 25), ("median_hz", 50), ("p75_hz", 75), ("p95_hz", 95)]:
            r["rate_" + key] = float(np.percentile(rates, p, method="inverted_cdf"))
        r["fraction_silent"] = float(np.mean(rates == 0))

        cvs, lvs = [], []
        for x in xs:
            if len(x) >= 3:
                isi = es.isi(x)
                cvs.append(float(es.cv(isi)))
                lvs.append(float(es.lv(isi)))
        r["cv_isi"] = np.mean(cvs) if cvs else math.nan
        r["lv"] = np.mean(lvs) if lvs else math.nan
        r["isi_neurons"] = len(cvs)

        w = float(opt["FanoWindowMS"])
        nw = int(math.floor((t1 - t0) / w + 1e-9))
        ffs = []
        if nw >= 2:
            for x in xs:
                if len(x) == 0:
                    continue
                windows = [x[(x >= t0 + k * w) & (x < t0 + (k + 1) * w)] for k in range(nw)]
                f = es.fanofactor(windows)
                if not math.isnan(f):
                    ffs.append(f)
        r["fano"] = np.mean(ffs) if ffs else math.nan
        r["fano_neurons"] = len(ffs)

        cb = float(opt["CorrBinMS"]) * ms
        cs = []
        pairs = ps["corr_pair_list"] or []
        if pairs:
            # One matrix over the neurons of the pairs; entry (i, j) is the
            # pair's coefficient, as for a BinnedSpikeTrain of the pair alone.
            ids = sorted({n for p in pairs for n in p})
            row = {n: k for k, n in enumerate(ids)}
            cc = stc.correlation_coefficient(BinnedSpikeTrain([sts[n] for n in ids], bin_size=cb, t_start=t0 * ms, t_stop=t1 * ms))
            for i, j in pairs:
                c = cc[row[i], row[j]]
                if not math.isnan(c):
                    cs.append(c)
        r["corr"] = np.mean(cs) if cs else math.nan
        r["corr_sd"] = (np.std(cs, ddof=1) if len(cs) > 1 else 0.0) if cs else math.nan
        r["corr_pairs"] = len(cs)

        sb = float(opt["SyncBinMS"]) * ms
        counts = es.time_histogram(sts, bin_size=sb, t_start=t0 * ms, t_stop=t1 * ms, output="counts").magnitude[:, 0]
        r["sync_cv"] = float(es.cv(counts)) if counts.mean() > 0 else math.nan
        x = BinnedSpikeTrain(sts, bin_size=sb, t_start=t0 * ms, t_stop=t1 * ms).to_array().astype(float)
        num = x.mean(axis=0).var()
        den = x.var(axis=1).mean()
        r["sync_chi"] = math.sqrt(num / den) if den > 0 else math.nan

        result["populations"][name] = {k: (nan_to_none(v) if isinstance(v, float) or isinstance(v, np.floating) else v)
                                       for k, v in r.items()}

    if a.get("ccg"):
        c = a["ccg"]

        def group(g):
            xs = trains[g["population"]]
            n = g.get("neurons") or 0
            if 0 < n < len(xs):
                xs = xs[:n]
            merged = np.sort(np.concatenate(xs))
            return neo.SpikeTrain(merged * ms, t_start=t0 * ms, t_stop=t1 * ms)

        bin_ms = float(c["ccg"]["bin_ms"])
        K = int(round(float(opt["CCGWindowMS"]) / bin_ms))
        ba = BinnedSpikeTrain(group(c["a"]), bin_size=bin_ms * ms, t_start=t0 * ms, t_stop=t1 * ms)
        bb = BinnedSpikeTrain(group(c["b"]), bin_size=bin_ms * ms, t_start=t0 * ms, t_stop=t1 * ms)
        cch, lags = stc.cross_correlation_histogram(ba, bb, window=[-K, K], border_correction=False,
                                                    binary=False, kernel=None, method="memory")
        result["ccg"] = {"lags_ms": [float(l) * bin_ms for l in lags], "counts": [float(v) for v in cch.magnitude[:, 0]]}

    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
