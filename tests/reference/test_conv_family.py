"""reference.conv_family against plain loops, numerical differentiation and the transpose relations.

Tolerances (float64): vectorized vs loops and the transpose identities 1e-12 relative to the largest value
(the same sums in another order); analytic vs numerical gradients rel_error <= 1e-7 (central differences,
h = 1e-3: every op is linear in each input, so the step adds no truncation error).
"""
import itertools

import numpy as np
import pytest

from reference.conv import conv2d_backward, conv2d_forward
from reference.conv_family import (conv_matrix, conv_transpose2d_backward, conv_transpose2d_forward,
                                   dilate_kernel, dilated_conv2d_backward, dilated_conv2d_forward,
                                   narrow_convolve2d, same_padding, wide_convolve2d)
from reference.numgrad import numerical_vjp, rel_error

TOL = 1e-12
NUM_TOL = 1e-7


def close(ours, truth, tol=TOL):
    assert ours.shape == truth.shape
    assert np.max(np.abs(ours - truth)) <= tol * max(1.0, np.max(np.abs(truth)))


# (N, C_in, H, W, C_out, KH, KW, stride, padding)
TRANSPOSE_CASES = [(2, 3, 4, 5, 2, 3, 2, 1, 0), (2, 2, 3, 4, 3, 3, 3, 2, 1), (1, 3, 3, 2, 2, 2, 4, 3, 0),
                   (2, 2, 4, 3, 3, 4, 3, 2, 2), (2, 1, 2, 3, 2, 1, 1, 3, 0)]
# (N, C, H, W, F, KH, KW, dilation, stride, padding)
DILATED_CASES = [(2, 3, 9, 8, 2, 3, 3, 2, 1, 0), (2, 2, 10, 9, 3, 3, 2, 3, 1, 3),
                 (1, 2, 11, 12, 2, 2, 3, 2, 2, 1),
                 (2, 3, 7, 9, 4, 3, 3, 1, 2, 1), (2, 1, 12, 10, 2, 2, 2, 4, 3, 2)]


def loop_conv_transpose(x, w, b, s, p):
    """out_pad[n,f,i*s+u,j*s+v] += x[n,c,i,j] w[c,f,u,v], one product at a time; crop p; + b."""
    (N, C, H, W), (_, F, KH, KW) = x.shape, w.shape
    out = np.zeros((N, F, (H - 1) * s + KH, (W - 1) * s + KW))
    for n, c, f, i, j, u, v in itertools.product(*map(range, (N, C, F, H, W, KH, KW))):
        out[n, f, i * s + u, j * s + v] += x[n, c, i, j] * w[c, f, u, v]
    return out[:, :, p:out.shape[2] - p, p:out.shape[3] - p] + b[:, None, None]


def loop_dilated_conv(x, w, b, d, s, p):
    (N, C, H, W), (F, _, KH, KW) = x.shape, w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    Ho, Wo = (H + 2 * p - d * (KH - 1) - 1) // s + 1, (W + 2 * p - d * (KW - 1) - 1) // s + 1
    out = np.zeros((N, F, Ho, Wo))
    for n, f, i, j in itertools.product(range(N), range(F), range(Ho), range(Wo)):
        window = xp[n, :, i * s:i * s + d * (KH - 1) + 1:d, j * s:j * s + d * (KW - 1) + 1:d]
        out[n, f, i, j] = np.sum(w[f] * window) + b[f]
    return out


def transpose_case(case, seed=0):
    N, C, H, W, F, KH, KW, s, p = case
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((C, F, KH, KW)), rng.standard_normal(F)
    return x, w, b, s, p


def dilated_case(case, seed=0):
    N, C, H, W, F, KH, KW, d, s, p = case
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, KH, KW)), rng.standard_normal(F)
    return x, w, b, d, s, p


# ---------------------------------------------------------------- transposed convolution


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose_forward_matches_loops_and_size(case):
    x, w, b, s, p = transpose_case(case)
    out, _ = conv_transpose2d_forward(x, w, b, stride=s, padding=p)
    (_, _, H, W), (_, _, KH, KW) = x.shape, w.shape
    assert out.shape[2:] == ((H - 1) * s - 2 * p + KH, (W - 1) * s - 2 * p + KW)
    close(out, loop_conv_transpose(x, w, b, s, p))


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose_is_conv_backward_to_input(case):
    """The transposed convolution of x with w is conv2d_backward's dx for dout = x and the same weights."""
    x, w, b, s, p = transpose_case(case)
    out, _ = conv_transpose2d_forward(x, w, np.zeros(w.shape[1]), stride=s, padding=p)
    a = np.zeros((x.shape[0], w.shape[1]) + out.shape[2:])  # the conv's input: the transpose's output size
    _, cache = conv2d_forward(a, w, np.zeros(w.shape[0]), stride=s, padding=p)
    dx, _, _ = conv2d_backward(x, cache)
    close(out, dx)


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose_backward_matches_numerical_gradients(case):
    x, w, b, s, p = transpose_case(case, seed=1)
    out, cache = conv_transpose2d_forward(x, w, b, stride=s, padding=p)
    dout = np.random.default_rng(2).standard_normal(out.shape)
    dx, dw, db = conv_transpose2d_backward(dout, cache)
    fwd = lambda x_, w_, b_: conv_transpose2d_forward(x_, w_, b_, stride=s, padding=p)[0]
    assert rel_error(dx, numerical_vjp(lambda v: fwd(v, w, b), x, dout, h=1e-3)) <= NUM_TOL
    assert rel_error(dw, numerical_vjp(lambda v: fwd(x, v, b), w, dout, h=1e-3)) <= NUM_TOL
    assert rel_error(db, numerical_vjp(lambda v: fwd(x, w, v), b, dout, h=1e-3)) <= NUM_TOL


