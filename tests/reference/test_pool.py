"""reference.pool against plain loops, numerical differentiation and (when installed) torch autograd.

Tolerances: vectorized vs loop 1e-12 (relative to the largest value); analytic vs numerical rel_error <= 1e-7
(central differences; h = 1e-6 for max pooling, far below the gaps between window entries of random inputs,
and 1e-3 for the layers that are linear in each input); torch 1e-12.
"""
import numpy as np
import pytest

from reference.numgrad import numerical_vjp, rel_error
from reference.pool import (avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward,
                            subsample_backward, subsample_forward)

# (N, C, H, W, size, stride): non-overlapping, overlapping, gaps, and windows that do not tile the input
CASES = [(2, 3, 8, 8, 2, None), (2, 2, 7, 9, 3, 2), (1, 3, 9, 7, 2, 3), (2, 1, 7, 7, 3, None),
         (3, 2, 5, 6, 1, 1), (1, 2, 6, 6, 6, None)]


def out_size(H, W, size, stride):
    return (H - size) // stride + 1, (W - size) // stride + 1


def loop_pool(x, size, stride, reduce):
    N, C, H, W = x.shape
    Ho, Wo = out_size(H, W, size, stride)
    out = np.zeros((N, C, Ho, Wo))
    for n, c, i, j in np.ndindex(N, C, Ho, Wo):
        out[n, c, i, j] = reduce(x[n, c, i * stride:i * stride + size, j * stride:j * stride + size])
    return out


def loop_max_backward(dout, x, size, stride):
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(dout.shape):
        window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
        p, q = np.unravel_index(np.argmax(window), window.shape)  # first maximum, row-major
        dx[n, c, i * stride + p, j * stride + q] += dout[n, c, i, j]
    return dx


def loop_avg_backward(dout, x, size, stride):
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(dout.shape):
        dx[n, c, i * stride:i * stride + size, j * stride:j * stride + size] += dout[n, c, i, j] / size ** 2
    return dx


def close(a, b, tol=1e-12):
    return a.shape == b.shape and np.max(np.abs(a - b)) <= tol * max(1.0, np.max(np.abs(b)))


@pytest.mark.parametrize("case", CASES)
def test_max_and_avg_pool_match_plain_loops(case):
    N, C, H, W, size, stride = case
    s = size if stride is None else stride
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, C, H, W))
    dout = rng.standard_normal((N, C) + out_size(H, W, size, s))
    out, cache = max_pool_forward(x, size=size, stride=stride)
    assert close(out, loop_pool(x, size, s, np.max))
    assert close(max_pool_backward(dout, cache), loop_max_backward(dout, x, size, s))
    out, cache = avg_pool_forward(x, size=size, stride=stride)
    assert close(out, loop_pool(x, size, s, np.mean))
    assert close(avg_pool_backward(dout, cache), loop_avg_backward(dout, x, size, s))


@pytest.mark.parametrize("case", CASES)
def test_pool_backward_matches_numerical_vjp(case):
    N, C, H, W, size, stride = case
    rng = np.random.default_rng(2)
    x = rng.standard_normal((N, C, H, W))
    for forward, backward, h in ((max_pool_forward, max_pool_backward, 1e-6),
                                 (avg_pool_forward, avg_pool_backward, 1e-3)):
        out, cache = forward(x, size=size, stride=stride)
        dout = rng.standard_normal(out.shape)
        numeric = numerical_vjp(lambda v: forward(v, size=size, stride=stride)[0], x, dout, h=h)
        assert rel_error(backward(dout, cache), numeric) <= 1e-7


@pytest.mark.parametrize("seed", range(6))
def test_random_shapes_against_loops(seed):
    rng = np.random.default_rng(200 + seed)
    size, stride = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    N, C, H, W = (int(v) for v in rng.integers([1, 1, size, size], [4, 4, 10, 10]))
    x = rng.standard_normal((N, C, H, W))
    dout = rng.standard_normal((N, C) + out_size(H, W, size, stride))
    case = (N, C, H, W, size, stride)
    out, cache = max_pool_forward(x, size=size, stride=stride)
    assert close(out, loop_pool(x, size, stride, np.max)), case
    assert close(max_pool_backward(dout, cache), loop_max_backward(dout, x, size, stride)), case
    out, cache = avg_pool_forward(x, size=size, stride=stride)
    assert close(out, loop_pool(x, size, stride, np.mean)), case
    assert close(avg_pool_backward(dout, cache), loop_avg_backward(dout, x, size, stride)), case


def test_max_pool_ties_go_to_the_first_maximum_in_row_major_order():
    x = np.array([[[[1.0, 5.0, 5.0, 0.0],
                    [5.0, 5.0, 0.0, 0.0],
                    [2.0, 2.0, 3.0, 3.0],
                    [2.0, 2.0, 3.0, 3.0]]]])
    out, cache = max_pool_forward(x, size=2)
    assert out.tolist() == [[[[5.0, 5.0], [2.0, 3.0]]]]
    dx = max_pool_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache)
    assert dx.tolist() == [[[[0.0, 1.0, 2.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0],
                             [3.0, 0.0, 4.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0]]]]
    # overlapping windows (size 2, stride 1) on a constant map: every window's gradient goes to its top-left
    out, cache = max_pool_forward(np.ones((1, 1, 3, 3)), size=2, stride=1)
    assert max_pool_backward(np.ones((1, 1, 2, 2)), cache)[0, 0].tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]


