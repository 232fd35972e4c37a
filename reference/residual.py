"""A basic residual block (He et al. 2016): two 3x3 convolutions and an identity shortcut.

out = relu(conv3x3(relu(conv3x3(x, w1, b1, padding=1)), w2, b2, padding=1) + x)

The shortcut adds dout straight into dx, so the gradient reaching x never passes only through the convs:
the reason deep residual networks do not suffer as much from vanishing gradients (seed 000).
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
