"""Checks of exercise 3: the residual of the previous layer by full convolution.

rot180(kernel), full_convolve(delta, kernel) and conv_backward_input(delta, w, stride, padding, input_size),
from easy (one map, stride 1) to hard (stride 3, padding, sizes the stride does not divide). The truth is the
reference conv forward differentiated numerically (grader/exercises/convolution.py); wrong answers are named by the variants of
grader/exercises/conv_mistakes.py. Values and sizes are drawn from `rng`, so answers cannot be memorised; the structure each
case is about is fixed, so a mistake costs the same points under every seed.
"""

import numpy as np

from grader.grading.checking import check
from grader.grading.compare import expect_array
from grader.grading.lang import _
from grader.exercises.convolution import conv_dx, conv_out, conv_sizes
from grader.exercises.exercise3.mistakes import conv_dx_variants, full_convolve_variants, rot180_variants
from grader.exercises.exercise3.truth import full_convolve_2d, rotated_kernel


def _expect_rot180(submission, kernel):
    got = submission.call("rot180", kernel)
    expect_array(got, rotated_kernel(kernel), case=_("kernel {shape}").format(shape=kernel.shape),
                 variants=rot180_variants(kernel))


def _expect_full_convolve(submission, delta, kernel):
    got = submission.call("full_convolve", delta, kernel)
    case = _("delta {delta}, kernel {kernel}").format(delta=delta.shape, kernel=kernel.shape)
    expect_array(got, full_convolve_2d(delta, kernel), case=case, variants=full_convolve_variants(delta, kernel))


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
    case = _("delta {delta}, w {w}, stride {stride}, padding {padding}").format(
        delta=delta.shape, w=w.shape, stride=stride, padding=padding)
    case += _(", input_size {size}").format(size=input_size) if give_size else ""
    expect_array(got, want, case=case, variants=conv_dx_variants(delta, w, stride, padding, input_size))


def _side(rng, lo, hi):
    return int(rng.integers(lo, hi + 1))


def _two(rng, lo, hi):
    """Two different ints in [lo, hi] (KH != KW: a transposed kernel shows)."""
    a, b = rng.choice(np.arange(lo, hi + 1), size=2, replace=False)
    return int(a), int(b)


def _maps(rng):
    """(C, F) with F >= 2 (a sum over the kernels shows) and C != F (swapped channel axes show)."""
    f = _side(rng, 2, 3)
    return int(rng.choice([c for c in range(1, 4) if c != f])), f


# Fixed structure (DESIGN.md, Fairness): kernels of at least 2x2 (a flip along an axis of length 1 does nothing),
# H != W, at least 2 outputs per axis (stride zeros show), F >= 2 and C != F wherever more than one map is
# involved, a batch of 2 or more; a stride >= 2 in the random case; padding 0, 1 or 2 fixed per case (a crop
# hard-coded to 1 shows on 0 and 2 under every seed); the largest remainder s - 1 on one axis (0 on the other)
# wherever unread rows are tested. Values and sizes are drawn.

# ---------------------------------------------------------------- rot180


@check("rot180: square 2-D kernel", points=1)
def test_rot180_square(submission, rng):
    k = _side(rng, 2, 5)
    _expect_rot180(submission, rng.standard_normal((k, k)))


@check("rot180: rectangular 2-D kernel", points=1)
def test_rot180_rectangular(submission, rng):
    _expect_rot180(submission, rng.standard_normal(_two(rng, 2, 5)))


@check("rot180: a bank of kernels (F, C, KH, KW)", points=1)
def test_rot180_bank(submission, rng):
    f, c, kh, kw = _side(rng, 2, 3), _side(rng, 2, 3), _side(rng, 2, 4), _side(rng, 2, 4)
    _expect_rot180(submission, rng.standard_normal((f, c, kh, kw)))


@check("rot180: random rank (3 or 4) and shape", points=1, hidden=True)
def test_rot180_random(submission, rng):
    """Leading axes of 2 or more: flipping them too (np.flip, np.rot90 without axes) always shows."""
    leading = tuple(int(d) for d in rng.integers(2, 4, size=_side(rng, 1, 2)))
    _expect_rot180(submission, rng.standard_normal(leading + _two(rng, 2, 5)))


# ---------------------------------------------------------------- full_convolve


@check("full_convolve: square residual, 2x2 kernel", points=2)
def test_full_convolve_small(submission, rng):
    h = _side(rng, 2, 4)
    _expect_full_convolve(submission, rng.standard_normal((h, h)), rng.standard_normal((2, 2)))


@check("full_convolve: rectangular residual and kernel", points=2)
def test_full_convolve_rectangular(submission, rng):
    delta = rng.standard_normal(_two(rng, 3, 6))
    _expect_full_convolve(submission, delta, rng.standard_normal(_two(rng, 2, 4)))


