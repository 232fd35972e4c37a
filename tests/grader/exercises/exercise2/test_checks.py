"""The exercise2 checks, run through the sandbox on the solution, the stub, other correct answers and typical
mistakes: full marks exactly for correct code, zero for the stub, and the mistake named for wrong code."""

from pathlib import Path

import pytest

from grader.grading.checking import run_checks

ROOT = Path(__file__).resolve().parents[4]

# A correct submission written unlike ours: plain loops, np.kron, other formulas for the derivatives.
LOOPS = '''
import numpy as np

def upsample(delta, size):
    n, c, h, w = delta.shape
    out = np.empty((n, c, h * size, w * size))
    for i in range(h * size):
        for j in range(w * size):
            out[:, :, i, j] = delta[:, :, i // size, j // size]
    return out

def avg_pool_backward(delta, size):
    return np.kron(delta, np.ones((1, 1, size, size))) * (1.0 / (size * size))

def first_max(window):
    best = (0, 0)
    for p in range(window.shape[0]):
        for q in range(window.shape[1]):
            if window[p, q] > window[best]:
                best = (p, q)
    return best

def max_pool_backward(delta, x, size):
    dx = np.zeros(x.shape)
    for n in range(delta.shape[0]):
        for c in range(delta.shape[1]):
            for i in range(delta.shape[2]):
                for j in range(delta.shape[3]):
                    p, q = first_max(x[n, c, i * size:(i + 1) * size, j * size:(j + 1) * size])
                    dx[n, c, i * size + p, j * size + q] = delta[n, c, i, j]
    return dx

def subsample_backward(delta, x, coef, size):
    dx, dcoef, dbias = np.zeros(x.shape), np.zeros(len(coef)), np.zeros(len(coef))
    for c in range(delta.shape[1]):
        for i in range(delta.shape[2]):
            for j in range(delta.shape[3]):
                window = x[:, c, i * size:(i + 1) * size, j * size:(j + 1) * size]
                d = delta[:, c, i, j]
                dx[:, c, i * size:(i + 1) * size, j * size:(j + 1) * size] = coef[c] * d[:, None, None]
                dcoef[c] += np.dot(d, window.sum(axis=(1, 2)))
                dbias[c] += d.sum()
    return dx, dcoef, dbias

def activation_backward(da, z, activation):
    if activation == "sigmoid":
        e = np.exp(-np.abs(z))
        return da * e / (1.0 + e) ** 2
    if activation == "tanh":
        return da / np.cosh(z) ** 2
    if activation == "relu":
        return np.where(z > 0, da, 0.0)
    if activation == "lenet_tanh":
        return da * 1.7159 * 2.0 / 3.0 / np.cosh(2.0 * z / 3.0) ** 2
    raise ValueError(activation)
'''

# One typical mistake each: (name, the function it breaks, its replacement, words the message must contain).
MISTAKES = [
    ("avg without 1/(m*n)", "avg_pool_backward", '''
def avg_pool_backward(delta, size):
    return delta.repeat(size, axis=2).repeat(size, axis=3)
''', "without the 1/(m·n) factor"),
    ("avg divided by size", "avg_pool_backward", '''
def avg_pool_backward(delta, size):
    return delta.repeat(size, axis=2).repeat(size, axis=3) / size
''', "divided by size instead of size²"),
    ("max to every tied maximum", "max_pool_backward", '''
def max_pool_backward(delta, x, size):
    up = lambda a: a.repeat(size, axis=2).repeat(size, axis=3)
    n, c, h, w = delta.shape
    tiled = x[:, :, :h * size, :w * size]  # rows/columns past the last window: in no window, dx = 0 there
    m = tiled.reshape(n, c, h, size, w, size).max(axis=(3, 5))
    dx = np.zeros(x.shape)
    dx[:, :, :h * size, :w * size] = up(delta) * (tiled == up(m))
    return dx
''', "every tied maximum"),
    ("max ties to the last maximum", "max_pool_backward", '''
def max_pool_backward(delta, x, size):
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*delta.shape):
        window = x[n, c, i * size:(i + 1) * size, j * size:(j + 1) * size]
        p, q = np.argwhere(window == window.max())[-1]
        dx[n, c, i * size + p, j * size + q] = delta[n, c, i, j]
    return dx
''', "ties routed to the last maximum"),
    ("max ties to the first maximum in column-major order", "max_pool_backward", '''
def max_pool_backward(delta, x, size):
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*delta.shape):
        window = x[n, c, i * size:(i + 1) * size, j * size:(j + 1) * size]
        q, p = divmod(int(np.argmax(window.T)), size)  # scans column by column
        dx[n, c, i * size + p, j * size + q] = delta[n, c, i, j]
    return dx
''', "ties routed to the first maximum in column-major order"),
    ("upsample repeats the rows only", "upsample", '''
def upsample(delta, size):
    return np.repeat(delta, size, axis=2)
''', "np.repeat along the rows only"),
    ("upsample with tile", "upsample", '''
def upsample(delta, size):
    return np.tile(delta, (1, 1, size, size))
''', "np.tile instead of np.repeat"),
    ("sigma' of a", "activation_backward", '''
def activation_backward(da, z, activation):
    sig = lambda v: 1 / (1 + np.exp(-v))
    f = {"sigmoid": sig, "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0),
         "lenet_tanh": lambda v: 1.7159 * np.tanh(2 * v / 3)}[activation]
    a = f(z)
    if activation == "sigmoid":
        return da * sig(a) * (1 - sig(a))
    if activation == "tanh":
        return da * (1 - np.tanh(a) ** 2)
    if activation == "relu":
        return da * (a > 0)
    return da * 1.7159 * 2 / 3 * (1 - np.tanh(2 * a / 3) ** 2)
''', "sigma' taken of the activation a"),
    ("lenet_tanh without its factors", "activation_backward", '''
_right = activation_backward
def activation_backward(da, z, activation):
    if activation == "lenet_tanh":
        return da * (1 - np.tanh(2 * z / 3) ** 2)
    return _right(da, z, activation)
''', "missing the factors 1.7159 and 2/3"),
    ("relu'(0) = 1", "activation_backward", '''
_right = activation_backward
def activation_backward(da, z, activation):
    return da * (z >= 0) if activation == "relu" else _right(da, z, activation)
''', "relu'(0) taken as 1"),
    ("subsample dx without coef", "subsample_backward", '''
_right = subsample_backward
def subsample_backward(delta, x, coef, size):
    dx, dcoef, dbias = _right(delta, x, coef, size)
    return dx / coef[None, :, None, None], dcoef, dbias
''', "not multiplied by coef"),
    ("subsample dcoef without window sums", "subsample_backward", '''
_right = subsample_backward
def subsample_backward(delta, x, coef, size):
    dx, dcoef, dbias = _right(delta, x, coef, size)
    return dx, delta.sum(axis=(0, 2, 3)), dbias
''', "does not use the window sums"),
    ("subsample dcoef averaged over the batch", "subsample_backward", '''
_right = subsample_backward
def subsample_backward(delta, x, coef, size):
    dx, dcoef, dbias = _right(delta, x, coef, size)
    return dx, dcoef / len(delta), dbias
''', "dcoef averaged over the batch instead of summed"),
    ("subsample dbias averaged over the batch", "subsample_backward", '''
_right = subsample_backward
def subsample_backward(delta, x, coef, size):
    dx, dcoef, dbias = _right(delta, x, coef, size)
    return dx, dcoef, delta.sum(axis=(0, 2, 3)) / delta.shape[0]
''', "dbias averaged over the batch instead of summed"),
    ("subsample dbias not summed over the batch", "subsample_backward", '''
_right = subsample_backward
def subsample_backward(delta, x, coef, size):
    dx, dcoef, dbias = _right(delta, x, coef, size)
    return dx, dcoef, delta.sum(axis=(2, 3))
''', "dbias not summed over the batch"),
]

