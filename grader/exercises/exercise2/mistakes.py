"""The answers of exercise 2's typical mistakes, built from the reference forward ops and numerical derivatives of
the problem each mistake effectively solves (never from a backward pass), so that a wrong answer gets named.
Shipped in the student release with the public checks, like truth.py.
"""

import numpy as np

from grader.exercises.exercise2.truth import blocks, numeric_max, numeric_subsample, slope, truth_max
from grader.grading.memo import remembered
from reference.activation import activation_forward
from reference.pool import avg_pool_forward, max_pool_forward
from grader.grading.lang import N_
from grader.grading.variants import Variants


# ---------------------------------------------------------------- known mistakes (built only for wrong answers)
@remembered
def upsample_mistakes(delta, size):
    rows, cols = (lambda: np.repeat(delta, size, axis=2)), (lambda: np.repeat(delta, size, axis=3))
    return Variants({
        N_("np.repeat along the rows only (repeat along both axes 2 and 3)"): rows,
        N_("np.repeat along the columns only (repeat along both axes 2 and 3)"): cols,
        N_("np.tile instead of np.repeat: the blocks are wrong (each entry must fill its own size x size block)"):
            lambda: np.tile(delta, (1, 1, size, size)),
        N_("np.repeat on one axis but np.tile on the other: the blocks are wrong"):
            lambda: np.tile(rows(), (1, 1, 1, size)),
        N_("np.tile on one axis but np.repeat on the other: the blocks are wrong"):
            lambda: np.tile(cols(), (1, 1, size, 1)),
        N_("divided by size² (that is avg_pool_backward; upsample only copies)"): lambda: blocks(delta, size) / size ** 2,
    })


@remembered
def avg_mistakes(delta, size):
    return Variants({
        N_("average pooling without the 1/(m·n) factor (the plain upsample; divide by size²)"):
            lambda: blocks(delta, size),
        N_("divided by size instead of size² (each entry of an m x n window gets delta / (m·n))"):
            lambda: blocks(delta, size) / size,
        N_("np.tile instead of np.repeat: the blocks are wrong"): lambda: np.tile(delta, (1, 1, size, size)) / size ** 2,
        N_("np.repeat along one axis only"): lambda: np.repeat(delta, size, axis=2) / size ** 2,
    })


