"""Modelled on: from-scratch strided-conv backward code that "dilates" the residual with np.kron(delta, e)
where e is an s x s block with a 1 in its corner, giving s-1 zeros after every entry (also after the last).
Mistake: stride zeros put after each residual entry, not only between entries."""
import numpy as np


def rot180(kernel):
    return np.asarray(kernel, dtype=np.float64)[..., ::-1, ::-1].copy()


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    padded = np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    k = rot180(kernel)
    out = np.zeros((delta.shape[0] + kh - 1, delta.shape[1] + kw - 1))
    for p in range(kh):
        for q in range(kw):
            out += k[p, q] * padded[p:p + out.shape[0], q:q + out.shape[1]]
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    e = np.zeros((stride, stride))
    e[0, 0] = 1.0
    dil = np.kron(delta, e)
    out = np.zeros((n, c, dil.shape[2] + kh - 1, dil.shape[3] + kw - 1))
    for b in range(n):
        for ch in range(c):
            for m in range(f):
                out[b, ch] += full_convolve(dil[b, m], w[m, ch])
    if input_size is not None:
        fitted = np.zeros((n, c, input_size[0] + 2 * padding, input_size[1] + 2 * padding))
        r, q = min(out.shape[2], fitted.shape[2]), min(out.shape[3], fitted.shape[3])
        fitted[:, :, :r, :q] = out[:, :, :r, :q]
        out = fitted
    return out[:, :, padding:out.shape[2] - padding, padding:out.shape[3] - padding]
