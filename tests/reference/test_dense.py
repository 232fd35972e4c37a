"""reference.dense: dense, RBF and flatten layers against direct formulas, numerical differentiation and
(when installed) torch autograd.

Tolerances: values 1e-12 relative; analytic vs numerical rel_error <= 1e-7 (central differences, h = 1e-3 for
the dense layer, which is linear in each input, and h = 1e-5 for the quadratic RBF); torch 1e-12.
"""
import numpy as np
import pytest

from reference.dense import (dense_backward, dense_forward, flatten_backward, flatten_forward, rbf_backward,
                             rbf_forward)
from reference.numgrad import numerical_vjp, rel_error


def test_dense_forward_and_gradients():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
    out, cache = dense_forward(x, w, b)
    assert np.allclose(out, [[sum(x[n, d] * w[d, m] for d in range(5)) + b[m] for m in range(3)]
                             for n in range(4)], rtol=1e-12, atol=0)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = dense_backward(dout, cache)
    assert rel_error(dx, numerical_vjp(lambda v: dense_forward(v, w, b)[0], x, dout, h=1e-3)) <= 1e-7
    assert rel_error(dw, numerical_vjp(lambda v: dense_forward(x, v, b)[0], w, dout, h=1e-3)) <= 1e-7
    assert rel_error(db, numerical_vjp(lambda v: dense_forward(x, w, v)[0], b, dout, h=1e-3)) <= 1e-7


def test_rbf_forward_and_gradients():
    rng = np.random.default_rng(1)
    x, centres = rng.standard_normal((3, 6)), np.sign(rng.standard_normal((4, 6)))
    out, cache = rbf_forward(x, centres)
    assert np.allclose(out, [[np.sum((x[n] - centres[k]) ** 2) for k in range(4)] for n in range(3)],
                       rtol=1e-12, atol=0)
    dout = rng.standard_normal(out.shape)
    dx, dcentres = rbf_backward(dout, cache)
    assert rel_error(dx, numerical_vjp(lambda v: rbf_forward(v, centres)[0], x, dout)) <= 1e-7
    assert rel_error(dcentres, numerical_vjp(lambda v: rbf_forward(x, v)[0], centres, dout)) <= 1e-7


def test_flatten_round_trip_and_copies():
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    out, cache = flatten_forward(x)
    assert out.shape == (2, 12) and out[1].tolist() == list(range(12, 24))
    out[0, 0] = -1.0
    assert x[0, 0, 0, 0] == 0.0  # the output is a copy
    dout = np.arange(24.0).reshape(2, 12)
    dx = flatten_backward(dout, cache)
    assert dx.shape == x.shape and np.array_equal(dx, x)
    assert rel_error(dx, numerical_vjp(lambda v: flatten_forward(v)[0], x, dout, h=1e-3)) <= 1e-7
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 12\) \(the forward output\), got \(2, 11\)"):
        flatten_backward(np.zeros((2, 11)), cache)


def test_inputs_are_not_mutated():
    rng = np.random.default_rng(2)
    x, w, b, c = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2), \
        rng.standard_normal((5, 4))
    d2, d5 = rng.standard_normal((3, 2)), rng.standard_normal((3, 5))
    keep = [a.copy() for a in (x, w, b, c, d2, d5)]
    dense_backward(d2, dense_forward(x, w, b)[1])
    rbf_backward(d5, rbf_forward(x, c)[1])
    assert all(np.array_equal(a, k) for a, k in zip((x, w, b, c, d2, d5), keep))


def raises(match, fn, *args):
    with pytest.raises(ValueError, match=match):
        fn(*args)


def test_bad_input_raises_value_error_naming_the_argument():
    x, w, b = np.zeros((3, 4)), np.zeros((4, 2)), np.zeros(2)
    raises(r"x has 5 features but w expects 4: x \(3, 5\), w \(4, 2\)", dense_forward, np.zeros((3, 5)), w, b)
    raises(r"b must have shape \(2,\) for w \(4, 2\), got \(3,\)", dense_forward, x, w, np.zeros(3))
    raises(r"b must be a non-empty 1-d array, got shape \(1, 2\)", dense_forward, x, w, np.zeros((1, 2)))
    raises(r"x must be a non-empty 2-d array, got shape \(4,\)", dense_forward, np.zeros(4), w, b)
    raises(r"dout must have shape \(3, 2\)", dense_backward, np.zeros((3, 1)), dense_forward(x, w, b)[1])
    raises(r"x has 4 features but centres have 3", rbf_forward, x, np.zeros((5, 3)))
    raises(r"centres must be a non-empty 2-d array", rbf_forward, x, np.zeros(4))
    raises(r"dout must have shape \(3, 5\)", rbf_backward, np.zeros((5, 3)), rbf_forward(x, np.zeros((5, 4)))[1])
    raises(r"x must be a non-empty array with a batch axis", flatten_forward, np.float64(1.0))


def test_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((5, 7)), rng.standard_normal((7, 3)), rng.standard_normal(3)
    out, cache = dense_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = tx @ tw + tb
    tout.backward(torch.tensor(dout))
    assert np.allclose(out, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    for got, t in zip(dense_backward(dout, cache), (tx, tw, tb)):
        assert np.allclose(got, t.grad.numpy(), rtol=1e-12, atol=1e-12)
