"""Numerical differentiation by central differences, float64: the ground truth for every backward pass.

    df/dx_i ~= (f(x + h e_i) - f(x - h e_i)) / (2h)        (error O(h^2) + rounding O(eps / h))

The caller's arrays are never modified: perturbations happen on a private copy, and the function under test
sees that copy read-only (a function that writes into its argument raises instead of corrupting the result).
"""
import numpy as np


def _private_copy(name, x):
    """A writeable float64 copy of x, and a read-only view of it to hand to the function."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {x.dtype}")
    work = np.array(x, dtype=np.float64, copy=True)
    view = work.view()
    view.flags.writeable = False
    return work, view


def _check_h(h):
    if not np.isfinite(h) or h <= 0:
        raise ValueError(f"h must be a positive finite step, got {h!r}")
    return float(h)


def _scalar(value):
    value = np.asarray(value, dtype=np.float64)
    if value.size != 1:
        raise ValueError(f"f must return a scalar, got an array of shape {value.shape}")
    return float(value.reshape(()))


def numerical_gradient(f, x, *, h=1e-5):
    """Gradient of the scalar function f at x by central differences.

    f: callable taking an array of x's shape and returning a scalar; x: float64 array, any shape; h: step.
    Returns an array of x's shape."""
    h = _check_h(h)
    work, view = _private_copy("x", x)
    grad = np.empty(work.shape)
    for i in np.ndindex(work.shape):
        old = work[i]
        work[i] = old + h
        plus = _scalar(f(view))
        work[i] = old - h
        minus = _scalar(f(view))
        work[i] = old  # restore before the next coordinate
        grad[i] = (plus - minus) / (2.0 * h)
    return grad


def numerical_vjp(f, x, dout, *, h=1e-5):
    """Gradient of sum(f(x) * dout) with respect to x by central differences (a vector-Jacobian product).

    f: callable taking an array of x's shape and returning an array of dout's shape (exactly; no broadcasting);
    x: float64 array; dout: float64 array of f(x)'s shape. Returns an array of x's shape."""
    h = _check_h(h)
    work, view = _private_copy("x", x)
    dout = np.array(dout, dtype=np.float64)  # a private copy, so f cannot change it between calls

    def project(value):
        value = np.asarray(value, dtype=np.float64)
        if value.shape != dout.shape:
            raise ValueError(f"f returned shape {value.shape}, but dout has shape {dout.shape}")
        return float(np.sum(value * dout))

    grad = np.empty(work.shape)
    for i in np.ndindex(work.shape):
        old = work[i]
        work[i] = old + h
        plus = project(f(view))
        work[i] = old - h
        minus = project(f(view))
        work[i] = old
        grad[i] = (plus - minus) / (2.0 * h)
    return grad


def directional_check(loss_fn, params, grads, *, rng, h=1e-6):
    """Compare a gradient with a central difference along one random unit direction v over all parameters.

    loss_fn: callable params-dict -> float; params: dict name -> float64 array; grads: dict with the same keys
    and shapes (the analytic dJ/dparam); rng: numpy Generator. v is drawn per parameter from rng (in params'
    key order) and scaled to unit norm over all parameters together.
    Returns (numeric = (L(theta + h v) - L(theta - h v)) / 2h, analytic = sum_k <grads[k], v[k]>) as floats."""
    h = _check_h(h)
    if set(params) != set(grads):
        raise ValueError(f"params and grads must have the same keys, got {sorted(params)} and {sorted(grads)}")
    theta, g = {}, {}
    for k in params:
        theta[k] = np.array(params[k], dtype=np.float64)
        g[k] = np.asarray(grads[k], dtype=np.float64)
        if theta[k].shape != g[k].shape:
            raise ValueError(f"grads[{k!r}] has shape {g[k].shape}, but params[{k!r}] has {theta[k].shape}")
    v = {k: rng.standard_normal(theta[k].shape) for k in theta}
    norm = np.sqrt(sum(float(np.sum(d * d)) for d in v.values()))
    if norm == 0:
        raise ValueError("params hold no entries to perturb")
    v = {k: d / norm for k, d in v.items()}
    plus = _scalar(loss_fn({k: theta[k] + h * v[k] for k in theta}))
    minus = _scalar(loss_fn({k: theta[k] - h * v[k] for k in theta}))
    numeric = (plus - minus) / (2.0 * h)
    analytic = float(sum(np.sum(g[k] * v[k]) for k in theta))
    return numeric, analytic


def rel_error(a, b):
    """CS231n relative error: max over entries of |a - b| / max(1e-12, |a| + |b|). a and b must have the same
    shape (scalars allowed)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))