def window_transposed(a, size):
    """a (N, C, H, W) with each size x size window transposed in place (row r, column q -> row q, column r)."""
    n, c, h, w = a.shape
    return a.reshape(n, c, h // size, size, w // size, size).swapaxes(3, 5).reshape(a.shape)


def grown(a, shape):
    """a (N, C, h, w) with zero rows and columns added at the bottom and right up to `shape`."""
    out = np.zeros(shape)
    out[:, :, :a.shape[2], :a.shape[3]] = a
    return out


@remembered
def max_mistakes(delta, x, size):
    """Variants of max_pool_backward; on an x the windows do not tile, built on the tiled part and grown with
    zeros to x's shape, plus the answer that covers only the full windows."""
    tall, wide = delta.shape[2] * size, delta.shape[3] * size
    if x.shape[2:] == (tall, wide):
        return Variants(max_builders(delta, x, size))
    tiled = x[:, :, :tall, :wide]
    return Variants({
        **{mistake: (lambda build=build: grown(build(), x.shape))
           for mistake, build in max_builders(delta, tiled, size).items()},
        N_("dx covers only the full windows (it has x's shape: the rows/columns past the last window get 0)"):
            lambda: truth_max(delta, tiled, size),
    })


def max_builders(delta, x, size):
    """{mistake: builder} of max_pool_backward's typical mistakes on an x the windows tile."""
    def tied():  # 1 at every position equal to its window's maximum, and the number of maxima per window
        is_max = x == blocks(max_pool_forward(x, size=size)[0], size)
        return is_max, blocks(np.rint(avg_pool_forward(is_max * 1.0, size=size)[0] * size ** 2), size)

    flip = (Ellipsis, slice(None, None, -1), slice(None, None, -1))  # reverses row-major order in each window
    return {
        N_("gradient sent to every tied maximum (only the first maximum in row-major order gets it)"):
            lambda: blocks(delta, size) * tied()[0],
        N_("ties routed to the last maximum (the first maximum in row-major order gets the gradient)"):
            lambda: numeric_max(delta[flip], x[flip], size)[flip],
        N_("ties routed to the first maximum in column-major order (the first in row-major order gets the gradient)"):
            lambda: window_transposed(numeric_max(delta, window_transposed(x, size), size), size),
        N_("gradient split between tied maxima (only the first maximum in row-major order gets it)"):
            lambda: blocks(delta, size) * tied()[0] / tied()[1],
        N_("the row and column of the maximum inside its window were swapped (divmod of the argmax index the wrong "
        "way round: row = idx // size, column = idx % size)"): lambda: window_transposed(truth_max(delta, x, size), size),
        N_("delta copied to every position of the window (route it to the maximum only)"): lambda: blocks(delta, size),
        N_("the average-pooling gradient (route delta to the maximum, don't spread it)"):
            lambda: blocks(delta, size) / size ** 2,
    }


@remembered
def subsample_mistakes(delta, x, coef, size):
    """Variants of (dx, dcoef, dbias), from numerical gradients of the S-layer on the data each mistake used."""
    c, (n, _, ho, wo) = coef[None, :, None, None], delta.shape

    def weighted():  # delta * window_sum(x)
        return delta * avg_pool_forward(x, size=size)[0] * size ** 2

    def right(k, first=None, last=None):  # the gradient k (0: dx, 1: dcoef, 2: dbias) of examples first:last
        return numeric_subsample(delta[first:last], x[first:last], coef, size)[k]

    def each(k):  # one gradient per example, not summed over the batch
        return np.stack([right(k, i, i + 1) for i in range(n)])

    dx = Variants({
        N_("delta not multiplied by coef (dx = coef * upsample(delta))"): lambda: blocks(delta, size),
        N_("divided by size² as in average pooling (the S-layer sums its window: dx = coef * upsample(delta))"):
            lambda: c * blocks(delta, size) / size ** 2,
        N_("np.tile instead of np.repeat: the blocks are wrong"): lambda: c * np.tile(delta, (1, 1, size, size)),
    })
    dcoef = Variants({
        N_("dcoef does not use the window sums (dcoef = sum of delta * window_sum(x))"): lambda: right(2),
        N_("dcoef uses the window mean instead of the window sum"): lambda: right(1) / size ** 2,
        N_("dcoef not summed over the batch"): lambda: each(1),
        N_("dcoef not summed over positions"): lambda: weighted().sum(axis=0),
        N_("dcoef uses the layer's output z instead of the window sum of its input x"): lambda: right(1) * coef,
        N_("dcoef averaged over the batch instead of summed (divided by N = {n})", n=n):
            lambda: right(1) / n if n > 1 else None,
    })
    dbias = Variants({
        N_("dbias not summed over the batch (sum delta over batch and positions)"): lambda: each(2),
        N_("dbias not summed over positions (sum delta over batch and positions)"): lambda: delta.sum(axis=0),
        N_("dbias averaged instead of summed"): lambda: right(2) / (n * ho * wo),
        N_("dbias from the first example only (sum over the batch too)"): lambda: right(2, 0, 1),
        N_("dbias multiplied by coef (z = coef * sum + bias: dz/dbias = 1)"): lambda: right(2) * coef,
        N_("dbias averaged over the batch instead of summed (divided by N = {n})", n=n):
            lambda: right(2) / n if n > 1 else None,
    })
    return dx, dcoef, dbias


# ---------------------------------------------------------------- activations: truth and known mistakes


@remembered
def activation_mistakes(da, z, kind, first=None):
    """Variants of activation_backward's typical mistakes; `first`: more builders, tried before these."""
    def a():
        return activation_forward(z, kind)[0]

    def tanh_slope():  # 1 - tanh²(2z/3)
        return slope(2 * z / 3, "tanh")

    own = {
        "sigmoid": {N_("the formula a(1 - a) applied to z (it needs a = sigmoid(z))"): lambda: da * z * (1 - z),
                    N_("returned da * a (that is the activation, not its derivative)"): lambda: da * a()},
        "tanh": {N_("the formula 1 - a² applied to z (it needs a = tanh(z))"): lambda: da * (1 - z ** 2),
                 N_("1 - tanh(z) instead of 1 - tanh(z)²"): lambda: da * (1 - a())},
        "relu": {N_("relu' taken as 1 everywhere (it is 0 where z < 0)"): lambda: da,
                 N_("multiplied by relu(z) instead of relu'(z)"): lambda: da * a()},
        "lenet_tanh": {
            N_("the lenet_tanh derivative is missing the factors 1.7159 and 2/3 "
            "(d/dz 1.7159 tanh(2z/3) = 1.7159 * 2/3 * (1 - tanh²(2z/3)))"): lambda: da * tanh_slope(),
            N_("the lenet_tanh derivative is missing the factor 2/3 (chain rule through 2z/3)"):
                lambda: da * 1.7159 * tanh_slope(),
            N_("the lenet_tanh derivative is missing the factor 1.7159"): lambda: da * (2 / 3) * tanh_slope(),
            N_("plain tanh's derivative 1 - a² with a = lenet_tanh(z) (the scale factors change it)"):
                lambda: da * (1 - a() ** 2),
            N_("the derivative of tanh(z), not of 1.7159 tanh(2z/3)"): lambda: da * slope(z, "tanh"),
        },
    }
    return Variants({
        **(first or {}),
        **own[kind],
        N_("sigma' taken of the activation a = sigma(z) instead of the pre-activation z"):
            lambda: da * slope(a(), kind),
        N_("not multiplied by da (delta = da * sigma'(z))"): lambda: slope(z, kind),
    })


