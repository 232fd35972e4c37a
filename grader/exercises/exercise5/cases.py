"""Exercise 5's cases (the inputs a check draws) and the comparison of a submission's gradients with the truth,
one parameter group at a time, so that a message says which layer is wrong and which are right.

With the instructor's witness (mistakes.py) a group is compared whole (`expect_array`, mistakes named);
in a student release it is compared along the random directions of truth.py's `rates`.
"""

from __future__ import annotations

import functools

import numpy as np

from grader.exercises.exercise5.truth import LAYERS, SHAPES, forward, he_params, rate_tolerance, rates, witness
from grader.grading.checking import CheckFailed
from grader.grading.compare import close_enough, describe, expect_array
from grader.grading.lang import _
from reference.digits import load_digits
from reference.loss import softmax_cross_entropy

try:  # the names of typical wrong chains: instructor only (mistakes.py is never shipped)
    from grader.exercises.exercise5.mistakes import lenet_variants
except ImportError:
    lenet_variants = None


@functools.lru_cache(maxsize=1)
def _training_digits():
    return load_digits()


def training_digits(rng, n):
    """n different digits of the training file that students have (reference/data/digits_train.npz)."""
    x, y = _training_digits()
    pick = np.sort(rng.choice(len(x), size=n, replace=False))
    return x[pick], y[pick]


def random_case(rng, n):
    """x uniform in [0, 1) (no two pooling candidates tie), random labels, He-normal weights, biases in +-0.1."""
    return rng.uniform(size=(n, 1, 32, 32)), rng.integers(0, 10, n), he_params(rng)


def tied_case(rng, n):
    """Strokes in the bottom rows of a blank image, positive C1 biases: C1 gives exactly b1 > 0 over the blank
    top, so S2's windows there hold four equal maxima; C3 map 0 is positive over the blank region too (its
    bias is raised where needed), so S4 has positive ties as well. Only the first maximum gets the gradient."""
    x = np.zeros((n, 1, 32, 32))
    region = x[:, 0, 18:30, 4:28]
    region[...] = rng.uniform(size=region.shape) * (rng.uniform(size=region.shape) < 0.5)
    params = he_params(rng, biases=(0.05, 0.2))
    blank = float(np.sum(params["C3.w"][0] * params["C1.b"][:, None, None]))  # C3 map 0 over blank s2
    params["C3.b"][0] = max(params["C3.b"][0], 0.1 - blank)
    return x, rng.integers(0, 10, n), params


def digits_case(rng, n):
    """Real digits (blank margins: S2 ties) with positive C1 biases."""
    x, y = training_digits(rng, n)
    params = he_params(rng)
    params["C1.b"] = rng.uniform(0.05, 0.2, size=6)
    return x, y, params


def ask_backward(submission, x, y, params):
    """The submission's grads for the batch: lenet_backward(dscores, cache) with the grader's own forward."""
    scores, cache = forward(x, params)
    got = submission.call("lenet_backward", softmax_cross_entropy(scores, y)[1], cache)
    if not isinstance(got, dict):
        raise CheckFailed(_("lenet_backward returned {got}; expected a dict of arrays with the keys of params "
                            "({keys})").format(got=describe(got), keys=", ".join(SHAPES)))
    return got


def _along(got, x, y, params, key, seed, case):
    """CheckFailed unless `got` agrees with the numerical rates of the loss along random directions."""
    directions, measured = rates(x, y, params, key, seed)
    for v, rate in zip(directions, measured):
        projection = float(np.sum(got * v))
        if not abs(projection - rate) <= rate_tolerance(rate, projection, float(np.linalg.norm(got))):
            raise CheckFailed(_("{case}: wrong values: moving {key} along a random direction v changes the loss at "
                                "the rate {rate:.6g} (numerical derivative), but sum({key} gradient * v) = "
                                "{projection:.6g}").format(case=case, key=key, rate=rate, projection=projection))