BAD_RETURNS = [  # upsample returning something unusable -> the message says what came back
    ("return None", "None"),
    ("return (delta.repeat(size, 2).repeat(size, 3)).tolist()", "a list"),
    ("return delta", "shape"),
    ("return delta.repeat(size, 2).repeat(size, 3).astype(np.float32)", "dtype is float32"),
    ("return delta.repeat(size, 2).repeat(size, 3) * np.nan", "NaN"),
]


def grade(source, seed=0):
    outcomes, *_ = run_checks("exercise2", source, "submission.py", seed=seed)
    return outcomes


def function_of(name):
    return name.split(":")[0]


@pytest.mark.parametrize("seed", [3, 4])
def test_other_correct_code_gets_full_marks(seed):
    outcomes = grade(LOOPS, seed)
    assert [o.message for o in outcomes if o.status != "passed"] == []


@pytest.mark.parametrize("mistake, function, replacement, diagnosis", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_typical_mistake_is_named(mistake, function, replacement, diagnosis):
    outcomes = grade(LOOPS + replacement, seed=5)
    failed = [o for o in outcomes if o.status == "failed"]
    assert failed, f"{mistake}: no check failed"
    assert {function_of(o.name) for o in failed} == {function}
    assert all(diagnosis in o.message for o in failed), [o.message for o in failed]


@pytest.mark.parametrize("body, words", BAD_RETURNS, ids=[b[1] for b in BAD_RETURNS])
def test_unusable_return_is_described(body, words):
    source = LOOPS + f"\ndef upsample(delta, size):\n    {body}\n"
    failed = [o for o in grade(source) if o.status == "failed"]
    assert {function_of(o.name) for o in failed} == {"upsample"}
    assert all(words in o.message for o in failed), [o.message for o in failed]


# ---------------------------------------------------------------- maps the windows do not tile (issue #10)
REST_CHECKS = {"max_pool_backward: size 2, odd H and W (the last row and column get 0)",
               "max_pool_backward: size 3, 2 rows and 1 column past the last window"}


@pytest.mark.parametrize("seed", [0, 1])
def test_pooling_an_untiled_map_gives_its_rest_gradient_zero(seed):
    """The docstring's promise: rows/columns past the last full window get 0. Code that returns only the full
    windows loses exactly those checks and is told so; code that reshapes x without cropping it raises there."""
    dropped = LOOPS + '''
_right = max_pool_backward
def max_pool_backward(delta, x, size):
    h, w = delta.shape[2] * size, delta.shape[3] * size
    return _right(delta, x[:, :, :h, :w], size)
'''
    failed = {o.name: o.message for o in grade(dropped, seed) if o.status == "failed"}
    assert set(failed) == REST_CHECKS
    assert all("covers only the full windows" in message for message in failed.values()), failed
    uncropped = LOOPS + '''
def max_pool_backward(delta, x, size):
    n, c, h, w = delta.shape
    windows = x.reshape(n, c, h, size, w, size).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w, size * size)
    first = np.arange(size * size) == windows.argmax(axis=-1)[..., None]
    routed = (first * delta[..., None]).reshape(n, c, h, w, size, size).transpose(0, 1, 2, 4, 3, 5)
    return routed.reshape(x.shape)
'''
    failed = {o.name: o.message for o in grade(uncropped, seed) if o.status == "failed"}
    assert set(failed) == REST_CHECKS and all("cannot reshape" in m for m in failed.values()), failed
