"""Checks of exercise 7: the convolution family (nndl chapter 5).

narrow_convolve and wide_convolve (true 2-D convolution; the wide one commutes), conv_as_matrix (the matrix of a
conv layer; its transpose gives exercise 3's residual), conv_transpose, dilated_conv with same_padding, the kernel
gradient of a dilated conv, and conv1x1. The truth is the reference conv forward (differentiated numerically where
a gradient or an adjoint is asked, grader/exercises/exercise7/truth.py); wrong answers are named by the variants of
mistakes.py. Values and sizes are drawn from `rng`; the structure each case is about is fixed, so a mistake costs
the same points under every seed.
"""

import numpy as np

from grader.exercises.convolution import conv_dx, conv_out, conv_sizes
from grader.exercises.exercise7.mistakes import (conv1x1_variants, dilated_dw_variants, dilated_variants,
                                                 matrix_variants, narrow_variants, product_variants,
                                                 same_padding_variants, transpose_variants, wide_variants)
from grader.exercises.exercise7.truth import (conv1x1_truth, correlate, dilated_dw_truth, dilated_size,
                                              dilated_truth, matrix_truth, narrow_truth, same_padding_truth,
                                              transpose_truth, wide_truth)
from grader.grading.lang import _
from grader.grading.where import sandbox_said
from grader.grading.checking import CheckFailed, check
from grader.grading.compare import describe, expect_array, expect_int
from grader.sandbox.errors import SubmissionRaised

# Fixed structure (DESIGN.md, Fairness; MISTAKES.md): random kernels (never 180°-symmetric), KH != KW and H != W,
# C != F (C_in != C_out) but in the one case that names swapped channel axes, a batch of 2 or more, stride >= 2
# where zeros between entries are the point, padding >= 1 where a crop or a pad is, dilation >= 2 with kernels of
# at least 2x2, dilation >= 3 (odd kernels) or 4 (even ones) for same_padding. Values and sizes are drawn.


def _side(rng, lo, hi):
    return int(rng.integers(lo, hi + 1))


def _two(rng, lo, hi):
    """Two different ints in [lo, hi] (KH != KW, H != W, C != F)."""
    a, b = rng.choice(np.arange(lo, hi + 1), size=2, replace=False)
    return int(a), int(b)


def _options(**values):
    """Keyword arguments, leaving out those at their default (stride 1, padding 0, dilation 1)."""
    defaults = {"stride": 1, "padding": 0, "dilation": 1}
    return {k: v for k, v in values.items() if v != defaults[k]}


# ---------------------------------------------------------------- narrow_convolve, wide_convolve


def _expect_narrow(submission, x, w):
    got = submission.call("narrow_convolve", x, w)
    expect_array(got, narrow_truth(x, w), case=_("x {x}, w {w}").format(x=x.shape, w=w.shape),
                 variants=narrow_variants(x, w))


def _expect_wide(submission, a, b, case=""):
    got = submission.call("wide_convolve", a, b)
    expect_array(got, wide_truth(a, b), case=case or _("x {x}, w {w}").format(x=a.shape, w=b.shape),
                 variants=wide_variants(a, b))


@check("narrow_convolve: rectangular x and kernel", points=2)
def test_narrow_rectangular(submission, rng):
    _expect_narrow(submission, rng.standard_normal(_two(rng, 4, 7)), rng.standard_normal(_two(rng, 2, 3)))


@check("narrow_convolve: random sizes, square kernel", points=1, hidden=True)
def test_narrow_random(submission, rng):
    k = _side(rng, 2, 4)
    _expect_narrow(submission, rng.standard_normal(_two(rng, k + 1, 8)), rng.standard_normal((k, k)))


@check("wide_convolve: rectangular x and kernel", points=1)
def test_wide_rectangular(submission, rng):
    _expect_wide(submission, rng.standard_normal(_two(rng, 4, 6)), rng.standard_normal(_two(rng, 2, 3)))


@check("wide_convolve: it commutes, wide_convolve(w, x) == wide_convolve(x, w)", points=2)
def test_wide_commutes(submission, rng):
    """The kernel first: a wide convolution is symmetric in its arguments (nndl 5-2); a correlation is not."""
    x, w = rng.standard_normal(_two(rng, 4, 6)), rng.standard_normal(_two(rng, 2, 3))
    _expect_wide(submission, x, w)
    _expect_wide(submission, w, x, case=_("wide_convolve(w, x) with w {w} first, x {x} second (a wide "
                                          "convolution commutes)").format(w=w.shape, x=x.shape))


@check("wide_convolve: random sizes, square kernel", points=1, hidden=True)
def test_wide_random(submission, rng):
    k = _side(rng, 2, 4)
    _expect_wide(submission, rng.standard_normal(_two(rng, 1, 7)), rng.standard_normal((k, k)))


