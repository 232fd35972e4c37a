"""The instructor's answer to exercise 6 against the reference (reference.residual, reference.resnet) and
central differences, float64.

Tolerances: against the reference backward (the same sums in another order) 1e-12 relative to the largest
entry; against central differences (h = 1e-5) 1e-7 relative to the largest entry; counts exact.
"""
import doctest

import numpy as np
import pytest

from reference.numgrad import numerical_vjp
from reference.residual import residual_backward, residual_block_backward, residual_block_forward, residual_forward
from reference.resnet import count_resnet, gradient_norms, resnet_counts, resnet_spec
from solutions import exercise6 as ex6

REF_TOL = 1e-12
NUMERIC_TOL = 1e-7


def close(mine, theirs, tol):
    mine, theirs = np.asarray(mine), np.asarray(theirs)
    assert mine.shape == theirs.shape
    assert np.abs(mine - theirs).max() <= tol * max(1.0, np.abs(theirs).max())


def block_case(seed, n, c, h, w):
    rng = np.random.default_rng(seed)
    return dict(x=rng.standard_normal((n, c, h, w)), w1=rng.standard_normal((c, c, 3, 3)) * 0.5,
                b1=rng.standard_normal(c) * 0.3, w2=rng.standard_normal((c, c, 3, 3)) * 0.5,
                b2=rng.standard_normal(c) * 0.3), rng


def test_worked_examples_in_docstring_hold():
    result = doctest.testmod(ex6, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8
    assert result.failed == 0


@pytest.mark.parametrize("shape", [(2, 3, 5, 4), (3, 2, 1, 6), (2, 4, 3, 3)])
def test_block_forward_and_cache_match_the_reference(shape):
    args, _ = block_case(sum(shape), *shape)
    out, cache = ex6.residual_block_forward(**args)
    ref_out, ref_cache = residual_block_forward(**args)
    close(out, ref_out, REF_TOL)
    assert set(cache) == set(ref_cache)
    for key in cache:
        close(cache[key], ref_cache[key], REF_TOL)


@pytest.mark.parametrize("shape", [(2, 3, 5, 4), (3, 2, 1, 6), (2, 4, 3, 3)])
def test_block_backward_matches_the_reference(shape):
    args, rng = block_case(10 + sum(shape), *shape)
    out, ref_cache = residual_block_forward(**args)  # the grader hands the student the reference's cache
    dout = rng.standard_normal(out.shape)
    dx, grads = ex6.residual_block_backward(dout, ref_cache)
    ref_dx, ref_grads = residual_block_backward(dout, ref_cache)
    close(dx, ref_dx, REF_TOL)
    assert set(grads) == {"w1", "b1", "w2", "b2"}
    for key in grads:
        close(grads[key], ref_grads[key], REF_TOL)
    witness = residual_backward(dout, residual_forward(**args)[1])  # the NamedTuple-cache reference
    for mine, theirs in zip((dx, grads["w1"], grads["b1"], grads["w2"], grads["b2"]), witness):
        close(mine, theirs, REF_TOL)


@pytest.mark.parametrize("name", ["x", "w1", "b1", "w2", "b2"])
def test_block_backward_against_central_differences(name):
    args, rng = block_case(20, 2, 2, 3, 4)
    out, cache = ex6.residual_block_forward(**args)
    dout = rng.standard_normal(out.shape)
    dx, grads = ex6.residual_block_backward(dout, cache)
    mine = dx if name == "x" else grads[name]
    numeric = numerical_vjp(lambda v: ex6.residual_block_forward(**dict(args, **{name: v}))[0], args[name], dout)
    close(mine, numeric, NUMERIC_TOL)


@pytest.mark.parametrize("shortcut", [False, True])
@pytest.mark.parametrize("layers, n, d", [(1, 1, 1), (5, 3, 4), (20, 4, 16)])
def test_gradient_norms_match_the_reference(shortcut, layers, n, d):
    rng = np.random.default_rng(layers * 100 + d)
    weights = [rng.standard_normal((d, d)) / np.sqrt(d) for _ in range(layers)]
    x = rng.standard_normal((n, d))
    mine = ex6.gradient_norms(weights, x, shortcut=shortcut)
    assert isinstance(mine, list) and len(mine) == layers and all(type(v) is float for v in mine)
    close(mine, gradient_norms(weights, x, shortcut=shortcut), REF_TOL)


def test_gradient_norms_show_the_lesson():
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((16, 16)) / 4 for _ in range(20)]
    x = rng.standard_normal((4, 16))
    plain = ex6.gradient_norms(weights, x, shortcut=False)
    residual = ex6.gradient_norms(weights, x, shortcut=True)
    assert plain[0] / plain[-1] < 1e-11 and residual[0] / residual[-1] > 1


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_counts_match_the_reference(depth):
    assert (ex6.resnet_flops(depth), ex6.resnet_params(depth)) == resnet_counts(depth)
    rows = [r for r in count_resnet(resnet_spec(depth)) if r.kind == "conv"]
    assert len(ex6.resnet_convs(depth)) == len(rows)
    assert sorted((f, h) for _, f, _, h in ex6.resnet_convs(depth)) == sorted(
        (r.output_shape[0], r.output_shape[1]) for r in rows)


@pytest.mark.parametrize("depth", [0, 20, 50.0, "50"])
def test_bad_depth_raises(depth):
    error = ValueError if isinstance(depth, int) else TypeError
    with pytest.raises(error, match="depth"):
        ex6.resnet_flops(depth)
    with pytest.raises(error, match="depth"):
        ex6.resnet_params(depth)
