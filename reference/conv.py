"""2-D convolution layer (cross-correlation, as in the course notes), NCHW, float64 (float32 in, float32 out).

    z[n,f,i,j] = sum_{c,p,q} w[f,c,p,q] * x_pad[n,c,i*s+p, j*s+q] + b[f]
    Ho = (H + 2*padding - KH) // stride + 1        Wo = (W + 2*padding - KW) // stride + 1

Forward: copy the input into a patch matrix (one strided copy per kernel offset (p, q)), then one matrix
product. Backward: rebuild that matrix for dw (caching the padded input instead of the KH*KW times larger
matrix keeps memory small, and fresh memory is slow: a page fault costs about 3 us on the development VM),
reuse its buffer for dJ/dpatches and scatter-add dx per kernel offset. Outputs (out, dx) are NCHW arrays
stored batch-innermost (transposed views of (C, H, W, N) buffers), the order the matrix product produces;
element-wise layers keep that layout and the next convolution reads it without a copy.
"""
import operator
from typing import NamedTuple, Optional

import numpy as np


class ConvCache(NamedTuple):
    x_pad: np.ndarray              # (C, H + 2p, W + 2p, N) padded input, batch innermost (to rebuild patches)
    x_shape: tuple                 # (N, C, H, W)
    w: np.ndarray                  # (F, C, KH, KW) weights as used (unconnected pairs zeroed)
    mask: Optional[np.ndarray]     # (F, C) bool connection mask, or None for a full layer
    stride: int
    padding: int


def _float_array(name, a, ndim):
    """`a` as a float array with exactly `ndim` non-empty axes, else TypeError/ValueError naming `name`: float32
    stays float32 (a network kept in float32 computes in float32), anything else becomes float64."""
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    if a.ndim != ndim or 0 in a.shape:
        raise ValueError(f"{name} must be a non-empty {ndim}-d array, got shape {a.shape}")
    return a.astype(compute_dtype(a), copy=False)


def compute_dtype(a):
    """float32 for a float32 array, else float64: the dtype the reference computes in."""
    return np.float32 if a.dtype == np.float32 else np.float64


