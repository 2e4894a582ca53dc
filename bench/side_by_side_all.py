#!/usr/bin/env python3
# dalesim, NEST and Brian2 side by side: the same networks in each, at 1 and 2 threads, in one run, one table.
# Usage: .venv/bin/python bench/side_by_side_all.py [--dur 1] [--nets coba,cuba,AI,SR,SIfast,SIslow] [--threads 1,2]
#        (the venv from tools/python/requirements.txt: nest-simulator 3.10, brian2 2.9; ~20-30 min on 2 cores)
# Columns: the excitatory population's rate (Hz), mean CV of ISI (neurons with >= 3 spikes), synchrony (CV of
# the population's spike count in 1 ms bins), and seconds of run time per simulated second. Run time is the
# simulation loop alone: dalesim's wall_seconds (bench --json), NEST's wall time of nest.Run (after Prepare),
# Brian2's device._last_run_time (the compiled loop, without code generation or compilation). One seed each
# (dalesim --seed 1, NEST rng_seed 1, Brian2 --seeds 1 through its own generator; see bench/brian2/nets.py). Timings on a shared
# 2-core machine are noisy: the load average is printed before each row. With 2 threads on a machine whose
# other load keeps both cores busy, NEST's and Brian2's OpenMP threads wait for each other at every step
# (10-1000x slower than 1 thread); measure 2 threads only on an idle machine.
import argparse, json, os, platform, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NETS = {'coba': ['coba'], 'cuba': ['cuba'],
        'AI': ['brunel', '--g', '5', '--eta', '2'], 'SR': ['brunel', '--g', '3', '--eta', '2'],
        'SIfast': ['brunel', '--g', '6', '--eta', '4'], 'SIslow': ['brunel', '--g', '4.5', '--eta', '0.9']}
ap = argparse.ArgumentParser()
ap.add_argument('--dur', type=float, default=1.0)
ap.add_argument('--nets', default=','.join(NETS))
ap.add_argument('--threads', default='1,2')
args = ap.parse_args()
PY = sys.executable


def cpu_model():
    try:
        out = subprocess.run(['lscpu'], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith('Model name'):
                return line.split(':', 1)[1].strip()
    except OSError:
        pass
    for line in open('/proc/cpuinfo'):
        if line.startswith('model name'):
            return line.split(':', 1)[1].strip()
    return platform.processor()


def load():
    return open('/proc/loadavg').read().split()[0]


def dalesim(binp, net, threads):
    cmd = [binp, 'bench'] + NETS[net] + ['--duration', str(args.dur * 1000), '--threads', str(threads), '--json', '--seed', '1']
    d = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    e = d['populations']['E']
    return dict(rate=e['rate_hz'], cv=e['cv_isi'], sync=e['pop_rate_cv_1ms'], run_s=d['wall_seconds'], extra=d['kernel'])


def pyscript(sim, net, threads, env):
    cmd = [PY, '-W', 'ignore', os.path.join(HERE, sim, 'nets.py')] + NETS[net] + ['--dur', str(args.dur), '--threads', str(threads), '--seeds', '1']
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [l for l in p.stdout.splitlines() if l.startswith('{')]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f'{cmd}: exit {p.returncode}\n{p.stderr[-2000:]}')
    d = json.loads(lines[-1])
    e = d['pops']['E']
    return dict(rate=e['rate_hz'], cv=e['cv_isi'], sync=e['sync'], run_s=d['run_s'], extra='')


def main():
    work = tempfile.mkdtemp(prefix='dalesim_sbs_all_')
    env = dict(os.environ, BRIAN_WORK=work, PYNEST_QUIET='1')
    binp = os.path.join(work, 'dalesim')
    subprocess.run(['go', 'build', '-o', binp, '.'], cwd=ROOT, check=True)
    vers = subprocess.run([PY, '-W', 'ignore', '-c', 'import os; os.environ["PYNEST_QUIET"]="1"; import nest, brian2, numpy; '
                           'print("nest", nest.__version__, "brian2", brian2.__version__, "numpy", numpy.__version__)'],
                          capture_output=True, text=True, env=env).stdout.strip().splitlines()[-1]
    gov = subprocess.run(['go', 'version'], capture_output=True, text=True).stdout.strip()
    gcc = subprocess.run(['gcc', '--version'], capture_output=True, text=True).stdout.splitlines()[0]
    print(f'# dalesim / NEST / Brian2 side by side, {time.strftime("%Y-%m-%d %H:%M:%S %Z")}, simulated {args.dur:g} s per run')
    print(f'# CPU: {cpu_model()}, nproc={os.cpu_count()}; {vers}; python {platform.python_version()}; {gov}; {gcc}')
    print('# rate Hz / CV ISI / sync of the E population; s/s = run-time seconds per simulated second; [load] = 1-min load average before the run')
    print('| network | threads | dalesim | NEST | Brian2 | s/s dalesim | s/s NEST | s/s Brian2 | load |')
    print('|---|---|---|---|---|---|---|---|---|', flush=True)
    try:
        rows(binp, env)
    finally:
        subprocess.run(['rm', '-rf', work])


def rows(binp, env):
    for net in args.nets.split(','):
        for th in [int(x) for x in args.threads.split(',')]:
            l0 = load()
            res = {}
            for sim in ('dalesim', 'nest', 'brian2'):
                try:
                    res[sim] = dalesim(binp, net, th) if sim == 'dalesim' else pyscript(sim, net, th, env)
                except Exception as ex:  # noqa: BLE001
                    print(f'# {sim} {net} threads={th} failed: {ex}', file=sys.stderr)
                    res[sim] = None
            f = lambda r: '-' if r is None else f"{r['rate']:.2f} / {r['cv']:.3f} / {r['sync']:.3f}"  # noqa: E731
            s = lambda r: '-' if r is None else f"{r['run_s'] / args.dur:.3f}"  # noqa: E731
            print(f"| {net} | {th} | {f(res['dalesim'])} | {f(res['nest'])} | {f(res['brian2'])} | "
                  f"{s(res['dalesim'])} | {s(res['nest'])} | {s(res['brian2'])} | {l0} |", flush=True)


main()
