"""Element-wise activation functions a = sigma(z) and their derivatives, any shape, float64 (float32 in, float32 out).

    sigmoid(z)    = 1 / (1 + exp(-z))          sigma' = sigmoid(z) * (1 - sigmoid(z))
    tanh(z)                                    sigma' = 1 - tanh(z)^2
    relu(z)       = max(z, 0)                  sigma' = 1 if z > 0 else 0   (relu'(0) = 0)
    lenet_tanh(z) = A * tanh(S * z)            sigma' = A * S * (1 - tanh(S * z)^2),  A = 1.7159, S = 2/3
"""
from typing import NamedTuple

import numpy as np

from reference.conv import compute_dtype

KINDS = ("sigmoid", "tanh", "relu", "lenet_tanh")
LENET_A = 1.7159     # LeCun et al. 1998 squashing amplitude
LENET_S = 2.0 / 3.0  # and slope


class ActivationCache(NamedTuple):
    kind: str
    inner: np.ndarray   # what sigma' needs: sigmoid(z), tanh(z), tanh(S*z), or the bool mask z > 0 for relu


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"unknown activation kind {kind!r}; known kinds: {', '.join(KINDS)}")


def _float(name, a):
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    return a.astype(compute_dtype(a), copy=False)


def _sigmoid(z):
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def activation_forward(z, kind):
    """a = sigma(z) for kind in KINDS. z: any shape. Returns (a (same shape), ActivationCache)."""
    _check_kind(kind)
    z = _float("z", z)
    if kind == "sigmoid":
        inner = a = _sigmoid(z)
    elif kind == "tanh":
        inner = a = np.tanh(z, out=np.empty_like(z))
    elif kind == "relu":
        inner = z > 0
        a = np.maximum(z, 0.0)  # max(z, 0): -0.0 gives +0.0, a NaN stays NaN (as in PyTorch)
    else:
        inner = np.multiply(z, LENET_S, out=np.empty_like(z))
        np.tanh(inner, out=inner)  # tanh(S z)
        a = np.multiply(inner, LENET_A, out=np.empty_like(z))  # A tanh(S z)
    return a, ActivationCache(kind, inner)


def _derivative_from(kind, inner):
    """sigma'(z) from the cached inner value (a fresh array: float64, or float32 for a float32 z)."""
    if kind == "relu":
        return inner.astype(np.float64)  # relu'(z) = [z > 0], so relu'(0) = 0
    if kind == "sigmoid":
        d = np.subtract(1.0, inner, out=np.empty_like(inner))
        d *= inner  # s (1 - s)
        return d
    d = np.multiply(inner, inner, out=np.empty_like(inner))
    np.subtract(1.0, d, out=d)  # 1 - t^2
    if kind == "lenet_tanh":
        d *= LENET_A * LENET_S  # A S (1 - tanh(S z)^2)
    return d


def activation_derivative(z, kind):
    """sigma'(z) for kind in KINDS, same shape as z."""
    _check_kind(kind)
    z = _float("z", z)
    return _derivative_from(kind, activation_forward(z, kind)[1].inner)


def activation_backward(da, cache):
    """da: dJ/da, same shape as z. Returns dz = da * sigma'(z) (the layer's delta)."""
    da = _float("da", da)
    if da.shape != cache.inner.shape:
        raise ValueError(f"da must have the shape of z {cache.inner.shape}, got {da.shape}")
    if cache.kind == "relu":
        return np.where(cache.inner, da, 0.0)  # relu'(0) = 0
    dz = _derivative_from(cache.kind, cache.inner)
    dz *= da
    return dz
