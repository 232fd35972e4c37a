"""What exercises 3, 4 and later ones share about a conv layer: the shapes checks draw, and the reference FORWARD
conv differentiated numerically (grader/grading/numeric.py), confirmed by the reference backward as a second witness
when it is importable (`witnesses_agree` raises GraderBug when the two disagree). A student release ships the
forward passes only: there `conv2d_backward` is None and the numerical truth stands alone.

- `conv_dx(delta, w, stride=, padding=, input_size=)` -> dJ/dx (N, C, H, W) of a conv layer's input.
- `conv_dw(delta, a_prev, kernel_size, stride=, padding=)` -> dJ/dw (F, C, KH, KW).
- `conv_db(delta)` -> dJ/db (F,).
- `ref_dx`, `ref_dw`: the same without the witness, for building the answers of mistakes.
- `conv_length`, `conv_sizes`, `conv_out`, `natural_size`: conv shapes (e.g. sizes the stride does not divide,
  with the largest remainder s - 1).

A conv layer is linear in x, in w and in b, so its derivative does not depend on the point: we differentiate at 0,
where the perturbed outputs are exactly h*(...) and rounding is smallest (the truth is then good to ~1e-12).
"""

from __future__ import annotations

import numpy as np

from grader.grading.compare import witnesses_agree
from grader.grading.memo import remembered
from grader.grading.numeric import batched_vjp, kernel_grad
from reference.conv import conv2d_forward

try:  # the second witness: the instructor's tree has it, a student release does not
    from reference.conv import conv2d_backward
except ImportError:
    conv2d_backward = None


def natural_size(out: int, kernel: int, stride: int, padding: int) -> int:
    """Smallest input size whose conv output has `out` entries: (out - 1)*s + k - 2p."""
    return (out - 1) * stride + kernel - 2 * padding


def pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if np.isscalar(value) else (int(value[0]), int(value[1]))


@remembered
def conv_dx(delta: np.ndarray, w: np.ndarray, *, stride: int = 1, padding: int = 0, input_size=None) -> np.ndarray:
    """dJ/dx of a conv layer's input, given delta = dJ/dz.

    delta (N, F, Ho, Wo), w (F, C, KH, KW); input_size (H, W) or None for the natural size (out-1)*s + k - 2p.
    Returns (N, C, H, W): numerical VJP of reference conv2d_forward at x = 0 (checked against conv2d_backward).
    """
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    hh, ww = input_size or (natural_size(ho, kh, stride, padding), natural_size(wo, kw, stride, padding))
    x = np.zeros((n, c, hh, ww))

    def forward(xs):
        return conv2d_forward(xs, w, np.zeros(f), stride=stride, padding=padding)[0]

    numeric = batched_vjp(forward, x, delta)
    if conv2d_backward is None:
        return numeric
    _, cache = conv2d_forward(x, w, np.zeros(f), stride=stride, padding=padding)
    analytic = conv2d_backward(delta, cache)[0]
    return witnesses_agree(numeric, analytic, f"conv dx, delta {delta.shape}, w {w.shape}, s={stride}, p={padding}")


@remembered
def conv_dw(delta: np.ndarray, a_prev: np.ndarray, kernel_size, *, stride: int = 1, padding: int = 0) -> np.ndarray:
    """dJ/dw of a conv layer: delta (N, F, Ho, Wo), a_prev (N, C, H, W), kernel_size int or (KH, KW).

    Returns (F, C, KH, KW): numerical gradient over stacked kernels at w = 0 (checked against conv2d_backward).
    """
    kh, kw = pair(kernel_size)
    f, c = delta.shape[1], a_prev.shape[1]
    w = np.zeros((f, c, kh, kw))

    def forward(ws):
        return conv2d_forward(a_prev, ws, np.zeros(len(ws)), stride=stride, padding=padding)[0]

    numeric = kernel_grad(forward, w, delta)
    if conv2d_backward is None:
        return numeric
    _, cache = conv2d_forward(a_prev, w, np.zeros(f), stride=stride, padding=padding)
    analytic = conv2d_backward(delta, cache)[1]
    return witnesses_agree(numeric, analytic, f"conv dw, delta {delta.shape}, a_prev {a_prev.shape}, "
                                              f"k={kh}x{kw}, s={stride}, p={padding}")


