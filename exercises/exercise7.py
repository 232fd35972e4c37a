"""Exercise 7: the convolution family (nndl chapter 5): narrow and wide convolution, a convolution layer as a
matrix, transposed, dilated and 1x1 convolution.

Convolution, as the notes define it, flips the kernel. For an M x N input x and a U x V kernel w (indices from 1)

    y_ij = sum_{u=1..U} sum_{v=1..V} w_uv x_(i-u+1, j-v+1)

Narrow: only where the whole kernel lies on x, (M-U+1) x (N-V+1) values. Wide: x first padded with U-1 rows
(V-1 columns) of zeros on each side, (M+U-1) x (N+V-1) values. In 1-D, 7 values and a kernel of 5: narrow 3,
wide 11. Each wide y_ij adds x_a w_b over all index pairs with a + b = (i+1, j+1), a sum symmetric in x and w:
wide convolution commutes (exercise 5-2). Cross-correlation, what our layers compute, has no flip and does not
commute (swapping the arguments mirrors the result).

>>> import numpy as np
>>> x, w = np.array([[1., 2., 3.]]), np.array([[1., -1.]])
>>> print(narrow_convolve(x, w))
[[1. 1.]]
>>> print(wide_convolve(x, w), wide_convolve(w, x))
[[ 1.  1.  1. -3.]] [[ 1.  1.  1. -3.]]

A layer is a matrix. For one sample a convolution layer (no bias) is linear, z = C a, with a = x.ravel() over
(C, H, W) and z over (F, Ho, Wo), both row-major. Column k of C is the layer's output for the k-th unit input.
Its row (f, i, j) holds w[f,c,p,q] in column (c, i*s+p-pad, j*s+q-pad). Backward, delta^(l) = C^T delta^(l+1)
(exercises 5-5, 5-7): exercise 3's full convolution with the rotated kernel *is* this product, without C.

>>> C = conv_as_matrix(np.array([[[[1., 2.], [3., 4.]]]]), (1, 2, 3))   # 2x3 input, 2x2 kernel: 1x2 output
>>> print(C)
[[1. 2. 0. 3. 4. 0.]
 [0. 1. 2. 0. 3. 4.]]
>>> print(C.T @ np.array([1., 10.]))
[ 1. 12. 20.  3. 34. 40.]

Transposed convolution: C^T as a layer of its own, an upsampling layer (PyTorch's conv_transpose2d,
output_padding 0). Weights w (C_in, C_out, KH, KW); each input pixel paints its kernel, scaled by its value,
every s pixels, and `padding` rows and columns are then cropped from each side:

    out_pad[n, f, i*s+p, j*s+q] += x[n,c,i,j] w[c,f,p,q]            Ho = (H-1)*s - 2*padding + KH

The same by exercise 3's recipe: put s-1 zeros between the entries of x, pad with K-1 zeros all round,
correlate with rot180(w) with its first two axes swapped, crop `padding` from each side.

>>> x, w = np.array([[[[1., 2.]]]]), np.array([[[[1., 10.]]]])
>>> print(conv_transpose(x, w, stride=1)[0, 0], conv_transpose(x, w, stride=2)[0, 0])
[[ 1. 12. 20.]] [[ 1. 10.  2. 20.]]

Dilated convolution (atrous): kernel taps D pixels apart, stride 1, cross-correlation like the layers,

    z[n,f,i,j] = sum_{c,p,q} w[f,c,p,q] x_pad[n,c,i+p*D, j+q*D]        Ho = H + 2*padding - D*(KH-1)

an ordinary convolution with a kernel that has D-1 zeros between neighbouring taps (it spans D*(K-1)+1 pixels)
and sees more with the same weights. The size is kept by padding = (K-1)*D/2 (exercise 5-8). The kernel
gradient is exercise 4's with taps D apart: dw[f,c,p,q] = sum_{n,i,j} delta[n,f,i,j] x_pad[n,c,i+p*D, j+q*D].

>>> x, w = np.arange(6.).reshape(1, 1, 1, 6), np.array([[[[1., -1.]]]])
>>> print(dilated_conv(x, w, dilation=2)[0, 0], same_padding(3, 2))
[[-2. -2. -2. -2.]] 2
>>> print(dilated_conv_backward_weights(np.ones((1, 1, 1, 4)), x, (1, 2), dilation=2)[0, 0])
[[ 6. 14.]]

1x1 convolution: z[n,f,i,j] = sum_c w[f,c] x[n,c,i,j], the same dense layer at every pixel, mixing channels to
lower or raise their number. A KxK convolution C -> F on an HxW map costs H*W*F*C*K*K multiply-adds: 256 -> 256
3x3 on 100x100 is 5,898,240,000; a 1x1 squeeze 256 -> 64 (163,840,000) then 64 -> 256 3x3 (1,474,560,000) is
1,638,400,000, 3.6 times fewer, for 640,000 more stored activations (3,200,000 instead of 2,560,000).

>>> x = np.array([[[[1., 2.]], [[3., 4.]]]])                         # N=1, C=2, 1x2 maps
>>> print(conv1x1(x, np.array([[1., 1.], [1., -1.]]))[0])            # maps: sum and difference of channels
[[[ 4.  6.]]
<BLANKLINE>
 [[-2. -2.]]]
"""

