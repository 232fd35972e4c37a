"""The checks of exercise 7 (the convolution family), run as the grader runs them.

Each case grades a whole submission (a source string) in the sandbox with `run_checks` and asserts on the scores
and the messages: full marks for right answers written in other ways, 0 and "not implemented yet" for the stub,
and for each typical mistake: points lost on the function that has it, and the mistake named in the message.
"""

from pathlib import Path

import pytest

from grader import registry
from grader.grading.checking import run_checks

EXERCISE_FUNCTIONS = registry.functions()

ROOT = Path(__file__).resolve().parents[4]

# Right, but written unlike solutions/exercise7.py: the formulas as loops, scatter-adds, no helper correlation.
LOOPS = '''
import numpy as np

def narrow_convolve(x, w):
    (m, n), (u, v) = x.shape, w.shape
    y = np.zeros((m - u + 1, n - v + 1))
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            for a in range(u):
                for b in range(v):
                    y[i, j] += w[a, b] * x[i + u - 1 - a, j + v - 1 - b]
    return y

def wide_convolve(x, w):
    (m, n), (u, v) = x.shape, w.shape
    y = np.zeros((m + u - 1, n + v - 1))
    for i in range(m):
        for j in range(n):
            y[i:i + u, j:j + v] += x[i, j] * w
    return y

def conv_as_matrix(w, input_shape, stride=1, padding=0):
    f, c, kh, kw = w.shape
    _, h, wd = input_shape
    ho, wo = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    m = np.zeros((f * ho * wo, c * h * wd))
    for row, (g, i, j) in enumerate(np.ndindex(f, ho, wo)):
        for ch, p, q in np.ndindex(c, kh, kw):
            r, s = i * stride + p - padding, j * stride + q - padding
            if 0 <= r < h and 0 <= s < wd:
                m[row, (ch * h + r) * wd + s] = w[g, ch, p, q]
    return m

def conv_transpose(x, w, stride=1, padding=0):
    n, c, h, wd = x.shape
    _, f, kh, kw = w.shape
    out = np.zeros((n, f, (h - 1) * stride + kh, (wd - 1) * stride + kw))
    for i in range(h):
        for j in range(wd):
            paint = np.einsum("nc,cfpq->nfpq", x[:, :, i, j], w)
            out[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += paint
    return out[:, :, padding:out.shape[2] - padding, padding:out.shape[3] - padding]

def dilated_conv(x, w, dilation=1, padding=0):
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    f, c, kh, kw = w.shape
    ho, wo = xp.shape[2] - dilation * (kh - 1), xp.shape[3] - dilation * (kw - 1)
    z = np.zeros((x.shape[0], f, ho, wo))
    for p in range(kh):
        for q in range(kw):
            z += np.einsum("fc,nchw->nfhw", w[:, :, p, q],
                           xp[:, :, p * dilation:p * dilation + ho, q * dilation:q * dilation + wo])
    return z

def same_padding(kernel_size, dilation=1):
    total = (kernel_size - 1) * dilation
    if total % 2 == 1:
        raise ValueError("odd")
    return total // 2

def dilated_conv_backward_weights(delta, x, kernel_size, dilation=1, padding=0):
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho, wo = delta.shape[2:]
    dw = np.zeros((delta.shape[1], x.shape[1], kh, kw))
    for p in range(kh):
        for q in range(kw):
            a = xp[:, :, p * dilation:p * dilation + ho, q * dilation:q * dilation + wo]
            dw[:, :, p, q] = np.tensordot(delta, a, axes=([0, 2, 3], [0, 2, 3]))
    return dw

def conv1x1(x, w):
    return np.moveaxis(np.moveaxis(x, 1, -1) @ w.T, -1, 1)
'''


def mutate(source, *edits):
    """`source` with each (old, new) edit applied; `old` must occur exactly once."""
    for old, new in edits:
        assert source.count(old) == 1, f"edit target not unique or missing: {old!r}"
        source = source.replace(old, new)
    return source


def grade(source, seed):
    outcomes, *_ = run_checks("exercise7", source, "submission.py", seed=seed)
    return outcomes


def lost(outcomes, function):
    return [o for o in outcomes if o.name.startswith(function + ":") and o.status == "failed"]


@pytest.mark.parametrize("seed", [3, 4])
def test_other_right_answers_get_full_marks(seed):
    outcomes = grade(LOOPS, seed)
    assert [(o.name, o.message) for o in outcomes if o.status != "passed"] == []


def test_the_stub_gets_zero_and_says_not_implemented():
    outcomes = grade((ROOT / "exercises" / "exercise7.py").read_text(encoding="utf-8"), 0)
    assert sum(o.points for o in outcomes) == 0
    assert all(o.status == "failed" and "not implemented yet" in o.message for o in outcomes)


