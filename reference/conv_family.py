"""The convolution family of nndl chapter 5: transposed and dilated convolution, a convolution layer as a matrix,
and true (kernel-flipped) 2-D convolution, narrow and wide. NCHW, float64.

Transposed convolution, PyTorch's conv_transpose2d (output_padding 0, dilation 1, groups 1); w is (C_in, C_out,
KH, KW), the layout of the convolution it transposes read the other way round ((F, C) = (C_in, C_out)):
    out_pad[n,f,i*s+p,j*s+q] += x[n,c,i,j] * w[c,f,p,q]   then crop `padding` from every side, + b[f]
    Ho = (H - 1)*stride - 2*padding + KH                  Wo = (W - 1)*stride - 2*padding + KW
This is exactly the map conv2d_backward applies to dout to get dx (nndl 5-5, 5-7: backward = transpose), and
its own backward is that convolution's forward: dx = conv2d(dout, w, stride, padding).

Dilated convolution, PyTorch's conv2d(..., dilation=D): a cross-correlation whose kernel taps are D apart,
    z[n,f,i,j] = sum_{c,p,q} w[f,c,p,q] * x_pad[n,c,i*s+p*D, j*s+q*D] + b[f]
    Ho = (H + 2*padding - D*(KH - 1) - 1) // stride + 1
Computed with reference.conv on the kernel dilated by D-1 zeros between its entries (size D*(K-1)+1); dw is the
dilated kernel's gradient read back at the taps (the inserted zeros are constants, not parameters).
With stride 1, padding = same_padding(K, D) = (K-1)*D/2 keeps the size (nndl 5-8).

True convolution (nndl's definition, kernel flipped): narrow gives M-U+1 values per axis, wide (full: U-1 zeros
on each side) M+U-1; wide convolution commutes, wide(x, w) == wide(w, x) (nndl 5-2), cross-correlation does not.
"""
from typing import NamedTuple

import numpy as np

from reference.conv import ConvCache, _float_array, _int_param, conv2d_backward, conv2d_forward


class ConvTransposeCache(NamedTuple):
    x: np.ndarray        # (N, C_in, H, W) input
    w: np.ndarray        # (C_in, C_out, KH, KW) weights
    stride: int
    padding: int


class DilatedConvCache(NamedTuple):
    conv: ConvCache      # cache of the plain convolution with the dilated kernel
    kernel_size: tuple   # (KH, KW) of the undilated kernel
    dilation: int


def _check_bias(b, n):
    b = _float_array("b", b, 1)
    if b.shape != (n,):
        raise ValueError(f"b must have shape ({n},), got {b.shape}")
    return b


def conv_transpose2d_forward(x, w, b, *, stride=1, padding=0):
    """Transposed convolution forward pass (PyTorch's conv_transpose2d, output_padding=0).

    x: (N, C_in, H, W); w: (C_in, C_out, KH, KW); b: (C_out,); stride: int >= 1; padding: int >= 0, rows and
    columns cropped from every side of the uncropped (H-1)*stride + KH output.
    Returns out (N, C_out, Ho, Wo) with Ho = (H-1)*stride - 2*padding + KH (Wo likewise; ValueError if < 1),
    and a ConvTransposeCache.
    """
    x, w = _float_array("x", x, 4), _float_array("w", w, 4)
    stride, padding = _int_param("stride", stride, 1), _int_param("padding", padding, 0)
    (N, C, H, W), (Cw, F, KH, KW) = x.shape, w.shape
    if Cw != C:
        raise ValueError(f"w must be (C_in, C_out, KH, KW) with C_in = {C} (x {x.shape}), got w {w.shape}")
    b = _check_bias(b, F)
    Hf, Wf = (H - 1) * stride + KH, (W - 1) * stride + KW  # before cropping
    if min(Hf, Wf) - 2 * padding < 1:
        raise ValueError(f"padding {padding} crops the whole {Hf}x{Wf} output: x {x.shape}, w {w.shape}, "
                         f"stride {stride}")
    out = np.zeros((N, F, Hf, Wf))
    for p in range(KH):
        for q in range(KW):  # every input pixel (i, j) paints w[:, :, p, q] at (i*s+p, j*s+q)
            out[:, :, p:p + (H - 1) * stride + 1:stride, q:q + (W - 1) * stride + 1:stride] += \
                np.einsum("nchw,cf->nfhw", x, w[:, :, p, q])
    out = out[:, :, padding:Hf - padding, padding:Wf - padding] + b[:, None, None]  # crop, add bias
    return out, ConvTransposeCache(x, w, stride, padding)


