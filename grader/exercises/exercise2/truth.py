"""The truth of exercise 2's checks (its typical mistakes are in mistakes.py); shipped in the student release.

Truth: the reference FORWARD ops differentiated numerically in float64 (grader.grading.numeric: every perturbed copy of the
input stacked into one batch, one forward call), with the reference backward (avg pooling's times size² for
`upsample`) as the second witness when it is importable (a student release ships no backward pass). Max pooling
is differentiated at a copy of x tilted by a tiny ramp inside each window, so that tied maxima resolve to the
first one in row-major order (our convention), with no tie near the step h.

Unlike exercise 1's truth.py (whose public checks ask literal cases), this module ships in the release: the public
checks of grader/exercises/exercise2/checks.py grade from it. It holds no backward pass and no answer (the release's guard
checks that), and without the reference backward passes the numerical truth stands alone.
"""

import numpy as np

from grader.grading.compare import witnesses_agree
from grader.grading.lang import _
from grader.grading.numeric import batched_vjp, elementwise_derivative
from reference.activation import activation_forward
from reference.pool import avg_pool_forward, max_pool_forward, subsample_forward
from grader.grading.memo import remembered

try:  # the second witnesses: the instructor's tree has them, a student release does not
    from reference.activation import activation_backward as ref_activation_backward
    from reference.pool import (avg_pool_backward as ref_avg_pool_backward, max_pool_backward as ref_max_pool_backward,
                                subsample_backward as ref_subsample_backward)
except ImportError:
    ref_activation_backward = ref_avg_pool_backward = ref_max_pool_backward = ref_subsample_backward = None

H_LINEAR = 1.0  # central differences are exact for linear maps at any step: a big one keeps rounding away
H_KINK = 1e-6  # max pooling: far below the gap between a window's maximum and its runner-up
TILT = 1e-4  # tie-breaking ramp step: (size*size - 1) * TILT stays below every gap between distinct inputs


# ---------------------------------------------------------------- inputs
def draw_shape(rng, size, *, batch=(1, 1), maps=(1, 1), cells=(2, 4), square=False):
    """(N, C, Ho, Wo) of a residual: batch/maps/cells are inclusive ranges; H = Ho*size stays <= ~8."""
    n, c = int(rng.integers(batch[0], batch[1] + 1)), int(rng.integers(maps[0], maps[1] + 1))
    ho = int(rng.integers(cells[0], cells[1] + 1))
    wo = ho if square else int(rng.choice([v for v in range(cells[0], cells[1] + 1) if v != ho] or [ho]))
    return n, c, ho, wo


def input_shape(shape, size, rest=(0, 0)):
    """The pooling input's shape for a residual `shape`; rest: extra rows and columns past the last full window."""
    n, c, ho, wo = shape
    return n, c, ho * size + rest[0], wo * size + rest[1]


def distinct_values(rng, shape, low=-2.0, high=2.0):
    """Values in [low, high), no two closer than (high - low) / (2 * count): every window has one maximum."""
    count = int(np.prod(shape))
    slots = rng.permutation(count) + rng.uniform(0.0, 0.5, count)
    return (low + (high - low) * slots / count).reshape(shape)


