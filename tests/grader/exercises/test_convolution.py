"""grader/grading/numeric.py and grader/exercises/convolution.py: the vectorized numerical derivatives agree with plain per-element central differences.

Tolerances: 1e-8 absolute for smooth nonlinear functions (central differences with h = 1e-5 are good to ~1e-10
here), 1e-12 relative to the largest entry for the conv truths (linear maps differentiated at 0).
"""

import numpy as np
import pytest

from grader.grading.checking import GraderBug
from grader.exercises.convolution import conv_db, conv_dw, conv_dx, conv_length, conv_out
from grader.exercises.exercise3.truth import full_convolve_2d
from grader.grading.numeric import batched_vjp, elementwise_derivative, kernel_grad


def loop_vjp(f, x, dout, h=1e-5):
    """d sum(f(x) * dout) / dx, one pair of calls per element."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = np.sum((f(up) - f(down)) * dout) / (2 * h)
    return grad


def test_batched_vjp_matches_per_element_differences():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 4))
    x, dout = rng.standard_normal((3, 2, 3)), rng.standard_normal((3, 4))

    def f(xs):  # each example on its own: (S, 2, 3) -> (S, 4), nonlinear
        return np.tanh(xs.reshape(len(xs), -1) @ a)

    np.testing.assert_allclose(batched_vjp(f, x, dout), loop_vjp(f, x, dout), atol=1e-8)


def test_batched_vjp_along_output_axis_one_and_kernel_grad():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5))
    w, dout = rng.standard_normal((3, 5)), rng.standard_normal((2, 3))

    def f(ws):  # kernel j makes output column j: (S, 5) -> (2, S)
        return np.sin(x @ ws.T)

    want = loop_vjp(f, w, dout)
    np.testing.assert_allclose(batched_vjp(f, w, dout, out_axis=1), want, atol=1e-8)
    np.testing.assert_allclose(kernel_grad(f, w, dout), want, atol=1e-8)


def test_batched_vjp_calls_f_once_and_checks_shapes():
    calls = []

    def f(xs):
        calls.append(xs.shape)
        return 2 * xs

    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(batched_vjp(f, x, np.ones((2, 3))), np.full((2, 3), 2.0), rtol=1e-9)
    assert calls == [(12, 3)]  # 2 examples x 3 elements x (+h, -h)
    with pytest.raises(ValueError, match="slices"):
        batched_vjp(f, x, np.ones((3, 3)))
    with pytest.raises(ValueError, match="f returned"):
        batched_vjp(lambda xs: xs[:, :2], x, np.ones((2, 3)))


def test_elementwise_derivative_of_tanh():
    z = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(elementwise_derivative(np.tanh, z), 1 - np.tanh(z) ** 2, atol=1e-9)


def test_full_convolve_2d_is_numpy_convolution():
    rng = np.random.default_rng(2)
    delta, kernel = rng.standard_normal((3, 2)), rng.standard_normal((2, 4))
    want = np.zeros((4, 5))
    for i in range(3):
        for j in range(2):
            want[i:i + 2, j:j + 4] += delta[i, j] * kernel  # true convolution, by scattering
    np.testing.assert_allclose(full_convolve_2d(delta, kernel), want, rtol=1e-12, atol=1e-12)


def test_conv_truths_match_plain_loops():
    rng = np.random.default_rng(3)
    s, p, (kh, kw), (h, wd) = 2, 1, (3, 2), (6, 5)  # (6 + 2 - 3) % 2 = 1: the last padded row is never read
    ho, wo = conv_out(h, kh, s, p), conv_out(wd, kw, s, p)
    delta, w = rng.standard_normal((2, 3, ho, wo)), rng.standard_normal((3, 2, kh, kw))
    x = rng.standard_normal((2, 2, h, wd))
    dx_pad, dw = np.zeros((2, 2, h + 2 * p, wd + 2 * p)), np.zeros_like(w)
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    for i in range(ho):
        for j in range(wo):
            dx_pad[:, :, i * s:i * s + kh, j * s:j * s + kw] += np.einsum("nf,fcpq->ncpq", delta[:, :, i, j], w)
            dw += np.einsum("nf,ncpq->fcpq", delta[:, :, i, j], x_pad[:, :, i * s:i * s + kh, j * s:j * s + kw])
    np.testing.assert_allclose(conv_dx(delta, w, stride=s, padding=p, input_size=(h, wd)),
                               dx_pad[:, :, p:-p, p:-p], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv_dw(delta, x, (kh, kw), stride=s, padding=p), dw, rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(conv_db(delta), delta.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_conv_dx_raises_grader_bug_when_the_witnesses_disagree(monkeypatch):
    import grader.exercises.convolution as truth

    real = truth.conv2d_backward
    def wrong_backward(dout, cache):  # dx twice too big
        dx, dw, db = real(dout, cache)
        return 2 * dx, dw, db

    monkeypatch.setattr(truth, "conv2d_backward", wrong_backward)
    rng = np.random.default_rng(4)
    with pytest.raises(GraderBug, match="disagree"):
        truth.conv_dx(rng.standard_normal((1, 1, 2, 2)), rng.standard_normal((1, 1, 2, 2)))


def test_conv_length_draws_ragged_and_aligned_sizes():
    rng = np.random.default_rng(5)
    for _ in range(20):
        h = conv_length(rng, 3, 3, 1, ragged=True)
        assert (h + 2 - 3) % 3 != 0 and 3 <= h <= 8
        h = conv_length(rng, 3, 3, 1, ragged=False)
        assert (h + 2 - 3) % 3 == 0
    with pytest.raises(ValueError, match="no input length"):
        conv_length(rng, 9, 1, 0, lo=3, hi=8)
