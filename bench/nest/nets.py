# The dalesim benchmark networks in NEST 3.10 (pip: nest-simulator), one JSON line per seed.
#   coba:   Brette et al. 2007 benchmark 1, Brian's classic COBA parameters -> iaf_cond_exp
#           (exponential conductances, jump on spike; dalesim's model "coba").
#   cuba:   Brette et al. 2007 benchmark 2, Brian's classic CUBA parameters -> iaf_psc_exp
#           (exponential currents, exact integration; dalesim's model "cuba"). dalesim's currents are in
#           voltage units (tau_m dv/dt = -(v-E_L) + I); NEST's are in pA (dv/dt = ... + I/C_m), so a
#           jump of w mV is w*C_m/tau_m pA.
#   brunel: Brunel 2000 model A -> iaf_psc_delta (jumps of v, input during refractoriness discarded,
#           as dalesim's model "delta"), fixed in-degree with autapses and multapses, Poisson drive.
# Timing: NEST's conventions are dalesim's (delay d acts round(d/dt) steps after the spike's step, at
# least one step; v held round(t_ref/dt) steps). Brian's zero-delay synapses are one step (0.1 ms) here.
# Spike times: NEST stamps a spike at the end of its step, (k+1)*dt; we subtract dt to stamp it with k*dt
# as dalesim and Brian2 do.
# run_s is the wall time of nest.Run (after nest.Prepare), run_cpu_s the process's CPU time in it (all threads).
# Usage: python bench/nest/nets.py coba|cuba|brunel [--g 5 --eta 2] [--dur 1] [--threads 1] [--seeds 1,2]
#        [--scale 1]     (brunel only: fraction of the 12,500 neurons and of C_E, C_I, as dalesim's --scale)
import argparse, json, os, sys, time

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'brian2'))
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

os.environ.setdefault('PYNEST_QUIET', '1')
import nest  # noqa: E402
nest.set_verbosity('M_ERROR')
DT = 0.1


def build_ei(model, params, w_e, w_i, init):
    E = nest.Create(model, 3200, params=params)
    I = nest.Create(model, 800, params=params)
    P = E + I
    for k, v in init.items():
        P.set({k: v})
    conn = {'rule': 'pairwise_bernoulli', 'p': 0.02, 'allow_autapses': True}
    nest.Connect(E, P, conn, {'synapse_model': 'static_synapse', 'weight': w_e, 'delay': DT})
    nest.Connect(I, P, conn, {'synapse_model': 'static_synapse', 'weight': w_i, 'delay': DT})
    return E, I


def build(rng):
    import numpy as np
    if args.net == 'coba':
        params = dict(C_m=200.0, g_L=10.0, E_L=-60.0, V_th=-50.0, V_reset=-60.0, t_ref=5.0,
                      E_ex=0.0, E_in=-80.0, tau_syn_ex=5.0, tau_syn_in=10.0, I_e=0.0)
        n = 4000
        # Brian: v = (randn()*5 - 5) mV above rest, ge = randn()*1.5 + 4, gi = randn()*12 + 20 (x g_L = 10 nS)
        init = {'V_m': list(-65.0 + 5.0 * rng.standard_normal(n)),
                'g_ex': list(40.0 + 15.0 * rng.standard_normal(n)),
                'g_in': list(200.0 + 120.0 * rng.standard_normal(n))}
        # iaf_cond_exp: a negative weight goes to the inhibitory conductance
        return build_ei('iaf_cond_exp', params, 6.0, -67.0, init)
    if args.net == 'cuba':
        C, tau = 250.0, 20.0
        params = dict(C_m=C, tau_m=tau, E_L=-49.0, V_th=-50.0, V_reset=-60.0, t_ref=5.0,
                      tau_syn_ex=5.0, tau_syn_in=10.0, I_e=0.0)
        init = {'V_m': list(rng.uniform(-60.0, -50.0, 4000))}
        return build_ei('iaf_psc_exp', params, 1.62 * C / tau, -9.0 * C / tau, init)
    # brunel
    s = args.scale
    NE, NI = int(10000 * s + 0.5), int(2500 * s + 0.5)
    CE, CI = int(1000 * s + 0.5), int(250 * s + 0.5)
    J, theta, tau, D = 0.1, 20.0, 20.0, 1.5
    nu_thr = theta / (J * CE * tau) * 1000.0  # Hz
    params = dict(C_m=250.0, tau_m=tau, E_L=0.0, V_reset=10.0, V_th=theta, t_ref=2.0, V_m=0.0,
                  refractory_input=False, I_e=0.0)
    E = nest.Create('iaf_psc_delta', NE, params=params)
    I = nest.Create('iaf_psc_delta', NI, params=params)
    P = E + I
    noise = nest.Create('poisson_generator', params={'rate': args.eta * nu_thr * CE})
    nest.Connect(noise, P, 'all_to_all', {'weight': J, 'delay': DT})
    mult = {'allow_autapses': True, 'allow_multapses': True}
    nest.Connect(E, P, dict(rule='fixed_indegree', indegree=CE, **mult), {'weight': J, 'delay': D})
    nest.Connect(I, P, dict(rule='fixed_indegree', indegree=CI, **mult), {'weight': -args.g * J, 'delay': D})
    return E, I


def one(seed):
    import numpy as np
    nest.ResetKernel()
    nest.set_verbosity('M_ERROR')
    nest.SetKernelStatus({'resolution': DT, 'local_num_threads': args.threads, 'rng_seed': seed,
                          'print_time': False})
    t0 = time.perf_counter()
    E, I = build(np.random.default_rng(seed))
    sr = nest.Create('spike_recorder')
    nest.Connect(E + I, sr)
    t1 = time.perf_counter()
    nest.Prepare()
    t2, c2 = time.perf_counter(), time.process_time()
    nest.Run(args.dur * 1000.0)
    t3, c3 = time.perf_counter(), time.process_time()
    nest.Cleanup()
    ev = sr.get('events')
    ids = np.asarray(ev['senders']) - E[0].global_id
    ts = (np.asarray(ev['times']) - DT) / 1000.0
    ne, ni = len(E), len(I)
    out = {'simulator': 'nest', 'version': nest.__version__, 'net': args.net, 'seed': seed,
           'threads': args.threads, 'dur': args.dur, 'build_s': t1 - t0, 'run_s': t3 - t2,
           'run_cpu_s': c3 - c2, 'pops': {}}
    if args.net == 'brunel':
        out.update(g=args.g, eta=args.eta, scale=args.scale)
    for name, sel, n in (('E', ids < ne, ne), ('I', ids >= ne, ni)):
        cv, _ = mean_cv_isi(ids[sel], ts[sel])
        out['pops'][name] = {'rate_hz': float(sel.sum()) / n / args.dur, 'cv_isi': cv,
                             'sync': pop_rate_cv(ts[sel], args.dur)}
    out['sync_all'] = pop_rate_cv(ts, args.dur)
    print(json.dumps(out), flush=True)


for s in args.seeds.split(','):
    one(int(s))
