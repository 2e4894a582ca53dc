# The dalesim benchmark networks in Brian2 cpp_standalone (tested with brian2 2.9.0 from PyPI), one JSON
# line per run, in the format of bench/nest/nets.py. The networks are those of the anchors in this
# directory: coba.py (Brette et al. 2007 benchmark 1, euler as run_all.sh runs it), cuba.py (benchmark 2,
# exact) and brunel.py (Brunel 2000 model A, fixed in-degree drawn with numpy as brunel.py does).
# The C++ project is compiled once; each further run re-runs the compiled binary (device.run) with a
# new results directory. Brian2 compiles its seed into main.cpp, so the script sets a placeholder seed
# and then makes main.cpp read the seed from the environment (DALESIM_BRIAN_SEED, set to each of --seeds
# in turn, plus the thread index as Brian2 does): every run is reproducible for its seed, and the runs are
# independent draws of connectivity (coba, cuba), initial state and Poisson drive (brunel: the drive
# only; its connectivity is drawn in Python from numpy RandomState(SEED), SEED the first of --seeds,
# once per compilation). Brian2's generator is not dalesim's: the same seed gives a different network.
# --threads N > 1 compiles with OpenMP (prefs.devices.cpp_standalone.openmp_threads = N).
# run_s is Brian's own run time of the compiled loop (device._last_run_time), without code generation,
# compilation or anything before the run.
# Usage: python bench/brian2/nets.py coba|cuba|brunel [--g 5 --eta 2] [--dur 1] [--threads 1] [--seeds 1,2]
#        [--scale 1]     (brunel only: fraction of the 12,500 neurons and of C_E, C_I, as dalesim's --scale)
import argparse, json, os, sys, tempfile, time, warnings

here = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, here)
from spike_stats import mean_cv_isi, pop_rate_cv  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('net', choices=['coba', 'cuba', 'brunel'])
ap.add_argument('--g', type=float, default=5.0)
ap.add_argument('--eta', type=float, default=2.0)
ap.add_argument('--dur', type=float, default=1.0, help='simulated seconds')
ap.add_argument('--threads', type=int, default=1)
ap.add_argument('--seeds', default='1')
ap.add_argument('--scale', type=float, default=1.0)
args = ap.parse_args()
seeds = [int(s) for s in args.seeds.split(',')]

warnings.filterwarnings('ignore', category=FutureWarning)
import numpy as np  # noqa: E402
import brian2  # noqa: E402
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, PoissonInput, set_device, device, defaultclock,  # noqa: E402
                    prefs, run, ms, mV, second, Hz)
brian2.BrianLogger.log_level_error()

work = os.environ.get('BRIAN_WORK')
if not work:  # a temporary directory of our own, removed at exit
    import atexit, shutil
    work = tempfile.mkdtemp(prefix='dalesim_brian_')
    atexit.register(shutil.rmtree, work, True)
tag = f'{args.net}_g{args.g}_eta{args.eta}_s{args.scale}_t{args.threads}'
d = os.path.join(work, 'nets_' + tag)
set_device('cpp_standalone', directory=d, build_on_run=False)
SEED_MARK = 918273645  # replaced in main.cpp by the seed from the environment (see the top)
brian2.seed(SEED_MARK)
prefs.devices.cpp_standalone.openmp_threads = args.threads if args.threads > 1 else 0
defaultclock.dt = 0.1 * ms

if args.net == 'coba':  # coba.py
    taum = 20*ms; taue = 5*ms; taui = 10*ms
    Ee = (0.+60.)*mV; Ei = (-80.+60.)*mV
    eqs = '''
dv/dt = (-v + ge*(Ee-v) + gi*(Ei-v))/taum : volt (unless refractory)
dge/dt = -ge/taue : 1
dgi/dt = -gi/taui : 1
'''
    P = NeuronGroup(4000, eqs, threshold='v>10*mV', reset='v=0*mV', refractory=5*ms, method='euler')
    we = 6./10.; wi = 67./10.
    Ce = Synapses(P[:3200], P, on_pre='ge += we')
    Ci = Synapses(P[3200:], P, on_pre='gi += wi')
    Ce.connect(p=0.02); Ci.connect(p=0.02)
    P.v = '(randn()*5 - 5)*mV'
    P.ge = 'randn()*1.5 + 4'
    P.gi = 'randn()*12 + 20'
    NE, NI = 3200, 800
