"""The answers of typical wrong solutions to exercise 4 (kernel and bias gradients), built from the reference
forward conv differentiated numerically on the problem the mistaken code effectively solved (see exercise3's
mistakes.py); a mistake that cannot show on a case is left out."""

from __future__ import annotations

import numpy as np

from grader.exercises.convolution import conv_db, pad, ref_dw, rot, skip
from grader.grading.memo import remembered
from grader.grading.lang import N_
from grader.grading.variants import Variants


@remembered
def conv_dw_variants(delta, a_prev, kernel, stride, padding):
    """Wrong dJ/dw: delta (N, F, Ho, Wo), a_prev (N, C, H, W), kernel (KH, KW)."""
    s, p, (kh, kw) = stride, padding, kernel
    (n, f, ho, wo), (_, c, hh, ww) = delta.shape, a_prev.shape
    a_pad = pad(a_prev, p)
    hk, wk = hh - (ho - 1) * s, ww - (wo - 1) * s  # the kernel an unpadded valid correlation yields
    rh, rw = (hh + 2 * p - kh) % s, (ww + 2 * p - kw) % s  # rows/columns the forward pass never read

    def right():
        return ref_dw(delta, a_prev, kernel, s, p)

    def offset_strided():
        """dw[f, c, p, q] read from rows i*s + p*s: every s-th entry of the gradient of a kernel dilated by s
        (rows past the padded input read as zeros)."""
        kd = ((kh - 1) * s + 1, (kw - 1) * s + 1)
        reach = ((ho - 1) * s + kd[0], (wo - 1) * s + kd[1])
        big = np.zeros(a_pad.shape[:2] + (max(reach[0], a_pad.shape[2]), max(reach[1], a_pad.shape[3])))
        big[..., :a_pad.shape[2], :a_pad.shape[3]] = a_pad
        return ref_dw(delta, big[..., :reach[0], :reach[1]], kd, s)[..., ::s, ::s]

    return Variants({
        N_("the result is rotated by 180° (correlate the padded input with the residual, do not rotate)"):
            lambda: rot(right()),
        N_("the residual was rotated by 180° (a convolution instead of a correlation)"):
            lambda: ref_dw(rot(delta), a_prev, kernel, s, p),
        N_("stride {s}: the residual was not dilated (s-1 zeros between its entries are missing)", s=s):
            skip(s > 1, lambda: ref_dw(delta, a_pad[..., :ho + kh - 1, :wo + kw - 1], kernel, 1)),
        N_("stride {s}: the residual was not dilated (s-1 zeros between its entries are missing), "
           "so the result has the wrong size", s=s):
            skip(s > 1 and max(ho, wo) > 1, lambda: ref_dw(delta, a_pad, (a_pad.shape[2] - ho + 1,
                                                                            a_pad.shape[3] - wo + 1), 1)),
        N_("the correlation gives {big} values here (the last rows/columns of the padded input are never "
           "read at stride {s}); keep only the first KH x KW = {size}", big=f"{kh + rh}x{kw + rw}", s=s,
           size=f"{kh}x{kw}"):
            skip(rh > 0 or rw > 0, lambda: ref_dw(delta, a_prev, (kh + rh, kw + rw), s, p)),
        N_("the padding {p} of a_prev was forgotten", p=p):
            skip(p > 0, lambda: ref_dw(delta, a_prev, (hk, wk), s) if min(hk, wk) > 0 else  # else: nothing left
                  np.zeros((f, c, max(hk, 0), max(wk, 0)))),
        N_("the padding {p} of a_prev was forgotten (or put only at the bottom/right)", p=p):
            skip(p > 0, lambda: ref_dw(delta, pad(a_prev, 0, 2 * p), kernel, s)),
        N_("the padding was hard-coded to 1 (pad a_prev by padding = {p})", p=p):
            skip(p != 1 and hh + 2 >= (ho - 1) * s + kh and ww + 2 >= (wo - 1) * s + kw,
                  lambda: ref_dw(delta, pad(a_prev, 1)[..., :(ho - 1) * s + kh, :(wo - 1) * s + kw], kernel, s)),
        N_("stride {s}: the stride was also applied to the kernel offset (kernel entry p reads row i*s + p, "
           "not i*s + p*s)", s=s): skip(s > 1 and max(kh, kw) > 1, lambda: offset_strided()),
        N_("not summed over the batch: one gradient per example"): skip(n > 1, lambda: np.stack(
            [ref_dw(delta[i:i + 1], a_prev[i:i + 1], kernel, s, p) for i in range(n)])),
        N_("not summed over the batch: only the first example counts"):
            skip(n > 1, lambda: ref_dw(delta[:1], a_prev[:1], kernel, s, p)),
        N_("not summed over the batch: only the last example counts (overwritten instead of added)"):
            skip(n > 1, lambda: ref_dw(delta[-1:], a_prev[-1:], kernel, s, p)),
        N_("averaged over the batch instead of summed (divided by N = {n})", n=n): skip(n > 1, lambda: right() / n),
        N_("a square kernel assumed: KW taken as KH (kernel_size may be a pair (KH, KW))"):
            skip(kh != kw and kh <= kw + rw, lambda: ref_dw(delta, a_pad[..., :(wo - 1) * s + kh], (kh, kh), s)),
        N_("the F and C axes are swapped (dw has shape (F, C, KH, KW))"):
            skip(f > 1 or c > 1, lambda: right().transpose(1, 0, 2, 3)),
    })


@remembered
def conv_db_variants(delta):
    """Wrong dJ/db: delta (N, F, Ho, Wo); built on the numerical dJ/db of the examples each mistake used."""
    n, _, ho, wo = delta.shape
    return Variants({
        N_("not summed over the batch: one row per example"): lambda: np.stack([conv_db(d[None]) for d in delta]),
        N_("not summed over the batch: only the first example counts"): skip(n > 1, lambda: conv_db(delta[:1])),
        N_("not summed over the batch: only the last example counts (overwritten instead of added)"):
            skip(n > 1, lambda: conv_db(delta[-1:])),
        N_("averaged over the batch instead of summed (divided by N = {n})", n=n):
            skip(n > 1, lambda: conv_db(delta) / n),
        N_("not summed over the positions (only over the batch)"): lambda: delta.sum(axis=0),
        N_("averaged over the positions instead of summed"): lambda: conv_db(delta) / (ho * wo),
        N_("averaged over the batch and the positions instead of summed"): lambda: conv_db(delta) / (n * ho * wo),
        N_("summed over the wrong axes (over the kernels F, not the batch)"): lambda: delta.sum(axis=(1, 2, 3)),
        N_("summed over the wrong axes (batch and kernels, not the positions)"): lambda: delta.sum(axis=(0, 1)),
    })