@remembered
def conv_db(delta: np.ndarray) -> np.ndarray:
    """dJ/db of a conv layer whose residual is delta (N, F, Ho, Wo); returns (F,).

    Differentiates a 1x1 conv of zeros on a (N, 1, Ho, Wo) input (its bias is the only thing that moves z).
    """
    n, f, ho, wo = delta.shape
    x = np.zeros((n, 1, ho, wo))

    def forward(bs):
        return conv2d_forward(x, np.zeros((len(bs), 1, 1, 1)), bs)[0]

    numeric = batched_vjp(forward, np.zeros(f), delta, out_axis=1)
    if conv2d_backward is None:
        return numeric
    _, cache = conv2d_forward(x, np.zeros((f, 1, 1, 1)), np.zeros(f))
    analytic = conv2d_backward(delta, cache)[2]
    return witnesses_agree(numeric, analytic, f"conv db, delta {delta.shape}")


def conv_length(rng: np.random.Generator, kernel: int, stride: int, padding: int, *, lo: int = 3, hi: int = 8,
                ragged: bool | None = False, remainder: int | None = None, min_out: int = 1,
                avoid: int | None = None) -> int:
    """Draw an input length H in [lo, hi] that a conv with this kernel/stride/padding can read (H + 2p >= k).

    ragged=True: (H + 2p - k) % s != 0 (rows the forward pass never reads; needs input_size); False: == 0;
    None: either. remainder: exactly this (H + 2p - k) % s (overrides ragged; s - 1 is the largest: the most
    unread rows). min_out: at least this many output positions (2: a stride shows between two entries).
    avoid: a length not to draw when another qualifies (H != W). Raises ValueError if no length qualifies.
    """
    def fits(h):
        if h + 2 * padding < kernel or conv_out(h, kernel, stride, padding) < min_out:
            return False
        left = (h + 2 * padding - kernel) % stride
        if remainder is not None:
            return left == remainder
        return ragged is None or (left != 0) == ragged

    lengths = [h for h in range(lo, hi + 1) if fits(h)]
    if not lengths:
        raise ValueError(f"no input length in [{lo}, {hi}] for kernel {kernel}, stride {stride}, padding {padding}"
                         f", ragged={ragged}, remainder={remainder}, min_out={min_out}")
    lengths = [h for h in lengths if h != avoid] or lengths
    return int(rng.choice(lengths))


def conv_sizes(rng: np.random.Generator, kernel, stride: int, padding: int, *, remainders=(0, 0), lo: int = 3,
               hi: int = 8, min_out: int = 2) -> tuple[int, int]:
    """Draw an input size (H, W) with these exact remainders (H + 2p - KH) % s, (W + 2p - KW) % s, at least
    `min_out` output positions on each axis, and H != W whenever that is possible: the checks' fixed structure."""
    kh, kw = (kernel, kernel) if np.isscalar(kernel) else (int(kernel[0]), int(kernel[1]))
    h = conv_length(rng, kh, stride, padding, lo=lo, hi=hi, remainder=remainders[0], min_out=min_out)
    w = conv_length(rng, kw, stride, padding, lo=lo, hi=hi, remainder=remainders[1], min_out=min_out, avoid=h)
    return h, w


def conv_out(length: int, kernel: int, stride: int, padding: int) -> int:
    """Output length of a conv: (H + 2p - k) // s + 1."""
    return (length + 2 * padding - kernel) // stride + 1


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


def pad(a, top, bottom=None):
    """Zero-pad the last two axes of a: `top` rows/cols before, `bottom` (default: top) after."""
    bottom = top if bottom is None else bottom
    out = np.zeros(a.shape[:-2] + (a.shape[-2] + top + bottom, a.shape[-1] + top + bottom))
    out[..., top:top + a.shape[-2], top:top + a.shape[-1]] = a  # (np.pad is 10x slower on these small arrays)
    return out


def skip(condition, build):
    return (lambda: None) if not condition else build
