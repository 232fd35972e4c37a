"""Checks of exercise 4: the gradients of a conv layer's kernels and biases.

conv_backward_weights(delta, a_prev, kernel_size, stride, padding) and conv_backward_bias(delta), from one map
with stride 1 to stride 3 with padding on sizes the stride does not divide. The truth is the reference conv
forward differentiated numerically over stacked kernels (grader/exercises/convolution.py); wrong answers are named by the
variants of grader/exercises/conv_mistakes.py. Values and sizes are drawn from `rng`, so answers cannot be memorised; the
structure each case is about is fixed, so a mistake costs the same points under every seed.
"""

import numpy as np

from grader.grading.checking import check
from grader.grading.compare import expect_array
from grader.grading.lang import _
from grader.exercises.convolution import conv_db, conv_dw, conv_out, conv_sizes
from grader.exercises.exercise4.mistakes import conv_db_variants, conv_dw_variants


def _expect_dw(submission, rng, *, n, c, f, kernel, stride=1, padding=0, size, as_tuple=False):
    """Draw a_prev of spatial `size` and a matching delta, ask for dw, compare with the truth."""
    kh, kw = int(kernel[0]), int(kernel[1])  # plain ints: kernel_size goes to the submission as given
    out = (conv_out(size[0], kh, stride, padding), conv_out(size[1], kw, stride, padding))
    delta, a_prev = rng.standard_normal((n, f) + out), rng.standard_normal((n, c) + tuple(size))
    kernel_size = (kh, kw) if as_tuple or kh != kw else kh
    options = {"stride": stride} if stride != 1 else {}
    options.update({"padding": padding} if padding else {})
    want = conv_dw(delta, a_prev, kernel_size, stride=stride, padding=padding)
    got = submission.call("conv_backward_weights", delta, a_prev, kernel_size, **options)
    case = _("delta {delta}, a_prev {a_prev}, kernel_size {kernel_size}, stride {stride}, padding {padding}").format(
        delta=delta.shape, a_prev=a_prev.shape, kernel_size=kernel_size, stride=stride, padding=padding)
    expect_array(got, want, case=case, variants=conv_dw_variants(delta, a_prev, (kh, kw), stride, padding))


def _expect_db(submission, delta):
    got = submission.call("conv_backward_bias", delta)
    expect_array(got, conv_db(delta), case=_("delta {delta}").format(delta=delta.shape),
                 variants=conv_db_variants(delta))


def _side(rng, lo, hi):
    return int(rng.integers(lo, hi + 1))


def _two(rng, lo, hi):
    """Two different ints in [lo, hi]: C != F (a swapped axis shows), KH != KW (a transposed kernel shows)."""
    a, b = rng.choice(np.arange(lo, hi + 1), size=2, replace=False)
    return int(a), int(b)


# Fixed structure (DESIGN.md, Fairness): every check with more than one example has a batch of at least 2 (dw and
# db sum over it), C != F (a swapped F/C axis shows), H != W, kernels of at least 2x2 unless the case is about a
# 1-wide one; a stride >= 2 in the random case; padding 0, 1 or 2 fixed per case (a padding hard-coded to 1 shows
# on 0 and 2 under every seed); the largest remainder s - 1 on one axis (0 on the other) wherever the rows the
# forward pass never read are tested. Values and sizes are drawn.

# ---------------------------------------------------------------- conv_backward_weights


@check("conv_backward_weights: one map, one kernel, stride 1", points=2)
def test_dw_single(submission, rng):
    k = _side(rng, 2, 3)
    _expect_dw(submission, rng, n=1, c=1, f=1, kernel=(k, k), size=conv_sizes(rng, k, 1, 0, hi=7))


@check("conv_backward_weights: batch, several maps and kernels", points=2)
def test_dw_batch(submission, rng):
    k, (c, f) = _side(rng, 2, 3), _two(rng, 2, 4)
    _expect_dw(submission, rng, n=_side(rng, 2, 3), c=c, f=f, kernel=(k, k), size=conv_sizes(rng, k, 1, 0, lo=4))


@check("conv_backward_weights: rectangular kernel_size (a tuple)", points=2)
def test_dw_rectangular(submission, rng):
    (kh, kw), (c, f) = _two(rng, 1, 4), _two(rng, 1, 3)
    _expect_dw(submission, rng, n=_side(rng, 2, 3), c=c, f=f, kernel=(kh, kw),
               size=conv_sizes(rng, (kh, kw), 1, 0, lo=4, hi=7), as_tuple=True)


@check("conv_backward_weights: stride 2", points=3)
def test_dw_stride2(submission, rng):
    k, (c, f) = _side(rng, 2, 3), _two(rng, 1, 3)
    _expect_dw(submission, rng, n=_side(rng, 2, 3), c=c, f=f, kernel=(k, k), stride=2,
               size=conv_sizes(rng, k, 2, 0, lo=5, hi=9))


@check("conv_backward_weights: padding 1, stride 1", points=2)
def test_dw_padding(submission, rng):
    k, (c, f) = _side(rng, 2, 3), _two(rng, 1, 3)
    _expect_dw(submission, rng, n=_side(rng, 2, 3), c=c, f=f, kernel=(k, k), padding=1,
               size=conv_sizes(rng, k, 1, 1, hi=6))


@check("conv_backward_weights: stride 3, padding, unread rows", points=3, hidden=True)
def test_dw_stride3_padding(submission, rng):
    kernel, (c, f) = _two(rng, 2, 4), _two(rng, 1, 3)  # padding 2: a padding hard-coded to 1 shows
    _expect_dw(submission, rng, n=_side(rng, 2, 3), c=c, f=f, kernel=kernel, stride=3, padding=2,
               size=conv_sizes(rng, kernel, 3, 2, remainders=(2, 0), hi=9))


@check("conv_backward_weights: random shapes, stride and padding", points=3, hidden=True)
def test_dw_random(submission, rng):
    """Every feature at once, sizes drawn: stride 2 or 3, padding 1, unread columns (remainder s - 1)."""
    s, kernel, (c, f) = _side(rng, 2, 3), _two(rng, 2, 4), _two(rng, 1, 3)
    _expect_dw(submission, rng, n=_side(rng, 2, 3), c=c, f=f, kernel=kernel, stride=s, padding=1,
               size=conv_sizes(rng, kernel, s, 1, remainders=(0, s - 1), hi=9))


# ---------------------------------------------------------------- conv_backward_bias


def _residual(rng, n, f, lo=2, hi=5):
    """A residual (N, F, Ho, Wo) with Ho != Wo (so Ho * Wo >= 2: an average over positions shows)."""
    ho = _side(rng, lo, hi)
    wo = int(rng.choice([v for v in range(lo, hi + 1) if v != ho]))
    return rng.standard_normal((n, f, ho, wo))


@check("conv_backward_bias: one example", points=1)
def test_db_single(submission, rng):
    _expect_db(submission, _residual(rng, 1, _side(rng, 2, 3)))


@check("conv_backward_bias: batch of several examples", points=1)
def test_db_batch(submission, rng):
    _expect_db(submission, _residual(rng, _side(rng, 2, 4), _side(rng, 2, 3)))


@check("conv_backward_bias: random shapes", points=1, hidden=True)
def test_db_random(submission, rng):
    _expect_db(submission, _residual(rng, _side(rng, 2, 4), _side(rng, 2, 4), lo=1, hi=6))
