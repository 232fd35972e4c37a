"""The answers of typical wrong solutions to exercise 7 (the convolution family), built from exercise 7's truth
(the reference FORWARD conv, differentiated numerically where a gradient is asked) on the problem the mistaken
code effectively solved: not flipping the kernel = the truth for the kernel rotated, ignoring the stride = the truth
at stride 1, and so on. A mistake that cannot show on a case is left out (None); the checks fix the structure that
keeps each one visible (a kernel that is not 180°-symmetric, C != F, stride >= 2, padding >= 1, dilation >= 2).
"""

from __future__ import annotations

import numpy as np

from grader.exercises.convolution import pad, ref_dx, rot, skip
from grader.exercises.exercise7.truth import (correlate, dilated_dw_truth, dilated_truth, matrix_truth,
                                              narrow_truth, spread, wide_truth)
from grader.grading.memo import remembered
from grader.grading.lang import N_
from grader.grading.variants import Variants


def _fits(x, k):
    return k.shape[0] <= x.shape[0] and k.shape[1] <= x.shape[1]


def _flips(convolve, x, w):
    """The wrong flips of the kernel: what convolving x with the kernel a student effectively correlated gives."""
    return {
        N_("the kernel was not flipped (that is a cross-correlation; a convolution rotates w by 180°)"):
            lambda: convolve(x, rot(w)),
        N_("the kernel was flipped upside down only (w[::-1]), not rotated by 180°"): lambda: convolve(x, w[:, ::-1]),
        N_("the kernel was flipped left-right only (w[:, ::-1]), not rotated by 180°"): lambda: convolve(x, w[::-1, :]),
        N_("the kernel was transposed, not rotated by 180°"):
            skip(_fits(x, w.T) or convolve is wide_truth, lambda: convolve(x, rot(w.T))),
        N_("the kernel was rotated by 90° (np.rot90), not 180°"):
            skip(_fits(x, w.T) or convolve is wide_truth, lambda: convolve(x, rot(np.rot90(w)))),
    }


