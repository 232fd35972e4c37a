"""Benchmark: reference LeNet-5 forward + backward (batch 64, float64, 1x32x32) vs PyTorch CPU float64.

Run:  python bench/bench_lenet.py [--runs 30] [--batch 64] [--profile]
Prints the median time of each (after warm-up; each is timed alone in a fresh process, in alternating blocks,
so both see the same machine load and their thread pools never compete), the
ratio ours/torch (target <= 1.0), and with --profile the median forward/backward time of every reference layer
inside whole passes. Never fails on time.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from reference.conv import connection_mask
from reference.loss import softmax_cross_entropy
from reference.model import (C3_TABLE, Model, lenet5, model_backward, model_forward, model_loss,
                             model_params)


def torch_lenet5(model):
    """The same LeNet-5 in torch (float64) with copies of `model`'s arrays.

    Returns (params: dict "C1.w" -> leaf tensor requiring grad, forward: x tensor (N,1,32,32) -> (N,10) RBF
    penalties). C3 uses weights * connection mask; S-layers are avg_pool*4*coef + bias (= coef * window sum
    + bias); squashing 1.7159*tanh(2a/3); OUTPUT sum_j (x_j - c_kj)^2 with the fixed centres.
    """
    import torch
    import torch.nn.functional as F

    params = {k: torch.tensor(v, requires_grad=True) for k, v in model_params(model).items()}
    centres = torch.tensor(model.layers[model.names.index("OUTPUT")].centres)
    mask = torch.tensor(connection_mask(C3_TABLE, 6, 16), dtype=torch.float64)[:, :, None, None]
    p = params

    def squash(z):
        return 1.7159 * torch.tanh(2.0 * z / 3.0)

    def subsample(a, name):
        return F.avg_pool2d(a, 2) * 4.0 * p[name + ".coef"][None, :, None, None] + p[name + ".bias"][None, :, None, None]

    def forward(x):
        a = squash(F.conv2d(x, p["C1.w"], p["C1.b"]))
        a = squash(subsample(a, "S2"))
        a = squash(F.conv2d(a, p["C3.w"] * mask, p["C3.b"]))
        a = squash(subsample(a, "S4"))
        a = squash(F.conv2d(a, p["C5.w"], p["C5.b"])).flatten(1)
        a = squash(a @ p["F6.w"] + p["F6.b"])
        return ((a[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    return params, forward


def profile_layers(model, x, y, runs):
    """Median forward and backward seconds of each layer, timed inside whole passes (caches kept alive as in
    model_loss, so memory behaves as in the real step). Returns [(name, forward s, backward s)]."""
    singles = [Model((layer,), (name,)) for layer, name in zip(model.layers, model.names)]
    fwd, bwd = [[] for _ in singles], [[] for _ in singles]
    for _ in range(runs + 3):
        out, caches = x, []
        for single, record in zip(singles, fwd):
            start = time.perf_counter()
            out, cache = model_forward(single, out)
            record.append(time.perf_counter() - start)
            caches.append(cache)
        _, dout = softmax_cross_entropy(-out, y)
        dout = -dout
        for single, cache, record in reversed(list(zip(singles, caches, bwd))):
            start = time.perf_counter()
            dout, _ = model_backward(single, dout, cache)
            record.append(time.perf_counter() - start)
    return [(m.names[0], statistics.median(f[3:]), statistics.median(b[3:])) for m, f, b in zip(singles, fwd, bwd)]


def step_functions(batch):
    """{"reference": step, "torch": step} (torch only when installed) on the same model and data."""
    rng = np.random.default_rng(0)
    model = lenet5(rng)
    x = rng.standard_normal((batch, 1, 32, 32))
    y = rng.integers(0, 10, batch)
    steps = {"reference": lambda: model_loss(model, x, y)}
    try:
        import torch
    except ImportError:
        return model, x, y, steps
    params, forward = torch_lenet5(model)
    tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(y)  # dJ/dx too: our backward computes it

    def step():
        for t in (*params.values(), tx):
            t.grad = None
        torch.nn.functional.cross_entropy(-forward(tx), ty).backward()
    steps["torch"] = step
    return model, x, y, steps


def child(which, runs, batch):
    """Time one implementation alone in this process and print its per-run seconds as JSON."""
    steps = step_functions(batch)[3]
    if which not in steps:
        print(json.dumps(None))
        return
    fn = steps[which]
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    print(json.dumps(times))


def run_child(which, runs, batch):
    command = [sys.executable, __file__, "--child", which, "--runs", str(runs), "--batch", str(batch)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per block (3 blocks each)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--profile", action="store_true", help="per-layer times of the reference")
    parser.add_argument("--child", choices=("reference", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.runs, args.batch)
    load_before = os.getloadavg()[0]
    times = {"reference": [], "torch": []}
    for _ in range(3):  # alternate blocks, each in a fresh process: BLAS and OpenMP threads never compete
        for which in times:
            block = run_child(which, args.runs, args.batch)
            times[which] = None if block is None else times[which] + block
    print(f"1-min load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
          f"({os.cpu_count()} CPUs; figures are only comparable on an otherwise idle machine)")
    ours = statistics.median(times["reference"])
    print(f"reference LeNet-5 fwd+bwd, batch {args.batch}, float64: median {ours * 1e3:.2f} ms "
          f"over {len(times['reference'])} runs")
    if times["torch"] is None:
        print("torch not installed: no comparison")
    else:
        theirs = statistics.median(times["torch"])
        print(f"torch LeNet-5 fwd+bwd (incl. dJ/dx), float64, CPU: median {theirs * 1e3:.2f} ms "
              f"over {len(times['torch'])} runs")
        print(f"ratio ours/torch: {ours / theirs:.2f} (target <= 1.0)")
    if args.profile:
        model, x, y, _ = step_functions(args.batch)
        print(f"{'layer':<10}{'forward ms':>12}{'backward ms':>13}")
        for name, fwd, bwd in profile_layers(model, x, y, args.runs):
            print(f"{name:<10}{fwd * 1e3:>12.3f}{bwd * 1e3:>13.3f}")


if __name__ == "__main__":
    main()
