"""Checks of exercise 3: the residual of the previous layer by full convolution.

rot180(kernel), full_convolve(delta, kernel) and conv_backward_input(delta, w, stride, padding, input_size),
from easy (one map, stride 1) to hard (stride 3, padding, sizes the stride does not divide). The truth is the
reference conv forward differentiated numerically (grader/truth.py); wrong answers are named by the variants of
grader/variants.py. Shapes are drawn from `rng`, so answers cannot be memorised.
"""

import numpy as np

from grader.checking import check
from grader.compare import expect_array
from grader.truth import conv_dx, conv_length, conv_out, full_convolve_2d, rotated_kernel
from grader.variants import conv_dx_variants, full_convolve_variants, rot180_variants


def _expect_rot180(submission, kernel):
    got = submission.call("rot180", kernel)
    expect_array(got, rotated_kernel(kernel), case=f"kernel {kernel.shape}", variants=rot180_variants(kernel))


def _expect_full_convolve(submission, delta, kernel):
    got = submission.call("full_convolve", delta, kernel)
    expect_array(got, full_convolve_2d(delta, kernel), case=f"delta {delta.shape}, kernel {kernel.shape}",
                 variants=full_convolve_variants(delta, kernel))


def _expect_dx(submission, rng, *, n, c, f, kernel, stride=1, padding=0, size, give_size=False):
    """Draw delta and w for an input of spatial `size`, ask the submission for dx, compare with the truth."""
    kh, kw = kernel
    out = (conv_out(size[0], kh, stride, padding), conv_out(size[1], kw, stride, padding))
    delta, w = rng.standard_normal((n, f) + out), rng.standard_normal((f, c, kh, kw))
    input_size = tuple(size) if give_size else None
    options = {"stride": stride} if stride != 1 else {}
    options.update({"padding": padding} if padding else {})
    options.update({"input_size": input_size} if give_size else {})
    want = conv_dx(delta, w, stride=stride, padding=padding, input_size=input_size)
    got = submission.call("conv_backward_input", delta, w, **options)
    case = f"delta {delta.shape}, w {w.shape}, stride {stride}, padding {padding}"
    case += f", input_size {input_size}" if give_size else ""
    expect_array(got, want, case=case, variants=conv_dx_variants(delta, w, stride, padding, input_size))


def _side(rng, lo, hi):
    return int(rng.integers(lo, hi + 1))


# ---------------------------------------------------------------- rot180


@check("rot180: square 2-D kernel", points=1)
def test_rot180_square(submission, rng):
    k = _side(rng, 2, 5)
    _expect_rot180(submission, rng.standard_normal((k, k)))


@check("rot180: rectangular 2-D kernel", points=1)
def test_rot180_rectangular(submission, rng):
    kh, kw = rng.choice(np.arange(2, 6), size=2, replace=False)
    _expect_rot180(submission, rng.standard_normal((kh, kw)))


@check("rot180: a bank of kernels (F, C, KH, KW)", points=1)
def test_rot180_bank(submission, rng):
    f, c, kh, kw = _side(rng, 2, 3), _side(rng, 2, 3), _side(rng, 2, 4), _side(rng, 2, 4)
    _expect_rot180(submission, rng.standard_normal((f, c, kh, kw)))


@check("rot180: random rank (2 to 4) and shape", points=1, hidden=True)
def test_rot180_random(submission, rng):
    shape = tuple(int(d) for d in rng.integers(1, 4, size=int(rng.integers(0, 3)))) + (_side(rng, 2, 5),
                                                                                         _side(rng, 2, 5))
    _expect_rot180(submission, rng.standard_normal(shape))


# ---------------------------------------------------------------- full_convolve


@check("full_convolve: square residual, 2x2 kernel", points=2)
def test_full_convolve_small(submission, rng):
    h = _side(rng, 2, 4)
    _expect_full_convolve(submission, rng.standard_normal((h, h)), rng.standard_normal((2, 2)))


@check("full_convolve: rectangular residual and kernel", points=2)
def test_full_convolve_rectangular(submission, rng):
    kh, kw = rng.choice(np.arange(2, 5), size=2, replace=False)
    delta = rng.standard_normal((_side(rng, 3, 6), _side(rng, 3, 6)))
    _expect_full_convolve(submission, delta, rng.standard_normal((kh, kw)))


@check("full_convolve: kernel larger than the residual", points=2, hidden=True)
def test_full_convolve_big_kernel(submission, rng):
    h, w = _side(rng, 1, 3), _side(rng, 1, 3)
    kernel = rng.standard_normal((h + _side(rng, 1, 2), w + _side(rng, 1, 2)))
    _expect_full_convolve(submission, rng.standard_normal((h, w)), kernel)