def tied_values(rng, shape, levels=3, size=None):
    """Small integers 0..levels-1 (as float64): many windows hold several equal maxima.

    size: the window side; then one window drawn at random surely holds a tie, its maximum at (0, 1) and (1, 0)
    only: the first maximum in row-major order is not the last, nor the first in column-major order, so every
    tie rule other than ours shows, under every seed.
    """
    x = rng.integers(0, levels, size=shape).astype(np.float64)
    if size is not None:
        n, c, i, j = (int(rng.integers(d)) for d in (shape[0], shape[1], shape[2] // size, shape[3] // size))
        window = x[n, c, i * size:(i + 1) * size, j * size:(j + 1) * size]
        window[...] = rng.integers(0, levels - 1, size=window.shape)
        window[0, 1] = window[1, 0] = levels - 1
    return x


def shapes(shape, size):
    return _("delta {delta}, size {size}").format(delta=shape, size=size)


# ---------------------------------------------------------------- truth
def per_map_vjp(forward, x, dout, h):
    """d sum(forward(x) * dout)/dx for a forward acting on each (n, c) map alone: the maps become the batch."""
    n, c, hh, ww = x.shape
    grad = batched_vjp(forward, x.reshape(n * c, 1, hh, ww), dout.reshape(n * c, 1, *dout.shape[2:]), h=h)
    return grad.reshape(x.shape)


def witness(numeric, reference, what):
    """The numerical truth, checked against reference() (the reference backward) when the reference has one."""
    return numeric if reference is None else witnesses_agree(numeric, reference(), what)


def window_sum(v, size):
    """The sum of each size x size window of v (N, 1, H, W): LeNet's S-layer with coefficient 1 and no bias."""
    return subsample_forward(v, np.ones(1), np.zeros(1), size=size)[0]


def blocks(a, size):
    """Every entry of a (N, C, h, w) copied over its own size x size block: the gradient of the window sum,
    exact (central differences with step 1 of a sum of entries are sums of +-1 and 0), so fit for masks."""
    return per_map_vjp(lambda v: window_sum(v, size), np.zeros(input_shape(a.shape, size)), a, H_LINEAR)


def window_rank(shape, size):
    """Row-major position (0 .. size*size - 1) of every entry inside its size x size window."""
    rows, cols = np.arange(shape[-2]) % size, np.arange(shape[-1]) % size
    return rows[:, None] * size + cols[None, :]


@remembered
def truth_upsample(delta, size):
    x = np.zeros(input_shape(delta.shape, size))
    numeric = per_map_vjp(lambda v: window_sum(v, size), x, delta, H_LINEAR)
    reference = None if ref_avg_pool_backward is None else (  # upsampling = avg pooling's gradient times size²
        lambda: ref_avg_pool_backward(delta, avg_pool_forward(x, size=size)[1]) * size ** 2)
    return witness(numeric, reference, f"upsample, {shapes(delta.shape, size)}")


@remembered
def truth_avg(delta, size):
    x = np.zeros(input_shape(delta.shape, size))
    numeric = per_map_vjp(lambda v: avg_pool_forward(v, size=size)[0], x, delta, H_LINEAR)
    reference = None if ref_avg_pool_backward is None else (
        lambda: ref_avg_pool_backward(delta, avg_pool_forward(x, size=size)[1]))
    return witness(numeric, reference, f"avg_pool_backward, {shapes(delta.shape, size)}")


def numeric_max(delta, x, size):
    """dJ/dx of max pooling, ties to the first maximum in row-major order, by central differences."""
    tilted = x - TILT * window_rank(x.shape, size)  # ties now resolve to the first maximum, by a margin >> h
    return per_map_vjp(lambda v: max_pool_forward(v, size=size)[0], tilted, delta, H_KINK)


@remembered
def truth_max(delta, x, size):
    reference = None if ref_max_pool_backward is None else (
        lambda: ref_max_pool_backward(delta, max_pool_forward(x, size=size)[1]))
    return witness(numeric_max(delta, x, size), reference, f"max_pool_backward, {shapes(delta.shape, size)}")


def numeric_subsample(delta, x, coef, size):
    """(dx, dcoef, dbias) of the S-layer z = coef * window_sum(x) + bias, by central differences."""
    bias, step = np.zeros_like(coef), H_LINEAR * np.ones_like(coef)

    def z(v=x, c=coef, b=bias):
        return subsample_forward(v, c, b, size=size)[0]

    dx = batched_vjp(z, x, delta, h=H_LINEAR)
    # z is linear in coef and in bias, and map c's parameters move only map c: perturb them all at once
    dcoef = ((z(c=coef + step) - z(c=coef - step)) * delta).sum(axis=(0, 2, 3)) / (2 * H_LINEAR)
    dbias = ((z(b=bias + step) - z(b=bias - step)) * delta).sum(axis=(0, 2, 3)) / (2 * H_LINEAR)
    return dx, dcoef, dbias


@remembered
def truth_subsample(delta, x, coef, size):
    """numeric_subsample, checked against the reference backward when there is one."""
    dx, dcoef, dbias = numeric_subsample(delta, x, coef, size)
    if ref_subsample_backward is None:
        return dx, dcoef, dbias
    ref = ref_subsample_backward(delta, subsample_forward(x, coef, np.zeros_like(coef), size=size)[1])
    what = f"subsample_backward, {shapes(delta.shape, size)}"
    return (witnesses_agree(dx, ref[0], what + " (dx)"), witnesses_agree(dcoef, ref[1], what + " (dcoef)"),
            witnesses_agree(dbias, ref[2], what + " (dbias)"))


# ---------------------------------------------------------------- activations
def slope(v, kind):
    """sigma'(v) by central differences of the reference forward; relu'(0) = 0 (relu's slope just left of 0)."""
    v = np.asarray(v, dtype=np.float64)
    at = np.where(v == 0, -TILT, v) if kind == "relu" else v
    return elementwise_derivative(lambda u: activation_forward(u, kind)[0], at)


@remembered
def truth_activation(da, z, kind, *, witness_z=None):
    """delta = da * sigma'(z): sigma' by central differences of the reference forward, at the PRE-activation z.

    witness_z: where the reference backward is evaluated when z was nudged (relu exactly at 0).
    """
    numeric = da * elementwise_derivative(lambda v: activation_forward(v, kind)[0], z)
    reference = None if ref_activation_backward is None else (lambda: ref_activation_backward(
        da, activation_forward(z if witness_z is None else witness_z, kind)[1]))
    return witness(numeric, reference, f"activation_backward {kind}, z {z.shape}") + 0.0  # no -0 shown


def away_from_zero(rng, shape, low=0.05, high=3.0, zeros=0):
    """z with |z| in [low, high): relu's kink at 0 is never within the numerical step (or a typical error).

    Both signs surely occur (relu' = 1 everywhere, or relu(z) for relu', shows under every seed); zeros: that
    many entries, drawn at random, set to exactly 0.
    """
    z = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)
    spots = rng.permutation(z.size)
    z.flat[spots[:zeros]] = 0.0
    z.flat[spots[zeros]], z.flat[spots[zeros + 1]] = abs(z.flat[spots[zeros]]), -abs(z.flat[spots[zeros + 1]])
    return z
