"""Modelled on: from-scratch CNNs that compute the input gradient with a library-style true convolution
(scipy.signal.convolve2d(delta, rot180(k), 'full')), here a hand-written convolve2d that flips the kernel
itself. Mistake: the kernel is flipped twice, so it is not rotated at all (a correlation)."""
import numpy as np


def rot180(kernel):
    return np.asarray(kernel, dtype=np.float64)[..., ::-1, ::-1]


def convolve2d_full(a, k):
    """A true 2-D convolution (kernel flipped), 'full' mode, like scipy.signal.convolve2d."""
    kf = k[::-1, ::-1]
    kh, kw = k.shape
    p = np.pad(a, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    out = np.zeros((a.shape[0] + kh - 1, a.shape[1] + kw - 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(p[i:i + kh, j:j + kw] * kf)
    return out


def full_convolve(delta, kernel):
    return convolve2d_full(delta, rot180(kernel))


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    dil = np.zeros((n, f, (ho - 1) * stride + 1, (wo - 1) * stride + 1))
    dil[:, :, ::stride, ::stride] = delta
    if input_size is None:
        input_size = (dil.shape[2] + kh - 1 - 2 * padding, dil.shape[3] + kw - 1 - 2 * padding)
    H, W = input_size[0] + 2 * padding, input_size[1] + 2 * padding
    dx = np.zeros((n, c, max(H, dil.shape[2] + kh - 1), max(W, dil.shape[3] + kw - 1)))
    for b in range(n):
        for ch in range(c):
            for m in range(f):
                g = full_convolve(dil[b, m], w[m, ch])
                dx[b, ch, :g.shape[0], :g.shape[1]] += g
    return dx[:, :, padding:padding + input_size[0], padding:padding + input_size[1]]