elif args.net == 'cuba':  # cuba.py
    taum = 20*ms; taue = 5*ms; taui = 10*ms
    Vt = -50*mV; Vr = -60*mV; El = -49*mV
    eqs = '''
dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
'''
    P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v=Vr', refractory=5*ms, method='exact')
    P.v = 'Vr + rand() * (Vt - Vr)'
    P.ge = 0*mV
    P.gi = 0*mV
    we = (60*0.27/10)*mV
    wi = (-20*4.5/10)*mV
    Ce = Synapses(P[:3200], P, on_pre='ge += we')
    Ci = Synapses(P[3200:], P, on_pre='gi += wi')
    Ce.connect(p=0.02); Ci.connect(p=0.02)
    NE, NI = 3200, 800
else:  # brunel.py
    g = args.g; eta = args.eta; s = args.scale
    NE, NI = int(10000*s + 0.5), int(2500*s + 0.5); CE, CI = int(1000*s + 0.5), int(250*s + 0.5)
    tau = 20*ms; theta = 20*mV; Vr = 10*mV; J = 0.1*mV; D = 1.5*ms
    nu_thr = theta/(J*CE*tau); nu_ext = eta*nu_thr
    P = NeuronGroup(NE+NI, 'dv/dt = -v/tau : volt (unless refractory)', threshold='v>theta', reset='v=Vr',
                    refractory=2*ms, method='exact')
    Se = Synapses(P[:NE], P, on_pre='v += J', delay=D)
    Si = Synapses(P[NE:], P, on_pre='v += -g*J', delay=D)
    Se.connect(i=np.random.RandomState(seeds[0]).randint(0, NE, size=CE*(NE+NI)), j=np.repeat(np.arange(NE+NI), CE))
    Si.connect(i=np.random.RandomState(seeds[0] + 1).randint(0, NI, size=CI*(NE+NI)), j=np.repeat(np.arange(NE+NI), CI))
    ext = PoissonInput(P, 'v', N=CE, rate=nu_ext, weight=J)
M = SpikeMonitor(P)
run(args.dur*second, report=None)
t0 = time.perf_counter()
device.build(directory=d, compile=False, run=False, debug=False)
main_cpp = os.path.join(d, 'main.cpp')
with open(main_cpp) as f:
    src = f.read()
mark = f'seed({SEED_MARK}L + _i)'
if mark not in src:
    sys.exit(f'nets.py: no "{mark}" in the generated {main_cpp}: this Brian2 seeds its generators differently')
src = src.replace(mark, 'seed(std::strtoul(std::getenv("DALESIM_BRIAN_SEED"), nullptr, 10) + _i)')
with open(main_cpp, 'w') as f:
    f.write('#include <cstdlib>\n' + src)
from brian2.codegen.cpp_prefs import get_compiler_and_args  # noqa: E402
device.compile_source(d, get_compiler_and_args()[0], False, False)
compile_s = time.perf_counter() - t0
for k, seed in enumerate(seeds):
    res = f'results_{k}'  # relative to the project directory d
    os.environ['DALESIM_BRIAN_SEED'] = str(seed)
    device.run(directory=d, results_directory=res, with_output=False)
    i = np.asarray(M.i[:]); t = np.asarray(M.t_[:])
    out = {'simulator': 'brian2', 'version': brian2.__version__, 'net': args.net, 'seed': seed,
           'threads': args.threads, 'dur': args.dur, 'compile_s': compile_s, 'run_s': device._last_run_time, 'pops': {}}
    if args.net == 'brunel':
        out.update(g=args.g, eta=args.eta, scale=args.scale)
    for name, sel, n in (('E', i < NE, NE), ('I', i >= NE, NI)):
        cv, _ = mean_cv_isi(i[sel], t[sel])
        out['pops'][name] = {'rate_hz': float(sel.sum()) / n / args.dur, 'cv_isi': cv, 'sync': pop_rate_cv(t[sel], args.dur)}
    out['sync_all'] = pop_rate_cv(t, args.dur)
    print(json.dumps(out), flush=True)
