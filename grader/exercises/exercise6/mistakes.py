"""The answers of typical wrong solutions to exercise 6, built from the reference forward passes and numerical
derivatives (truth.py): the block's by linearising it with the masks the mistaken code effectively used (the
shortcut's share dropped, not gated by relu'(s), a ReLU skipped ...); the stack's by the same layer-by-layer
walk as the truth with the mistaken step. A mistake that cannot show on a case is left out (None).
The counts' slips are counts.py's (hidden checks) and known.json's (public checks).
"""

from __future__ import annotations

import functools

import numpy as np

from grader.exercises.exercise6.truth import PARTS, block_grads, right_masks, sigmoid, stack_layers, stack_norms
from grader.grading.compare import close_enough
from grader.grading.memo import remembered
from grader.grading.numeric import batched_vjp, elementwise_derivative
from grader.grading.lang import N_
from grader.grading.variants import Variants

SHORTCUT_FORGOTTEN = ("the shortcut's gradient was forgotten: dx holds the conv path's share only (add delta_s = "
                      "dout * relu'(s), which the shortcut passes straight to x)")
SHORTCUT_UNGATED = ("the shortcut added dout to dx, not delta_s = dout * relu'(s): the ReLU after the sum gates "
                    "the shortcut's share too")
AFTER_RELU = ("the shortcut was treated as joining after the last ReLU (out = relu(z2) + x): relu' taken at z2 "
              "instead of at the sum s = z2 + x, and dout added to dx")
LAST_RELU_IGNORED = "the ReLU after the sum was ignored: relu'(s) applied on neither path"
INNER_RELU = "relu'(z1) was forgotten going back from a1 to z1 (between the two convs)"
DW2_FROM_Z1 = "dw2 was computed from z1 instead of a1 = relu(z1), the input conv2 read"


def _block_mistakes(cache) -> dict:
    """{mistake: the masks its code used in place of right_masks(cache)}."""
    ones = np.ones_like(cache["x"])
    return {
        SHORTCUT_FORGOTTEN: {"short": np.zeros_like(ones)},
        SHORTCUT_UNGATED: {"short": ones},
        AFTER_RELU: {"path": (cache["z2"] > 0).astype(np.float64), "short": ones},
        LAST_RELU_IGNORED: {"path": ones, "short": ones},
        INNER_RELU: {"inner": ones},
        DW2_FROM_Z1: {"a1": cache["z1"]},
    }


def block_variants(dout, cache, right) -> dict:
    """{part: Variants} for each of dx, w1, b1, w2, b2: a mistake is offered for a part only where it changes it."""
    masks, mistakes = right_masks(cache), _block_mistakes(cache)

    @functools.lru_cache(maxsize=None)
    def answer(mistake):
        return block_grads(dout, cache["x"], cache["w1"], cache["w2"], **{**masks, **mistakes[mistake]})

    def part(k):
        def build(mistake):
            def wrong():
                got = answer(mistake)[k]
                return None if close_enough(got, right[k]) else got
            return wrong
        return Variants({mistake: build(mistake) for mistake in mistakes})

    return {name: part(k) for k, name in enumerate(PARTS)}


def _walk(weights, x, shortcut, *, show_da=False, skip="g", sigma_from_output=False):
    """The norms of a backward walk written by hand: delta = g * sigma', back through z = a W, then add `skip`
    ("g" right, "delta", or None) when shortcut. show_da: the norm of g taken instead of delta's;
    sigma_from_output: sigma' computed as a^l (1 - a^l) from the layer's output."""
    layers = stack_layers(weights, x, shortcut)
    g, norms = np.ones_like(layers[-1][2]), []
    for w, (a_prev, z, out) in zip(weights[::-1], layers[::-1]):
        slope = out * (1.0 - out) if sigma_from_output else elementwise_derivative(sigmoid, z)
        delta = g * slope
        norms.append(np.linalg.norm(g if show_da else delta))
        back = batched_vjp(lambda a, w=w: a @ w, a_prev, delta)
        g = back + {"g": g, "delta": delta, None: 0.0}[skip] if shortcut else back
    return np.array(norms[::-1])


@remembered
def norms_variants(weights, x, shortcut):
    """Wrong [||delta^1||, ..., ||delta^L||] of the stack (weights, x), plain or with shortcuts."""
    def right():
        return stack_norms(weights, x, shortcut)

    def skip(condition, build):
        return build if condition else (lambda: None)

    n, d = np.shape(x)
    return Variants({
        N_("the norm of dJ/da^l was taken, not of delta^l = dJ/da^l * sigma'(z^l)"):
            lambda: _walk(weights, x, shortcut, show_da=True),
        N_("going back, the shortcut's identity term was left out (dJ/da^(l-1) = delta^l W^lT + dJ/da^l: the gradient "
        "also skips the layer)"):
            skip(shortcut, lambda: _walk(weights, x, shortcut, skip=None)),
        N_("going back, delta^l was added where dJ/da^l belongs (dJ/da^(l-1) = delta^l W^lT + dJ/da^l)"):
            skip(shortcut, lambda: _walk(weights, x, shortcut, skip="delta")),
        N_("sigma' was computed as a^l (1 - a^l) from the layer's output; with a shortcut a^l = a^(l-1) + sigma(z^l), "
        "so use sigma(z^l) (1 - sigma(z^l))"): skip(shortcut, lambda: _walk(weights, x, shortcut,
                                                                           sigma_from_output=True)),
        N_("the list is reversed: index 0 must be the layer nearest the input"): lambda: right()[::-1],
        N_("squared norms (the sum of squares, without the square root)"): lambda: right() ** 2,
        N_("the loss was taken as the mean of a^L (every norm divided by N*D = {count}); J is the sum, so "
           "dJ/da^L is all ones", count=n * d): lambda: right() / (n * d),
    })
