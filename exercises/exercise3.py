"""Exercise 3: the residual of the layer before a convolution, by full convolution with the rotated kernel.

Notation (as in the course notes, indices from 1): a^(l-1) is the convolution's input, w^(l) its kernel,
delta^(l) = dJ/dz^(l) its residual. The forward pass, stride 1, one map in, one map out, is a cross-correlation:

    z_pq^(l) = sum_m sum_n w_mn^(l) a_(p+m-1, q+n-1)^(l-1) + b^(l)

Going back. Input a_uv is used by every output whose window covers it, with the kernel entry that lands on it:
in z_pq it is multiplied by w_(u-p+1, v-q+1). The chain rule adds these contributions up,

    dJ/da_uv^(l-1) = sum_p sum_q delta_pq^(l) w_(u-p+1, v-q+1)^(l)

and this sum is a cross-correlation again, once you (1) pad delta with k-1 zeros on every side (so windows
hanging over the edge see zeros), and (2) rotate the kernel by 180 degrees (the index runs backwards in w):

    dJ/da_uv^(l-1) = sum_m sum_n rot180(w)_mn  deltapad_(u+m-1, v+n-1)          ("full convolution")

and the residual of layer l-1 is then delta^(l-1) = dJ/da^(l-1) * sigma'(z^(l-1)) (exercise 2's
activation_backward). An h x w residual and a kh x kw kernel give (h+kh-1) x (w+kw-1) values: the input size.

Worked example: input 3x3, kernel w = [[1, 2], [3, 4]], residual delta = [[1, 0], [2, -1]]. The middle input
a_22 is in all four windows, under w_22, w_21, w_12, w_11 in turn, so
dJ/da_22 = 1*4 + 0*3 + 2*2 + (-1)*1 = 7. Padding delta with one zero all round,
deltapad = [[0, 0, 0, 0], [0, 1, 0, 0], [0, 2, -1, 0], [0, 0, 0, 0]], and sliding rot180(w) = [[4, 3], [2, 1]]
over it gives all nine values at once (the middle window is [[1, 0], [2, -1]]: 4*1 + 3*0 + 2*2 + 1*(-1) = 7).

Several maps. With w of shape (F, C, KH, KW), input map c feeds every output map f, so its gradient is the
sum over f of full_convolve(delta[n, f], w[f, c]). All (n, c) at once: one correlation of the padded residual
with the rotated kernel whose first two axes are swapped, (C, F, KH, KW). The helper `correlate` below (the
layer's forward pass, given) does such a correlation; loops over n, c and f calling full_convolve are right too,
only slow.

Stride s. z_pq reads the window starting at row (p-1)s+1, as if a stride-1 convolution had been computed and
only every s-th output kept. Outputs that were never kept have residual 0, so put s-1 zeros between residual
entries ("dilate") and proceed as for stride 1. Padding p. The forward pass read the padded input a_pad, so
the full convolution gives dJ/da_pad; the padding zeros are constants, crop p rows and columns off each side.
Unread rows. When (H + 2p - KH) % s != 0 the last rows (columns) of a_pad were never read: their gradient is 0,
and only the caller knows H, hence `input_size=(H, W)`; without it, assume the smallest input that gives the
residual's size, H = (Ho - 1)s + KH - 2p.

Doctests (`python -m doctest exercises/exercise3.py` checks your answers):

>>> import numpy as np
>>> w = np.array([[1., 2.], [3., 4.]])
>>> delta = np.array([[1., 0.], [2., -1.]])
>>> print(rot180(w))
[[4. 3.]
 [2. 1.]]
>>> print(full_convolve(delta, w))
[[ 1.  2.  0.]
 [ 5.  7. -2.]
 [ 6.  5. -4.]]

Stride 2 on a 5x5 input: the residual is dilated to [[1, 0, 0], [0, 0, 0], [2, 0, -1]], and the last row and
column of the input were never read ((5 - 2) % 2 = 1), so they get 0:

>>> print(conv_backward_input(delta[None, None], w[None, None], stride=2, input_size=(5, 5))[0, 0])
[[ 1.  2.  0.  0.  0.]
 [ 3.  4.  0.  0.  0.]
 [ 2.  4. -1. -2.  0.]
 [ 6.  8. -3. -4.  0.]
 [ 0.  0.  0.  0.  0.]]
"""

