"""Benchmark: one epoch of exercise 5's training (reference/train.py: 4,000 digits, batch 32, lr 0.05) vs the same
network and steps in PyTorch CPU, float32 and float64.

Run:  python bench/bench_train.py [--runs 3] [--epochs 1]
Each (implementation, dtype) is timed alone in a fresh process, in alternating blocks (so both see the same
machine load and their thread pools never compete); prints the median seconds per epoch of each and the ratio
ours/torch per dtype (goal <= 1.0). torch's step: forward, cross-entropy, backward, p -= lr * p.grad, with the
same batches. Never fails on time.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reference.digits import load_digits  # noqa: E402
from reference.train import lenet_params, train  # noqa: E402

BATCH, LR = 32, 0.05


def torch_epoch(dtype_name):
    """A function that trains the torch copy of lenet_params(0) for one epoch on the digits (same batches)."""
    import torch
    import torch.nn.functional as F

    torch.set_default_dtype(getattr(torch, dtype_name))
    x, y = load_digits()
    tx, ty = torch.tensor(x, dtype=torch.get_default_dtype()), torch.tensor(y)
    p = {k: torch.tensor(v, dtype=torch.get_default_dtype(), requires_grad=True) for k, v in lenet_params(0).items()}

    def forward(batch):
        a = F.max_pool2d(F.relu(F.conv2d(batch, p["C1.w"], p["C1.b"])), 2)
        a = F.max_pool2d(F.relu(F.conv2d(a, p["C3.w"], p["C3.b"])), 2)
        a = F.relu(F.conv2d(a, p["C5.w"], p["C5.b"])).flatten(1)
        return F.relu(a @ p["F6.w"] + p["F6.b"]) @ p["F7.w"] + p["F7.b"]

    def epoch(seed=0):
        order = torch.tensor(np.random.default_rng(seed).permutation(len(x)))
        for start in range(0, len(x), BATCH):
            batch = order[start:start + BATCH]
            F.cross_entropy(forward(tx[batch]), ty[batch]).backward()
            with torch.no_grad():
                for t in p.values():
                    t -= LR * t.grad
                    t.grad = None
    return epoch


def reference_epoch(dtype_name):
    x, y = load_digits()
    params = {k: v.astype(dtype_name) for k, v in lenet_params(0).items()}
    return lambda: train(x.astype(dtype_name), y, params, epochs=1, lr=LR, batch_size=BATCH, seed=0)


def child(which, dtype_name, runs):
    """Time one implementation alone in this process; print its per-epoch seconds as JSON (null: no torch)."""
    try:
        epoch = (torch_epoch if which == "torch" else reference_epoch)(dtype_name)
    except ImportError:
        print(json.dumps(None))
        return
    epoch()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - start)
    print(json.dumps(times))


def run_child(which, dtype_name, runs):
    command = [sys.executable, __file__, "--child", which, "--dtype", dtype_name, "--runs", str(runs)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed epochs per block (2 blocks each)")
    parser.add_argument("--child", choices=("reference", "torch"), help=argparse.SUPPRESS)
    parser.add_argument("--dtype", default="float64", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.dtype, args.runs)
    load_before = os.getloadavg()[0]
    times = {(w, d): [] for d in ("float32", "float64") for w in ("reference", "torch")}
    for _ in range(2):  # alternate blocks, each in a fresh process
        for (which, dtype_name), record in times.items():
            block = run_child(which, dtype_name, args.runs)
            times[which, dtype_name] = None if block is None or record is None else record + block
    print(f"1-min load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
          f"({os.cpu_count()} CPUs; figures are only comparable on an otherwise idle machine)")
    for dtype_name in ("float32", "float64"):
        ours, theirs = times["reference", dtype_name], times["torch", dtype_name]
        line = (f"{dtype_name}: reference {statistics.median(ours):.2f} s/epoch (median of {len(ours)}; 4,000 "
                f"digits, batch {BATCH})")
        if theirs is None:
            print(line + "; torch not installed: no comparison")
        else:
            print(line + f", torch CPU {statistics.median(theirs):.2f} s/epoch; ratio ours/torch "
                         f"{statistics.median(ours) / statistics.median(theirs):.2f} (goal <= 1.0)")


if __name__ == "__main__":
    main()
