"""Pooling layers, NCHW, float64 (float32 in, float32 out): max and average pooling (overlapping windows allowed) and LeNet-5's trainable
subsampling layer.

A window of `size` x `size` moves by `stride` (default `size`):
    Ho = (H - size) // stride + 1        Wo = (W - size) // stride + 1
Input rows/columns that no window reads (when (H - size) % stride != 0) get gradient 0.
"""
from typing import NamedTuple

import numpy as np

from reference.conv import _float_array, _int_param


class MaxPoolCache(NamedTuple):
    x_shape: tuple        # (N, C, H, W)
    argmax: np.ndarray    # (N, C, Ho, Wo) index p*size+q of each window's first maximum in row-major order
    size: int
    stride: int


class AvgPoolCache(NamedTuple):
    x_shape: tuple        # (N, C, H, W)
    size: int
    stride: int


class SubsampleCache(NamedTuple):
    sums: np.ndarray      # (N, C, Ho, Wo) window sums of the input
    coef: np.ndarray      # (C,)
    size: int


def _pool_args(x, size, stride):
    """Validated (x, size, stride, Ho, Wo)."""
    x = _float_array("x", x, 4)
    size = _int_param("size", size, 1)
    stride = size if stride is None else _int_param("stride", stride, 1)
    H, W = x.shape[2:]
    if size > H or size > W:
        raise ValueError(f"pooling window {size}x{size} is larger than the input {H}x{W}: x {x.shape}")
    return x, size, stride, (H - size) // stride + 1, (W - size) // stride + 1


def _offsets(size, stride, Ho, Wo):
    """For every window offset (p, q) in row-major order: (k = p*size+q, rows slice, columns slice) selecting
    x[..., i*stride+p, j*stride+q] for all output positions (i, j)."""
    hspan, wspan = stride * (Ho - 1) + 1, stride * (Wo - 1) + 1
    for p in range(size):
        for q in range(size):
            yield p * size + q, slice(p, p + hspan, stride), slice(q, q + wspan, stride)


def _window_sum(x, size, stride, Ho, Wo):
    """sums[n,c,i,j] = sum_{p,q} x[n,c,i*stride+p, j*stride+q] over the size x size window."""
    total = None
    for _, rows, cols in _offsets(size, stride, Ho, Wo):
        if total is None:
            total = np.array(x[:, :, rows, cols])
        else:
            total += x[:, :, rows, cols]
    return total


def _new_in_layout_of(ref, shape, zero=True):
    """A new array of the 4-d `shape` (zeros, or uninitialised if not zero), stored with the axes in the same
    memory order as `ref`, so that a network's arrays keep one layout."""
    order = sorted(range(4), key=lambda a: -abs(ref.strides[a]))  # outermost axis first
    new = np.zeros if zero else np.empty
    return new([shape[a] for a in order], dtype=ref.dtype).transpose(np.argsort(order))


def _check_dout(dout, shape):
    dout = _float_array("dout", dout, 4)
    if dout.shape != shape:
        raise ValueError(f"dout must have shape {shape} (the forward output), got {dout.shape}")
    return dout


def max_pool_forward(x, *, size, stride=None):
    """Max pooling. x: (N, C, H, W); size: window side (int >= 1); stride: int >= 1, default size.
    Returns out (N, C, Ho, Wo) = the maximum of each window, and a MaxPoolCache remembering which entry: on
    ties the first maximum in row-major order within the window (a NaN wins only as the first entry)."""
    x, size, stride, Ho, Wo = _pool_args(x, size, stride)
    out, argmax = None, None
    for k, rows, cols in _offsets(size, stride, Ho, Wo):  # window entries in row-major order
        v = x[:, :, rows, cols]
        if out is None:
            out, argmax = np.array(v), np.zeros(v.shape, dtype=np.intp)
            continue
        better = v > out  # strictly greater: on ties the first maximum stays
        np.copyto(out, v, where=better)
        np.copyto(argmax, k, where=better)
    return out, MaxPoolCache(x.shape, argmax, size, stride)


