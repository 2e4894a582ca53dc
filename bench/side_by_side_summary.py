#!/usr/bin/env python3
"""Ratios of a bench/side_by_side.sh run, against the targets of the speed work.

Usage: python3 bench/side_by_side_summary.py bench/side-by-side-DATE.txt   (or the run's output on stdin)

Every ratio pairs runs of the same repetition (the script interleaves Brian2 and dalesim, so that drift in the
machine's load hits both alike) and is given as the median and the range over the repetitions:
  speed-up over Brian2 = Brian2's run time / dalesim's (wall_s of the run loop), per kernel and thread count;
  two threads over one = 1-thread wall_s / 2-thread wall_s, per kernel;
  training = samples per second of `dalesim train` (H = 400, full MNIST, one thread); evaluation two threads over one.
Standard library only (runs under Debian's /usr/bin/python3).
"""
import re
import statistics
import sys
from collections import defaultdict


def parse(lines):
    cpu, kernel = "", ""
    brian = defaultdict(dict)  # net -> rep -> seconds
    ds = defaultdict(dict)  # (net, simd, threads) -> rep -> seconds
    sums = defaultdict(set)  # net -> checksums
    train = defaultdict(dict)  # ("train"|"eval", threads) -> rep -> samples/s
    rep, net = 0, ""
    for line in lines:
        if line.startswith("# Model name:") or "Model name" in line and line.startswith("#"):
            cpu = line.split(";")[0].split(":", 1)[1].strip()
            m = re.search(r"selected: (\w+)", line)
            kernel = m.group(1) if m else ""
        m = re.match(r"## rep (\d+) (\w+)", line)
        if m:
            rep, net = int(m.group(1)), m.group(2)
            continue
        m = re.match(r"brian coba standalone_reported_run_time_s ([0-9.]+)", line)
        if m:
            brian["coba"][rep] = float(m.group(1))
            continue
        m = re.match(r"brian run_time_reported=([0-9.]+)s", line)
        if m:
            brian["brunel"][rep] = float(m.group(1))
            continue
        m = re.match(r"dalesim (\w+) simd=(\w+) threads=(\d+) wall_s=([0-9.]+) .*checksum=(\w+)", line)
        if m:
            ds[(m.group(1), m.group(2), int(m.group(3)))][rep] = float(m.group(4))
            sums[m.group(1)].add(m.group(5))
            continue
        m = re.match(r"dalesim train threads=(\d+) train_samples_per_s=([0-9.]+) eval_samples_per_s=([0-9.]+)", line)
        if m:
            th = int(m.group(1))
            train[("train", th)][rep] = float(m.group(2))
            train[("eval", th)][rep] = float(m.group(3))
    return cpu, kernel, brian, ds, sums, train


def ratios(num, den):
    """num[rep] / den[rep] over the repetitions both have."""
    return [num[r] / den[r] for r in sorted(num) if r in den and den[r] > 0]


def fmt(xs, unit="x"):
    if not xs:
        return "-"
    med = statistics.median(xs)
    if len(xs) == 1:
        return f"{med:.2f}{unit}"
    return f"{med:.2f}{unit} ({min(xs):.2f}-{max(xs):.2f})"


def verdict(xs, target):
    if not xs:
        return ""
    return "met" if statistics.median(xs) >= target else "not met"


def main():
    src = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    cpu, kernel, brian, ds, sums, train = parse(src)
    print(f"## Summary: ratios, median (range) over repetitions; CPU {cpu or '?'}, dalesim's automatic kernel {kernel or '?'}")
    print("| network | kernel | threads | dalesim wall s | Brian2 s | speed-up over Brian2 | target | two threads over one |")
    print("|---|---|---|---|---|---|---|---|")
    targets = {("coba", "generic"): 1.5, ("coba", "avx2"): 4, ("coba", "avx512"): 4}
    for net in ("coba", "brunel"):
        for simd in ("generic", "avx2", "avx512"):
            for th in (1, 2):
                runs = ds.get((net, simd, th))
                if not runs:
                    continue
                up = ratios(brian[net], runs)
                t = targets.get((net, simd)) if th == 1 else None
                tgt = f">= {t}x: {verdict(up, t)}" if t else ""
                two = ""
                if th == 2 and (net, simd, 1) in ds:
                    r = ratios(ds[(net, simd, 1)], runs)
                    want = 1.8 if net == "brunel" else 1.0
                    two = f"{fmt(r)}, >= {want}x: {verdict(r, want)}"
                print(f"| {net} | {simd} | {th} | {fmt(list(runs.values()), '')} | {fmt(list(brian[net].values()), '')} | {fmt(up)} | {tgt} | {two} |")
    for net, s in sorted(sums.items()):
        state = "identical for every kernel and thread count" if len(s) == 1 else "DIFFER"
        print(f"spike_checksum {net}: {', '.join(sorted(s))} ({state})")
    if train:
        tr = list(train.get(("train", 1), {}).values())
        print(f"training, H = 400, one thread: {fmt(tr, ' samples/s')}, >= 1600: {verdict(tr, 1600)}")
        if ("eval", 2) in train:
            ev = ratios(train[("eval", 2)], train[("eval", 1)])
            print(f"evaluation, two threads over one: {fmt(ev)}, >= 1.8x: {verdict(ev, 1.8)}")


if __name__ == "__main__":
    main()