def expect_grad(got, x, y, params, key, seed, case, named=True):
    """CheckFailed (naming `key` and the case, and with `named` the mistake) unless `got` is dJ/d(key) of the
    batch's mean loss."""
    case = _("dJ/d{key}, {case}").format(key=key, case=case)
    if got is None:
        raise CheckFailed(_("{case}: the grads dict has no key {key}").format(case=case, key=repr(key)))
    want = witness(x, y, params, key, seed)
    if want is not None:
        variants = lenet_variants(x, y, params, key) if lenet_variants is not None and named else None
        return expect_array(got, want, case=case, variants=variants)
    expect_form(got, SHAPES[key], case)
    _along(got, x, y, params, key, seed, case)


def expect_form(got, shape, case):
    """CheckFailed unless `got` is a finite float64 array of `shape` (what expect_array asks before values)."""
    if not isinstance(got, np.ndarray) or got.shape != shape:
        raise CheckFailed(_("{case}: returned {got}; expected an array of shape {shape}").format(
            case=case, got=describe(got), shape=shape))
    if got.dtype != np.float64 or not np.all(np.isfinite(got)):
        raise CheckFailed(_("{case}: returned {got} with {count} NaN or inf; expected finite float64 values").format(
            case=case, got=describe(got), count=np.sum(~np.isfinite(got))))


def is_right(got, x, y, params, key, seed) -> bool:
    try:
        expect_grad(got, x, y, params, key, seed, "", named=False)
    except CheckFailed:
        return False
    return True


def expect_layers(grads, x, y, params, layers, seed, case):
    """Compare the groups of `layers` ("C3" -> C3.w and C3.b); on a failure, also say which layers of this
    case are right and which wrong."""
    failures = []
    for key in (f"{layer}.{part}" for layer in layers for part in ("w", "b")):
        try:
            expect_grad(grads.get(key), x, y, params, key, seed, case)
        except CheckFailed as failure:
            failures.append(str(failure))
    if failures:
        raise CheckFailed("\n".join(failures) + "\n" + layer_summary(grads, x, y, params, seed))


def layer_summary(grads, x, y, params, seed):
    """'Layers in this case: F7 right, F6 right, C5 right, C3 wrong (C3.w), C1 wrong (C1.w, C1.b).'"""
    said = []
    for layer in LAYERS:
        wrong = [k for k in (f"{layer}.w", f"{layer}.b") if not is_right(grads.get(k), x, y, params, k, seed)]
        said.append(_("{layer} wrong ({keys})").format(layer=layer, keys=", ".join(wrong)) if wrong
                    else _("{layer} right").format(layer=layer))
    return _("Layers in this case: {layers}.").format(layers=_(", ").join(said))


def params_case(params) -> str:
    return _("params {shapes}").format(shapes=", ".join(f"{k} {np.shape(v)}" for k, v in params.items()))


def expect_params(got, what):
    """CheckFailed unless `got` is a dict with exactly the ten parameter keys, each a float array of its
    shape; returns it."""
    if not isinstance(got, dict):
        raise CheckFailed(_("{what}: got {got}; expected a dict of arrays ({keys})").format(
            what=what, got=describe(got), keys=", ".join(SHAPES)))
    if set(got) != set(SHAPES):
        raise CheckFailed(_("{what}: keys {got}; expected {want}").format(what=what, got=sorted(got),
                                                                          want=sorted(SHAPES)))
    for key, shape in SHAPES.items():
        value = got[key]
        if not isinstance(value, np.ndarray) or value.shape != shape or value.dtype.kind != "f" \
                or not np.all(np.isfinite(value)):
            raise CheckFailed(_("{what}[{key}]: got {got}; expected finite floats of shape {shape}").format(
                what=what, key=repr(key), got=describe(value), shape=shape))
    return got


def same(a, b) -> bool:
    return close_enough(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
