"""Graded checks for exercise2: the residual through pooling layers (upsampling) and through activations.

Each check draws its case from rng, computes the truth and the answers of the typical mistakes with
grader/exercises/exercise2/truth.py (numerical derivatives of the reference forward ops, the reference backward as
a second witness where there is one), puts the case to the submission and compares.
"""

import numpy as np

from grader.grading.lang import N_
from grader.grading.checking import check
from grader.exercises.exercise2.mistakes import (activation_mistakes, avg_mistakes, max_mistakes, subsample_mistakes,
                                               upsample_mistakes)
from grader.exercises.exercise2.truth import (TILT, away_from_zero, distinct_values, draw_shape, input_shape, shapes,
                                            tied_values, truth_activation, truth_avg, truth_max, truth_subsample,
                                            truth_upsample)
from grader.grading.compare import expect_array, expect_tuple
from grader.grading.lang import _


# ---------------------------------------------------------------- upsample
def upsample_case(submission, rng, size, **ranges):
    delta = rng.standard_normal(draw_shape(rng, size, **ranges))
    want = truth_upsample(delta, size)
    got = submission.call("upsample", delta, size)
    expect_array(got, want, case=shapes(delta.shape, size), variants=upsample_mistakes(delta, size))


@check("upsample: one map, size 2", points=2)
def test_upsample_one_map(submission, rng):
    upsample_case(submission, rng, 2)


@check("upsample: batch and several maps, size 2", points=2)
def test_upsample_batch(submission, rng):
    upsample_case(submission, rng, 2, batch=(2, 3), maps=(2, 3))


@check("upsample: size 3, non-square maps", points=2, hidden=True)
def test_upsample_size3(submission, rng):
    upsample_case(submission, rng, 3, batch=(1, 2), maps=(1, 3), cells=(2, 3))


@check("upsample: size 4, batch and maps", points=1, hidden=True)
def test_upsample_size4(submission, rng):
    upsample_case(submission, rng, 4, batch=(2, 3), maps=(1, 2), cells=(2, 3))


# ---------------------------------------------------------------- avg_pool_backward
def avg_case(submission, rng, size, **ranges):
    delta = rng.standard_normal(draw_shape(rng, size, **ranges))
    want = truth_avg(delta, size)
    got = submission.call("avg_pool_backward", delta, size)
    expect_array(got, want, case=shapes(delta.shape, size), variants=avg_mistakes(delta, size))


@check("avg_pool_backward: one map, size 2", points=2)
def test_avg_one_map(submission, rng):
    avg_case(submission, rng, 2)


@check("avg_pool_backward: batch and several maps, size 2", points=2)
def test_avg_batch(submission, rng):
    avg_case(submission, rng, 2, batch=(2, 3), maps=(2, 3))


@check("avg_pool_backward: size 3, non-square maps", points=2, hidden=True)
def test_avg_size3(submission, rng):
    avg_case(submission, rng, 3, batch=(1, 2), maps=(1, 3), cells=(2, 3))


@check("avg_pool_backward: size 4, batch and maps", points=1, hidden=True)
def test_avg_size4(submission, rng):
    avg_case(submission, rng, 4, batch=(2, 3), maps=(1, 2), cells=(2, 3))


