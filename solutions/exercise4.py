"""Exercise 4: the gradients of a convolution's kernels and biases.

Notation (as in the course notes, indices from 1): a^(l-1) is the convolution's input, w^(l) its kernel,
b^(l) its bias, delta^(l) = dJ/dz^(l) its residual. Forward pass, stride 1, one map in, one map out:

    z_uv^(l) = sum_p sum_q w_pq^(l) a_(u+p-1, v+q-1)^(l-1) + b^(l)

Weight sharing: the same w_pq multiplies a different input in every output z_uv, so its gradient collects
one term per output position,

    dJ/dw_pq = sum_u sum_v delta_uv^(l) a_(u+p-1, v+q-1)^(l-1)      dJ/db = sum_u sum_v delta_uv^(l)

that is: slide the residual over the input as if it were the kernel (a valid cross-correlation of the input
with the residual), and sum the residual for the bias.

Worked example: input a = [[1, 2, 0], [0, 1, 3], [2, 1, 1]], 2x2 kernel, residual delta = [[1, 0], [2, -1]].
dJ/dw_11 pairs delta with the top-left 2x2 block of a: 1*1 + 0*2 + 2*0 + (-1)*1 = 0; dJ/dw_12 with the
top-right block: 1*2 + 0*0 + 2*1 + (-1)*3 = 1; likewise dJ/dw_21 = 3, dJ/dw_22 = 2; dJ/db = 1 + 0 + 2 - 1 = 2.

The general layer, in code's 0-based indices, with stride s and padding p (a_pad is a with p zeros around):

    z[n,f,u,v] = sum_{c,i,j} w[f,c,i,j] a_pad[n,c,u*s+i, v*s+j] + b[f]
    dw[f,c,i,j] = sum_{n,u,v} delta[n,f,u,v] a_pad[n,c,u*s+i, v*s+j]        db[f] = sum_{n,u,v} delta[n,f,u,v]

Kernel entry (i, j) meets the inputs a_pad[:, :, i::s, j::s] (the first Ho rows and Wo columns of them): the
gradient of the whole kernel is KH*KW such sums. Equivalently: correlate a_pad with the residual dilated by
s-1 zeros, and keep the first KH x KW values (more come out when (H + 2p - KH) % s != 0: the rows the forward
pass never read take part in no product). The batch is summed over: the kernels are shared by all examples.

Doctests (`python -m doctest exercises/exercise4.py` checks your answers):

>>> import numpy as np
>>> a = np.array([[1., 2., 0.], [0., 1., 3.], [2., 1., 1.]])[None, None]   # (N, C, H, W) = (1, 1, 3, 3)
>>> delta = np.array([[1., 0.], [2., -1.]])[None, None]                    # (N, F, Ho, Wo) = (1, 1, 2, 2)
>>> print(conv_backward_weights(delta, a, 2)[0, 0])
[[0. 1.]
 [3. 2.]]
>>> print(conv_backward_bias(delta))
[2.]
"""

import operator

import numpy as np


def _maps(name, array):
    """`array` as a float64 (N, C, H, W) array; ValueError naming `name` and the shape otherwise."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, C, H, W), got shape {array.shape}")
    return array


def _pair(value, name):
    """An int or an (h, w) pair of ints, as an (h, w) tuple of positive ints."""
    try:
        pair = (operator.index(value),) * 2
    except TypeError:
        try:
            pair = tuple(operator.index(v) for v in value)
        except TypeError:
            raise TypeError(f"{name} must be an int or an (h, w) pair of ints, got {value!r}") from None
    if len(pair) != 2 or min(pair) < 1:
        raise ValueError(f"{name} must be a positive int or an (h, w) pair of positive ints, got {value!r}")
    return pair


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    """dJ/dw of a convolution: correlate the (padded) input with the (dilated) residual, summed over the batch.

    delta: (N, F, Ho, Wo), the residual dJ/dz of the convolution's output; a_prev: (N, C, H, W), its input;
    kernel_size: KH or (KH, KW); stride: int >= 1; padding: int >= 0. Ho = (H + 2*padding - KH) // stride + 1
    (and the same for Wo). Returns dw, (F, C, KH, KW).
    """
    delta, a_prev = _maps("delta", delta), _maps("a_prev", a_prev)
    kh, kw = _pair(kernel_size, "kernel_size")
    if stride < 1 or padding < 0:
        raise ValueError(f"stride must be >= 1 and padding >= 0, got stride={stride}, padding={padding}")
    n, _, h, wd = a_prev.shape
    ho, wo = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    if delta.shape[0] != n or delta.shape[2:] != (ho, wo) or min(ho, wo) < 1:
        raise ValueError(f"delta {delta.shape} is not the output shape of a_prev {a_prev.shape} with kernel "
                         f"({kh}, {kw}), stride={stride}, padding={padding}")
    # BEGIN SOLUTION
    # HINT: one kernel entry (i, j) at a time: which inputs did w[:, :, i, j] multiply? np.tensordot sums.
    s, p = stride, padding
    a_pad = np.pad(a_prev, ((0, 0), (0, 0), (p, p), (p, p)))
    dw = np.zeros((delta.shape[1], a_prev.shape[1], kh, kw))
    for i in range(kh):  # one kernel entry at a time: dJ/dw_ij = sum of delta * the inputs w_ij multiplied
        for j in range(kw):
            met = a_pad[:, :, i : i + (ho - 1) * s + 1 : s, j : j + (wo - 1) * s + 1 : s]  # (N, C, Ho, Wo)
            dw[:, :, i, j] = np.tensordot(delta, met, axes=([0, 2, 3], [0, 2, 3]))  # sum over n, u, v
    return dw
    # END SOLUTION


def conv_backward_bias(delta):
    """dJ/db of a convolution: each map's residual summed over the batch and all positions.

    delta: (N, F, Ho, Wo), the residual dJ/dz of the convolution's output. Returns db, (F,).
    """
    delta = _maps("delta", delta)
    # BEGIN SOLUTION
    return delta.sum(axis=(0, 2, 3))  # dz[n,f,u,v]/db[f] = 1 at every position of every example
    # END SOLUTION
