"""The answers of typical wrong solutions to exercise 3, built from the reference ops.

Each `*_variants(...)` returns a `Variants` mapping "what went wrong" -> the array that mistake produces, for
`compare.expect_array(..., variants=...)`. Answers are built on first use; a mistake that cannot show on a case
(e.g. stride zeros at stride 1, a batch mistake with N = 1) is left out. Every answer is made by differentiating
the reference FORWARD conv numerically on the problem the mistaken code effectively solved (not rotating the
kernel = the true gradient for w rotated; not dilating the residual = the gradient at stride 1; ...), so the zoo
stays right when the reference changes and needs no backward pass (a student release has none). Shapes: NCHW
maps, (F, C, KH, KW) kernels, as everywhere in the project.
"""

from __future__ import annotations

import numpy as np

from grader.exercises.convolution import pad, ref_dx, rot, skip
from grader.grading.memo import remembered
from grader.grading.lang import N_
from grader.grading.variants import Variants
from reference.conv import conv2d_forward


# a mistake's answer fitted to no size at all: its name is the mistake's plus this (lang.N_'s field `said`)
WRONG_SIZE = N_("{said} (so the result has the wrong size)", said="")


@remembered
def rot180_variants(kernel):
    """Wrong rotations of a kernel (..., KH, KW)."""
    deep = kernel.ndim > 2
    return Variants({
        N_("the kernel was returned unchanged, not rotated"): lambda: kernel,
        N_("only the rows were flipped (upside down), not rotated by 180°"): lambda: kernel[..., ::-1, :],
        N_("only the columns were flipped (left-right), not rotated by 180°"): lambda: kernel[..., :, ::-1],
        N_("the kernel was transposed, not rotated by 180°"): lambda: np.swapaxes(kernel, -1, -2),
        N_("rotated by 90°, not 180°"): lambda: np.rot90(kernel, 1, axes=(-2, -1)),
        N_("rotated by 270°, not 180°"): lambda: np.rot90(kernel, -1, axes=(-2, -1)),
        N_("every axis was flipped (np.flip without axis=(-2, -1))"): skip(deep, lambda: np.flip(kernel)),
        N_("the first two axes were rotated (np.rot90 needs axes=(-2, -1))"): skip(deep, lambda: np.rot90(kernel, 2)),
    })


@remembered
def full_convolve_variants(delta, kernel):
    """Wrong 2-D full convolutions of delta (h, w) with kernel (kh, kw)."""
    (h, w), (kh, kw) = delta.shape, kernel.shape

    def full(k):
        return ref_dx(delta[None, None], k[None, None], 1, (h + kh - 1, w + kw - 1))[0, 0]

    def corr(x, k):  # valid correlation of two 2-D arrays
        return conv2d_forward(x[None, None], k[None, None], np.zeros(1))[0][0, 0]

    padded = np.pad(delta, [(kh - 1,) * 2, (kw - 1,) * 2])  # what the right answer correlates

    return Variants({
        N_("the kernel was not rotated by 180° (that is a correlation, not a convolution)"): lambda: full(rot(kernel)),
        N_("the kernel was flipped along the rows only, not rotated by 180°"): lambda: full(kernel[:, ::-1]),
        N_("the kernel was flipped along the columns only, not rotated by 180°"): lambda: full(kernel[::-1, :]),
        N_("the kernel was transposed, not rotated by 180°"):
            skip(padded.shape[0] >= kw and padded.shape[1] >= kh, lambda: corr(padded, kernel.T)),
        N_("delta was padded with k zeros on each side instead of k-1"): lambda: pad(full(kernel), 1),
        N_("delta was not padded (a valid convolution, not a full one)"):
            skip(h >= kh and w >= kw, lambda: corr(delta, rot(kernel))),
    })


def _fit(r, padding, input_size, *, at_end=True):
    """A student's last step: fit the padded-size result r into (H+2p, W+2p) (when input_size is given; extra
    rows go after, or before when not at_end), then crop the padding p from every side."""
    if input_size is not None:
        tall, wide = input_size[0] + 2 * padding, input_size[1] + 2 * padding
        out = np.zeros(r.shape[:2] + (tall, wide))
        hh, ww = min(tall, r.shape[2]), min(wide, r.shape[3])
        if at_end:
            out[..., :hh, :ww] = r[..., :hh, :ww]
        else:
            out[..., tall - hh:, wide - ww:] = r[..., r.shape[2] - hh:, r.shape[3] - ww:]
        r = out
    return r[..., padding:r.shape[2] - padding, padding:r.shape[3] - padding]


