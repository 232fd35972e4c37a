"""Exercise 5's truth: seed 000's simplified LeNet built from the reference FORWARD ops, and its gradient seen
along random directions, as torch.autograd.gradcheck's fast mode sees it.

For a parameter group (say C3.w) and a random unit direction v of its shape, the loss moves at the rate
dJ/dt = sum(dJ/dC3.w * v) when C3.w moves to C3.w + t v. We measure that rate from forward passes: while no
ReLU changes sign and no pooling window changes its maximum between 0 and t (checked: `pattern` is the same at
0 and t; else -t, a smaller t, or another v), the scores are exactly affine in t, so
dJ/dt = sum(dJ/dscores * (scores(t) - scores(0)) / t) is right to rounding (~1e-10 of the gradient). (A unit
1e-7 from its kink is met by a real digit now and then: a central difference across it would be wrong.)
dJ/dscores is the softmax's, given to students. No backward pass is needed: this works in a student release.

The instructor's tree also has the reference's whole backward pass (mistakes.py, never shipped): then the
whole arrays are compared, and the directional rates above are its second witness (`GraderBug` if they part).
"""

from __future__ import annotations

import numpy as np

from grader.grading.checking import GraderBug
from grader.grading.memo import remembered
from reference.activation import activation_forward
from reference.conv import conv2d_forward
from reference.dense import dense_forward, flatten_forward
from reference.loss import softmax_cross_entropy
from reference.pool import max_pool_forward

try:  # the instructor's witness: the reference's whole backward pass (not in a student release)
    from grader.exercises.exercise5.mistakes import reference_grads
except ImportError:
    reference_grads = None

SHAPES = {"C1.w": (6, 1, 5, 5), "C1.b": (6,), "C3.w": (16, 6, 5, 5), "C3.b": (16,), "C5.w": (120, 16, 5, 5),
          "C5.b": (120,), "F6.w": (120, 84), "F6.b": (84,), "F7.w": (84, 10), "F7.b": (10,)}
FAN_IN = {"C1": 25, "C3": 150, "C5": 400, "F6": 120, "F7": 84}
LAYERS = ("F7", "F6", "C5", "C3", "C1")  # in the order the backward pass meets them
H = 1e-5  # the step along v (the scores are affine in t on [0, H]: only rounding limits the rate)
DIRECTIONS = 2  # random directions per parameter group
TRIES = 12  # directions drawn at most before a kink-free one must have turned up


def he_params(rng, biases=(-0.1, 0.1)) -> dict:
    """He-normal weights as init_params draws them (std sqrt(2 / fan-in)) from `rng`, biases uniform in
    `biases` (zero biases when None: init_params' own)."""
    params = {}
    for key, shape in SHAPES.items():
        if key.endswith(".w"):
            params[key] = rng.standard_normal(shape) * np.sqrt(2.0 / FAN_IN[key[:2]])
        else:
            params[key] = np.zeros(shape) if biases is None else rng.uniform(*biases, size=shape)
    return params


def forward(x, params):
    """The network's forward pass from the reference ops -> (scores (N, 10), cache): the dict the students'
    given forward returns ("x", "z1", "a1", "s2", ..., "a6", "params")."""
    p, c = params, {"x": x, "params": params}
    c["z1"] = conv2d_forward(x, p["C1.w"], p["C1.b"])[0]
    c["a1"] = activation_forward(c["z1"], "relu")[0]
    c["s2"] = max_pool_forward(c["a1"], size=2)[0]
    c["z3"] = conv2d_forward(c["s2"], p["C3.w"], p["C3.b"])[0]
    c["a3"] = activation_forward(c["z3"], "relu")[0]
    c["s4"] = max_pool_forward(c["a3"], size=2)[0]
    c["z5"] = conv2d_forward(c["s4"], p["C5.w"], p["C5.b"])[0]
    c["a5"] = activation_forward(c["z5"], "relu")[0]
    c["f5"] = flatten_forward(c["a5"])[0]
    c["z6"] = dense_forward(c["f5"], p["F6.w"], p["F6.b"])[0]
    c["a6"] = activation_forward(c["z6"], "relu")[0]
    return dense_forward(c["a6"], p["F7.w"], p["F7.b"])[0], c


def loss_and_dscores(x, y, params):
    """(mean softmax cross-entropy, dJ/dscores (N, 10)) of the batch."""
    return softmax_cross_entropy(forward(x, params)[0], y)


def predict(x, params, batch=500) -> np.ndarray:
    return np.concatenate([forward(x[i:i + batch], params)[0].argmax(axis=1) for i in range(0, len(x), batch)])


def _near_max(a):
    """1 where an entry of `a` is within rounding of its 2x2 window's maximum (its possible winners)."""
    n, c, h, w = a.shape
    top = a.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    top = np.repeat(np.repeat(top, 2, axis=2), 2, axis=3)
    return a >= top - 1e-9 * (1 + np.abs(top))


def pattern(x, params):
    """Where the network is not linear: the sign of every ReLU's input and every pooling window's winners."""
    scores, c = forward(x, params)
    parts = [c[z] > 0 for z in ("z1", "z3", "z5", "z6")] + [_near_max(c[a]) for a in ("a1", "a3")]
    return scores, np.concatenate([p.ravel() for p in parts])


def _rate(x, params, key, v, base, dscores):
    """dJ/dt along v from a kink-free step: the first of t = +h, -h (h = H, then H/100) where every ReLU keeps
    its sign and every window its winners; the scores are affine in t over [0, t], so the one-sided
    difference is exact to rounding. None when every such step crosses a kink."""
    scores, at = base
    for h in (H, H / 100):
        for t in (h, -h):
            moved, pattern_there = pattern(x, {**params, key: params[key] + t * v})
            if np.array_equal(pattern_there, at):
                return float(np.sum(dscores * (moved - scores)) / t)
    return None


@remembered
def _base(x, y, params):
    """(scores, pattern) at the point and dJ/dscores: what every direction starts from."""
    return pattern(x, params), loss_and_dscores(x, y, params)[1]


@remembered
def rates(x, y, params, key, seed, count=DIRECTIONS):
    """(directions (count, *shape) of unit norm, dJ/dt along each): the numerical gradient of `key` seen
    along random directions drawn from `seed`."""
    rng = np.random.default_rng(seed)
    base, dscores = _base(x, y, params)
    found, measured = [], []
    for _ in range(TRIES):
        v = rng.standard_normal(SHAPES[key])
        v /= np.linalg.norm(v)
        rate = _rate(x, params, key, v, base, dscores)
        if rate is not None:
            found.append(v)
            measured.append(rate)
            if len(found) == count:
                return np.stack(found), np.array(measured)
    raise GraderBug(f"no direction for {key} without a kink within {H / 100} after {TRIES} tries")


def rate_tolerance(rate, projection, norm):
    """How far a submission's sum(g * v) may be from the measured rate: rounding of both, with room."""
    return 1e-7 * (abs(rate) + abs(projection)) + 1e-9 * (1 + norm)


@remembered
def witness(x, y, params, key, seed):
    """The reference's dJ/d(key), confirmed along `rates`' directions; None in a student release."""
    if reference_grads is None:
        return None
    grad = reference_grads(x, y, params)[key]
    directions, measured = rates(x, y, params, key, seed, count=1)  # a second witness: one direction will do
    for v, rate in zip(directions, measured):
        projection = float(np.sum(grad * v))
        if abs(projection - rate) > 10 * rate_tolerance(rate, projection, np.linalg.norm(grad)):
            raise GraderBug(f"the reference and numerical gradients of {key} disagree: {projection} vs {rate}")
    return grad