# ---------------------------------------------------------------- conv_backward_input


@check("conv_backward_input: one map, one kernel, stride 1", points=2)
def test_dx_single(submission, rng):
    k = _side(rng, 2, 3)
    _expect_dx(submission, rng, n=1, c=1, f=1, kernel=(k, k), size=(_side(rng, 3, 6), _side(rng, 3, 6)))


@check("conv_backward_input: C == F maps and kernels, stride 1", points=2)
def test_dx_channels(submission, rng):
    c, k = _side(rng, 2, 3), _side(rng, 2, 3)  # C == F, so a kernel not transposed F<->C can be named
    _expect_dx(submission, rng, n=1, c=c, f=c, kernel=(k, k), size=(_side(rng, 4, 6), _side(rng, 4, 6)))


@check("conv_backward_input: batch, C != F, rectangular kernel", points=2)
def test_dx_batch(submission, rng):
    c, f = rng.choice(np.arange(1, 4), size=2, replace=False)
    kh, kw = rng.choice(np.arange(1, 4), size=2, replace=False)
    _expect_dx(submission, rng, n=_side(rng, 2, 3), c=c, f=f, kernel=(kh, kw),
               size=(_side(rng, 4, 7), _side(rng, 4, 7)))


@check("conv_backward_input: stride 2", points=3)
def test_dx_stride2(submission, rng):
    k = _side(rng, 2, 3)
    size = (conv_length(rng, k, 2, 0, lo=4), conv_length(rng, k, 2, 0, lo=4))
    _expect_dx(submission, rng, n=_side(rng, 1, 2), c=_side(rng, 1, 2), f=_side(rng, 1, 2), kernel=(k, k),
               stride=2, size=size)


@check("conv_backward_input: padding 1, stride 1", points=2)
def test_dx_padding(submission, rng):
    k = _side(rng, 2, 3)
    _expect_dx(submission, rng, n=1, c=_side(rng, 1, 2), f=_side(rng, 1, 2), kernel=(k, k), padding=1,
               size=(_side(rng, 3, 6), _side(rng, 3, 6)))


@check("conv_backward_input: stride 2, unread rows (input_size)", points=3)
def test_dx_stride2_ragged(submission, rng):
    k = _side(rng, 2, 3)
    size = (conv_length(rng, k, 2, 0, lo=4, ragged=True), conv_length(rng, k, 2, 0, lo=4, ragged=None))
    _expect_dx(submission, rng, n=1, c=_side(rng, 1, 2), f=_side(rng, 1, 2), kernel=(k, k), stride=2,
               size=size, give_size=True)


@check("conv_backward_input: stride 3, padding, input_size given", points=3, hidden=True)
def test_dx_stride3_padding(submission, rng):
    p, (kh, kw) = _side(rng, 1, 2), rng.choice(np.arange(2, 5), size=2, replace=False)
    size = (conv_length(rng, kh, 3, p, ragged=True), conv_length(rng, kw, 3, p, ragged=None))
    _expect_dx(submission, rng, n=_side(rng, 1, 2), c=_side(rng, 1, 3), f=_side(rng, 1, 3), kernel=(kh, kw),
               stride=3, padding=p, size=size, give_size=True)


@check("conv_backward_input: stride 3 > kernel 2x2 (unread rows)", points=2, hidden=True)
def test_dx_stride_beyond_kernel(submission, rng):
    """The stride skips rows between windows: those get dx = 0 in the middle of the map, not only at the end."""
    size = (conv_length(rng, 2, 3, 0, lo=5), conv_length(rng, 2, 3, 0, lo=5, ragged=None))
    _expect_dx(submission, rng, n=1, c=_side(rng, 1, 2), f=_side(rng, 1, 2), kernel=(2, 2), stride=3,
               size=size, give_size=True)


@check("conv_backward_input: random shapes, stride and padding", points=3, hidden=True)
def test_dx_random(submission, rng):
    s, kh, kw = _side(rng, 1, 3), _side(rng, 1, 4), _side(rng, 1, 4)
    p = _side(rng, 0, min(2, kh - 1, kw - 1))
    size = (conv_length(rng, kh, s, p, ragged=None), conv_length(rng, kw, s, p, ragged=None))
    ragged = any((length + 2 * p - k) % s for length, k in zip(size, (kh, kw)))
    _expect_dx(submission, rng, n=_side(rng, 1, 3), c=_side(rng, 1, 3), f=_side(rng, 1, 3), kernel=(kh, kw),
               stride=s, padding=p, size=size, give_size=ragged or bool(rng.integers(2)))