# ---------------------------------------------------------------- conv_as_matrix


def _expect_matrix(submission, rng, *, c, f, kernel, size, stride=1, padding=0, times=None):
    """C itself (times=None), or what it does: C @ x.ravel() is the layer's output z (times="x"), C.T @
    delta.ravel() is exercise 3's residual dJ/dx (times="delta"). A C of the wrong shape or dtype shows as such."""
    w, shape = rng.standard_normal((f, c) + tuple(kernel)), (c,) + tuple(size)
    case = _("w {w}, input_shape {shape}, stride {stride}, padding {padding}").format(
        w=w.shape, shape=shape, stride=stride, padding=padding)
    got = submission.call("conv_as_matrix", w, shape, **_options(stride=stride, padding=padding))
    want = matrix_truth(w, shape, stride, padding)
    if times is None or not isinstance(got, np.ndarray) or got.shape != want.shape or got.dtype != np.float64:
        expect_array(got, want, case=case, variants=matrix_variants(w, shape, stride, padding))
        return
    if times == "delta":
        delta = rng.standard_normal((f,) + tuple(conv_out(n, k, stride, padding) for n, k in zip(size, kernel)))
        truth = conv_dx(delta[None], w, stride=stride, padding=padding, input_size=tuple(size))[0]
        vector, product, what = delta.ravel(), got.T @ delta.ravel(), _("C.T @ delta.ravel() (dJ/dx, exercise 3)")
    else:
        x = rng.standard_normal(shape)
        truth = correlate(x[None], w, stride=stride, padding=padding)[0]
        vector, product, what = x.ravel(), got @ x.ravel(), _("C @ x.ravel() (the layer's output z)")
    expect_array(product.reshape(truth.shape), truth, case=_("{case}: {part}").format(case=case, part=what),
                 variants=product_variants(w, shape, stride, padding, vector, times == "delta"))


@check("conv_as_matrix: one map, one kernel, stride 1", points=1)
def test_matrix_single(submission, rng):
    kernel, size = _two(rng, 2, 3), _two(rng, 3, 5)
    _expect_matrix(submission, rng, c=1, f=1, kernel=kernel, size=size)


@check("conv_as_matrix: C != F maps and kernels", points=1)
def test_matrix_channels(submission, rng):
    (c, f), kernel = _two(rng, 2, 4), _two(rng, 2, 3)
    _expect_matrix(submission, rng, c=c, f=f, kernel=kernel, size=_two(rng, 3, 5))


@check("conv_as_matrix: stride 2, padding 1", points=2)
def test_matrix_stride_padding(submission, rng):
    (c, f), kernel = _two(rng, 2, 4), _two(rng, 2, 3)
    _expect_matrix(submission, rng, c=c, f=f, kernel=kernel, size=_two(rng, 4, 7), stride=2, padding=1)


@check("conv_as_matrix: C.T @ delta is exercise 3's residual (stride 2, padding 1)", points=2)
def test_matrix_transpose_is_backward(submission, rng):
    (c, f), kernel = _two(rng, 2, 4), _two(rng, 2, 3)
    _expect_matrix(submission, rng, c=c, f=f, kernel=kernel, size=_two(rng, 4, 7), stride=2, padding=1,
                   times="delta")


@check("conv_as_matrix: C @ x is the layer's output (stride 3, padding 2)", points=2, hidden=True)
def test_matrix_times_x(submission, rng):
    (c, f), kernel = _two(rng, 2, 4), _two(rng, 2, 4)
    _expect_matrix(submission, rng, c=c, f=f, kernel=kernel, size=_two(rng, 4, 8), stride=3, padding=2,
                   times="x")


@check("conv_as_matrix: C.T @ delta, stride 3, padding 2, unread rows", points=2, hidden=True)
def test_matrix_transpose_unread(submission, rng):
    (c, f), kernel = _two(rng, 2, 4), _two(rng, 2, 4)
    size = conv_sizes(rng, kernel, 3, 2, remainders=(2, 0), lo=4, hi=9)  # 2 rows the layer never reads
    _expect_matrix(submission, rng, c=c, f=f, kernel=kernel, size=size, stride=3, padding=2, times="delta")


# ---------------------------------------------------------------- conv_transpose


def _expect_transpose(submission, rng, *, c_in, c_out, kernel, stride=1, padding=0, size):
    x, w = rng.standard_normal((2, c_in) + tuple(size)), rng.standard_normal((c_in, c_out) + tuple(kernel))
    got = submission.call("conv_transpose", x, w, **_options(stride=stride, padding=padding))
    expect_array(got, transpose_truth(x, w, stride, padding),
                 case=_("x {x}, w {w}, stride {stride}, padding {padding}").format(
                     x=x.shape, w=w.shape, stride=stride, padding=padding),
                 variants=transpose_variants(x, w, stride, padding))