@remembered
def conv_dx_variants(delta, w, stride, padding, input_size):
    """Wrong dJ/dx of a conv layer: delta (N, F, Ho, Wo), w (F, C, KH, KW), input_size (H, W) or None."""
    s, p = stride, padding
    (_, f, ho, wo), (_, c, kh, kw) = delta.shape, w.shape
    natural = ((ho - 1) * s + kh, (wo - 1) * s + kw)  # the padded input size the forward pass reads
    plain = (natural[0] - 2 * p, natural[1] - 2 * p)

    def full(d, k, step=s):
        """The full convolution of the dilated residual: dJ/d(padded input) at its natural size."""
        return ref_dx(d, k, step, ((d.shape[2] - 1) * step + kh, (d.shape[3] - 1) * step + kw))

    def fit(r, size=input_size, crop=p, **kwargs):
        """Both ways a student finishes without input_size: fit to the natural size, or return r cropped."""
        if size is None:
            return {"": _fit(r, crop, plain, **kwargs), WRONG_SIZE: _fit(r, crop, None)}
        return _fit(r, crop, size, **kwargs)

    memo = {}

    def right():
        if "r" not in memo:
            memo["r"] = full(delta, w)
        return memo["r"]

    size = tuple(input_size) if input_size is not None else plain

    def padded():
        """The right answer at the padded input's size (H+2p, W+2p), before any crop."""
        return _fit(right(), 0, (size[0] + 2 * p, size[1] + 2 * p))

    def dilated_kernel():
        """dJ/d(padded input) when the input row read is i*s + p*s: the kernel dilated by s."""
        wd = np.zeros(w.shape[:2] + ((kh - 1) * s + 1, (kw - 1) * s + 1))
        wd[..., ::s, ::s] = w
        return ref_dx(delta, wd, s, ((ho - 1) * s + wd.shape[2], (wo - 1) * s + wd.shape[3]))

    grow = input_size is not None and (input_size[0] + 2 * p > natural[0] or input_size[1] + 2 * p > natural[1])
    no_crop = (input_size[0] + 2 * p, input_size[1] + 2 * p) if input_size is not None else None
    return Variants({
        N_("the kernel was not rotated by 180°"): lambda: fit(full(delta, rot(w))),
        N_("the kernel was flipped along one axis only (rows), not rotated by 180°"):
            lambda: fit(full(delta, w[..., :, ::-1])),
        N_("the kernel was flipped along one axis only (columns), not rotated by 180°"):
            lambda: fit(full(delta, w[..., ::-1, :])),
        N_("the kernel was transposed, not rotated by 180°"):
            skip(kh == kw, lambda: fit(full(delta, rot(np.swapaxes(w, -1, -2))))),
        N_("the kernel was rotated over its first two axes (np.rot90 needs axes=(-2, -1))"):
            skip(f > 1 or c > 1, lambda: fit(full(delta, rot(w[::-1, ::-1])))),
        N_("the channel axes were not swapped: w must be read as w[f, c] (transpose F and C)"):
            skip(f == c and f > 1, lambda: fit(full(delta, w.transpose(1, 0, 2, 3)))),
        N_("only the last kernel counts: the contributions of the F kernels were overwritten, not summed"):
            skip(f > 1, lambda: fit(full(delta[:, -1:], w[-1:]))),
        N_("input map c took its gradient from kernel c only (depthwise): sum the contributions w[f, c] of all "
           "F kernels"): skip(f == c and f > 1, lambda: fit(np.concatenate(
            [full(delta[:, [m]], w[[m]][:, [m]]) for m in range(c)], axis=1))),
        N_("the full convolution was padded with k zeros instead of k-1"): lambda: fit(pad(right(), 1)),
        N_("stride {s}: the s-1 zeros between residual entries are missing", s=s):
            skip(s > 1, lambda: fit(full(delta, w, 1))),
        (N_("stride {s}: {s} zeros put between residual entries instead of s-1 = {less}", s=s, less=s - 1) if s > 1
         else N_("stride {s}: {s} zero put between residual entries instead of s-1 = {less}", s=s, less=s - 1)):
            lambda: fit(full(delta, w, s + 1)),
        N_("stride {s}: the zeros were put after each residual entry instead of between entries", s=s):
            skip(s > 1, lambda: _fit(pad(right(), 0, s - 1), p, None)),  # shows only if not fitted to size
        N_("stride {s}: the zeros were put before each residual entry instead of between entries", s=s):
            skip(s > 1, lambda: fit(pad(right(), s - 1, 0))),
        N_("padding {p} was not cropped from the result", p=p): skip(p > 0, lambda: _fit(right(), 0, no_crop)),
        N_("padding {p} was cropped only at the top and left", p=p):
            skip(p > 0, lambda: _fit(right(), 0, no_crop)[..., p:, p:]),
        N_("the padding crop a[..., p:-p, p:-p] is empty when padding is 0 (crop with a[..., p:p+H, p:p+W])"):
            skip(p == 0, lambda: np.zeros((delta.shape[0], c, 0, 0))),
        N_("the padding crop was hard-coded to 1 (crop padding = {p} from each side)", p=p):
            skip(p != 1 and min(size) + 2 * p > 2, lambda: padded()[..., 1:-1, 1:-1]),
        N_("padding {p} was cropped only at the bottom/right, as if the input were already padded "
           "(crop it from both sides)", p=p): skip(p > 0, lambda: padded()[..., :size[0], :size[1]]),
        N_("stride {s}: the stride was also applied to the kernel offset (the window starts at i*s and reads "
           "rows i*s + p, not i*s + p*s)", s=s): skip(s > 1 and max(kh, kw) > 1, lambda: _fit(dilated_kernel(), p, size)),
        N_("input_size was ignored (the rows/columns the forward pass never read must be zeros)"):
            skip(grow, lambda: _fit(right(), p, None)),
        N_("the rows/columns the forward pass never read were put at the top/left instead of the bottom/right"):
            skip(grow, lambda: fit(right(), at_end=False)),
    })
