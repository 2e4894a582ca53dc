# COPY of the project's anchor /work/shared/anchors/brian2/brunel.py (kept here so the repo is self-contained).
# Everything below this header is byte-identical to the anchor; do not edit - change the anchor and re-copy.
# Brunel (2000) model A (delta synapses), parameters as in NEST brunel_delta_nest.py
# Usage: DUR=1 /usr/bin/python3 brunel.py G ETA TAG   e.g. 5 2 AI | 3 2 SR | 6 4 SIfast | 4.5 0.9 SIslow (Debian python3-brian)
import sys, os, time, tempfile
from brian2 import *
g = float(sys.argv[1]); eta = float(sys.argv[2]); tag = sys.argv[3]
DUR = float(os.environ.get('DUR', '1'))
d = os.path.join(os.environ.get('BRIAN_WORK', os.path.join(tempfile.gettempdir(), 'brian_anchor')), 'sa_brunel_'+tag)
set_device('cpp_standalone', directory=d, build_on_run=False)
seed(2000)
defaultclock.dt = 0.1*ms
NE, NI = 10000, 2500; eps = 0.1; CE, CI = int(eps*NE), int(eps*NI)
tau = 20*ms; theta = 20*mV; Vr = 10*mV; J = 0.1*mV; D = 1.5*ms
nu_thr = theta/(J*CE*tau); nu_ext = eta*nu_thr
P = NeuronGroup(NE+NI, 'dv/dt = -v/tau : volt (unless refractory)', threshold='v>theta', reset='v=Vr', refractory=2*ms, method='exact')
Se = Synapses(P[:NE], P, on_pre='v += J', delay=D)
Si = Synapses(P[NE:], P, on_pre='v += -g*J', delay=D)
# fixed in-degree
Se.connect(i=np.random.RandomState(1).randint(0, NE, size=CE*(NE+NI)), j=np.repeat(np.arange(NE+NI), CE))
Si.connect(i=np.random.RandomState(2).randint(0, NI, size=CI*(NE+NI)), j=np.repeat(np.arange(NE+NI), CI))
ext = PoissonInput(P, 'v', N=CE, rate=nu_ext, weight=J)
M = SpikeMonitor(P)
run(DUR*second, report=None)
t0=time.time(); device.build(directory=d, compile=True, run=True, debug=False); t1=time.time()
i = np.asarray(M.i); t = np.asarray(M.t/second); rt = device._last_run_time
nsp = len(i); ev_rec = nsp*0  # recurrent events = spikes * outdegree
outdeg = np.bincount(np.concatenate([np.asarray(Se.i), np.asarray(Si.i)+NE]), minlength=NE+NI)
ev = int(outdeg[i].sum())
rate = nsp/(NE+NI)/DUR
cvs=[]
order = np.lexsort((t, i)); i_s, t_s = i[order], t[order]
bounds = np.flatnonzero(np.diff(i_s))+1
for seg_t in np.split(t_s, bounds):
    if len(seg_t) >= 3:
        isi = np.diff(seg_t); cvs.append(isi.std()/isi.mean())
h,_ = np.histogram(t, bins=int(DUR/1e-3), range=(0,DUR))
sync = h.std()/max(h.mean(),1e-9)
print(f"brunel {tag}: g={g} eta={eta} dur={DUR}s run_time_reported={rt:.3f}s synapses={len(Se)+len(Si)} rate={rate:.2f}Hz meanCV_ISI={np.mean(cvs) if cvs else float('nan'):.3f} popRate_CV(1ms)={sync:.3f} recurrent_events={ev} recurrent_events_per_run_s={ev/rt:.3e} ext_poisson_inputs_per_s={(NE+NI)*CE*float(nu_ext/Hz):.3e}")