@check("conv_transpose: one map, stride 1", points=1)
def test_transpose_single(submission, rng):
    _expect_transpose(submission, rng, c_in=1, c_out=1, kernel=_two(rng, 2, 3), size=_two(rng, 2, 5))


@check("conv_transpose: C_in != C_out, stride 2 (zeros between the entries)", points=2)
def test_transpose_stride2(submission, rng):
    (c_in, c_out), kernel = _two(rng, 1, 3), _two(rng, 2, 3)
    _expect_transpose(submission, rng, c_in=c_in, c_out=c_out, kernel=kernel, stride=2, size=_two(rng, 2, 4))


@check("conv_transpose: C_in != C_out, padding 1 (cropped), stride 1", points=2)
def test_transpose_padding(submission, rng):
    (c_in, c_out), kernel = _two(rng, 1, 3), _two(rng, 2, 4)
    _expect_transpose(submission, rng, c_in=c_in, c_out=c_out, kernel=kernel, padding=1, size=_two(rng, 2, 5))


@check("conv_transpose: C_in == C_out maps, stride 2, padding 1", points=1, hidden=True)
def test_transpose_square_channels(submission, rng):
    c = _side(rng, 2, 3)  # C_in == C_out: swapped channel axes give values, not an error, and can be named
    _expect_transpose(submission, rng, c_in=c, c_out=c, kernel=_two(rng, 2, 4), stride=2, padding=1,
                      size=_two(rng, 2, 4))


@check("conv_transpose: C_in != C_out, stride 3, padding 2", points=2, hidden=True)
def test_transpose_stride3(submission, rng):
    (c_in, c_out), kernel = _two(rng, 1, 3), _two(rng, 2, 4)  # H, W >= 3: the crop of 2 leaves painted pixels
    _expect_transpose(submission, rng, c_in=c_in, c_out=c_out, kernel=kernel, stride=3, padding=2,
                      size=_two(rng, 3, 5))


# ---------------------------------------------------------------- dilated_conv, same_padding


def _dilated_input(rng, n, c, kernel, dilation):
    """x (n, c, H, W), H != W, on which the dilated kernel fits unpadded at least twice per axis (so no output
    reads padding zeros only, whatever the padding)."""
    lo = [dilation * (k - 1) + 2 for k in kernel]
    h = _side(rng, lo[0], lo[0] + 4)
    w = int(rng.choice([v for v in range(lo[1], lo[1] + 5) if v != h]))
    return rng.standard_normal((n, c, h, w))


def _expect_dilated(submission, rng, *, c, f, kernel, dilation, padding=0):
    x, w = _dilated_input(rng, 2, c, kernel, dilation), rng.standard_normal((f, c) + tuple(kernel))
    got = submission.call("dilated_conv", x, w, **_options(dilation=dilation, padding=padding))
    expect_array(got, dilated_truth(x, w, dilation, padding),
                 case=_("x {x}, w {w}, dilation {dilation}, padding {padding}").format(
                     x=x.shape, w=w.shape, dilation=dilation, padding=padding),
                 variants=dilated_variants(x, w, dilation, padding))


@check("dilated_conv: one map, dilation 2", points=1)
def test_dilated_single(submission, rng):
    _expect_dilated(submission, rng, c=1, f=1, kernel=_two(rng, 2, 3), dilation=2)


@check("dilated_conv: C != F, dilation 3, padding 1", points=2)
def test_dilated_channels(submission, rng):
    (c, f), kernel = _two(rng, 1, 3), _two(rng, 2, 3)
    _expect_dilated(submission, rng, c=c, f=f, kernel=kernel, dilation=3, padding=1)


