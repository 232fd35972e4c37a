"""PyTorch autograd as an outside witness for the corpus manifest: every function marked "correct" agrees with
autograd on a few random cases, and every function marked wrong disagrees (or raises) on at least one.
Skipped where torch is not installed (the importorskip is inside the test)."""

import importlib.util

import numpy as np
import pytest

from tests.realcode.corpus import CORPUS, HERE, mistake


def load(file):
    spec = importlib.util.spec_from_file_location(f"realcode_{file[:-3]}", HERE / file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cases(torch, function, rng):
    """(args, kwargs, truth) triples: truth by torch autograd, float64."""
    F = torch.nn.functional
    t = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)  # noqa: E731

    def grad(out_fn, inputs, dout):
        leaves = [t(a) for a in inputs]
        out = out_fn(*leaves)
        got = torch.autograd.grad(out, leaves, torch.tensor(dout))
        return [g.numpy() for g in got]

    out = []
    if function in ("upsample", "avg_pool_backward"):
        for size, shape in ((2, (1, 1, 3, 2)), (3, (2, 2, 2, 3)), (2, (2, 3, 4, 4))):
            d = rng.standard_normal(shape)
            x = np.zeros(shape[:2] + (shape[2] * size, shape[3] * size))
            k = size * size if function == "upsample" else 1
            out.append(((d, size), {}, grad(lambda v: F.avg_pool2d(v, size) * k, [x], d)[0]))
    elif function == "max_pool_backward":
        for size, shape, extra, levels in ((2, (1, 2, 3, 2), 0, 0), (3, (2, 1, 2, 3), 1, 0), (2, (2, 2, 3, 3), 1, 3)):
            d = rng.standard_normal(shape)
            hw = (shape[2] * size + extra, shape[3] * size + extra)
            x = rng.integers(0, levels, shape[:2] + hw).astype(float) if levels else rng.permutation(
                np.prod(shape[:2] + hw)).reshape(shape[:2] + hw) / 7.0
            rank = (np.arange(hw[0]) % size)[:, None] * size + (np.arange(hw[1]) % size)[None, :]
            tilted = x - 1e-6 * rank  # ties: the first maximum in row-major order wins
            out.append(((d, x, size), {}, grad(lambda v: F.max_pool2d(v, size), [tilted], d)[0]))
    elif function == "subsample_backward":
        for size, shape in ((2, (2, 3, 2, 3)), (3, (1, 2, 2, 2))):
            d = rng.standard_normal(shape)
            x = rng.standard_normal(shape[:2] + (shape[2] * size, shape[3] * size))
            coef, bias = rng.standard_normal(shape[1]), np.zeros(shape[1])
            truth = grad(lambda v, c, b: F.avg_pool2d(v, size) * size * size * c[:, None, None] + b[:, None, None],
                         [x, coef, bias], d)
            out.append(((d, x, coef, size), {}, truth))
    elif function == "activation_backward":
        acts = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
                "lenet_tanh": lambda v: 1.7159 * torch.tanh(2 * v / 3)}
        for kind, fn in acts.items():
            z = 2 * rng.standard_normal((2, 3, 3, 2))
            if kind == "relu":
                z.flat[::5] = 0.0
            da = rng.standard_normal(z.shape)
            out.append(((da, z, kind), {}, grad(fn, [z], da)[0]))
    elif function == "rot180":
        for shape in ((3, 3), (2, 4), (2, 3, 3, 2)):
            k = rng.standard_normal(shape)
            out.append(((k,), {}, torch.flip(torch.tensor(k), dims=(-2, -1)).numpy()))
    elif function == "full_convolve":
        for (h, w), (kh, kw) in (((3, 4), (2, 3)), ((2, 2), (3, 3)), ((4, 3), (2, 2))):
            d, k = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
            x = np.zeros((1, 1, h + kh - 1, w + kw - 1))
            truth = grad(lambda v: F.conv2d(v, torch.tensor(k[None, None])), [x], d[None, None])[0][0, 0]
            out.append(((d, k), {}, truth))
    elif function in ("conv_backward_input", "conv_backward_weights", "conv_backward_bias"):
        for n, c, f, (kh, kw), s, p, (h, w), give in ((1, 1, 1, (2, 2), 1, 0, (4, 5), False),
                                                      (2, 2, 3, (3, 2), 1, 1, (5, 4), False),
                                                      (2, 3, 2, (2, 3), 2, 0, (7, 6), True),
                                                      (1, 2, 2, (3, 3), 3, 2, (6, 8), True),
                                                      (2, 1, 2, (2, 2), 2, 1, (5, 5), False)):
            x, wt, b = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, kh, kw)), np.zeros(f)
            ho, wo = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
            d = rng.standard_normal((n, f, ho, wo))
            if function == "conv_backward_input":
                size = (h, w) if give else ((ho - 1) * s + kh - 2 * p, (wo - 1) * s + kw - 2 * p)
                x = rng.standard_normal((n, c) + size)
            dx, dw, db = grad(lambda v, k, bb: F.conv2d(v, k, bb, stride=s, padding=p), [x, wt, b], d)
            if function == "conv_backward_input":
                kwargs = {"stride": s, "padding": p, **({"input_size": (h, w)} if give else {})}
                out.append(((d, wt), kwargs, dx))
            elif function == "conv_backward_weights":
                out.append(((d, x, (kh, kw) if kh != kw else kh), {"stride": s, "padding": p}, dw))
            else:
                out.append(((d,), {}, db))
    return out


def agrees(fn, case):
    args, kwargs, truth = case
    try:
        got = fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args], **kwargs)
    except Exception:
        return False
    gots, truths = (got, truth) if isinstance(truth, list) else ([got], [truth])
    return len(gots) == len(truths) and all(
        np.shape(g) == np.shape(w) and np.allclose(g, w, rtol=1e-7, atol=1e-8) for g, w in zip(gots, truths))


@pytest.mark.parametrize("file", sorted(CORPUS))
def test_manifest_verdicts_agree_with_torch_autograd(file):
    torch = pytest.importorskip("torch")
    module = load(file)
    rng = np.random.default_rng(2024)
    for function, verdict in CORPUS[file].items():
        results = [agrees(getattr(module, function), case) for case in cases(torch, function, rng)]
        if mistake(verdict) is None:
            assert all(results), f"{file}: {function} is marked correct but disagrees with torch: {results}"
        else:
            assert not all(results), f"{file}: {function} is marked wrong ({verdict}) but agrees with torch"
