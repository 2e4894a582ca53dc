#!/usr/bin/env python3
"""Classify MNIST test digits with a dalesim NIR export loaded by Norse.

Usage: norse_mnist.py MODEL.nir MNIST_DIR N [SEED]

MODEL.nir: `dalesim export nir --model DIR --relative --out MODEL.nir` (Norse
assumes v_leak = 0 and resets to 0, which --relative gives for the MNIST
spec, whose resets equal the resting potentials). MNIST_DIR holds
t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz. Prints one JSON line.

Needs nir, norse (and so torch). Norse's NIR import (norse 1.1.0) reads an
input spike as a pulse of height 1 lasting one step and ignores LIF.r, so the
converted network would receive dt/tau of each weight; this script restores
NIR's semantics (a spike moves v by r*w/tau, or the synaptic current by
w_in*w/tau_syn) by scaling each Linear node by r/dt (LIF targets) or 1/dt
(CubaLIF targets) before Norse builds the modules. Input spikes are Poisson
with rate intensity * input_rate_hz (graph metadata), drawn with numpy (not
dalesim's random numbers), for presentation_ms from rest; the class whose
readout neurons fire most wins (ties: the lowest class index).
"""
import gzip, json, sys, time
import numpy as np
import nir
import torch
import norse.torch as norse


def load_mnist(d):
    with gzip.open(f"{d}/t10k-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"{d}/t10k-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x, y


def main(path, mnist_dir, n, seed=0):
    g = nir.read(path)
    md = g.metadata
    dt = float(md["dt"])
    classes = [int(c) for c in np.asarray(md["classes"])]
    group = int(md["readout_per_class"])
    rate = float(md["input_rate_hz"])
    steps = int(round(float(md["presentation_ms"]) * 1e-3 / dt))
    readout = md["classifier_readout"]
    readout = readout.decode() if isinstance(readout, bytes) else readout
    for src, dst in g.edges:
        node, tgt = g.nodes[src], g.nodes.get(dst)
        if isinstance(node, nir.Linear):
            if isinstance(tgt, nir.LIF):
                node.weight = (node.weight * (tgt.r / dt)[:, None]).astype(np.float32)
            elif isinstance(tgt, nir.CubaLIF):
                node.weight = (node.weight / dt).astype(np.float32)
    net = norse.from_nir(g, dt=dt)
    x, y = load_mnist(mnist_dir)
    keep = np.isin(y, classes)
    x, y = x[keep][:n], y[keep][:n]
    rng = np.random.default_rng(seed)
    correct, t0 = 0, time.time()
    with torch.no_grad():
        for i in range(len(y)):
            p = x[i].astype(np.float64) / 255 * rate * dt
            spikes = torch.from_numpy((rng.random((steps, 784)) < p).astype(np.float32))
            state, counts = None, torch.zeros(len(classes) * group)
            for t in range(steps):
                out, state = net(spikes[t], state)
                counts += out
            score = counts.reshape(len(classes), group).sum(1)
            pred = classes[int(torch.argmax(score))]
            correct += pred == y[i]
    print(json.dumps({"consumer": "norse " + norse.__version__ if hasattr(norse, "__version__") else "norse",
                      "samples": int(len(y)), "correct": int(correct), "accuracy": correct / len(y),
                      "seconds": time.time() - t0}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 0)
