"""Modelled on: "Deep Learning from Scratch"-style col2im where the reshape of the column matrix was written
(N, out_w, out_h, ...) instead of (N, out_h, out_w, ...). Mistake: an im2col/col2im index mistake that
scrambles the positions (right only when out_h == out_w)."""
import numpy as np


def rot180(kernel):
    return np.asarray(kernel, dtype=np.float64)[..., ::-1, ::-1].copy()


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    h, w = delta.shape
    out = np.zeros((h + kh - 1, w + kw - 1))
    for y in range(kh):
        for x in range(kw):
            out[y:y + h, x:x + w] += delta * kernel[y, x]
    return out


def col2im(col, shape, fh, fw, out_h, out_w, stride):
    N, C, Hp, Wp = shape
    col = col.reshape(N, out_w, out_h, C, fh, fw).transpose(0, 3, 4, 5, 2, 1)
    img = np.zeros((N, C, Hp + stride - 1, Wp + stride - 1))
    for y in range(fh):
        y_max = y + stride * out_h
        for x in range(fw):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]
    return img[:, :, :Hp, :Wp]


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    FN, C, FH, FW = w.shape
    N, _, out_h, out_w = delta.shape
    if input_size is None:
        input_size = ((out_h - 1) * stride + FH - 2 * padding, (out_w - 1) * stride + FW - 2 * padding)
    H, W = input_size
    dout = delta.transpose(0, 2, 3, 1).reshape(-1, FN)
    dcol = dout @ w.reshape(FN, -1)
    dx = col2im(dcol, (N, C, H + 2 * padding, W + 2 * padding), FH, FW, out_h, out_w, stride)
    return dx[:, :, padding:padding + H, padding:padding + W]
