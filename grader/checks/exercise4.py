"""Checks of exercise 4: the gradients of a conv layer's kernels and biases.

conv_backward_weights(delta, a_prev, kernel_size, stride, padding) and conv_backward_bias(delta), from one map
with stride 1 to stride 3 with padding on sizes the stride does not divide. The truth is the reference conv
forward differentiated numerically over stacked kernels (grader/truth.py); wrong answers are named by the
variants of grader/variants.py. Shapes are drawn from `rng`, so answers cannot be memorised.
"""

import numpy as np

from grader.checking import check
from grader.compare import expect_array
from grader.truth import conv_db, conv_dw, conv_length, conv_out
from grader.variants import conv_db_variants, conv_dw_variants


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
    case = (f"delta {delta.shape}, a_prev {a_prev.shape}, kernel_size {kernel_size}, stride {stride}, "
            f"padding {padding}")
    expect_array(got, want, case=case, variants=conv_dw_variants(delta, a_prev, (kh, kw), stride, padding))


def _expect_db(submission, delta):
    got = submission.call("conv_backward_bias", delta)
    expect_array(got, conv_db(delta), case=f"delta {delta.shape}", variants=conv_db_variants(delta))


def _side(rng, lo, hi):
    return int(rng.integers(lo, hi + 1))


# ---------------------------------------------------------------- conv_backward_weights


@check("conv_backward_weights: one map, one kernel, stride 1", points=2)
def test_dw_single(submission, rng):
    k = _side(rng, 2, 3)
    _expect_dw(submission, rng, n=1, c=1, f=1, kernel=(k, k), size=(_side(rng, 3, 6), _side(rng, 3, 6)))


@check("conv_backward_weights: batch, several maps and kernels", points=2)
def test_dw_batch(submission, rng):
    k = _side(rng, 2, 3)
    _expect_dw(submission, rng, n=_side(rng, 2, 3), c=_side(rng, 2, 3), f=_side(rng, 2, 3), kernel=(k, k),
               size=(_side(rng, 4, 6), _side(rng, 4, 6)))


@check("conv_backward_weights: rectangular kernel_size (a tuple)", points=2)
def test_dw_rectangular(submission, rng):
    kh, kw = rng.choice(np.arange(1, 5), size=2, replace=False)
    _expect_dw(submission, rng, n=_side(rng, 1, 2), c=_side(rng, 1, 2), f=_side(rng, 1, 2), kernel=(kh, kw),
               size=(_side(rng, 4, 7), _side(rng, 4, 7)), as_tuple=True)


@check("conv_backward_weights: stride 2", points=3)
def test_dw_stride2(submission, rng):
    k = _side(rng, 2, 3)
    size = (conv_length(rng, k, 2, 0, lo=5), conv_length(rng, k, 2, 0, lo=5))
    _expect_dw(submission, rng, n=_side(rng, 1, 2), c=_side(rng, 1, 2), f=_side(rng, 1, 2), kernel=(k, k),
               stride=2, size=size)


@check("conv_backward_weights: padding 1, stride 1", points=2)
def test_dw_padding(submission, rng):
    k = _side(rng, 2, 3)
    _expect_dw(submission, rng, n=_side(rng, 1, 2), c=_side(rng, 1, 2), f=_side(rng, 1, 2), kernel=(k, k),
               padding=1, size=(_side(rng, 3, 6), _side(rng, 3, 6)))


@check("conv_backward_weights: stride 3, padding, unread rows", points=3, hidden=True)
def test_dw_stride3_padding(submission, rng):
    p, (kh, kw) = _side(rng, 1, 2), rng.choice(np.arange(2, 5), size=2, replace=False)
    size = (conv_length(rng, kh, 3, p, ragged=True), conv_length(rng, kw, 3, p, ragged=None))
    _expect_dw(submission, rng, n=_side(rng, 1, 2), c=_side(rng, 1, 3), f=_side(rng, 1, 3), kernel=(kh, kw),
               stride=3, padding=p, size=size)


@check("conv_backward_weights: random shapes, stride and padding", points=3, hidden=True)
def test_dw_random(submission, rng):
    s, kh, kw = _side(rng, 1, 3), _side(rng, 1, 4), _side(rng, 1, 4)
    p = _side(rng, 0, min(2, kh - 1, kw - 1))
    size = (conv_length(rng, kh, s, p, ragged=None), conv_length(rng, kw, s, p, ragged=None))
    _expect_dw(submission, rng, n=_side(rng, 1, 3), c=_side(rng, 1, 3), f=_side(rng, 1, 3), kernel=(kh, kw),
               stride=s, padding=p, size=size, as_tuple=bool(rng.integers(2)))


# ---------------------------------------------------------------- conv_backward_bias


@check("conv_backward_bias: one example", points=1)
def test_db_single(submission, rng):
    _expect_db(submission, rng.standard_normal((1, _side(rng, 1, 3), _side(rng, 2, 5), _side(rng, 2, 5))))


@check("conv_backward_bias: batch of several examples", points=1)
def test_db_batch(submission, rng):
    _expect_db(submission, rng.standard_normal((_side(rng, 2, 4), _side(rng, 2, 3), _side(rng, 2, 5),
                                                _side(rng, 2, 5))))


@check("conv_backward_bias: random shapes", points=1, hidden=True)
def test_db_random(submission, rng):
    _expect_db(submission, rng.standard_normal((_side(rng, 1, 4), _side(rng, 1, 4), _side(rng, 1, 6),
                                                _side(rng, 1, 6))))