@check("full_convolve: kernel larger than the residual", points=2, hidden=True)
def test_full_convolve_big_kernel(submission, rng):
    h, w = _two(rng, 1, 3)
    kernel = rng.standard_normal((h + _side(rng, 1, 2), w + _side(rng, 1, 2)))
    _expect_full_convolve(submission, rng.standard_normal((h, w)), kernel)


# ---------------------------------------------------------------- conv_backward_input


@check("conv_backward_input: one map, one kernel, stride 1", points=2)
def test_dx_single(submission, rng):
    k = _side(rng, 2, 3)
    _expect_dx(submission, rng, n=1, c=1, f=1, kernel=(k, k), size=conv_sizes(rng, k, 1, 0, hi=6))


@check("conv_backward_input: C == F maps and kernels, stride 1", points=2)
def test_dx_channels(submission, rng):
    c, k = _side(rng, 2, 3), _side(rng, 2, 3)  # C == F, so a kernel not transposed F<->C can be named
    _expect_dx(submission, rng, n=1, c=c, f=c, kernel=(k, k), size=conv_sizes(rng, k, 1, 0, lo=4, hi=6))


@check("conv_backward_input: batch, C != F, rectangular kernel", points=2)
def test_dx_batch(submission, rng):
    (c, f), kernel = _maps(rng), _two(rng, 2, 4)
    _expect_dx(submission, rng, n=_side(rng, 2, 3), c=c, f=f, kernel=kernel,
               size=conv_sizes(rng, kernel, 1, 0, lo=4, hi=7))


@check("conv_backward_input: stride 2", points=3)
def test_dx_stride2(submission, rng):
    k, (c, f) = _side(rng, 2, 3), _maps(rng)
    _expect_dx(submission, rng, n=2, c=c, f=f, kernel=(k, k), stride=2, size=conv_sizes(rng, k, 2, 0, lo=4, hi=9))


@check("conv_backward_input: padding 1, stride 1", points=2)
def test_dx_padding(submission, rng):
    k, (c, f) = _side(rng, 2, 3), _maps(rng)
    _expect_dx(submission, rng, n=2, c=c, f=f, kernel=(k, k), padding=1, size=conv_sizes(rng, k, 1, 1, hi=6))


@check("conv_backward_input: stride 2, unread rows (input_size)", points=3)
def test_dx_stride2_ragged(submission, rng):
    k, (c, f) = _side(rng, 2, 3), _maps(rng)
    _expect_dx(submission, rng, n=2, c=c, f=f, kernel=(k, k), stride=2,
               size=conv_sizes(rng, k, 2, 0, remainders=(1, 0), lo=4, hi=9), give_size=True)


@check("conv_backward_input: stride 3, padding, input_size given", points=3, hidden=True)
def test_dx_stride3_padding(submission, rng):
    kernel, (c, f) = _two(rng, 2, 4), _maps(rng)  # padding 2: a crop hard-coded to 1 shows
    _expect_dx(submission, rng, n=2, c=c, f=f, kernel=kernel, stride=3, padding=2,
               size=conv_sizes(rng, kernel, 3, 2, remainders=(2, 0), hi=9), give_size=True)


@check("conv_backward_input: stride 3 > kernel 2x2 (unread rows)", points=2, hidden=True)
def test_dx_stride_beyond_kernel(submission, rng):
    """The stride skips rows between windows: those get dx = 0 in the middle of the map, not only at the end."""
    c, f = _maps(rng)
    _expect_dx(submission, rng, n=2, c=c, f=f, kernel=(2, 2), stride=3,
               size=conv_sizes(rng, 2, 3, 0, remainders=(0, 2), lo=5, hi=11), give_size=True)


@check("conv_backward_input: stride 2, padding 1, input_size omitted (smallest size)", points=2, hidden=True)
def test_dx_smallest_size(submission, rng):
    """Without input_size the input is the smallest that gives the residual: (Ho - 1)s + KH - 2p."""
    kernel, (c, f) = _two(rng, 2, 4), _maps(rng)
    _expect_dx(submission, rng, n=2, c=c, f=f, kernel=kernel, stride=2, padding=1,
               size=conv_sizes(rng, kernel, 2, 1, hi=9))


@check("conv_backward_input: random shapes, stride and padding", points=3, hidden=True)
def test_dx_random(submission, rng):
    """Every feature at once, sizes drawn: stride 2 or 3, padding 1, unread columns (remainder s - 1)."""
    s, kernel, (c, f) = _side(rng, 2, 3), _two(rng, 2, 4), _maps(rng)
    _expect_dx(submission, rng, n=_side(rng, 2, 3), c=c, f=f, kernel=kernel, stride=s, padding=1,
               size=conv_sizes(rng, kernel, s, 1, remainders=(0, s - 1), hi=9), give_size=True)
