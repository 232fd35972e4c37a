"""Exercise 5's calibration: seconds per epoch and held-out accuracy of honest and broken training runs.

    python bench/calibrate_exercise5.py --impl reference --seeds 0 1 2 3 4
    taskset -c 0 python bench/calibrate_exercise5.py --impl loops --seeds 0
    python bench/calibrate_exercise5.py --impl reference --mistakes all --seeds 0 1 2 3 4

--impl: reference (reference/train.py, vectorised), solution (solutions/exercise5.py) or loops
(bench/lenet_loops.py, loops over output positions and pooling windows, like a student's). --mistakes trains
with a broken backward pass built from the reference ops instead (--impl is then ignored). Prints figures;
never passes or fails. The held-out file is not in the repository: --heldout names it.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from reference import train as R  # noqa: E402
from reference.activation import activation_backward  # noqa: E402
from reference.conv import conv2d_backward, conv2d_forward  # noqa: E402
from reference.dense import dense_backward, flatten_backward  # noqa: E402
from reference.digits import load_digits  # noqa: E402
from reference.loss import softmax_cross_entropy  # noqa: E402
from reference.pool import AvgPoolCache, avg_pool_backward, max_pool_backward, max_pool_forward  # noqa: E402

MISTAKES = ("zero:C1", "zero:C3", "zero:C5", "zero:F6", "zero:F7", "relu_prime_one", "relu_prime_is_a",
            "pool_to_all", "pool_as_average", "no_rot180", "dw_rot180", "ascent")


def forward_with_acts(x, params):
    """reference.train.lenet_forward, also returning the ReLU outputs (a1, a3, a5, a6) for relu_prime_is_a."""
    scores, cache = R.lenet_forward(x, params)
    p = params
    a1 = np.maximum(conv2d_forward(x, p["C1.w"], p["C1.b"])[0], 0)
    a3 = np.maximum(conv2d_forward(max_pool_forward(a1, size=2)[0], p["C3.w"], p["C3.b"])[0], 0)
    return scores, cache, (a1, a3, cache.dense[0].x.reshape(-1, 120, 1, 1), cache.dense[1].x)


def broken_backward(mistake):
    """lenet_backward (reference ops) with one known mistake -> a function (dscores, cache, acts) -> grads."""
    def relu_back(da, relu_cache, a):
        if mistake == "relu_prime_one":
            return da  # sigma' = 1 everywhere
        if mistake == "relu_prime_is_a":
            return da * a  # sigma'(z) taken as relu(z)
        return activation_backward(da, relu_cache)

    def pool_back(ds, pool_cache):
        as_avg = AvgPoolCache(pool_cache.x_shape, pool_cache.size, pool_cache.stride)
        if mistake == "pool_to_all":
            return 4.0 * avg_pool_backward(ds, as_avg)  # every window entry gets ds
        if mistake == "pool_as_average":
            return avg_pool_backward(ds, as_avg)
        return max_pool_backward(ds, pool_cache)

    def conv_back(d, conv_cache):
        dx, dw, db = conv2d_backward(d, conv_cache)
        if mistake == "no_rot180":  # the correct op rotates; rotating the kernel first undoes it
            dx = conv2d_backward(d, conv_cache._replace(w=conv_cache.w[:, :, ::-1, ::-1]))[0]
        if mistake == "dw_rot180":
            dw = dw[:, :, ::-1, ::-1]
        return dx, dw, db

    def backward(dscores, cache, acts):
        (c1, c3, c5), (r1, r3, r5, r6), (a1, a3, a5, a6) = cache.conv, cache.relu, acts
        g = {}
        da6, g["F7.w"], g["F7.b"] = dense_backward(dscores, cache.dense[1])
        df5, g["F6.w"], g["F6.b"] = dense_backward(relu_back(da6, r6, a6), cache.dense[0])
        ds4, g["C5.w"], g["C5.b"] = conv_back(relu_back(flatten_backward(df5, cache.flatten), r5, a5), c5)
        ds2, g["C3.w"], g["C3.b"] = conv_back(relu_back(pool_back(ds4, cache.pool[1]), r3, a3), c3)
        _, g["C1.w"], g["C1.b"] = conv_back(relu_back(pool_back(ds2, cache.pool[0]), r1, a1), c1)
        if mistake.startswith("zero:"):
            layer = mistake[5:]
            g[layer + ".w"], g[layer + ".b"] = 0 * g[layer + ".w"], 0 * g[layer + ".b"]
        if mistake == "ascent":
            g = {k: -v for k, v in g.items()}  # w' = w + rate * dJ/dw
        return g
    return backward


def train_with(backward, x, y, params, *, epochs, lr, batch_size, seed):
    """reference.train.train's loop with another backward pass (same example order)."""
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            scores, cache, acts = forward_with_acts(x[batch], params)
            _, dscores = softmax_cross_entropy(scores, y[batch])
            grads = backward(dscores, cache, acts)
            params = {k: params[k] - lr * grads[k] for k in params}
            if not all(np.isfinite(v).all() for v in params.values()):
                return params  # diverged: accuracy will say so
    return params


def honest(impl, x, y, xh, yh, args, seed):
    """-> (wall seconds per epoch, CPU seconds per epoch (all threads), held-out accuracy) of one honest run.
    CPU time is the figure to trust on a shared machine under `taskset -c 0`."""
    if impl == "loops":
        import lenet_loops as module
        run, acc = module.train, module.accuracy
    elif impl == "solution":
        from solutions import exercise5 as module
        run, acc = module.train, module.accuracy
    else:
        run, acc = R.train, R.accuracy
    params = R.lenet_params(seed)
    if args.float32:
        params = {k: v.astype(np.float32) for k, v in params.items()}
        x = x.astype(np.float32)
    start, cpu = time.perf_counter(), time.process_time()
    params, _ = run(x, y, params, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, seed=seed)
    seconds, cpu = (time.perf_counter() - start) / args.epochs, (time.process_time() - cpu) / args.epochs
    return seconds, cpu, acc(params, xh, yh)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", choices=("reference", "solution", "loops"), default="reference")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--float32", action="store_true")
    parser.add_argument("--mistakes", nargs="*", default=None, help=f"'all' or some of {', '.join(MISTAKES)}")
    parser.add_argument("--heldout", default="/work/staging/exercise5/heldout.npz")
    args = parser.parse_args()
    x, y = load_digits()
    xh, yh = load_digits(args.heldout)
    config = f"epochs={args.epochs} lr={args.lr} batch_size={args.batch_size}"
    if args.mistakes is None:
        for seed in args.seeds:
            seconds, cpu, acc = honest(args.impl, x, y, xh, yh, args, seed)
            print(f"{args.impl} {config} seed={seed}: {seconds:.2f} s/epoch wall, {cpu:.2f} s CPU, "
                  f"held-out accuracy {acc:.3f}", flush=True)
        return
    for mistake in (MISTAKES if args.mistakes in ([], ["all"]) else args.mistakes):
        accs = []
        for seed in args.seeds:
            params = train_with(broken_backward(mistake), x, y, R.lenet_params(seed), epochs=args.epochs,
                                lr=args.lr, batch_size=args.batch_size, seed=seed)
            finite = all(np.isfinite(v).all() for v in params.values())
            accs.append(R.accuracy(params, xh, yh) if finite else float("nan"))
        print(f"{mistake:16s} {config}: held-out accuracy {' '.join(f'{a:.3f}' for a in accs)}", flush=True)


if __name__ == "__main__":
    main()