@check("dilated_conv: padding (K-1)*D/2 keeps the size", points=1)
def test_dilated_same(submission, rng):
    (c, f), k, d = _two(rng, 1, 3), int(rng.choice([3, 5])), _side(rng, 2, 3)
    _expect_dilated(submission, rng, c=c, f=f, kernel=(k, k), dilation=d, padding=(k - 1) * d // 2)


@check("dilated_conv: C != F, dilation 2 to 4, padding 2", points=1, hidden=True)
def test_dilated_random(submission, rng):
    (c, f), kernel = _two(rng, 1, 3), _two(rng, 2, 4)
    _expect_dilated(submission, rng, c=c, f=f, kernel=kernel, dilation=_side(rng, 2, 4), padding=2)


def _expect_same_padding(submission, kernel_size, dilation):
    got = submission.call("same_padding", kernel_size, dilation)
    case = f"same_padding({kernel_size}, {dilation})"
    if isinstance(got, float):
        raise CheckFailed(_("{case}: returned {got}; expected an int ((K-1)*D is even here: use //)").format(
            case=case, got=describe(got)))
    expect_int(got, same_padding_truth(kernel_size, dilation), case=case,
               variants=same_padding_variants(kernel_size, dilation))


@check("same_padding: no dilation (D = 1), odd kernels", points=1)
def test_same_padding_plain(submission, rng):
    _expect_same_padding(submission, int(rng.choice([3, 5, 7])), 1)


@check("same_padding: dilation 3 or more, odd kernels", points=1)
def test_same_padding_dilated(submission, rng):
    _expect_same_padding(submission, int(rng.choice([3, 5, 7])), _side(rng, 3, 5))


@check("same_padding: (K-1)*D odd has no same padding (ValueError)", points=1)
def test_same_padding_odd(submission, rng):
    k, d = int(rng.choice([2, 4, 6])), int(rng.choice([1, 3, 5]))
    why = _("expected a ValueError: (K-1)*D = {product} is odd, so no equal padding on both sides keeps the "
            "size").format(product=(k - 1) * d)
    try:
        got = submission.call("same_padding", k, d)
    except SubmissionRaised as exc:
        if exc.type != "ValueError":
            raise CheckFailed(f"same_padding({k}, {d}): {sandbox_said(exc.message)}; {why}") from None
        return
    raise CheckFailed(_("{case}: returned {got}; {why}").format(case=f"same_padding({k}, {d})", got=describe(got),
                                                               why=why))


@check("same_padding: even kernels, dilation 4 or 6", points=1, hidden=True)
def test_same_padding_even(submission, rng):
    _expect_same_padding(submission, int(rng.choice([2, 4, 6])), int(rng.choice([4, 6])))


# ---------------------------------------------------------------- dilated_conv_backward_weights


def _expect_dilated_dw(submission, rng, *, n, c, f, kernel, dilation, padding=0):
    x = _dilated_input(rng, n, c, kernel, dilation)
    out = tuple(dilated_size(x.shape[2 + a], kernel[a], dilation, padding) for a in (0, 1))
    delta = rng.standard_normal((n, f) + out)
    kernel_size = kernel if kernel[0] != kernel[1] else kernel[0]
    got = submission.call("dilated_conv_backward_weights", delta, x, kernel_size,
                          **_options(dilation=dilation, padding=padding))
    expect_array(got, dilated_dw_truth(delta, x, kernel, dilation, padding),
                 case=_("delta {delta}, x {x}, kernel_size {kernel_size}, dilation {dilation}, padding {padding}")
                 .format(delta=delta.shape, x=x.shape, kernel_size=kernel_size, dilation=dilation, padding=padding),
                 variants=dilated_dw_variants(delta, x, kernel, dilation, padding))


@check("dilated_conv_backward_weights: one map, one kernel, dilation 2", points=1)
def test_dilated_dw_single(submission, rng):
    _expect_dilated_dw(submission, rng, n=1, c=1, f=1, kernel=_two(rng, 2, 3), dilation=2)


@check("dilated_conv_backward_weights: batch, C != F, dilation 2, padding 1", points=2)
def test_dilated_dw_batch(submission, rng):
    (c, f), kernel = _two(rng, 1, 3), _two(rng, 2, 3)
    _expect_dilated_dw(submission, rng, n=_side(rng, 2, 3), c=c, f=f, kernel=kernel, dilation=2, padding=1)


@check("dilated_conv_backward_weights: batch, square kernel, dilation 3, padding 2", points=1, hidden=True)
def test_dilated_dw_hard(submission, rng):
    (c, f), k = _two(rng, 1, 3), _side(rng, 2, 3)
    _expect_dilated_dw(submission, rng, n=_side(rng, 2, 3), c=c, f=f, kernel=(k, k), dilation=3, padding=2)


# ---------------------------------------------------------------- conv1x1


def _expect_conv1x1(submission, rng, c, f):
    x, w = rng.standard_normal((_side(rng, 2, 3), c) + _two(rng, 2, 5)), rng.standard_normal((f, c))
    got = submission.call("conv1x1", x, w)
    expect_array(got, conv1x1_truth(x, w), case=_("x {x}, w {w}").format(x=x.shape, w=w.shape),
                 variants=conv1x1_variants(x, w))


@check("conv1x1: C != F (fewer or more maps)", points=1)
def test_conv1x1_channels(submission, rng):
    _expect_conv1x1(submission, rng, *_two(rng, 1, 4))


@check("conv1x1: C == F maps", points=1, hidden=True)
def test_conv1x1_square(submission, rng):
    c = _side(rng, 2, 4)
    _expect_conv1x1(submission, rng, c, c)