def conv_transpose2d_backward(dout, cache):
    """Transposed convolution backward pass.

    dout: (N, C_out, Ho, Wo) = dJ/dout; cache: the ConvTransposeCache of conv_transpose2d_forward.
    Returns (dx (N, C_in, H, W), dw (C_in, C_out, KH, KW), db (C_out,)). dx is the plain convolution of dout
    with w read as (F, C) = (C_in, C_out), same stride and padding.
    """
    x, w, s, pad = cache
    (N, C, H, W), (_, F, KH, KW) = x.shape, w.shape
    shape = (N, F, (H - 1) * s - 2 * pad + KH, (W - 1) * s - 2 * pad + KW)
    dout = _float_array("dout", dout, 4)
    if dout.shape != shape:
        raise ValueError(f"dout must have shape {shape} (the forward output), got {dout.shape}")
    dx, _ = conv2d_forward(dout, w, np.zeros(C), stride=s, padding=pad)  # dx[n,c,i,j] = sum w[c,f,p,q] dout_pad
    dpad = np.pad(dout, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.empty_like(w)
    for p in range(KH):
        for q in range(KW):  # dw[c,f,p,q] = sum_{n,i,j} x[n,c,i,j] * dout_pad[n,f,i*s+p,j*s+q]
            window = dpad[:, :, p:p + (H - 1) * s + 1:s, q:q + (W - 1) * s + 1:s]
            dw[:, :, p, q] = np.einsum("nchw,nfhw->cf", x, window)
    return np.ascontiguousarray(dx), dw, dout.sum(axis=(0, 2, 3))


def dilate_kernel(w, dilation):
    """w (F, C, KH, KW) with dilation-1 zeros between neighbouring taps: (F, C, D*(KH-1)+1, D*(KW-1)+1)."""
    w = _float_array("w", w, 4)
    D = _int_param("dilation", dilation, 1)
    F, C, KH, KW = w.shape
    wd = np.zeros((F, C, D * (KH - 1) + 1, D * (KW - 1) + 1))
    wd[:, :, ::D, ::D] = w
    return wd


def dilated_conv2d_forward(x, w, b, *, dilation=1, stride=1, padding=0):
    """Dilated convolution forward pass (PyTorch's conv2d with dilation=D), via reference.conv on the dilated
    kernel.

    x: (N, C, H, W); w: (F, C, KH, KW); b: (F,); dilation: int >= 1 (1 = ordinary convolution); stride >= 1;
    padding >= 0. Returns out (N, F, Ho, Wo), Ho = (H + 2*padding - dilation*(KH-1) - 1) // stride + 1 (Wo
    likewise), and a DilatedConvCache. ValueError when the dilated kernel is larger than the padded input.
    """
    w = _float_array("w", w, 4)
    dilation = _int_param("dilation", dilation, 1)
    out, conv_cache = conv2d_forward(x, dilate_kernel(w, dilation), b, stride=stride, padding=padding)
    return out, DilatedConvCache(conv_cache, w.shape[2:], dilation)


def dilated_conv2d_backward(dout, cache):
    """Dilated convolution backward pass.

    dout: (N, F, Ho, Wo); cache: the DilatedConvCache of dilated_conv2d_forward.
    Returns (dx (N, C, H, W), dw (F, C, KH, KW), db (F,)): dw[f,c,p,q] = sum_{n,i,j} dout * x_pad[n,c,i*s+p*D,
    j*s+q*D], the dilated kernel's gradient at its taps.
    """
    dx, dw_dilated, db = conv2d_backward(dout, cache.conv)
    D = cache.dilation
    return dx, np.ascontiguousarray(dw_dilated[:, :, ::D, ::D]), db


def same_padding(kernel_size, dilation=1):
    """Zeros per side that keep H_out = H for a stride-1 convolution: (K-1)*D/2 (nndl 5-8).

    kernel_size: int K >= 1; dilation: int D >= 1. The dilated kernel spans D*(K-1)+1 pixels, so the output
    shrinks by D*(K-1): half on each side. ValueError when D*(K-1) is odd (only uneven padding keeps the size).
    """
    K, D = _int_param("kernel_size", kernel_size, 1), _int_param("dilation", dilation, 1)
    if (K - 1) * D % 2:
        raise ValueError(f"kernel_size {K} with dilation {D} shrinks the map by (K-1)*D = {(K - 1) * D}, an odd "
                         f"number: no equal padding on both sides keeps the size")
    return (K - 1) * D // 2


def conv_matrix(w, input_shape, *, stride=1, padding=0):
    """The dense matrix of a convolution layer (no bias) acting on one sample, built entry by entry.

    w: (F, C, KH, KW); input_shape: (C, H, W). Returns M of shape (F*Ho*Wo, C*H*W), Ho and Wo as in
    conv2d_forward, with conv2d_forward(x[None], w, 0, stride, padding)[0].ravel() == M @ x.ravel() (C-order
    ravel of (C, H, W) and (F, Ho, Wo)). M[(f,i,j), (c,h,v)] = w[f,c,h-i*s+pad, v-j*s+pad] where that is a tap,
    else 0; M.T @ delta.ravel() is conv2d_backward's dx (nndl 5-5: the backward pass is the transpose).
    """
    w = _float_array("w", w, 4)
    stride, padding = _int_param("stride", stride, 1), _int_param("padding", padding, 0)
    shape = tuple(input_shape)
    if len(shape) != 3 or shape[0] != w.shape[1] or min(shape) < 1:
        raise ValueError(f"input_shape must be (C, H, W) with C = {w.shape[1]} for w {w.shape}, "
                         f"got {input_shape}")
    (C, H, W), (F, _, KH, KW) = shape, w.shape
    Ho, Wo = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    if KH > H + 2 * padding or KW > W + 2 * padding:
        raise ValueError(f"kernel {KH}x{KW} is larger than the padded input: input_shape {shape}, "
                         f"padding {padding}")
    f, c, p, q, i, j = np.meshgrid(*map(np.arange, (F, C, KH, KW, Ho, Wo)), indexing="ij")
    h, v = i * stride + p - padding, j * stride + q - padding  # the input pixel tap (p, q) of output (i, j) reads
    inside = (h >= 0) & (h < H) & (v >= 0) & (v < W)  # taps on padding zeros contribute nothing
    M = np.zeros((F * Ho * Wo, C * H * W))
    taps = np.broadcast_to(w[:, :, :, :, None, None], inside.shape)
    M[((f * Ho + i) * Wo + j)[inside], ((c * H + h) * W + v)[inside]] = taps[inside]  # each (row, col) once
    return M


def _pair_2d(x, w):
    x, w = _float_array("x", x, 2), _float_array("w", w, 2)
    return x, w


def narrow_convolve2d(x, w):
    """True 2-D convolution (kernel flipped), narrow: y[i,j] = sum_{u,v} w[u,v] * x[i+U-1-u, j+V-1-v].

    x: (M, N); w: (U, V) with U <= M and V <= N. Returns (M-U+1, N-V+1): the cross-correlation of x with
    rot180(w).
    """
    x, w = _pair_2d(x, w)
    if w.shape[0] > x.shape[0] or w.shape[1] > x.shape[1]:
        raise ValueError(f"narrow convolution needs w no larger than x: x {x.shape}, w {w.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(x, w.shape)  # (M-U+1, N-V+1, U, V)
    return np.einsum("ijuv,uv->ij", windows, w[::-1, ::-1])


def wide_convolve2d(x, w):
    """True 2-D convolution, wide (full): x padded with U-1 rows and V-1 columns of zeros on each side, then
    narrow_convolve2d.

    x: (M, N); w: (U, V), any sizes. Returns (M+U-1, N+V-1); wide_convolve2d(x, w) == wide_convolve2d(w, x).
    """
    x, w = _pair_2d(x, w)
    U, V = w.shape
    return narrow_convolve2d(np.pad(x, ((U - 1, U - 1), (V - 1, V - 1))), w)
