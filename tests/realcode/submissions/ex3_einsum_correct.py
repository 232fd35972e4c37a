"""Modelled on: a vectorised from-scratch CNN that dilates and pads the residual, builds sliding windows with
numpy.lib.stride_tricks.sliding_window_view and contracts them with einsum. Mistake: none (correct)."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def rot180(kernel):
    return np.flip(np.asarray(kernel, dtype=np.float64), axis=(-2, -1)).copy()


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    padded = np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    win = sliding_window_view(padded, (kh, kw))
    return np.einsum('ijpq,pq->ij', win, rot180(kernel))


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    dil = np.zeros((n, f, (ho - 1) * stride + 1, (wo - 1) * stride + 1))
    dil[:, :, ::stride, ::stride] = delta
    padded = np.pad(dil, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    win = sliding_window_view(padded, (kh, kw), axis=(2, 3))
    full = np.einsum('nfijpq,fcpq->ncij', win, rot180(w))
    if input_size is None:
        return full[:, :, padding:full.shape[2] - padding, padding:full.shape[3] - padding]
    h, wd = input_size
    fitted = np.zeros((n, c, h + 2 * padding, wd + 2 * padding))
    rows, cols = min(full.shape[2], fitted.shape[2]), min(full.shape[3], fitted.shape[3])
    fitted[:, :, :rows, :cols] = full[:, :, :rows, :cols]
    return fitted[:, :, padding:padding + h, padding:padding + wd]