# ---------------------------------------------------------------- max_pool_backward
def off_diagonal(rng, x, size):
    """x with the maximum of one window, drawn at random, moved to its row 0, column 1 (swapped with what was
    there): a window whose maximum is off the diagonal, so that a row/column mix-up shows under every seed."""
    n, c, i, j = (int(rng.integers(d)) for d in (x.shape[0], x.shape[1], x.shape[2] // size, x.shape[3] // size))
    window = x[n, c, i * size:(i + 1) * size, j * size:(j + 1) * size]  # a view: the swap changes x
    top = np.unravel_index(int(np.argmax(window)), window.shape)
    window[top], window[0, 1] = window[0, 1], window[top]
    return x


def max_case(submission, rng, size, values, rest=(0, 0), **ranges):
    shape = draw_shape(rng, size, **ranges)
    delta, x = rng.standard_normal(shape), off_diagonal(rng, values(rng, input_shape(shape, size, rest)), size)
    want = truth_max(delta, x, size)
    got = submission.call("max_pool_backward", delta, x, size)
    expect_array(got, want, case=shapes(shape, size) + _(", x {x}").format(x=x.shape),
                 variants=max_mistakes(delta, x, size))


@check("max_pool_backward: one map, size 2, distinct values", points=2)
def test_max_one_map(submission, rng):
    max_case(submission, rng, 2, distinct_values)


@check("max_pool_backward: batch and several maps, size 2", points=2)
def test_max_batch(submission, rng):
    max_case(submission, rng, 2, distinct_values, batch=(2, 3), maps=(2, 3))


@check("max_pool_backward: ties (x in {0, 1, 2}), size 2", points=2)
def test_max_ties(submission, rng):
    max_case(submission, rng, 2, lambda r, s: tied_values(r, s, size=2), batch=(1, 2), maps=(1, 2), cells=(3, 4))


@check("max_pool_backward: size 3, non-square maps", points=2, hidden=True)
def test_max_size3(submission, rng):
    max_case(submission, rng, 3, distinct_values, batch=(1, 2), maps=(1, 3), cells=(2, 3))


@check("max_pool_backward: many ties (x in {0, 1}), size 3", points=2, hidden=True)
def test_max_many_ties(submission, rng):
    max_case(submission, rng, 3, lambda r, s: tied_values(r, s, levels=2, size=3), batch=(2, 3), maps=(1, 2),
             cells=(2, 2), square=True)


@check("max_pool_backward: every input negative", points=1, hidden=True)
def test_max_negative(submission, rng):
    max_case(submission, rng, 2, lambda r, s: distinct_values(r, s, -3.0, -1.0), batch=(1, 2), maps=(1, 3))


@check("max_pool_backward: size 2, odd H and W (the last row and column get 0)", points=1, hidden=True)
def test_max_rest_size2(submission, rng):
    """The windows do not tile x: the rows/columns past the last full window are in no window, dx = 0 there."""
    max_case(submission, rng, 2, distinct_values, rest=(1, 1), batch=(1, 2), maps=(1, 2))


@check("max_pool_backward: size 3, 2 rows and 1 column past the last window", points=2, hidden=True)
def test_max_rest_size3(submission, rng):
    """The largest remainder (size - 1) on the rows; every value past the windows is larger than any inside."""
    def values(r, shape):
        x = distinct_values(r, shape)
        x[:, :, -2:, :] += 10.0
        x[:, :, :, -1:] += 10.0
        return x

    max_case(submission, rng, 3, values, rest=(2, 1), batch=(2, 3), maps=(1, 2), cells=(1, 2))


# ---------------------------------------------------------------- subsample_backward
OUTPUTS = ("dx", "dcoef", "dbias")


def subsample_case(submission, rng, output, size, **ranges):
    shape = draw_shape(rng, size, **ranges)
    delta, x = rng.standard_normal(shape), rng.standard_normal(input_shape(shape, size))
    coef = rng.choice([-1.0, 1.0], size=shape[1]) * rng.uniform(0.5, 2.0, size=shape[1])
    case = shapes(shape, size) + _(", x {x}, coef {coef}").format(x=x.shape, coef=coef.shape)
    k = OUTPUTS.index(output)
    want = truth_subsample(delta, x, coef, size)[k]
    got = expect_tuple(submission.call("subsample_backward", delta, x, coef, size), 3, case=case,
                       names="dx, dcoef, dbias")[k]
    expect_array(got, want, case=_("{case}: {part}").format(case=case, part=output), variants=subsample_mistakes(delta, x, coef, size)[k])


@check("subsample_backward: dx, one map, size 2", points=2)
def test_subsample_dx_one_map(submission, rng):
    subsample_case(submission, rng, "dx", 2)


@check("subsample_backward: dx, batch and several maps, size 2", points=2)
def test_subsample_dx_batch(submission, rng):
    subsample_case(submission, rng, "dx", 2, batch=(2, 3), maps=(2, 3))


@check("subsample_backward: dx, size 3, non-square maps", points=2, hidden=True)
def test_subsample_dx_size3(submission, rng):
    subsample_case(submission, rng, "dx", 3, batch=(1, 2), maps=(1, 3), cells=(2, 3))


@check("subsample_backward: dcoef, one map, size 2", points=2)
def test_subsample_dcoef_one_map(submission, rng):
    subsample_case(submission, rng, "dcoef", 2)


@check("subsample_backward: dcoef, batch and several maps, size 3", points=2, hidden=True)
def test_subsample_dcoef_batch(submission, rng):
    subsample_case(submission, rng, "dcoef", 3, batch=(2, 3), maps=(2, 3), cells=(2, 3))


@check("subsample_backward: dbias, batch and several maps, size 2", points=1)
def test_subsample_dbias_batch(submission, rng):
    subsample_case(submission, rng, "dbias", 2, batch=(2, 3), maps=(2, 3))


@check("subsample_backward: dbias, size 3, batch", points=1, hidden=True)
def test_subsample_dbias_size3(submission, rng):
    subsample_case(submission, rng, "dbias", 3, batch=(2, 3), maps=(1, 3), cells=(2, 3))


# ---------------------------------------------------------------- activation_backward
def activation_case(submission, rng, kind, z):
    da = rng.standard_normal(z.shape)
    want = truth_activation(da, z, kind)
    got = submission.call("activation_backward", da, z, kind)
    expect_array(got, want, case=_("{kind}, da and z {shape}").format(kind=kind, shape=z.shape),
                 variants=activation_mistakes(da, z, kind))


def maps_shape(rng):
    return tuple(int(v) for v in rng.integers([1, 1, 2, 2], [4, 4, 6, 6], endpoint=True))


@check("activation_backward: sigmoid", points=1)
def test_activation_sigmoid(submission, rng):
    activation_case(submission, rng, "sigmoid", 2 * rng.standard_normal(maps_shape(rng)))


@check("activation_backward: tanh", points=1)
def test_activation_tanh(submission, rng):
    activation_case(submission, rng, "tanh", 1.5 * rng.standard_normal(maps_shape(rng)))


@check("activation_backward: relu (z away from 0)", points=1)
def test_activation_relu(submission, rng):
    activation_case(submission, rng, "relu", away_from_zero(rng, maps_shape(rng)))


@check("activation_backward: lenet_tanh", points=1)
def test_activation_lenet_tanh(submission, rng):
    activation_case(submission, rng, "lenet_tanh", 1.5 * rng.standard_normal(maps_shape(rng)))


@check("activation_backward: lenet_tanh, large |z| (up to 6)", points=1, hidden=True)
def test_activation_lenet_tanh_large(submission, rng):
    activation_case(submission, rng, "lenet_tanh", rng.uniform(-6.0, 6.0, maps_shape(rng)))


@check("activation_backward: sigmoid and tanh on (N, D) arrays", points=1, hidden=True)
def test_activation_matrix(submission, rng):
    shape = (int(rng.integers(2, 5)), int(rng.integers(3, 11)))
    for kind in ("sigmoid", "tanh"):
        activation_case(submission, rng, kind, 2 * rng.standard_normal(shape))


@check("activation_backward: relu and lenet_tanh on 1-D and 3-D arrays", points=1, hidden=True)
def test_activation_any_shape(submission, rng):
    """da and z may have any shape (the docstring's promise), not only NCHW maps or (N, D) matrices."""
    activation_case(submission, rng, "relu", away_from_zero(rng, (int(rng.integers(4, 13)),)))
    shape = tuple(int(v) for v in rng.integers([2, 2, 2], [3, 4, 5], endpoint=True))
    activation_case(submission, rng, "lenet_tanh", 1.5 * rng.standard_normal(shape))


@check("activation_backward: relu at z = 0 (convention relu'(0)=0)", points=1, hidden=True)
def test_activation_relu_at_zero(submission, rng):
    shape = maps_shape(rng)
    z = away_from_zero(rng, shape, zeros=max(1, int(np.prod(shape)) // 4))
    da = rng.standard_normal(z.shape)
    variants = activation_mistakes(da, z, "relu", first={
        N_("relu'(0) taken as 1 (this course's convention is relu'(0) = 0)"): lambda: da * (z >= 0)})
    at = np.where(z == 0, -TILT, z)  # the convention relu'(0) = 0 is relu's slope just left of 0
    want = truth_activation(da, at, "relu", witness_z=z)
    got = submission.call("activation_backward", da, z, "relu")
    expect_array(got, want, case=_("relu, da and z {shape} ({count} entries of z are exactly 0)").format(
                     shape=z.shape, count=int((z == 0).sum())),
                 variants=variants)
