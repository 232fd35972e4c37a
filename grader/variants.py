"""The answers of typical wrong solutions to exercises 3 and 4, built from the reference ops.

Each `*_variants(...)` returns a `Variants` mapping "what went wrong" -> the array that mistake produces, for
`compare.expect_array(..., variants=...)`. Answers are built on first use; a mistake that cannot show on a case
(e.g. stride zeros at stride 1, a batch mistake with N = 1) is left out. Every answer is made by differentiating
the reference FORWARD conv numerically on the problem the mistaken code effectively solved (not rotating the
kernel = the true gradient for w rotated; not dilating the residual = the gradient at stride 1; ...), so the zoo
stays right when the reference changes and needs no backward pass (a student release has none). Shapes: NCHW
maps, (F, C, KH, KW) kernels, as everywhere in the project.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Callable

import numpy as np

from grader.truth import batched_vjp, conv_db, kernel_grad
from reference.conv import conv2d_forward
from grader.memo import remembered


class Variants(Mapping):
    """A read-only mapping mistake -> answer, built on first use from zero-argument callables.

    A builder returns the mistake's answer; or a dict {suffix: answer} when the code around the mistake can be
    finished in several ways (the answers are then named mistake + suffix); or None when the mistake cannot
    show on this case (left out). Mistakes that give the same answer on a case are merged into one entry
    "X, or: Y", so a student is never told only one of two equally likely causes (e.g. at stride 2, zeros put
    before each entry shift the result just like padding with k zeros does).
    """

    def __init__(self, builders: dict[str, Callable[[], np.ndarray | dict | None]]):
        self._builders = dict(builders)
        self._answers: dict[str, np.ndarray] | None = None
        self._causes: dict[str, dict[str, str]] = {}

    def _resolve(self) -> dict[str, np.ndarray]:
        if self._answers is None:
            groups: dict[tuple, tuple[dict[str, str], np.ndarray]] = {}
            for mistake, build in self._builders.items():
                try:
                    answers = build()
                except Exception as exc:  # a broken hint must never cost a right answer its points
                    warnings.warn(f"grader bug: variant {mistake!r} could not be built: {exc!r}", RuntimeWarning)
                    continue
                answers = {} if answers is None else answers if isinstance(answers, dict) else {"": answers}
                for suffix, answer in answers.items():
                    answer = np.asarray(answer, dtype=np.float64)
                    key = (answer.shape, np.round(answer, 9).tobytes())  # equal answers up to rounding
                    groups.setdefault(key, ({}, answer))[0].setdefault(mistake, mistake + suffix)
            self._answers = {", or: ".join(names.values()): answer for names, answer in groups.values()}
            self._causes = {", or: ".join(names.values()): dict(names) for names, _ in groups.values()}
        return self._answers

    def causes(self, name: str) -> dict[str, str]:
        """The mistakes merged into the entry `name`: {mistake (builder key): its name as shown}."""
        self._resolve()
        return dict(self._causes.get(name, {}))

    def applicable(self) -> set[str]:
        """The mistakes (builder keys) that can show on this case: those that built an answer."""
        self._resolve()
        return {mistake for names in self._causes.values() for mistake in names}

    def __getitem__(self, mistake):
        return self._resolve()[mistake]

    def __iter__(self):
        return iter(self._resolve())

    def __len__(self):
        return len(self._resolve())


def rot(a):
    """a rotated by 180° in its last two axes."""
    return a[..., ::-1, ::-1]


def ref_dx(delta, w, stride, size):
    """dJ/dx of an unpadded conv with kernels w on an input of spatial `size` (H, W): the numerical VJP of the
    reference forward at x = 0 (exact up to rounding: the conv is linear in x)."""
    x = np.zeros(delta.shape[:1] + w.shape[1:2] + tuple(size))
    bias = np.zeros(w.shape[0])
    return batched_vjp(lambda xs: conv2d_forward(xs, w, bias, stride=stride)[0], x, delta)


def ref_dw(delta, x, kernel, stride, padding=0):
    """dJ/dw for an input x and kernels of spatial size `kernel` (KH, KW): the numerical gradient of the
    reference forward over stacked kernels at w = 0 (exact up to rounding: the conv is linear in w)."""
    w = np.zeros((delta.shape[1], x.shape[1]) + tuple(kernel))

    def forward(ws):
        return conv2d_forward(x, ws, np.zeros(len(ws)), stride=stride, padding=padding)[0]

    return kernel_grad(forward, w, delta)


def _pad(a, top, bottom=None):
    """Zero-pad the last two axes of a: `top` rows/cols before, `bottom` (default: top) after."""
    bottom = top if bottom is None else bottom
    out = np.zeros(a.shape[:-2] + (a.shape[-2] + top + bottom, a.shape[-1] + top + bottom))
    out[..., top:top + a.shape[-2], top:top + a.shape[-1]] = a  # (np.pad is 10x slower on these small arrays)
    return out


def _skip(condition, build):
    return (lambda: None) if not condition else build


# ---------------------------------------------------------------- exercise 3


@remembered
def rot180_variants(kernel):
    """Wrong rotations of a kernel (..., KH, KW)."""
    deep = kernel.ndim > 2
    return Variants({
        "the kernel was returned unchanged, not rotated": lambda: kernel,
        "only the rows were flipped (upside down), not rotated by 180°": lambda: kernel[..., ::-1, :],
        "only the columns were flipped (left-right), not rotated by 180°": lambda: kernel[..., :, ::-1],
        "the kernel was transposed, not rotated by 180°": lambda: np.swapaxes(kernel, -1, -2),
        "rotated by 90°, not 180°": lambda: np.rot90(kernel, 1, axes=(-2, -1)),
        "rotated by 270°, not 180°": lambda: np.rot90(kernel, -1, axes=(-2, -1)),
        "every axis was flipped (np.flip without axis=(-2, -1))": _skip(deep, lambda: np.flip(kernel)),
        "the first two axes were rotated (np.rot90 needs axes=(-2, -1))": _skip(deep, lambda: np.rot90(kernel, 2)),
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
        "the kernel was not rotated by 180° (that is a correlation, not a convolution)": lambda: full(rot(kernel)),
        "the kernel was flipped along the rows only, not rotated by 180°": lambda: full(kernel[:, ::-1]),
        "the kernel was flipped along the columns only, not rotated by 180°": lambda: full(kernel[::-1, :]),
        "the kernel was transposed, not rotated by 180°":
            _skip(padded.shape[0] >= kw and padded.shape[1] >= kh, lambda: corr(padded, kernel.T)),
        "delta was padded with k zeros on each side instead of k-1": lambda: _pad(full(kernel), 1),
        "delta was not padded (a valid convolution, not a full one)":
            _skip(h >= kh and w >= kw, lambda: corr(delta, rot(kernel))),
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
            return {"": _fit(r, crop, plain, **kwargs), " (so the result has the wrong size)": _fit(r, crop, None)}
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
        "the kernel was not rotated by 180°": lambda: fit(full(delta, rot(w))),
        "the kernel was flipped along one axis only (rows), not rotated by 180°":
            lambda: fit(full(delta, w[..., :, ::-1])),
        "the kernel was flipped along one axis only (columns), not rotated by 180°":
            lambda: fit(full(delta, w[..., ::-1, :])),
        "the kernel was transposed, not rotated by 180°":
            _skip(kh == kw, lambda: fit(full(delta, rot(np.swapaxes(w, -1, -2))))),
        "the kernel was rotated over its first two axes (np.rot90 needs axes=(-2, -1))":
            _skip(f > 1 or c > 1, lambda: fit(full(delta, rot(w[::-1, ::-1])))),
        "the channel axes were not swapped: w must be read as w[f, c] (transpose F and C)":
            _skip(f == c and f > 1, lambda: fit(full(delta, w.transpose(1, 0, 2, 3)))),
        "only the last kernel counts: the contributions of the F kernels were overwritten, not summed":
            _skip(f > 1, lambda: fit(full(delta[:, -1:], w[-1:]))),
        "input map c took its gradient from kernel c only (depthwise): sum the contributions w[f, c] of all "
        "F kernels": _skip(f == c and f > 1, lambda: fit(np.concatenate(
            [full(delta[:, [m]], w[[m]][:, [m]]) for m in range(c)], axis=1))),
        "the full convolution was padded with k zeros instead of k-1": lambda: fit(_pad(right(), 1)),
        f"stride {s}: the s-1 zeros between residual entries are missing":
            _skip(s > 1, lambda: fit(full(delta, w, 1))),
        f"stride {s}: {s} zero{'s' if s > 1 else ''} put between residual entries instead of s-1 = {s - 1}":
            lambda: fit(full(delta, w, s + 1)),
        f"stride {s}: the zeros were put after each residual entry instead of between entries":
            _skip(s > 1, lambda: _fit(_pad(right(), 0, s - 1), p, None)),  # shows only if not fitted to size
        f"stride {s}: the zeros were put before each residual entry instead of between entries":
            _skip(s > 1, lambda: fit(_pad(right(), s - 1, 0))),
        f"padding {p} was not cropped from the result": _skip(p > 0, lambda: _fit(right(), 0, no_crop)),
        f"padding {p} was cropped only at the top and left":
            _skip(p > 0, lambda: _fit(right(), 0, no_crop)[..., p:, p:]),
        "the padding crop a[..., p:-p, p:-p] is empty when padding is 0 (crop with a[..., p:p+H, p:p+W])":
            _skip(p == 0, lambda: np.zeros((delta.shape[0], c, 0, 0))),
        f"the padding crop was hard-coded to 1 (crop padding = {p} from each side)":
            _skip(p != 1 and min(size) + 2 * p > 2, lambda: padded()[..., 1:-1, 1:-1]),
        f"padding {p} was cropped only at the bottom/right, as if the input were already padded "
        f"(crop it from both sides)": _skip(p > 0, lambda: padded()[..., :size[0], :size[1]]),
        f"stride {s}: the stride was also applied to the kernel offset (the window starts at i*s and reads "
        f"rows i*s + p, not i*s + p*s)": _skip(s > 1 and max(kh, kw) > 1, lambda: _fit(dilated_kernel(), p, size)),
        "input_size was ignored (the rows/columns the forward pass never read must be zeros)":
            _skip(grow, lambda: _fit(right(), p, None)),
        "the rows/columns the forward pass never read were put at the top/left instead of the bottom/right":
            _skip(grow, lambda: fit(right(), at_end=False)),
    })


# ---------------------------------------------------------------- exercise 4


@remembered
def conv_dw_variants(delta, a_prev, kernel, stride, padding):
    """Wrong dJ/dw: delta (N, F, Ho, Wo), a_prev (N, C, H, W), kernel (KH, KW)."""
    s, p, (kh, kw) = stride, padding, kernel
    (n, f, ho, wo), (_, c, hh, ww) = delta.shape, a_prev.shape
    a_pad = _pad(a_prev, p)
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
        "the result is rotated by 180° (correlate the padded input with the residual, do not rotate)":
            lambda: rot(right()),
        "the residual was rotated by 180° (a convolution instead of a correlation)":
            lambda: ref_dw(rot(delta), a_prev, kernel, s, p),
        f"stride {s}: the residual was not dilated (s-1 zeros between its entries are missing)":
            _skip(s > 1, lambda: ref_dw(delta, a_pad[..., :ho + kh - 1, :wo + kw - 1], kernel, 1)),
        f"stride {s}: the residual was not dilated (s-1 zeros between its entries are missing), "
        f"so the result has the wrong size":
            _skip(s > 1 and max(ho, wo) > 1, lambda: ref_dw(delta, a_pad, (a_pad.shape[2] - ho + 1,
                                                                            a_pad.shape[3] - wo + 1), 1)),
        f"the correlation gives {kh + rh}x{kw + rw} values here (the last rows/columns of the padded input are never "
        f"read at stride {s}); keep only the first KH x KW = {kh}x{kw}":
            _skip(rh > 0 or rw > 0, lambda: ref_dw(delta, a_prev, (kh + rh, kw + rw), s, p)),
        f"the padding {p} of a_prev was forgotten":
            _skip(p > 0, lambda: ref_dw(delta, a_prev, (hk, wk), s) if min(hk, wk) > 0 else  # else: nothing left
                  np.zeros((f, c, max(hk, 0), max(wk, 0)))),
        f"the padding {p} of a_prev was forgotten (or put only at the bottom/right)":
            _skip(p > 0, lambda: ref_dw(delta, _pad(a_prev, 0, 2 * p), kernel, s)),
        f"the padding was hard-coded to 1 (pad a_prev by padding = {p})":
            _skip(p != 1 and hh + 2 >= (ho - 1) * s + kh and ww + 2 >= (wo - 1) * s + kw,
                  lambda: ref_dw(delta, _pad(a_prev, 1)[..., :(ho - 1) * s + kh, :(wo - 1) * s + kw], kernel, s)),
        f"stride {s}: the stride was also applied to the kernel offset (kernel entry p reads row i*s + p, "
        f"not i*s + p*s)": _skip(s > 1 and max(kh, kw) > 1, lambda: offset_strided()),
        "not summed over the batch: one gradient per example": _skip(n > 1, lambda: np.stack(
            [ref_dw(delta[i:i + 1], a_prev[i:i + 1], kernel, s, p) for i in range(n)])),
        "not summed over the batch: only the first example counts":
            _skip(n > 1, lambda: ref_dw(delta[:1], a_prev[:1], kernel, s, p)),
        "not summed over the batch: only the last example counts (overwritten instead of added)":
            _skip(n > 1, lambda: ref_dw(delta[-1:], a_prev[-1:], kernel, s, p)),
        f"averaged over the batch instead of summed (divided by N = {n})": _skip(n > 1, lambda: right() / n),
        "a square kernel assumed: KW taken as KH (kernel_size may be a pair (KH, KW))":
            _skip(kh != kw and kh <= kw + rw, lambda: ref_dw(delta, a_pad[..., :(wo - 1) * s + kh], (kh, kh), s)),
        "the F and C axes are swapped (dw has shape (F, C, KH, KW))":
            _skip(f > 1 or c > 1, lambda: right().transpose(1, 0, 2, 3)),
    })


@remembered
def conv_db_variants(delta):
    """Wrong dJ/db: delta (N, F, Ho, Wo); built on the numerical dJ/db of the examples each mistake used."""
    n, _, ho, wo = delta.shape
    return Variants({
        "not summed over the batch: one row per example": lambda: np.stack([conv_db(d[None]) for d in delta]),
        "not summed over the batch: only the first example counts": _skip(n > 1, lambda: conv_db(delta[:1])),
        "not summed over the batch: only the last example counts (overwritten instead of added)":
            _skip(n > 1, lambda: conv_db(delta[-1:])),
        f"averaged over the batch instead of summed (divided by N = {n})": _skip(n > 1, lambda: conv_db(delta) / n),
        "not summed over the positions (only over the batch)": lambda: delta.sum(axis=0),
        "averaged over the positions instead of summed": lambda: conv_db(delta) / (ho * wo),
        "averaged over the batch and the positions instead of summed": lambda: conv_db(delta) / (n * ho * wo),
        "summed over the wrong axes (over the kernels F, not the batch)": lambda: delta.sum(axis=(1, 2, 3)),
        "summed over the wrong axes (batch and kernels, not the positions)": lambda: delta.sum(axis=(0, 1)),
    })
