# Wrapper around coba.py (unchanged copy of the project's COBA anchor): runs it as __main__ with the same
# argv/env (so the simulation and its first output lines are exactly coba.py's), then adds one line of
# statistics computed from coba.py's SpikeMonitor: mean CV of ISI for E and I (neurons with >= 3 spikes,
# as brunel.py), population-rate CV at 1 ms bins, and synaptic events per Brian-reported run second.
# Usage: DUR=10 /usr/bin/python3 coba_cv.py cpp_standalone euler
import os, sys, runpy
import numpy as np
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from spike_stats import mean_cv_isi, pop_rate_cv
sys.argv[0] = os.path.join(here, 'coba.py')
g = runpy.run_path(sys.argv[0], run_name='__main__')
M, DUR, target, ev = g['M'], g['DUR'], g['target'], g['ev']
i = np.asarray(M.i); t = np.asarray(M.t_[:])
cvE, nE = mean_cv_isi(i[i < 3200], t[i < 3200]); cvI, nI = mean_cv_isi(i[i >= 3200], t[i >= 3200])
rt = g['device']._last_run_time if target == 'cpp_standalone' else (g['t2']-g['t1'])
print(f"coba stats: dur={DUR}s meanCV_ISI_E={cvE:.3f} (n={nE}) meanCV_ISI_I={cvI:.3f} (n={nI}) popRate_CV(1ms)={pop_rate_cv(t, DUR):.3f} "
      f"popRate_CV_E(1ms)={pop_rate_cv(t[i < 3200], DUR):.3f} popRate_CV_I(1ms)={pop_rate_cv(t[i >= 3200], DUR):.3f} run_time_reported={rt:.3f}s syn_events_per_run_s={ev/rt:.3e}")