def loop_subsample(x, coef, bias, size):
    return loop_pool(x, size, size, np.sum) * coef[:, None, None] + bias[:, None, None]


@pytest.mark.parametrize("shape,size", [((2, 3, 8, 8), 2), ((1, 2, 6, 9), 3), ((2, 2, 4, 4), 1)])
def test_subsample_matches_loop_and_numerical_gradient(shape, size):
    rng = np.random.default_rng(3)
    x, coef, bias = rng.standard_normal(shape), rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    out, cache = subsample_forward(x, coef, bias, size=size)
    assert close(out, loop_subsample(x, coef, bias, size))
    dout = rng.standard_normal(out.shape)
    dx, dcoef, dbias = subsample_backward(dout, cache)
    f = lambda x_, c_, b_: subsample_forward(x_, c_, b_, size=size)[0]
    assert rel_error(dx, numerical_vjp(lambda v: f(v, coef, bias), x, dout, h=1e-3)) <= 1e-7
    assert rel_error(dcoef, numerical_vjp(lambda v: f(x, v, bias), coef, dout, h=1e-3)) <= 1e-7
    assert rel_error(dbias, numerical_vjp(lambda v: f(x, coef, v), bias, dout, h=1e-3)) <= 1e-7


def test_inputs_are_not_mutated():
    rng = np.random.default_rng(4)
    x, coef, bias = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal(2), rng.standard_normal(2)
    dout = rng.standard_normal((2, 2, 3, 3))
    keep = [a.copy() for a in (x, coef, bias, dout)]
    for forward, backward in ((max_pool_forward, max_pool_backward), (avg_pool_forward, avg_pool_backward)):
        backward(dout, forward(x, size=2)[1])
    subsample_backward(dout, subsample_forward(x, coef, bias, size=2)[1])
    assert all(np.array_equal(a, k) for a, k in zip((x, coef, bias, dout), keep))


def test_any_memory_layout_gives_the_same_results():
    rng = np.random.default_rng(6)
    x, dout = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((2, 3, 3, 3))
    def variants(a):  # C order, Fortran order, batch innermost
        return [a, np.asfortranarray(a), np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)]
    c = rng.standard_normal(3)
    runs = []
    for x_, dout_ in zip(variants(x), variants(dout)[::-1]):
        run = []
        for forward, backward in ((max_pool_forward, max_pool_backward), (avg_pool_forward, avg_pool_backward)):
            out, cache = forward(x_, size=2)
            run += [out, backward(dout_, cache)]
        out, cache = subsample_forward(x_, c, c, size=2)
        runs.append(run + [out] + list(subsample_backward(dout_, cache)))
    assert all(close(g, v, 1e-14) for run in runs[1:] for g, v in zip(run, runs[0]))  # sums may reorder


def raises(match, fn, *args, **kwargs):
    with pytest.raises(ValueError, match=match):
        fn(*args, **kwargs)


def test_bad_input_raises_value_error_naming_the_argument():
    x = np.zeros((2, 3, 6, 6))
    for forward in (max_pool_forward, avg_pool_forward):
        raises(r"size must be >= 1, got 0", forward, x, size=0)
        raises(r"stride must be >= 1, got 0", forward, x, size=2, stride=0)
        raises(r"pooling window 7x7 is larger than the input 6x6", forward, x, size=7)
        raises(r"x must be a non-empty 4-d array, got shape \(3, 6, 6\)", forward, x[0], size=2)
    raises(r"dout must have shape \(2, 3, 3, 3\)", max_pool_backward, np.zeros((2, 3, 3, 2)),
           max_pool_forward(x, size=2)[1])
    raises(r"dout must have shape \(2, 3, 2, 2\)", avg_pool_backward, np.zeros((2, 3, 3, 3)),
           avg_pool_forward(x, size=3)[1])
    c = np.ones(3)
    raises(r"windows of size 4 do not tile the input 6x6", subsample_forward, x, c, c, size=4)
    raises(r"size must be >= 1, got -2", subsample_forward, x, c, c, size=-2)
    raises(r"coef and bias must have shape \(3,\)", subsample_forward, x, np.ones(2), c, size=2)
    raises(r"bias must be a non-empty 1-d array, got shape \(3, 1\)", subsample_forward, x, c,
           np.ones((3, 1)), size=2)
    raises(r"dout must have shape \(2, 3, 3, 3\)", subsample_backward, np.zeros((2, 3, 3, 4)),
           subsample_forward(x, c, c, size=2)[1])


@pytest.mark.parametrize("case", CASES[:4])
def test_matches_torch_autograd(case):
    torch = pytest.importorskip("torch")
    N, C, H, W, size, stride = case
    rng = np.random.default_rng(5)
    x = rng.standard_normal((N, C, H, W))
    for ours, backward, theirs in ((max_pool_forward, max_pool_backward, torch.nn.functional.max_pool2d),
                                   (avg_pool_forward, avg_pool_backward, torch.nn.functional.avg_pool2d)):
        out, cache = ours(x, size=size, stride=stride)
        dout = rng.standard_normal(out.shape)
        tx = torch.tensor(x, requires_grad=True)
        tout = theirs(tx, size, stride)
        tout.backward(torch.tensor(dout))
        assert close(out, tout.detach().numpy())
        assert close(backward(dout, cache), tx.grad.numpy())