@remembered
def narrow_variants(x, w):
    """Wrong narrow convolutions of x (M, N) with w (U, V)."""
    (u, v) = w.shape
    return Variants({
        **_flips(narrow_truth, x, w),
        N_("a wide convolution (x padded with U-1, V-1 zeros): narrow keeps only where the whole kernel lies on x"):
            lambda: wide_truth(x, w),
        N_("padded to keep the size ('same'): narrow pads nothing"):
            lambda: narrow_truth(_padded(x, ((u - 1) // 2, u // 2), ((v - 1) // 2, v // 2)), w),
    })


def _padded(a, rows, cols):
    return np.pad(a, (rows, cols))


def _narrow(a, b):
    """narrow_truth(a, b), or None (the mistake cannot show) when b is larger than a."""
    return narrow_truth(a, b) if _fits(a, b) else None


@remembered
def wide_variants(a, b):
    """Wrong wide convolutions wide_convolve(a, b), a (M, N), b (U, V) (either order of the student's call)."""
    (m, n), (u, v) = a.shape, b.shape
    return Variants({
        **_flips(wide_truth, a, b),
        N_("a narrow convolution (no padding): wide pads U-1 rows and V-1 columns of zeros on each side"):
            lambda: _narrow(a, b),
        N_("padded with the first argument's size minus 1 instead of the kernel's (U-1, V-1)"):
            skip((m, n) != (u, v), lambda: _narrow(_padded(a, (m - 1,) * 2, (n - 1,) * 2), b)),
        N_("padded with U-1, V-1 zeros on one side only (top/left)"):
            lambda: _narrow(_padded(a, (u - 1, 0), (v - 1, 0)), b),
        N_("padded with U-1, V-1 zeros on one side only (bottom/right)"):
            lambda: _narrow(_padded(a, (0, u - 1), (0, v - 1)), b),
        N_("padded with U, V zeros on each side instead of U-1, V-1"): lambda: _narrow(_padded(a, (u,) * 2,
                                                                                                (v,) * 2), b),
    })


def _permuted(matrix, shape, out_shape, order_in, order_out):
    """matrix with its columns raveled over x.transpose(order_in) and its rows over z.transpose(order_out)."""
    cols = np.arange(int(np.prod(shape))).reshape(shape).transpose(order_in).ravel()
    rows = np.arange(int(np.prod(out_shape))).reshape(out_shape).transpose(order_out).ravel()
    return matrix[np.ix_(rows, cols)]


def _matrix_builders(w, shape, s, p):
    """{mistake: builder of the matrix it gives}: w (F, C, KH, KW), shape (C, H, W)."""
    (f, c, kh, kw), (_, h, wd) = w.shape, shape
    out_shape = (f, (h + 2 * p - kh) // s + 1, (wd + 2 * p - kw) // s + 1)

    def right():
        return matrix_truth(w, shape, s, p)

    return {
        N_("C was transposed: it has one row per output (F*Ho*Wo) and one column per input (C*H*W)"):
            lambda: right().T,
        N_("x and z were raveled column-major (order='F'); numpy's ravel (and this C) is row-major"):
            lambda: _permuted(right(), shape, out_shape, (2, 1, 0), (2, 1, 0)),
        N_("x was raveled channels-last (H, W, C) instead of (C, H, W)"):
            skip(c > 1, lambda: _permuted(right(), shape, out_shape, (1, 2, 0), (0, 1, 2))),
        N_("z was raveled channels-last (Ho, Wo, F) instead of (F, Ho, Wo)"):
            skip(f > 1, lambda: _permuted(right(), shape, out_shape, (0, 1, 2), (1, 2, 0))),
        N_("the kernel was flipped (a true convolution; the layer correlates)"): lambda: matrix_truth(rot(w), shape, s, p),
        N_("one column per input of the padded input (C*(H+2p)*(W+2p)); the padding zeros are not inputs (p "
           "= {p})", p=p):
            skip(p > 0, lambda: matrix_truth(w, (c, h + 2 * p, wd + 2 * p), s, 0)),
        N_("the padding {p} was ignored", p=p): skip(p > 0 and min(h - kh, wd - kw) >= 0, lambda: matrix_truth(w, shape, s, 0)),
        N_("stride {s} was ignored", s=s): skip(s > 1, lambda: matrix_truth(w, shape, 1, p)),
    }


@remembered
def matrix_variants(w, shape, stride, padding):
    """Wrong matrices of a conv layer: w (F, C, KH, KW) on a (C, H, W) input."""
    return Variants(_matrix_builders(w, shape, stride, padding))


@remembered
def product_variants(w, shape, stride, padding, vector, transposed):
    """What the wrong matrices M give as M @ vector (or M.T @ vector when transposed), shaped as the right answer
    (only the wrong matrices of the right shape: the others fail on their shape, named by matrix_variants)."""
    right = matrix_truth(w, shape, stride, padding)
    rows = [(n + 2 * padding - k) // stride + 1 for n, k in zip(shape[1:], w.shape[2:])]
    out_shape = shape if transposed else (len(w), *rows)

    def product(build):
        def answer():
            matrix = build()
            if matrix is None or matrix.shape != right.shape:
                return None
            return ((matrix.T if transposed else matrix) @ vector).reshape(out_shape)
        return answer

    return Variants({name: product(build) for name, build in _matrix_builders(w, shape, stride, padding).items()})


@remembered
def transpose_variants(x, w, stride, padding):
    """Wrong transposed convolutions of x (N, C_in, H, W) with w (C_in, C_out, KH, KW)."""
    s, p = stride, padding
    (_, c_in, h, wd), (_, c_out, kh, kw) = x.shape, w.shape

    def full(k=w, step=s):
        """The uncropped transposed conv ((H-1)*step + KH, (W-1)*step + KW): the adjoint of a conv at `step`."""
        return ref_dx(x, k, step, ((h - 1) * step + kh, (wd - 1) * step + kw))

    def crop(a, top=p, bottom=p):
        return a[..., top:a.shape[-2] - bottom, top:a.shape[-1] - bottom]

    return Variants({
        N_("the kernel was not rotated by 180° (exercise 3's recipe correlates with rot180(w))"):
            lambda: crop(full(rot(w))),
        N_("the kernel was flipped upside down only, not rotated by 180°"): lambda: crop(full(w[..., :, ::-1])),
        N_("the kernel was flipped left-right only, not rotated by 180°"): lambda: crop(full(w[..., ::-1, :])),
        N_("stride {s}: the s-1 zeros between the entries of x are missing", s=s): skip(s > 1, lambda: crop(full(step=1))),
        (N_("stride {s}: {s} zeros put between the entries of x instead of s-1 = {less}", s=s, less=s - 1) if s > 1
         else N_("stride {s}: {s} zero put between the entries of x instead of s-1 = {less}", s=s, less=s - 1)):
            lambda: crop(full(step=s + 1)),
        N_("stride {s}: s-1 zeros put after every entry of x, also after the last one (one row/column too "
           "many)", s=s):
            skip(s > 1, lambda: crop(ref_dx(x, w, s, (h * s + kh - 1, wd * s + kw - 1)))),
        N_("stride {s}: s-1 zeros put before every entry of x, also before the first one", s=s):
            skip(s > 1, lambda: crop(pad(full(), s - 1, 0))),
        N_("padding {p} was not cropped from the result", p=p): skip(p > 0, lambda: full()),
        N_("padding {p}: cropped 2p = {twice} at the bottom/right instead of p from each side", p=p, twice=2 * p):
            skip(p > 0, lambda: crop(full(), 0, 2 * p)),
        N_("padding {p}: cropped 2p = {twice} at the top/left instead of p from each side", p=p, twice=2 * p):
            skip(p > 0, lambda: crop(full(), 2 * p, 0)),
        N_("padding {p}: cropped only at the top/left", p=p): skip(p > 0, lambda: crop(full(), p, 0)),
        N_("padding {p} was added (as in a conv) instead of cropped from the result", p=p):
            skip(p > 0, lambda: pad(full(), p)),
        N_("the padding crop a[..., p:-p, p:-p] is empty when padding is 0 (crop with a[..., p:H-p, p:W-p])"):
            skip(p == 0, lambda: np.zeros((x.shape[0], c_out, 0, 0))),
        N_("the C_in and C_out axes of w were swapped: w is (C_in, C_out, KH, KW)"):
            skip(c_in == c_out, lambda: crop(full(w.transpose(1, 0, 2, 3)))),
    })


def _one_axis(w, d, rows):
    return spread(w, d, rows=rows, cols=not rows)


@remembered
def dilated_variants(x, w, dilation, padding):
    """Wrong dilated convolutions of x (N, C, H, W) with w (F, C, KH, KW)."""
    d, p = dilation, padding
    (h, wd), (kh, kw) = x.shape[2:], w.shape[2:]

    def fits(k_h, k_w):
        return k_h <= h + 2 * p and k_w <= wd + 2 * p

    return Variants({
        N_("the dilation {d} was used as a stride (dilation spreads the kernel's taps; the stride stays 1)", d=d):
            lambda: correlate(x, w, stride=d, padding=p),
        N_("the dilation {d} was ignored", d=d): lambda: correlate(x, w, padding=p),
        N_("{d} zeros put between the kernel's taps instead of D-1 = {less}", d=d, less=d - 1):
            skip(fits((d + 1) * (kh - 1) + 1, (d + 1) * (kw - 1) + 1), lambda: dilated_truth(x, w, d + 1, p)),
        N_("the input was dilated (zeros between its entries) instead of the kernel"):
            skip(fits(kh, kw), lambda: correlate(spread(x, d), w, padding=p)),
        N_("dilated along the rows only (the columns' taps are still next to each other)"):
            lambda: correlate(x, _one_axis(w, d, True), padding=p),
        N_("dilated along the columns only (the rows' taps are still next to each other)"):
            lambda: correlate(x, _one_axis(w, d, False), padding=p),
        N_("the kernel was flipped (a true convolution; the layer correlates)"): lambda: dilated_truth(x, rot(w), d, p),
        N_("the padding {p} was ignored", p=p): skip(p > 0 and fits(d * (kh - 1) + 1 + 2 * p, d * (kw - 1) + 1 + 2 * p),
                                             lambda: dilated_truth(x, w, d, 0)),
    })


@remembered
def dilated_dw_variants(delta, x, kernel, dilation, padding):
    """Wrong dJ/dw of a dilated conv: delta (N, F, Ho, Wo), x (N, C, H, W), kernel (KH, KW)."""
    d, p, (kh, kw) = dilation, padding, kernel
    n, _, ho, wo = delta.shape

    def right():
        return dilated_dw_truth(delta, x, kernel, d, p)

    def contiguous():
        """Taps next to each other: dw[f, c, a, b] = sum delta * x_pad[a:a+Ho, b:b+Wo] (exercise 4's dw)."""
        rows, cols = ho + kh - 1, wo + kw - 1
        return dilated_dw_truth(delta, pad(x, p)[..., :rows, :cols], kernel, 1, 0)

    return Variants({
        N_("the dilation {d} was ignored (taps next to each other, exercise 4's dw)", d=d): contiguous,
        N_("the result is rotated by 180° (correlate, do not convolve)"): lambda: rot(right()),
        N_("the F and C axes are swapped (dw has shape (F, C, KH, KW))"): lambda: right().transpose(1, 0, 2, 3),
        N_("averaged over the batch instead of summed (divided by N = {n})", n=n): skip(n > 1, lambda: right() / n),
        N_("not summed over the batch: only the first example counts"):
            skip(n > 1, lambda: dilated_dw_truth(delta[:1], x[:1], kernel, d, p)),
        N_("not summed over the batch: only the last example counts (overwritten instead of added)"):
            skip(n > 1, lambda: dilated_dw_truth(delta[-1:], x[-1:], kernel, d, p)),
        N_("x was padded with 2p = {twice} at the bottom/right instead of p on each side", twice=2 * p):
            skip(p > 0, lambda: dilated_dw_truth(delta, pad(x, 0, 2 * p), kernel, d, 0)),
    })


def same_padding_variants(kernel_size, dilation):
    """Wrong paddings for a (K, D) pair: {mistake: the int it gives}."""
    k, d = kernel_size, dilation
    return {
        "the dilation was ignored: (K-1)//2": (k - 1) // 2,
        "the dilated kernel was taken as K*D wide: (K*D-1)//2 (it spans D*(K-1)+1)": (k * d - 1) // 2,
        "the total padding (K-1)*D, not the padding per side": (k - 1) * d,
        "(K-1)//2*D: halved (and rounded down) before multiplying by D": (k - 1) // 2 * d,
    }


@remembered
def conv1x1_variants(x, w):
    """Wrong 1x1 convolutions of x (N, C, H, W) with w (F, C)."""
    (n, c, h, wd), f = x.shape, len(w)
    return Variants({
        N_("w was used transposed (read as (C, F)); w is (F, C): z[f] = sum_c w[f, c] x[c]"):
            skip(c == f, lambda: correlate(x, w.T[:, :, None, None])),
        N_("x was reshaped to (N, H*W, C) instead of moving the channel axis (use transpose or einsum)"):
            lambda: (x.reshape(n, h * wd, c) @ w.T).reshape(n, f, h, wd),
    })