import numpy as np


def _maps(name, array):
    """`array` as a float64 (N, C, H, W) array; ValueError naming `name` and the shape otherwise."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, C, H, W), got shape {array.shape}")
    return array


def correlate(x, k):
    """Valid cross-correlation, stride 1, no bias (the convolution layer's forward pass). Given: use it.

    x: (N, C, H, W); k: (F, C, KH, KW). Returns (N, F, H-KH+1, W-KW+1) with
    out[n,f,i,j] = sum over c, p, q of k[f,c,p,q] * x[n,c,i+p,j+q].
    """
    x, k = _maps("x", x), _maps("k", k)
    if x.shape[1] != k.shape[1] or k.shape[2] > x.shape[2] or k.shape[3] > x.shape[3]:
        raise ValueError(f"cannot correlate x {x.shape} with k {k.shape}")
    (n, _, h, wd), (f, _, kh, kw) = x.shape, k.shape
    ho, wo = h - kh + 1, wd - kw + 1
    x_last = x.transpose(0, 2, 3, 1)  # (N, H, W, C): channels last, so each offset is one matrix product
    out = np.zeros((n, ho, wo, f))
    for p in range(kh):  # one kernel offset (p, q) at a time
        for q in range(kw):
            out += x_last[:, p : p + ho, q : q + wo, :] @ k[:, :, p, q].T  # (N, Ho, Wo, C) @ (C, F)
    return out.transpose(0, 3, 1, 2)


def rot180(kernel):
    """Rotate a kernel by 180 degrees: flip its last two axes (rows and columns).

    kernel: (KH, KW), or (..., KH, KW) for a stack of kernels. Returns a new array of the same shape with
    out[..., p, q] = kernel[..., KH-1-p, KW-1-q].
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim < 2:
        raise ValueError(f"kernel must have at least 2 dimensions, got shape {kernel.shape}")
    # YOUR CODE HERE
    raise NotImplementedError(
        "rot180: Rotate a kernel by 180 degrees: flip its last two axes (rows and columns)."
    )


def full_convolve(delta, kernel):
    """Full convolution of a 2-D residual with a 2-D kernel: pad with k-1 zeros, correlate with rot180(kernel).

    delta: (h, w); kernel: (kh, kw). Returns (h+kh-1, w+kw-1): dJ/da of a stride-1, unpadded convolution's
    input, when delta is the residual of its output and kernel its weights.
    """
    delta, kernel = np.asarray(delta, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    if delta.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"delta {delta.shape} and kernel {kernel.shape} must both be 2-D")
    # YOUR CODE HERE
    raise NotImplementedError(
        "full_convolve: Full convolution of a 2-D residual with a 2-D kernel: pad with k-1 zeros, correlate "
        "with rot180(kernel)."
    )


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    """dJ/da of a convolution layer's input, from its residual, by full convolution with the rotated kernel.

    delta: (N, F, Ho, Wo), the residual dJ/dz of the convolution's output; w: (F, C, KH, KW), its kernels;
    stride: int >= 1; padding: int >= 0 (zeros on each side in the forward pass); input_size: (H, W) of the
    input, needed when (H + 2*padding - KH) % stride != 0; None means the smallest consistent size,
    ((Ho-1)*stride + KH - 2*padding, (Wo-1)*stride + KW - 2*padding).
    Returns dJ/da of the layer input (not yet times sigma'), (N, C, H, W). ValueError if input_size does
    not give (Ho, Wo) in the forward pass.
    """
    delta, w = _maps("delta", delta), _maps("w", w)
    if delta.shape[1] != w.shape[0] or stride < 1 or padding < 0:
        raise ValueError(f"delta {delta.shape} and w {w.shape} (stride={stride}, padding={padding}) do not match")
    # HINT: dilate delta, pad it with k-1 zeros, correlate it with rot180(w) with axes 0 and 1 swapped, crop.
    # YOUR CODE HERE
    raise NotImplementedError(
        "conv_backward_input: dilate delta, pad it with k-1 zeros, correlate it with rot180(w) with axes 0 "
        "and 1 swapped, crop."
    )
