"""Benchmark: reference LeNet-5 forward + backward (batch 64, float64, 1x32x32) vs PyTorch CPU float64.

Run:  python bench/bench_lenet.py [--runs 30] [--batch 64] [--profile]
Prints the median time of each (after warm-up; the two take turns so both see the same machine load), the
ratio ours/torch (target <= 1.0), and with --profile the median forward/backward time of every reference layer
inside whole passes. Never fails on time.
"""
import argparse
import os
import statistics
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


def median_time(fn, runs, warmup=3):
    """Median wall time of fn() over `runs` calls after `warmup` calls."""
    return median_times([fn], runs, warmup)[0]


def median_times(fns, runs, warmup=3):
    """Median wall time of each function; the functions take turns, so all see the same machine load."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times = [[] for _ in fns]
    for _ in range(runs):
        for fn, record in zip(fns, times):
            start = time.perf_counter()
            fn()
            record.append(time.perf_counter() - start)
    return [statistics.median(record) for record in times]


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--profile", action="store_true", help="per-layer times of the reference")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    model = lenet5(rng)
    x = rng.standard_normal((args.batch, 1, 32, 32))
    y = rng.integers(0, 10, args.batch)

    try:
        import torch
    except ImportError:
        torch = None
    fns = [lambda: model_loss(model, x, y)]
    if torch is not None:
        params, forward = torch_lenet5(model)
        tx, ty = torch.tensor(x), torch.tensor(y)

        def step():
            for t in params.values():
                t.grad = None
            torch.nn.functional.cross_entropy(-forward(tx), ty).backward()
        fns.append(step)
    load_before = os.getloadavg()[0]
    medians = median_times(fns, args.runs)
    print(f"1-min load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
          f"({os.cpu_count()} CPUs; figures are only comparable on an otherwise idle machine)")
    print(f"reference LeNet-5 fwd+bwd, batch {args.batch}, float64: median {medians[0] * 1e3:.2f} ms "
          f"over {args.runs} runs")
    if torch is None:
        print("torch not installed: no comparison")
    else:
        print(f"torch {torch.__version__} LeNet-5 fwd+bwd, float64, CPU, {torch.get_num_threads()} threads: "
              f"median {medians[1] * 1e3:.2f} ms over {args.runs} runs (interleaved with ours)")
        print(f"ratio ours/torch: {medians[0] / medians[1]:.2f} (target <= 1.0)")
    if args.profile:
        print(f"{'layer':<10}{'forward ms':>12}{'backward ms':>13}")
        for name, fwd, bwd in profile_layers(model, x, y, args.runs):
            print(f"{name:<10}{fwd * 1e3:>12.3f}{bwd * 1e3:>13.3f}")


if __name__ == "__main__":
    main()
