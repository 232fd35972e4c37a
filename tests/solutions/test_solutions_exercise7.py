"""The instructor's solution of exercise 7 against reference.conv_family and reference.conv, float64.

Tolerance: 1e-12 relative to max(1, the largest true value): both sides compute the same sums in another order
(the reference builds conv matrices entry by entry and transposed convolutions by scattering, the solution by
unit inputs and by exercise 3's dilate-pad-rotate recipe).
"""
import doctest
import itertools

import numpy as np
import pytest

from reference.conv import conv2d_backward, conv2d_forward
from reference.conv_family import (conv_matrix, conv_transpose2d_forward, dilated_conv2d_backward,
                                   dilated_conv2d_forward, narrow_convolve2d, same_padding, wide_convolve2d)
from solutions import exercise3 as ex3
from solutions import exercise7 as ex7

TOL = 1e-12


def close(ours, truth):
    ours = np.asarray(ours)
    assert ours.shape == truth.shape
    assert np.max(np.abs(ours - truth)) <= TOL * max(1.0, np.max(np.abs(truth)))


def test_worked_examples_in_the_docstring_hold_without_flags():
    """As `python -m doctest solutions/exercise7.py` runs them: no NORMALIZE_WHITESPACE."""
    result = doctest.testmod(ex7, optionflags=0)
    assert result.attempted >= 10
    assert result.failed == 0


@pytest.mark.parametrize("xs, ws", [((5, 7), (3, 2)), ((4, 6), (4, 1)), ((3, 3), (3, 3)), ((2, 9), (1, 4))])
def test_narrow_and_wide_convolve(xs, ws):
    rng = np.random.default_rng(sum(xs) * 10 + sum(ws))
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    close(ex7.narrow_convolve(x, w), narrow_convolve2d(x, w))
    close(ex7.wide_convolve(x, w), wide_convolve2d(x, w))
    close(ex7.wide_convolve(w, x), ex7.wide_convolve(x, w))  # nndl 5-2: wide convolution commutes


# (C, H, W, F, KH, KW, stride, padding): C != F, H != W; rows 3 and 4 leave input rows/columns unread
MATRIX_CASES = [(2, 5, 6, 3, 3, 3, 1, 0), (3, 6, 5, 2, 3, 2, 2, 1), (2, 8, 7, 3, 3, 3, 3, 0),
                (1, 7, 6, 3, 2, 4, 2, 2), (2, 4, 5, 3, 1, 1, 1, 0)]


@pytest.mark.parametrize("case", MATRIX_CASES)
def test_conv_as_matrix_and_its_transpose_is_exercise3s_residual(case):
    C, H, W, F, KH, KW, s, p = case
    rng = np.random.default_rng(sum(case))
    x, w = rng.standard_normal((C, H, W)), rng.standard_normal((F, C, KH, KW))
    M = ex7.conv_as_matrix(w, (C, H, W), stride=s, padding=p)
    close(M, conv_matrix(w, (C, H, W), stride=s, padding=p))
    z, cache = conv2d_forward(x[None], w, np.zeros(F), stride=s, padding=p)
    close(M @ x.ravel(), z[0].ravel())
    delta = rng.standard_normal(z.shape)
    close(M.T @ delta.ravel(), conv2d_backward(delta, cache)[0][0].ravel())
    residual = ex3.conv_backward_input(delta, w, stride=s, padding=p, input_size=(H, W))
    close(M.T @ delta.ravel(), residual[0].ravel())


@pytest.mark.parametrize("stride, padding", list(itertools.product((1, 2, 3), (0, 1, 2))))
def test_conv_transpose(stride, padding):
    rng = np.random.default_rng(10 * stride + padding)
    x, w = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((3, 2, 3, 4))  # C_in != C_out, KH != KW
    out = ex7.conv_transpose(x, w, stride=stride, padding=padding)
    close(out, conv_transpose2d_forward(x, w, np.zeros(2), stride=stride, padding=padding)[0])
    assert out.shape == (2, 2, 3 * stride - 2 * padding + 3, 4 * stride - 2 * padding + 4)


@pytest.mark.parametrize("dilation, padding", list(itertools.product((1, 2, 3), (0, 1, 3))))
def test_dilated_conv_and_its_kernel_gradient(dilation, padding):
    rng = np.random.default_rng(10 * dilation + padding)
    x, w = rng.standard_normal((2, 3, 10, 9)), rng.standard_normal((4, 3, 3, 2))
    z, cache = dilated_conv2d_forward(x, w, np.zeros(4), dilation=dilation, padding=padding)
    close(ex7.dilated_conv(x, w, dilation=dilation, padding=padding), z)
    delta = rng.standard_normal(z.shape)
    dw = ex7.dilated_conv_backward_weights(delta, x, (3, 2), dilation=dilation, padding=padding)
    close(dw, dilated_conv2d_backward(delta, cache)[1])


def test_same_padding():
    for K, D in itertools.product(range(1, 8), range(1, 5)):
        if (K - 1) * D % 2:
            with pytest.raises(ValueError):
                ex7.same_padding(K, D)
        else:
            assert ex7.same_padding(K, D) == same_padding(K, D)
            x = np.ones((1, 1, 12, 11))
            assert ex7.dilated_conv(x, np.ones((1, 1, K, K)), D, ex7.same_padding(K, D)).shape == x.shape


def test_conv1x1_is_a_conv_with_1x1_kernels_and_the_cost_example_adds_up():
    rng = np.random.default_rng(11)
    x, w = rng.standard_normal((2, 5, 4, 3)), rng.standard_normal((3, 5))
    close(ex7.conv1x1(x, w), conv2d_forward(x, w[:, :, None, None], np.zeros(3))[0])
    macs = lambda c, f, k: 100 * 100 * f * c * k * k
    assert macs(256, 256, 3) == 5_898_240_000
    assert macs(256, 64, 1) == 163_840_000 and macs(64, 256, 3) == 1_474_560_000
    assert macs(256, 64, 1) + macs(64, 256, 3) == 1_638_400_000
    for number in ("5,898,240,000", "163,840,000", "1,474,560,000", "1,638,400,000"):
        assert number in ex7.__doc__


def test_solution_rejects_bad_input():
    with pytest.raises(ValueError, match="no larger"):
        ex7.narrow_convolve(np.ones((2, 5)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="input_shape"):
        ex7.conv_as_matrix(np.ones((1, 2, 2, 2)), (3, 4, 4))
    with pytest.raises(ValueError, match="C_in"):
        ex7.conv_transpose(np.ones((1, 2, 3, 3)), np.ones((3, 2, 2, 2)))
    with pytest.raises(ValueError, match="crops"):
        ex7.conv_transpose(np.ones((1, 2, 1, 1)), np.ones((2, 2, 2, 2)), padding=1)
    with pytest.raises(ValueError, match="dilation"):
        ex7.dilated_conv(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), dilation=2)
    with pytest.raises(ValueError, match="delta"):
        ex7.dilated_conv_backward_weights(np.ones((1, 1, 2, 2)), np.ones((1, 1, 4, 4)), 2)
    with pytest.raises(ValueError, match="w must"):
        ex7.conv1x1(np.ones((1, 2, 3, 3)), np.ones((2, 3)))
