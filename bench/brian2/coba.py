# COPY of the project's anchor /work/shared/anchors/brian2/coba.py (kept here so the repo is self-contained).
# Everything below this header is byte-identical to the anchor; do not edit - change the anchor and re-copy.
# Brette et al. 2007 Benchmark 1 (COBA LIF), Brian1 misc/COBA.py parameters, ported to Brian2.
# Usage: DUR=10 /usr/bin/python3 coba.py cpp_standalone euler   (Debian package python3-brian; compile ~20 s, then the run)
import sys, time, os, tempfile
target = sys.argv[1] if len(sys.argv) > 1 else 'numpy'
method = sys.argv[2] if len(sys.argv) > 2 else 'exact'
from brian2 import *
if target == 'cpp_standalone':
    set_device('cpp_standalone', directory=os.path.join(os.environ.get('BRIAN_WORK', os.path.join(tempfile.gettempdir(), 'brian_anchor')), 'standalone_'+method), build_on_run=False)
else:
    prefs.codegen.target = target
seed(12345)
defaultclock.dt = 0.1*ms
taum = 20*ms; taue = 5*ms; taui = 10*ms
Ee = (0.+60.)*mV; Ei = (-80.+60.)*mV
eqs = '''
dv/dt = (-v + ge*(Ee-v) + gi*(Ei-v))/taum : volt (unless refractory)
dge/dt = -ge/taue : 1
dgi/dt = -gi/taui : 1
'''
t0 = time.time()
P = NeuronGroup(4000, eqs, threshold='v>10*mV', reset='v=0*mV', refractory=5*ms, method=method)
we = 6./10.; wi = 67./10.
Ce = Synapses(P[:3200], P, on_pre='ge += we')
Ci = Synapses(P[3200:], P, on_pre='gi += wi')
Ce.connect(p=0.02); Ci.connect(p=0.02)
P.v = '(randn()*5 - 5)*mV'
P.ge = 'randn()*1.5 + 4'
P.gi = 'randn()*12 + 20'
M = SpikeMonitor(P)
t1 = time.time()
DUR = float(os.environ.get("DUR", "1"))
run(DUR*second, report=None)
if target == 'cpp_standalone':
    device.build(directory=os.path.join(os.environ.get('BRIAN_WORK', os.path.join(tempfile.gettempdir(), 'brian_anchor')), 'standalone_'+method), compile=True, run=True, debug=False)
t2 = time.time()
n = M.num_spikes
i = np.asarray(M.i)
ne = int((i < 3200).sum()); ni = n - ne
nsyn = len(Ce) + len(Ci)
# synaptic events = sum over spikes of outdegree
outdeg = np.bincount(np.concatenate([np.asarray(Ce.i), np.asarray(Ci.i)+3200]), minlength=4000)
ev = int(outdeg[i].sum())
print(f"target={target} method={method} build_s={t1-t0:.2f} run_wall_s={t2-t1:.2f} synapses={nsyn} spikes={n} rateE={ne/3200/DUR:.2f}Hz rateI={ni/800/DUR:.2f}Hz dur={DUR}s syn_events={ev} events_per_wall_s={ev/(t2-t1):.3e}")
if target == 'cpp_standalone':
    print('standalone_reported_run_time_s', device._last_run_time)
