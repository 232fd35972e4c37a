"""The checks of exercise 3 (rot180, full_convolve, conv_backward_input), run as the grader runs them.

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

# Right, but written unlike solutions/exercise3.py: plain loops, scatter-add instead of full convolution.
LOOPS = '''
import numpy as np

def rot180(kernel):
    k = np.array(kernel, dtype=float)
    out = np.empty_like(k)
    kh, kw = k.shape[-2], k.shape[-1]
    for p in range(kh):
        for q in range(kw):
            out[..., p, q] = k[..., kh - 1 - p, kw - 1 - q]
    return out

def _corr2d(x, k):
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * k)
    return out

def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    padded = np.zeros((delta.shape[0] + 2 * (kh - 1), delta.shape[1] + 2 * (kw - 1)))
    padded[kh - 1:kh - 1 + delta.shape[0], kw - 1:kw - 1 + delta.shape[1]] = delta
    return _corr2d(padded, rot180(kernel))

def _dilate(d, s):
    h, w = d.shape
    out = np.zeros(((h - 1) * s + 1, (w - 1) * s + 1))
    for i in range(h):
        for j in range(w):
            out[i * s, j * s] = d[i, j]
    return out

def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, f, ho, wo = delta.shape
    c, kh, kw = w.shape[1:]
    if input_size is None:
        input_size = ((ho - 1) * stride + kh - 2 * padding, (wo - 1) * stride + kw - 2 * padding)
    hp, wp = input_size[0] + 2 * padding, input_size[1] + 2 * padding
    dx = np.zeros((n, c, input_size[0], input_size[1]))
    for b in range(n):
        for ch in range(c):
            acc = np.zeros((hp, wp))
            for m in range(f):
                g = full_convolve(_dilate(delta[b, m], stride), w[m, ch])
                rows, cols = min(hp, g.shape[0]), min(wp, g.shape[1])
                acc[:rows, :cols] += g[:rows, :cols]
            dx[b, ch] = acc[padding:padding + input_size[0], padding:padding + input_size[1]]
    return dx
'''

# Right again, the other way round: scatter each residual entry times the kernel into the padded input.
SCATTER = '''
import numpy as np

def rot180(kernel):
    return np.flip(np.flip(np.asarray(kernel, dtype=np.float64), -1), -2).copy()

def full_convolve(delta, kernel):
    (h, w), (kh, kw) = delta.shape, kernel.shape
    out = np.zeros((h + kh - 1, w + kw - 1))
    for i in range(h):
        for j in range(w):
            out[i:i + kh, j:j + kw] += delta[i, j] * kernel
    return out

def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    h, wd = input_size if input_size is not None else ((ho - 1) * stride + kh - 2 * padding,
                                                        (wo - 1) * stride + kw - 2 * padding)
    dx = np.zeros((n, c, h + 2 * padding + stride + kh, wd + 2 * padding + stride + kw))
    for i in range(ho):
        for j in range(wo):
            r, q = i * stride, j * stride
            dx[:, :, r:r + kh, q:q + kw] += np.einsum("nf,fcpq->ncpq", delta[:, :, i, j], w)
    return dx[:, :, padding:padding + h, padding:padding + wd]
'''


def mutate(source, *edits):
    """`source` with each (old, new) edit applied; `old` must occur exactly once."""
    for old, new in edits:
        assert source.count(old) == 1, f"edit target not unique or missing: {old!r}"
        source = source.replace(old, new)
    return source


def grade(source, seed):
    outcomes, *_ = run_checks("exercise3", source, "submission.py", seed=seed)
    return outcomes


def lost(outcomes, function):
    return [o for o in outcomes if o.name.startswith(function + ":") and o.status == "failed"]


@pytest.mark.parametrize("source", [LOOPS, SCATTER], ids=["loops", "scatter"])
@pytest.mark.parametrize("seed", [3, 4])
def test_other_right_answers_get_full_marks(source, seed):
    outcomes = grade(source, seed)
    assert [(o.name, o.message) for o in outcomes if o.status != "passed"] == []


ROT_ROWS = (("out[..., p, q] = k[..., kh - 1 - p, kw - 1 - q]", "out[..., p, q] = k[..., kh - 1 - p, q]"),)
DILATE = ("g = full_convolve(_dilate(delta[b, m], stride), w[m, ch])",)
MISTAKES = {
    # name: (edits of LOOPS, {function that loses points: words its failing messages must contain})
    "rot180 flips rows only": (ROT_ROWS, {"rot180": "only the rows were flipped",
                                          "full_convolve": "flipped along the rows only",
                                          "conv_backward_input": "flipped along one axis only (rows)"}),
    "rot180 transposes": ((("    k = np.array(kernel, dtype=float)\n", "    return np.swapaxes(kernel, -1, -2)\n"),),
                          {"rot180": "transposed, not rotated", "full_convolve": "transposed, not rotated",
                           "conv_backward_input": "transposed, not rotated"}),
    "rot180 by np.rot90 without axes": (
        (("    k = np.array(kernel, dtype=float)\n", "    return np.rot90(kernel, 2)\n"),),
        {"rot180": "np.rot90 needs axes"}),
    "full convolution padded by k": (
        (("padded = np.zeros((delta.shape[0] + 2 * (kh - 1), delta.shape[1] + 2 * (kw - 1)))",
          "padded = np.zeros((delta.shape[0] + 2 * kh, delta.shape[1] + 2 * kw))"),
         ("padded[kh - 1:kh - 1 + delta.shape[0], kw - 1:kw - 1 + delta.shape[1]] = delta",
          "padded[kh:kh + delta.shape[0], kw:kw + delta.shape[1]] = delta")),
        {"full_convolve": "k zeros on each side instead of k-1",
         "conv_backward_input": "padded with k zeros instead of k-1"}),
    "full_convolve not rotated": (
        (("return _corr2d(padded, rot180(kernel))", "return _corr2d(padded, kernel)"),),
        {"full_convolve": "not rotated by 180", "conv_backward_input": "not rotated by 180"}),
    "dx kernel not rotated": (
        ((DILATE[0], "g = full_convolve(_dilate(delta[b, m], stride), rot180(w[m, ch]))"),),
        {"conv_backward_input": "not rotated by 180"}),
    "no stride zeros": (((DILATE[0], "g = full_convolve(delta[b, m], w[m, ch])"),),
                        {"conv_backward_input": "zeros between residual entries are missing"}),
    "s zeros instead of s-1": (
        ((DILATE[0], "g = full_convolve(_dilate(delta[b, m], stride + 1), w[m, ch])"),),
        {"conv_backward_input": "put between residual entries instead of s-1"}),
    "zeros before each entry": (
        (("out = np.zeros(((h - 1) * s + 1, (w - 1) * s + 1))", "out = np.zeros((h * s, w * s))"),
         ("out[i * s, j * s] = d[i, j]", "out[i * s + s - 1, j * s + s - 1] = d[i, j]")),
        {"conv_backward_input": "zeros were put before each residual entry"}),
    "padding not cropped": (
        (("dx = np.zeros((n, c, input_size[0], input_size[1]))", "dx = np.zeros((n, c, hp, wp))"),
         ("dx[b, ch] = acc[padding:padding + input_size[0], padding:padding + input_size[1]]", "dx[b, ch] = acc")),
        {"conv_backward_input": "was not cropped from the result"}),
    "channel axes not swapped": (((DILATE[0], "g = full_convolve(_dilate(delta[b, m], stride), w[ch, m])"),),
                                 {"conv_backward_input": "transpose F and C"}),
    "kernels overwritten, not summed": ((("acc[:rows, :cols] += g[:rows, :cols]",
                                          "acc[:rows, :cols] = g[:rows, :cols]"),),
                                        {"conv_backward_input": "only the last kernel counts"}),
    "input map c from kernel c only (depthwise)": (
        (("for m in range(f):", "for m in [ch]:"),),  # raises where C > F: only C == F can name it
        {"conv_backward_input": "from kernel c only (depthwise)"}),
    "input_size ignored": ((("    if input_size is None:\n", "    if True:\n"),),
                           {"conv_backward_input": "input_size was ignored"}),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_typical_mistake_loses_points_and_is_named(name):
    edits, diagnoses = MISTAKES[name]
    outcomes = grade(mutate(LOOPS, *edits), seed=5)
    for function in EXERCISE_FUNCTIONS["exercise3"]:
        failed = lost(outcomes, function)
        if function not in diagnoses:
            assert failed == [], f"{name}: {function} should keep its points: {[o.message for o in failed]}"
            continue
        assert failed, f"{name}: {function} should lose points"
        words = diagnoses[function]
        assert any(words in o.message for o in failed), [o.message for o in failed]
        # never a wrong diagnosis: a case that cannot show this mistake names none
        assert all(words in o.message for o in failed if "Looks like" in o.message), [o.message for o in failed]


def test_mistakes_named_on_hidden_hard_cases():
    """The harder hidden cases name the stride/padding/input_size mistakes too (other seeds, other shapes)."""
    for seed in (6, 7):
        edits, _ = MISTAKES["no stride zeros"]
        failed = lost(grade(mutate(LOOPS, *edits), seed), "conv_backward_input")
        assert {o.name for o in failed} >= {"conv_backward_input: stride 2",
                                            "conv_backward_input: stride 3, padding, input_size given"}
        assert all("zeros between residual entries are missing" in o.message for o in failed if "stride" in o.name)


BAD_RETURNS = '''
import numpy as np

def rot180(kernel):
    np.asarray(kernel)[..., ::-1, ::-1]

def full_convolve(delta, kernel):
    (h, w), (kh, kw) = delta.shape, kernel.shape
    out = np.zeros((h + kh - 1, w + kw - 1))
    for i in range(h):
        for j in range(w):
            out[i:i + kh, j:j + kw] += delta[i, j] * kernel
    return out.tolist()

def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    if stride != 1 or padding != 0 or input_size is not None:
        return np.full((1, 1), np.nan)
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    dx = np.zeros((n, c, ho + kh - 1, wo + kw - 1))
    for i in range(ho):
        for j in range(wo):
            dx[:, :, i:i + kh, j:j + kw] += np.einsum("nf,fcpq->ncpq", delta[:, :, i, j], w)
    if n > 1:
        return dx[:, :, :-1]
    return dx.astype(np.float32) if c == 1 else np.full_like(dx, np.nan)
'''


def test_bad_return_values_are_described():
    outcomes = {o.name: o for o in grade(BAD_RETURNS, seed=0)}
    assert all("returned None (did the function forget to `return`?)" in o.message
               for name, o in outcomes.items() if name.startswith("rot180:"))
    assert all("returned a list" in o.message for name, o in outcomes.items() if name.startswith("full_convolve:"))
    assert "dtype is float32" in outcomes["conv_backward_input: one map, one kernel, stride 1"].message
    assert "NaN or inf" in outcomes["conv_backward_input: C == F maps and kernels, stride 1"].message
    assert "returned shape" in outcomes["conv_backward_input: batch, C != F, rectangular kernel"].message
    assert "returned shape (1, 1)" in outcomes["conv_backward_input: stride 2"].message
    assert all(o.points == 0 for o in outcomes.values())


# ---------------------------------------------------------------- issue #10: promises
def test_input_size_omitted_means_the_smallest_size_with_stride_and_padding():
    """Without input_size the input is the smallest consistent one, (Ho - 1)s + KH - 2p: forgetting the -2p costs
    the two cases that pad without giving input_size, and nothing else."""
    edits = (("        input_size = ((ho - 1) * stride + kh - 2 * padding, (wo - 1) * stride + kw - 2 * padding)",
              "        input_size = ((ho - 1) * stride + kh, (wo - 1) * stride + kw)"),)
    for seed in (0, 1):
        failed = {o.name for o in lost(grade(mutate(LOOPS, *edits), seed), "conv_backward_input")}
        assert failed == {"conv_backward_input: padding 1, stride 1",
                          "conv_backward_input: stride 2, padding 1, input_size omitted (smallest size)"}