def test_conv_transpose_rejects_bad_input():
    x, w = np.ones((1, 2, 3, 3)), np.ones((2, 3, 2, 2))
    with pytest.raises(ValueError, match="C_in"):
        conv_transpose2d_forward(x, np.ones((3, 2, 2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="b must"):
        conv_transpose2d_forward(x, w, np.zeros(2))
    with pytest.raises(ValueError, match="padding 2"):
        conv_transpose2d_forward(x[:, :, :1, :1], w, np.zeros(3), padding=2)
    with pytest.raises(TypeError, match="stride"):
        conv_transpose2d_forward(x, w, np.zeros(3), stride=1.5)
    _, cache = conv_transpose2d_forward(x, w, np.zeros(3))
    with pytest.raises(ValueError, match="dout"):
        conv_transpose2d_backward(np.ones((1, 3, 3, 3)), cache)


# ---------------------------------------------------------------- dilated convolution


@pytest.mark.parametrize("case", DILATED_CASES)
def test_dilated_conv_forward_matches_loops(case):
    x, w, b, d, s, p = dilated_case(case)
    out, _ = dilated_conv2d_forward(x, w, b, dilation=d, stride=s, padding=p)
    close(out, loop_dilated_conv(x, w, b, d, s, p))


@pytest.mark.parametrize("case", DILATED_CASES)
def test_dilated_conv_backward_matches_numerical_gradients(case):
    x, w, b, d, s, p = dilated_case(case, seed=3)
    out, cache = dilated_conv2d_forward(x, w, b, dilation=d, stride=s, padding=p)
    dout = np.random.default_rng(4).standard_normal(out.shape)
    dx, dw, db = dilated_conv2d_backward(dout, cache)
    fwd = lambda x_, w_, b_: dilated_conv2d_forward(x_, w_, b_, dilation=d, stride=s, padding=p)[0]
    assert rel_error(dx, numerical_vjp(lambda v: fwd(v, w, b), x, dout, h=1e-3)) <= NUM_TOL
    assert rel_error(dw, numerical_vjp(lambda v: fwd(x, v, b), w, dout, h=1e-3)) <= NUM_TOL
    assert rel_error(db, numerical_vjp(lambda v: fwd(x, w, v), b, dout, h=1e-3)) <= NUM_TOL


def test_dilation_one_is_the_plain_convolution_and_kernel_dilation_puts_zeros_between_taps():
    x, w, b, _, s, p = dilated_case(DILATED_CASES[3])
    close(dilated_conv2d_forward(x, w, b, dilation=1, stride=s, padding=p)[0],
          conv2d_forward(x, w, b, stride=s, padding=p)[0])
    k = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    assert dilate_kernel(k, 3)[0, 0].tolist() == [[1, 0, 0, 2], [0, 0, 0, 0], [0, 0, 0, 0], [3, 0, 0, 4]]


@pytest.mark.parametrize("K, D", [(k, d) for k in range(1, 8) for d in range(1, 4)])
def test_same_padding_keeps_the_size(K, D):
    x = np.random.default_rng(K * 10 + D).standard_normal((2, 2, 15, 13))
    w = np.ones((3, 2, K, K))
    if (K - 1) * D % 2:
        with pytest.raises(ValueError, match="odd"):
            same_padding(K, D)
        return
    assert same_padding(K, D) == (K - 1) * D // 2
    out, _ = dilated_conv2d_forward(x, w, np.zeros(3), dilation=D, padding=same_padding(K, D))
    assert out.shape == (2, 3, 15, 13)


def test_same_padding_values_and_bad_input():
    assert [same_padding(3, 1), same_padding(3, 2), same_padding(5, 2), same_padding(1, 7)] == [1, 2, 4, 0]
    with pytest.raises(ValueError, match="kernel_size"):
        same_padding(0, 1)
    with pytest.raises(TypeError, match="dilation"):
        same_padding(3, 1.0)


# ---------------------------------------------------------------- a convolution as a matrix


# (C, H, W, F, KH, KW, stride, padding); the third and fourth leave rows/columns unread
MATRIX_CASES = [(2, 5, 6, 3, 3, 3, 1, 0), (3, 6, 5, 2, 3, 2, 2, 1), (2, 8, 7, 2, 3, 3, 3, 0),
                (1, 7, 6, 3, 2, 4, 2, 2), (2, 4, 4, 2, 1, 1, 1, 0)]


@pytest.mark.parametrize("case", MATRIX_CASES)
def test_conv_matrix_is_the_convolution_and_its_transpose_the_backward(case):
    C, H, W, F, KH, KW, s, p = case
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((C, H, W)), rng.standard_normal((F, C, KH, KW))
    M = conv_matrix(w, (C, H, W), stride=s, padding=p)
    z, cache = conv2d_forward(x[None], w, np.zeros(F), stride=s, padding=p)
    assert M.shape == (z[0].size, x.size)
    close(M @ x.ravel(), z[0].ravel())
    delta = rng.standard_normal(z.shape)
    dx, dw, _ = conv2d_backward(delta, cache)
    close(M.T @ delta.ravel(), dx[0].ravel())  # nndl 5-5: delta^(l) = W^T delta^(l+1)


def test_conv_matrix_transpose_is_the_transposed_convolution():
    rng = np.random.default_rng(6)
    w, delta = rng.standard_normal((3, 2, 3, 2)), rng.standard_normal((3, 5, 6))
    M = conv_matrix(w, (2, 9, 10), stride=2, padding=1)  # (9+2-3) % 2 == (10+2-2) % 2 == 0: all read
    out, _ = conv_transpose2d_forward(delta[None], w, np.zeros(2), stride=2, padding=1)
    close(M.T @ delta.ravel(), out[0].ravel())


def test_conv_matrix_by_hand_and_bad_input():
    M = conv_matrix(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), (1, 2, 3))  # 2x3 input, 2x2 kernel: 1x2 output
    assert M.tolist() == [[1, 2, 0, 3, 4, 0], [0, 1, 2, 0, 3, 4]]
    with pytest.raises(ValueError, match="input_shape"):
        conv_matrix(np.ones((1, 2, 2, 2)), (3, 4, 4))
    with pytest.raises(ValueError, match="larger"):
        conv_matrix(np.ones((1, 1, 5, 5)), (1, 3, 3))


# ---------------------------------------------------------------- narrow and wide convolution


def loop_convolve(x, w, wide):
    """nndl's convolution y[i,j] = sum_{u,v} w[u,v] x[i-u, j-v] over all (i,j) where some (wide) or every
    (narrow) term lands inside x."""
    (M, N), (U, V) = x.shape, w.shape
    full = np.zeros((M + U - 1, N + V - 1))
    for i, j, u, v in itertools.product(range(M), range(N), range(U), range(V)):
        full[i + u, j + v] += x[i, j] * w[u, v]
    return full if wide else full[U - 1:M, V - 1:N]


@pytest.mark.parametrize("xs, ws", [((5, 7), (3, 2)), ((4, 4), (4, 4)), ((6, 3), (1, 1)), ((3, 8), (2, 5))])
def test_narrow_and_wide_match_the_definition(xs, ws):
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    close(narrow_convolve2d(x, w), loop_convolve(x, w, wide=False))
    close(wide_convolve2d(x, w), loop_convolve(x, w, wide=True))
    assert narrow_convolve2d(x, w).shape == (xs[0] - ws[0] + 1, xs[1] - ws[1] + 1)
    assert wide_convolve2d(x, w).shape == (xs[0] + ws[0] - 1, xs[1] + ws[1] - 1)


@pytest.mark.parametrize("xs, ws", [((5, 7), (3, 2)), ((2, 6), (4, 3)), ((3, 3), (3, 3))])
def test_wide_convolution_commutes_and_correlation_does_not(xs, ws):
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    close(wide_convolve2d(x, w), wide_convolve2d(w, x))  # nndl 5-2
    corr = lambda a, k: wide_convolve2d(a, k[::-1, ::-1])  # full cross-correlation
    assert np.max(np.abs(corr(x, w) - corr(w, x))) > 0.1


def test_one_dimensional_sizes_of_the_notes():
    x, w = np.arange(1.0, 8.0)[None], np.array([[1.0, 0.0, 0.0, 0.0, -1.0]])  # 7 values, kernel of 5
    assert narrow_convolve2d(x, w).shape == (1, 3) and wide_convolve2d(x, w).shape == (1, 11)
    assert narrow_convolve2d(x, w).tolist() == [[4.0, 4.0, 4.0]]  # y_i = x_i - x_(i-4), flipped kernel


def test_convolve_rejects_bad_input():
    with pytest.raises(ValueError, match="no larger"):
        narrow_convolve2d(np.ones((2, 5)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="x must"):
        wide_convolve2d(np.ones((1, 2, 3)), np.ones((2, 2)))