def _int_param(name, value, minimum):
    """`value` as an int >= minimum, else TypeError/ValueError naming `name`."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {value!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def connection_mask(connections, in_maps, out_maps):
    """Boolean (out_maps, in_maps) mask: mask[f, c] is True iff output map f reads input map c.

    connections: sequence of `out_maps` sequences of input-map indices in [0, in_maps) (e.g. LeNet-5's C3 table).
    A table naming a missing map, repeating a map, or of the wrong length raises ValueError.
    """
    in_maps = _int_param("in_maps", in_maps, 1)
    out_maps = _int_param("out_maps", out_maps, 1)
    rows = list(connections)
    if len(rows) != out_maps:
        raise ValueError(f"connections lists {len(rows)} output maps, but the layer has {out_maps}")
    mask = np.zeros((out_maps, in_maps), dtype=bool)
    for f, row in enumerate(rows):
        if not hasattr(row, "__iter__"):
            raise TypeError(f"connections[{f}] must be a sequence of input-map indices, got {row!r}")
        for c in row:
            if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer)):
                raise TypeError(f"connections[{f}] must list int map indices, got {c!r}")
            if not 0 <= c < in_maps:
                raise ValueError(f"connections[{f}] names input map {c}, but there are only {in_maps} input "
                                 f"maps (0..{in_maps - 1})")
            if mask[f, c]:
                raise ValueError(f"connections[{f}] names input map {c} twice")
            mask[f, c] = True
    return mask


def _out_size(x_shape, w_shape, stride, padding):
    """(Ho, Wo), or ValueError when the kernel is larger than the padded input."""
    (_, _, H, W), (_, _, KH, KW) = x_shape, w_shape
    if KH > H + 2 * padding or KW > W + 2 * padding:
        raise ValueError(f"kernel {KH}x{KW} is larger than the padded input {H + 2 * padding}x"
                         f"{W + 2 * padding}: x {x_shape}, w {w_shape}, padding {padding}")
    return (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1


def _pad_batch_last(x, padding):
    """x_pad as a C-contiguous (C, H + 2p, W + 2p, N) array (a view of x when x is stored that way already)."""
    N, C, H, W = x.shape
    if not padding:
        return np.ascontiguousarray(x.transpose(1, 2, 3, 0))
    xp = np.zeros((C, H + 2 * padding, W + 2 * padding, N), dtype=x.dtype)
    xp[:, padding:padding + H, padding:padding + W] = x.transpose(1, 2, 3, 0)
    return xp


def _patches(x_pad, KH, KW, stride, Ho, Wo):
    """Patch matrix cols[(c,p,q), (i,j,n)] = x_pad[c, i*s+p, j*s+q, n], shape (C*KH*KW, Ho*Wo*N).

    Columns run over (i, j, n) with the batch innermost, so each kernel offset copies (and in the backward
    pass adds) long contiguous runs of Wo*N values."""
    C, N = x_pad.shape[0], x_pad.shape[3]
    cols = np.empty((C, KH, KW, Ho, Wo, N), dtype=x_pad.dtype)
    hspan, wspan = stride * (Ho - 1) + 1, stride * (Wo - 1) + 1
    for p in range(KH):
        for q in range(KW):
            cols[:, p, q] = x_pad[:, p:p + hspan:stride, q:q + wspan:stride]
    return cols.reshape(C * KH * KW, Ho * Wo * N)


def conv2d_forward(x, w, b, *, stride=1, padding=0, connections=None):
    """Convolution layer forward pass.

    x: (N, C, H, W) input maps; w: (F, C, KH, KW) kernels; b: (F,) biases.
    stride: int >= 1; padding: int >= 0 zeros on every side.
    connections: optional sequence of F sequences of input-map indices (LeNet-5's C3 table); weights of
        unlisted (f, c) pairs are treated as 0 and get gradient 0.
    Returns out (N, F, Ho, Wo) with Ho = (H + 2*padding - KH) // stride + 1 (same for Wo), and a ConvCache
    (which may share memory with x: do not modify x before the backward pass).
    """
    x, w, b = _float_array("x", x, 4), _float_array("w", w, 4), _float_array("b", b, 1)
    stride, padding = _int_param("stride", stride, 1), _int_param("padding", padding, 0)
    (N, C, H, W), (F, Cw, KH, KW) = x.shape, w.shape
    if Cw != C:
        raise ValueError(f"w has {Cw} input channels but x has {C}: x {x.shape}, w {w.shape}")
    if b.shape != (F,):
        raise ValueError(f"b must have shape ({F},) for w {w.shape}, got {b.shape}")
    Ho, Wo = _out_size(x.shape, w.shape, stride, padding)
    mask = None
    if connections is not None:
        mask = connection_mask(connections, C, F)
        w = w * mask[:, :, None, None]  # unconnected kernels are zero
    x_pad = _pad_batch_last(x, padding)
    z = w.reshape(F, -1) @ _patches(x_pad, KH, KW, stride, Ho, Wo)  # (F, Ho*Wo*N): sum_{c,p,q} w * patch
    z = z.reshape(F, Ho, Wo, N)
    z += b[:, None, None, None]  # + b[f]
    return z.transpose(3, 0, 1, 2), ConvCache(x_pad, x.shape, w, mask, stride, padding)


def conv2d_backward(dout, cache, *, input_grad=True):
    """Convolution layer backward pass.

    dout: (N, F, Ho, Wo) = dJ/dz; cache: the ConvCache of conv2d_forward.
    Returns (dx (N, C, H, W) = dJ/dx of the layer input, dw (F, C, KH, KW), db (F,)). Input rows/columns the
    forward pass never read (when (H + 2p - KH) % stride != 0) get dx = 0. input_grad=False: dx is None (a
    network's first layer needs no dJ/dx; it is the most expensive part of the pass).
    """
    N, C, H, W = cache.x_shape
    F, _, KH, KW = cache.w.shape
    s, pad = cache.stride, cache.padding
    Ho, Wo = (H + 2 * pad - KH) // s + 1, (W + 2 * pad - KW) // s + 1
    dout = _float_array("dout", dout, 4)
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(f"dout must have shape {(N, F, Ho, Wo)} (the forward output), got {dout.shape}")
    d = dout.transpose(1, 2, 3, 0).reshape(F, Ho * Wo * N)  # (F, Ho*Wo*N); a view in this module's layout
    db = d.sum(axis=1)  # db[f] = sum_{n,i,j} dout[n,f,i,j]
    cols = _patches(cache.x_pad, KH, KW, s, Ho, Wo)
    dw = (cols @ d.T).T.reshape(F, C, KH, KW)  # dw[f,c,p,q] = sum_{n,i,j} dout * x_pad[n,c,i*s+p,j*s+q]
    if cache.mask is not None:
        dw *= cache.mask[:, :, None, None]  # unconnected weights get no gradient
    if not input_grad:
        return None, dw, db
    dcols = np.matmul(cache.w.reshape(F, -1).T, d, out=cols).reshape(C, KH, KW, Ho, Wo, N)  # dJ/dpatch
    dxt = np.zeros((C, H + 2 * pad, W + 2 * pad, N), dtype=dcols.dtype)  # dJ/dx_pad, batch innermost
    hspan, wspan = s * (Ho - 1) + 1, s * (Wo - 1) + 1
    for p in range(KH):
        for q in range(KW):  # each patch entry was read from x_pad[n, c, i*s+p, j*s+q]
            dxt[:, p:p + hspan:s, q:q + wspan:s] += dcols[:, p, q]
    if pad:
        dxt = dxt[:, pad:pad + H, pad:pad + W].copy()  # crop the padding
    return dxt.transpose(3, 0, 1, 2), dw, db
