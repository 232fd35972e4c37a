"""A basic residual block (He et al. 2016): two 3x3 convolutions and an identity shortcut.

out = relu(conv3x3(relu(conv3x3(x, w1, b1, padding=1)), w2, b2, padding=1) + x)

The shortcut adds dout straight into dx, so the gradient reaching x never passes only through the convs:
the reason deep residual networks do not suffer as much from vanishing gradients (seed 000).
`residual_block_forward` / `residual_block_backward` are the same block with a plain-dict cache of arrays
(the form exercise 6 hands to a student's backward) and the gradients of the weights as a dict.
"""
from typing import NamedTuple

import numpy as np

from reference.activation import activation_backward, activation_forward
from reference.conv import conv2d_backward, conv2d_forward


class ResidualCache(NamedTuple):
    conv1: tuple
    relu1: tuple
    conv2: tuple
    relu_out: tuple


def _check(x, w1, b1, w2, b2):
    if not isinstance(x, np.ndarray) or x.ndim != 4:
        raise ValueError(f"x: expected an ndarray (N, C, H, W), got {getattr(x, 'shape', type(x).__name__)}")
    c = x.shape[1]
    for name, w, b in (("w1", w1, b1), ("w2", w2, b2)):
        if np.shape(w) != (c, c, 3, 3):
            raise ValueError(f"{name}: expected shape ({c}, {c}, 3, 3) for x {x.shape}, got {np.shape(w)}")
        if np.shape(b) != (c,):
            raise ValueError(f"b{name[1]}: expected shape ({c},) for x {x.shape}, got {np.shape(b)}")


def residual_forward(x, w1, b1, w2, b2):
    """Residual block forward.

    x (N, C, H, W); w1, w2 (C, C, 3, 3); b1, b2 (C,). Output (N, C, H, W): padding 1 keeps H and W
    (H_out = (H + 2*1 - 3) // 1 + 1 = H) and C is preserved so the shortcut can add x.
    Returns (out, ResidualCache).
    """
    _check(x, w1, b1, w2, b2)
    z1, conv1 = conv2d_forward(x, w1, b1, padding=1)  # z1 = w1 * x + b1
    a1, relu1 = activation_forward(z1, "relu")  # a1 = relu(z1)
    z2, conv2 = conv2d_forward(a1, w2, b2, padding=1)  # z2 = w2 * a1 + b2
    out, relu_out = activation_forward(z2 + x, "relu")  # out = relu(z2 + x)
    return out, ResidualCache(conv1, relu1, conv2, relu_out)


def residual_backward(dout, cache):
    """dout (N, C, H, W) = dJ/d(out) -> (dx, dw1, db1, dw2, db2), dx = dJ/dx of the block's input."""
    ds = activation_backward(dout, cache.relu_out)  # delta of s = z2 + x
    da1, dw2, db2 = conv2d_backward(ds, cache.conv2)  # ds flows into z2 ...
    dz1 = activation_backward(da1, cache.relu1)
    dx, dw1, db1 = conv2d_backward(dz1, cache.conv1)
    return dx + ds, dw1, db1, dw2, db2  # ... and straight into x through the shortcut


# ---------------------------------------------------------------- exercise 6's form: a plain-dict cache

BLOCK_CACHE_KEYS = ("x", "w1", "z1", "a1", "w2", "z2", "s")


def residual_block_forward(x, w1, b1, w2, b2):
    """The same block, with the cache as a plain dict of arrays (what exercise 6's backward receives).

    Inputs as residual_forward. Returns (out (N, C, H, W), cache) with cache keys: "x" the input, "w1", "w2"
    the kernels (C, C, 3, 3); "z1" = conv1(x), "a1" = relu(z1), "z2" = conv2(a1), "s" = z2 + x (the sum
    before the last ReLU), all (N, C, H, W). Biases are not needed going back.
    """
    _check(x, w1, b1, w2, b2)
    z1, _ = conv2d_forward(x, w1, b1, padding=1)  # z1 = w1 * x + b1
    a1 = np.maximum(z1, 0.0)  # a1 = relu(z1)
    z2, _ = conv2d_forward(a1, w2, b2, padding=1)  # z2 = w2 * a1 + b2
    s = z2 + x  # the shortcut joins before the ReLU
    cache = dict(x=np.array(x, dtype=np.float64), w1=np.array(w1, dtype=np.float64), z1=z1, a1=a1,
                 w2=np.array(w2, dtype=np.float64), z2=z2, s=s)
    return np.maximum(s, 0.0), cache


def _check_block_cache(dout, cache):
    if not isinstance(cache, dict) or set(BLOCK_CACHE_KEYS) - set(cache):
        got = sorted(cache) if isinstance(cache, dict) else type(cache).__name__
        raise ValueError(f"cache: expected a dict with keys {BLOCK_CACHE_KEYS}, got {got}")
    cache = {k: np.asarray(cache[k], dtype=np.float64) for k in BLOCK_CACHE_KEYS}
    x = cache["x"]
    if x.ndim != 4:
        raise ValueError(f"cache['x']: expected (N, C, H, W), got shape {x.shape}")
    _check(x, cache["w1"], np.zeros(x.shape[1]), cache["w2"], np.zeros(x.shape[1]))
    for key in ("z1", "a1", "z2", "s"):
        if cache[key].shape != x.shape:
            raise ValueError(f"cache[{key!r}]: expected shape {x.shape} (that of x), got {cache[key].shape}")
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != x.shape:
        raise ValueError(f"dout: expected shape {x.shape} (the block's output), got {dout.shape}")
    return dout, cache


def residual_block_backward(dout, cache):
    """dout (N, C, H, W) = dJ/d(out), cache from residual_block_forward -> (dx, grads).

    dx = dJ/dx of the block's input; grads = {"w1": (C, C, 3, 3), "b1": (C,), "w2": ..., "b2": ...}.
    """
    dout, cache = _check_block_cache(dout, cache)
    zeros = np.zeros(cache["x"].shape[1])
    ds = np.where(cache["s"] > 0, dout, 0.0)  # delta of s = z2 + x: dout * relu'(s)
    _, conv2 = conv2d_forward(cache["a1"], cache["w2"], zeros, padding=1)  # rebuild the conv's own cache
    da1, dw2, db2 = conv2d_backward(ds, conv2)
    dz1 = np.where(cache["z1"] > 0, da1, 0.0)  # da1 * relu'(z1)
    _, conv1 = conv2d_forward(cache["x"], cache["w1"], zeros, padding=1)
    dx_conv, dw1, db1 = conv2d_backward(dz1, conv1)
    return dx_conv + ds, {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}  # the shortcut adds ds straight to dx