def max_pool_backward(dout, cache):
    """dout: (N, C, Ho, Wo). Returns dx (N, C, H, W): each dout entry goes to its window's (first) maximum."""
    N, C, H, W = cache.x_shape
    dout = _check_dout(dout, (N, C) + cache.argmax.shape[2:])
    dx = _new_in_layout_of(dout, cache.x_shape)
    for k, rows, cols in _offsets(cache.size, cache.stride, *dout.shape[2:]):
        dx[:, :, rows, cols] += np.where(cache.argmax == k, dout, 0.0)  # overlapping windows accumulate
    return dx


def avg_pool_forward(x, *, size, stride=None):
    """Average pooling. x: (N, C, H, W); size: window side (int >= 1); stride: int >= 1, default size.
    Returns out (N, C, Ho, Wo) = the mean of each window, and an AvgPoolCache."""
    x, size, stride, Ho, Wo = _pool_args(x, size, stride)
    out = _window_sum(x, size, stride, Ho, Wo)
    out /= size * size  # mean = sum / size^2
    return out, AvgPoolCache(x.shape, size, stride)


def avg_pool_backward(dout, cache):
    """dout: (N, C, Ho, Wo). Returns dx (N, C, H, W): every window entry gets dout / size^2."""
    N, C, H, W = cache.x_shape
    size, stride = cache.size, cache.stride
    dout = _check_dout(dout, (N, C, (H - size) // stride + 1, (W - size) // stride + 1))
    share = dout / (size * size)
    dx = _new_in_layout_of(dout, cache.x_shape)
    for _, rows, cols in _offsets(size, stride, *dout.shape[2:]):
        dx[:, :, rows, cols] += share
    return dx


def subsample_forward(x, coef, bias, *, size):
    """LeNet-5 S-layer: z[n,c,i,j] = coef[c] * sum(window) + bias[c] over non-overlapping size x size windows.

    x: (N, C, H, W) with H and W multiples of size; coef, bias: (C,). Returns out (N, C, H/size, W/size) and a
    SubsampleCache."""
    x = _float_array("x", x, 4)
    coef, bias = _float_array("coef", coef, 1), _float_array("bias", bias, 1)
    size = _int_param("size", size, 1)
    N, C, H, W = x.shape
    if coef.shape != (C,) or bias.shape != (C,):
        raise ValueError(f"coef and bias must have shape ({C},) for x {x.shape}, got {coef.shape}, {bias.shape}")
    if H % size or W % size:
        raise ValueError(f"subsampling windows of size {size} do not tile the input {H}x{W}: x {x.shape}")
    sums = _window_sum(x, size, size, H // size, W // size)
    out = sums * coef[:, None, None]
    out += bias[:, None, None]  # z = coef * window sum + bias
    return out, SubsampleCache(sums, coef, size)


def subsample_backward(dout, cache):
    """dout: (N, C, Ho, Wo) = dJ/dz. Returns (dx (N, C, Ho*size, Wo*size), dcoef (C,), dbias (C,))."""
    dout = _check_dout(dout, cache.sums.shape)
    N, C, Ho, Wo = dout.shape
    size = cache.size
    dcoef = np.einsum("nchw,nchw->c", dout, cache.sums)  # dJ/dcoef[c] = sum dout * window sum
    dbias = dout.sum(axis=(0, 2, 3))  # dJ/dbias[c] = sum dout
    share = dout * cache.coef[:, None, None]  # every entry of a window gets coef[c] * dout
    dx = _new_in_layout_of(share, (N, C, Ho * size, Wo * size), zero=False)  # all set below
    for _, rows, cols in _offsets(size, size, Ho, Wo):
        dx[:, :, rows, cols] = share
    return dx, dcoef, dbias
