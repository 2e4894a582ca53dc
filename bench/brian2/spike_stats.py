# Spike-train statistics shared by cuba.py and coba_cv.py.
# Same method as brunel.py (the project's anchor):
#   mean CV of ISI  = mean over neurons with >= 3 spikes of std(ISI)/mean(ISI), whole run incl. transient
#   popRate_CV(1ms) = std/mean of the spike-count histogram of all given spikes in 1 ms bins over [0, DUR)
import numpy as np


def mean_cv_isi(i, t):
    """i: neuron indices, t: spike times (s). Returns (mean CV, number of neurons used)."""
    i = np.asarray(i); t = np.asarray(t)
    if len(i) == 0:
        return float('nan'), 0
    order = np.lexsort((t, i)); i_s, t_s = i[order], t[order]
    bounds = np.flatnonzero(np.diff(i_s)) + 1
    cvs = []
    for seg_t in np.split(t_s, bounds):
        if len(seg_t) >= 3:
            isi = np.diff(seg_t); cvs.append(isi.std() / isi.mean())
    return (float(np.mean(cvs)) if cvs else float('nan')), len(cvs)


def pop_rate_cv(t, dur, bin_s=1e-3):
    h, _ = np.histogram(np.asarray(t), bins=int(round(dur / bin_s)), range=(0, dur))
    return float(h.std() / max(h.mean(), 1e-9))
