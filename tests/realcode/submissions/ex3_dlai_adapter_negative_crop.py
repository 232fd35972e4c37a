"""Modelled on: deeplearning.ai's conv_backward (channels-last A_prev (m, n_H, n_W, n_C), W (f, f, n_C_prev, n_C),
a_slice via vert_start/horiz_start, and dA_prev[i] = da_prev_pad[pad:-pad, pad:-pad, :]) behind an adapter that
only transposes NCHW <-> NHWC. Mistake: the padding crop pad:-pad is empty when padding is 0."""
import numpy as np


def conv_backward(dZ, cache):
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (fh, fw, n_C_prev, n_C) = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape
    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C_prev))
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_prev_pad = np.pad(dA_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i in range(m):
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start, horiz_start = h * stride, w * stride
                    vert_end, horiz_end = vert_start + fh, horiz_start + fw
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]
        dA_prev[i, :, :, :] = da_prev_pad[pad:-pad, pad:-pad, :]
    return dA_prev


def rot180(kernel):
    return np.flip(kernel, (-1, -2))


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    out = np.zeros((delta.shape[0] + kh - 1, delta.shape[1] + kw - 1))
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            out[i:i + kh, j:j + kw] += kernel * delta[i, j]
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, _, ho, wo = delta.shape
    size = input_size or ((ho - 1) * stride + w.shape[2] - 2 * padding, (wo - 1) * stride + w.shape[3] - 2 * padding)
    A_prev = np.zeros((n,) + tuple(size) + (w.shape[1],))
    cache = (A_prev, w.transpose(2, 3, 1, 0), None, {"stride": stride, "pad": padding})
    return conv_backward(delta.transpose(0, 2, 3, 1), cache).transpose(0, 3, 1, 2)