NARROW = "y[i, j] += w[a, b] * x[i + u - 1 - a, j + v - 1 - b]"
PAINT = "paint = "
CROP = "return out[:, :, padding:out.shape[2] - padding, padding:out.shape[3] - padding]"
TAPS = "xp[:, :, p * dilation:p * dilation + ho, q * dilation:q * dilation + wo])"
MISTAKES = {
    # name: (edits of LOOPS, {function that loses points: words its failing messages must contain})
    "narrow: not flipped": (((NARROW, "y[i, j] += w[a, b] * x[i + a, j + b]"),),
                            {"narrow_convolve": "the kernel was not flipped"}),
    "narrow: flipped upside down only": (((NARROW, "y[i, j] += w[a, b] * x[i + u - 1 - a, j + b]"),),
                                         {"narrow_convolve": "flipped upside down only"}),
    "wide: a correlation": ((("y[i:i + u, j:j + v] += x[i, j] * w", "y[i:i + u, j:j + v] += x[i, j] * w[::-1, ::-1]"),),
                            {"wide_convolve": "the kernel was not flipped"}),
    "wide: narrow": ((("    y = np.zeros((m + u - 1, n + v - 1))\n    for i in range(m):",
                       "    return narrow_convolve(x, w)\n    for i in range(m):"),),
                     {"wide_convolve": "a narrow convolution (no padding)"}),
    "matrix: transposed": ((("    return m\n", "    return m.T\n"),), {"conv_as_matrix": "C was transposed"}),
    "matrix: kernel flipped": ((("m[row, (ch * h + r) * wd + s] = w[g, ch, p, q]",
                                 "m[row, (ch * h + r) * wd + s] = w[g, ch, kh - 1 - p, kw - 1 - q]"),),
                               {"conv_as_matrix": "the kernel was flipped"}),
    "matrix: stride ignored": ((("r, s = i * stride + p - padding, j * stride + q - padding",
                                 "r, s = i + p - padding, j + q - padding"),
                                ("ho, wo = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1",
                                 "ho, wo = h + 2 * padding - kh + 1, wd + 2 * padding - kw + 1")),
                               {"conv_as_matrix": "was ignored"}),
    "transpose: kernel not rotated": (((PAINT + 'np.einsum("nc,cfpq->nfpq", x[:, :, i, j], w)',
                                        PAINT + 'np.einsum("nc,cfpq->nfpq", x[:, :, i, j], w[:, :, ::-1, ::-1])'),),
                                      {"conv_transpose": "the kernel was not rotated by 180°"}),
    "transpose: stride ignored": ((("    out = np.zeros((n, f, (h - 1) * stride + kh, (wd - 1) * stride + kw))\n",
                                    "    stride = 1\n    out = np.zeros((n, f, h - 1 + kh, wd - 1 + kw))\n"),),
                                  {"conv_transpose": "zeros between the entries of x are missing"}),
    "transpose: not cropped": (((CROP, "return out"),), {"conv_transpose": "was not cropped from the result"}),
    "transpose: padding added": (((CROP, "return np.pad(out, ((0, 0), (0, 0), (padding,) * 2, (padding,) * 2))"),),
                                 {"conv_transpose": "was added (as in a conv) instead of cropped"}),
    "dilated: as a stride": (((TAPS, "xp[:, :, p:p + (ho - 1) * dilation + 1:dilation, q:q + (wo - 1) * dilation + 1:"
                                     "dilation])"),
                              ("    ho, wo = xp.shape[2] - dilation * (kh - 1), xp.shape[3] - dilation * (kw - 1)\n",
                               "    ho, wo = (xp.shape[2] - kh) // dilation + 1, (xp.shape[3] - kw) // dilation + 1\n")),
                             {"dilated_conv": "was used as a stride"}),
    "dilated: flipped": ((('z += np.einsum("fc,nchw->nfhw", w[:, :, p, q],',
                           'z += np.einsum("fc,nchw->nfhw", w[:, :, kh - 1 - p, kw - 1 - q],'),),
                         {"dilated_conv": "the kernel was flipped"}),
    "same_padding: total": ((("    return total // 2\n", "    return total\n"),),
                            {"same_padding": "the total padding (K-1)*D"}),
    "same_padding: float": ((("    return total // 2\n", "    return total / 2\n"),),
                            {"same_padding": "expected an int"}),
    "same_padding: no ValueError": ((('        raise ValueError("odd")\n', "        pass\n"),),
                                    {"same_padding": "expected a ValueError"}),
    "dw: dilation ignored": ((("a = xp[:, :, p * dilation:p * dilation + ho, q * dilation:q * dilation + wo]",
                               "a = xp[:, :, p:p + ho, q:q + wo]"),),
                             {"dilated_conv_backward_weights": "was ignored (taps next to each other"}),
    "dw: averaged": ((("    return dw\n", "    return dw / len(x)\n"),),
                     {"dilated_conv_backward_weights": "averaged over the batch"}),
    "conv1x1: reshape": ((("return np.moveaxis(np.moveaxis(x, 1, -1) @ w.T, -1, 1)",
                           "n, c, h, wd = x.shape\n    return (x.reshape(n, h * wd, c) @ w.T).reshape(n, len(w), h, wd)"),),
                         {"conv1x1": "reshaped to (N, H*W, C)"}),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_typical_mistake_loses_points_and_is_named(name):
    edits, diagnoses = MISTAKES[name]
    outcomes = grade(mutate(LOOPS, *edits), seed=5)
    for function in EXERCISE_FUNCTIONS["exercise7"]:
        failed = lost(outcomes, function)
        if function not in diagnoses:
            assert failed == [], f"{name}: {function} should keep its points: {[o.message for o in failed]}"
            continue
        assert failed, f"{name}: {function} should lose points"
        words = diagnoses[function]
        assert any(words in o.message for o in failed), [o.message for o in failed]
        # never a wrong diagnosis: a case that cannot show this mistake names none
        assert all(words in o.message for o in failed if "Looks like" in o.message), [o.message for o in failed]


def test_the_transposed_matrix_is_exercise_3s_residual():
    """A matrix right on its own cases but wrong in its transpose cannot exist; a C whose rows are right but
    whose C.T @ delta is checked on unread rows (stride 3, padding 2) still names its mistake there."""
    outcomes = {o.name: o for o in grade(mutate(LOOPS, *MISTAKES["matrix: kernel flipped"][0]), seed=1)}
    message = outcomes["conv_as_matrix: C.T @ delta, stride 3, padding 2, unread rows"].message
    assert "C.T @ delta.ravel()" in message and "the kernel was flipped" in message
