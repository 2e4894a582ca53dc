# Brette et al. 2007 Benchmark 2 (CUBA LIF) = Brian2's examples/CUBA.py parameters,
# in the same style and output format as coba.py (the project's COBA anchor).
# Usage: DUR=10 /usr/bin/python3 cuba.py cpp_standalone   (Debian package python3-brian; compile ~20 s, then the run)
# Extra output line: mean CV of ISI per population (neurons with >= 3 spikes, as brunel.py) and population-rate CV (1 ms bins).
import sys, time, os, tempfile
target = sys.argv[1] if len(sys.argv) > 1 else 'numpy'
method = sys.argv[2] if len(sys.argv) > 2 else 'exact'
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spike_stats import mean_cv_isi, pop_rate_cv
from brian2 import *
if target == 'cpp_standalone':
    set_device('cpp_standalone', directory=os.path.join(os.environ.get('BRIAN_WORK', os.path.join(tempfile.gettempdir(), 'brian_anchor')), 'cuba_standalone_'+method), build_on_run=False)
else:
    prefs.codegen.target = target
seed(12345)
defaultclock.dt = 0.1*ms
taum = 20*ms; taue = 5*ms; taui = 10*ms
Vt = -50*mV; Vr = -60*mV; El = -49*mV
eqs = '''
dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
'''
t0 = time.time()
P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v=Vr', refractory=5*ms, method=method)
P.v = 'Vr + rand() * (Vt - Vr)'
P.ge = 0*mV
P.gi = 0*mV
we = (60*0.27/10)*mV  # excitatory synaptic weight (voltage)
wi = (-20*4.5/10)*mV  # inhibitory synaptic weight
Ce = Synapses(P[:3200], P, on_pre='ge += we')
Ci = Synapses(P[3200:], P, on_pre='gi += wi')
Ce.connect(p=0.02); Ci.connect(p=0.02)
M = SpikeMonitor(P)
t1 = time.time()
DUR = float(os.environ.get("DUR", "1"))
run(DUR*second, report=None)
if target == 'cpp_standalone':
    device.build(directory=os.path.join(os.environ.get('BRIAN_WORK', os.path.join(tempfile.gettempdir(), 'brian_anchor')), 'cuba_standalone_'+method), compile=True, run=True, debug=False)
t2 = time.time()
n = M.num_spikes
i = np.asarray(M.i); t = np.asarray(M.t/second)
ne = int((i < 3200).sum()); ni = n - ne
nsyn = len(Ce) + len(Ci)
# synaptic events = sum over spikes of outdegree
outdeg = np.bincount(np.concatenate([np.asarray(Ce.i), np.asarray(Ci.i)+3200]), minlength=4000)
ev = int(outdeg[i].sum())
print(f"cuba target={target} method={method} build_s={t1-t0:.2f} run_wall_s={t2-t1:.2f} synapses={nsyn} spikes={n} rateE={ne/3200/DUR:.2f}Hz rateI={ni/800/DUR:.2f}Hz dur={DUR}s syn_events={ev} events_per_wall_s={ev/(t2-t1):.3e}")
if target == 'cpp_standalone':
    print('standalone_reported_run_time_s', device._last_run_time)
cvE, nE = mean_cv_isi(i[i < 3200], t[i < 3200]); cvI, nI = mean_cv_isi(i[i >= 3200], t[i >= 3200])
rt = device._last_run_time if target == 'cpp_standalone' else (t2-t1)
print(f"cuba stats: dur={DUR}s meanCV_ISI_E={cvE:.3f} (n={nE}) meanCV_ISI_I={cvI:.3f} (n={nI}) popRate_CV(1ms)={pop_rate_cv(t, DUR):.3f} "
      f"popRate_CV_E(1ms)={pop_rate_cv(t[i < 3200], DUR):.3f} popRate_CV_I(1ms)={pop_rate_cv(t[i >= 3200], DUR):.3f} run_time_reported={rt:.3f}s syn_events_per_run_s={ev/rt:.3e}")
