"""Fully connected layer, LeNet-5's Euclidean RBF output layer and flattening, float64."""
from typing import NamedTuple

import numpy as np

from reference.conv import _float_array


class DenseCache(NamedTuple):
    x: np.ndarray   # (N, D)
    w: np.ndarray   # (D, M)


class RBFCache(NamedTuple):
    x: np.ndarray        # (N, D)
    centres: np.ndarray  # (K, D)


class FlattenCache(NamedTuple):
    x_shape: tuple  # (N, ...)


def _check_dout(dout, shape):
    dout = _float_array("dout", dout, len(shape))
    if dout.shape != shape:
        raise ValueError(f"dout must have shape {shape} (the forward output), got {dout.shape}")
    return dout


def dense_forward(x, w, b):
    """out = x @ w + b. x: (N, D); w: (D, M); b: (M,). Returns out (N, M) and a DenseCache."""
    x, w, b = _float_array("x", x, 2), _float_array("w", w, 2), _float_array("b", b, 1)
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"x has {x.shape[1]} features but w expects {w.shape[0]}: x {x.shape}, w {w.shape}")
    if b.shape != (w.shape[1],):
        raise ValueError(f"b must have shape ({w.shape[1]},) for w {w.shape}, got {b.shape}")
    out = x @ w
    out += b  # out[n,m] = sum_d x[n,d] w[d,m] + b[m]
    return out, DenseCache(x, w)


def dense_backward(dout, cache):
    """dout: (N, M). Returns (dx (N, D), dw (D, M), db (M,))."""
    dout = _check_dout(dout, (cache.x.shape[0], cache.w.shape[1]))
    dx = dout @ cache.w.T  # dx = dout w^T
    dw = cache.x.T @ dout  # dw = x^T dout
    db = dout.sum(axis=0)
    return dx, dw, db


def rbf_forward(x, centres):
    """Euclidean RBF units: out[n,k] = sum_j (x[n,j] - centres[k,j])^2.

    x: (N, D); centres: (K, D). Returns out (N, K) and an RBFCache."""
    x, centres = _float_array("x", x, 2), _float_array("centres", centres, 2)
    if x.shape[1] != centres.shape[1]:
        raise ValueError(f"x has {x.shape[1]} features but centres have {centres.shape[1]}: x {x.shape}, "
                         f"centres {centres.shape}")
    diff = x[:, None, :] - centres[None, :, :]  # (N, K, D)
    out = np.einsum("nkd,nkd->nk", diff, diff)
    return out, RBFCache(x, centres)


def rbf_backward(dout, cache):
    """dout: (N, K). Returns (dx (N, D), dcentres (K, D)).

    dx[n] = 2 sum_k dout[n,k] (x[n] - c[k]);  dcentres[k] = -2 sum_n dout[n,k] (x[n] - c[k])."""
    x, c = cache.x, cache.centres
    dout = _check_dout(dout, (x.shape[0], c.shape[0]))
    dx = 2.0 * (dout.sum(axis=1)[:, None] * x - dout @ c)
    dcentres = -2.0 * (dout.T @ x - dout.sum(axis=0)[:, None] * c)
    return dx, dcentres


def flatten_forward(x):
    """(N, ...) -> (N, prod(...)) in C order (a copy). Returns out and a FlattenCache."""
    x = np.asarray(x)
    if x.ndim < 1 or x.size == 0:
        raise ValueError(f"x must be a non-empty array with a batch axis, got shape {x.shape}")
    x = _float_array("x", x, x.ndim)
    return x.reshape(x.shape[0], -1).copy(), FlattenCache(x.shape)


def flatten_backward(dout, cache):
    """dout: (N, D). Returns dx with the forward input's shape (a copy)."""
    N = cache.x_shape[0]
    dout = _check_dout(dout, (N, int(np.prod(cache.x_shape[1:], dtype=np.int64))))
    return dout.reshape(cache.x_shape).copy()