import numpy as np


def _array(name, array, ndim):
    """`array` as a float64 array with `ndim` axes; ValueError naming `name` and the shape otherwise."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != ndim or 0 in array.shape:
        raise ValueError(f"{name} must be a non-empty {ndim}-D array, got shape {array.shape}")
    return array


def _pair(name, value):
    """An int or (int, int) as a pair of ints >= 1."""
    pair = (value, value) if np.ndim(value) == 0 else tuple(value)
    if len(pair) != 2 or any(int(v) != v or v < 1 for v in pair):
        raise ValueError(f"{name} must be an int >= 1 or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def correlate(x, k):
    """Valid cross-correlation, stride 1, no bias (the convolution layer's forward pass). Given: use it.

    x: (N, C, H, W); k: (F, C, KH, KW). Returns (N, F, H-KH+1, W-KW+1) with
    out[n,f,i,j] = sum over c, p, q of k[f,c,p,q] * x[n,c,i+p,j+q].
    """
    x, k = _array("x", x, 4), _array("k", k, 4)
    if x.shape[1] != k.shape[1] or k.shape[2] > x.shape[2] or k.shape[3] > x.shape[3]:
        raise ValueError(f"cannot correlate x {x.shape} with k {k.shape}")
    (n, _, h, wd), (f, _, kh, kw) = x.shape, k.shape
    ho, wo = h - kh + 1, wd - kw + 1
    x_last = x.transpose(0, 2, 3, 1)  # (N, H, W, C): channels last, so each offset is one matrix product
    out = np.zeros((n, ho, wo, f))
    for p in range(kh):
        for q in range(kw):
            out += x_last[:, p : p + ho, q : q + wo, :] @ k[:, :, p, q].T  # (N, Ho, Wo, C) @ (C, F)
    return out.transpose(0, 3, 1, 2)


def narrow_convolve(x, w):
    """Narrow 2-D convolution with the kernel flipped: y[i,j] = sum_{u,v} w[u,v] x[i+U-1-u, j+V-1-v].

    x: (M, N); w: (U, V) with U <= M, V <= N. Returns (M-U+1, N-V+1): x cross-correlated with rot180(w).
    """
    x, w = _array("x", x, 2), _array("w", w, 2)
    if w.shape[0] > x.shape[0] or w.shape[1] > x.shape[1]:
        raise ValueError(f"narrow convolution needs w no larger than x: x {x.shape}, w {w.shape}")
    # HINT: rotate w by 180 degrees, then correlate (add the two batch/channel axes and take them off again).
    # YOUR CODE HERE
    raise NotImplementedError(
        "narrow_convolve: rotate w by 180 degrees, then correlate (add the two batch/channel axes and take "
        "them off again)."
    )


def wide_convolve(x, w):
    """Wide (full) 2-D convolution: pad x with U-1 rows and V-1 columns of zeros on each side, convolve narrowly.

    x: (M, N); w: (U, V), any sizes. Returns (M+U-1, N+V-1); wide_convolve(x, w) equals wide_convolve(w, x).
    """
    x, w = _array("x", x, 2), _array("w", w, 2)
    # YOUR CODE HERE
    raise NotImplementedError(
        "wide_convolve: Wide (full) 2-D convolution: pad x with U-1 rows and V-1 columns of zeros on each "
        "side, convolve narrowly."
    )


def conv_as_matrix(w, input_shape, stride=1, padding=0):
    """The matrix C of a convolution layer (cross-correlation, no bias) acting on one sample.

    w: (F, C, KH, KW); input_shape: (C, H, W); stride >= 1; padding >= 0. Returns C of shape (F*Ho*Wo, C*H*W),
    Ho = (H + 2*padding - KH) // stride + 1 (Wo likewise), such that z.ravel() == C @ x.ravel() for the layer's
    output z (F, Ho, Wo) on the input x (C, H, W), both raveled row-major (numpy's default).
    """
    w = _array("w", w, 4)
    if len(input_shape) != 3 or input_shape[0] != w.shape[1] or stride < 1 or padding < 0:
        raise ValueError(f"input_shape {input_shape} (C, H, W) does not fit w {w.shape}, or stride={stride}, "
                         f"padding={padding} is invalid")
    # HINT: column k of C is the layer's output for the k-th unit input (a 1 at one pixel): convolve them all.
    # YOUR CODE HERE
    raise NotImplementedError(
        "conv_as_matrix: column k of C is the layer's output for the k-th unit input (a 1 at one pixel): "
        "convolve them all."
    )


def conv_transpose(x, w, stride=1, padding=0):
    """Transposed convolution (PyTorch's conv_transpose2d without bias, output_padding 0).

    x: (N, C_in, H, W); w: (C_in, C_out, KH, KW); stride >= 1; padding >= 0 (cropped from every side).
    Returns (N, C_out, (H-1)*stride - 2*padding + KH, (W-1)*stride - 2*padding + KW); ValueError if that is < 1.
    """
    x, w = _array("x", x, 4), _array("w", w, 4)
    if x.shape[1] != w.shape[0] or stride < 1 or padding < 0:
        raise ValueError(f"x {x.shape} and w {w.shape} (C_in, C_out, KH, KW) do not match, or stride={stride}, "
                         f"padding={padding} is invalid")
    # HINT: s-1 zeros between the entries of x, K-1 zeros all round, correlate with rot180(w), axes 0, 1 swapped.
    # YOUR CODE HERE
    raise NotImplementedError(
        "conv_transpose: s-1 zeros between the entries of x, K-1 zeros all round, correlate with rot180(w), "
        "axes 0, 1 swapped."
    )


def _dilated_size(x, kernel_size, dilation, padding):
    """(Ho, Wo) of a stride-1 dilated convolution, or ValueError when the dilated kernel does not fit."""
    (kh, kw), (h, wd) = kernel_size, x.shape[2:]
    ho, wo = h + 2 * padding - dilation * (kh - 1), wd + 2 * padding - dilation * (kw - 1)
    if min(ho, wo) < 1 or dilation < 1 or padding < 0:
        raise ValueError(f"kernel {kernel_size} with dilation={dilation} does not fit x {x.shape} with "
                         f"padding={padding}")
    return ho, wo


def dilated_conv(x, w, dilation=1, padding=0):
    """Dilated convolution, stride 1, no bias: z[n,f,i,j] = sum_{c,p,q} w[f,c,p,q] x_pad[n,c,i+p*D, j+q*D].

    x: (N, C, H, W); w: (F, C, KH, KW); dilation D >= 1; padding >= 0. Returns (N, F, Ho, Wo) with
    Ho = H + 2*padding - D*(KH-1) (Wo likewise).
    """
    x, w = _array("x", x, 4), _array("w", w, 4)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"w has {w.shape[1]} input channels but x has {x.shape[1]}: x {x.shape}, w {w.shape}")
    _dilated_size(x, w.shape[2:], dilation, padding)
    # HINT: build the kernel with D-1 zeros between neighbouring taps, then pad x and correlate.
    # YOUR CODE HERE
    raise NotImplementedError(
        "dilated_conv: build the kernel with D-1 zeros between neighbouring taps, then pad x and correlate."
    )


def same_padding(kernel_size, dilation=1):
    """Zeros per side that keep the size of a stride-1 convolution: (kernel_size - 1) * dilation / 2, an int.

    kernel_size: int K >= 1; dilation: int D >= 1. ValueError when (K-1)*D is odd (no equal padding keeps it).
    """
    if int(kernel_size) != kernel_size or int(dilation) != dilation or kernel_size < 1 or dilation < 1:
        raise ValueError(f"kernel_size and dilation must be ints >= 1, got {kernel_size!r} and {dilation!r}")
    # YOUR CODE HERE
    raise NotImplementedError(
        "same_padding: Zeros per side that keep the size of a stride-1 convolution: (kernel_size - 1) * "
        "dilation / 2, an int."
    )


def dilated_conv_backward_weights(delta, x, kernel_size, dilation=1, padding=0):
    """Kernel gradient of dilated_conv: dw[f,c,p,q] = sum_{n,i,j} delta[n,f,i,j] x_pad[n,c,i+p*D, j+q*D].

    delta: (N, F, Ho, Wo) = dJ/dz; x: (N, C, H, W) the layer's input; kernel_size: int or (KH, KW);
    dilation D >= 1 and padding >= 0 as in the forward pass. Returns dw (F, C, KH, KW).
    """
    delta, x = _array("delta", delta, 4), _array("x", x, 4)
    kernel_size = _pair("kernel_size", kernel_size)
    if delta.shape[0] != x.shape[0] or delta.shape[2:] != _dilated_size(x, kernel_size, dilation, padding):
        raise ValueError(f"delta {delta.shape} is not the output of x {x.shape} with kernel {kernel_size}, "
                         f"dilation={dilation}, padding={padding}")
    # YOUR CODE HERE
    raise NotImplementedError(
        "dilated_conv_backward_weights: Kernel gradient of dilated_conv: dw[f,c,p,q] = sum_{n,i,j} "
        "delta[n,f,i,j] x_pad[n,c,i+p*D, j+q*D]."
    )


def conv1x1(x, w):
    """1x1 convolution, no bias: z[n,f,i,j] = sum_c w[f,c] x[n,c,i,j], a per-pixel linear map over channels.

    x: (N, C, H, W); w: (F, C). Returns (N, F, H, W).
    """
    x, w = _array("x", x, 4), _array("w", w, 2)
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"w must be (F, C) with C = {x.shape[1]} (x {x.shape}), got w {w.shape}")
    # YOUR CODE HERE
    raise NotImplementedError(
        "conv1x1: 1x1 convolution, no bias: z[n,f,i,j] = sum_c w[f,c] x[n,c,i,j], a per-pixel linear map "
        "over channels."
    )
