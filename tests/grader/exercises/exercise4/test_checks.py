"""The checks of exercise 4 (conv_backward_weights, conv_backward_bias), run as the grader runs them.

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

# Right, but written unlike solutions/exercise4.py: one window at a time, plain loops.
LOOPS = '''
import numpy as np

def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    kh, kw = kernel_size
    n, f, ho, wo = delta.shape
    c = a_prev.shape[1]
    a = np.pad(a_prev, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dw = np.zeros((f, c, kh, kw))
    for b in range(n):
        for m in range(f):
            for ch in range(c):
                for i in range(ho):
                    for j in range(wo):
                        r, q = i * stride, j * stride
                        dw[m, ch] += delta[b, m, i, j] * a[b, ch, r:r + kh, q:q + kw]
    return dw

def conv_backward_bias(delta):
    db = np.zeros(delta.shape[1])
    for b in range(delta.shape[0]):
        for m in range(delta.shape[1]):
            db[m] += delta[b, m].sum()
    return db
'''

# Right again, as the notes put it: correlate the padded input with the dilated residual, keep KH x KW of it.
DILATED = '''
import numpy as np

def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    n, f, ho, wo = delta.shape
    dd = np.zeros((n, f, (ho - 1) * stride + 1, (wo - 1) * stride + 1))
    dd[:, :, ::stride, ::stride] = delta
    a = np.pad(a_prev, [(0, 0), (0, 0), (padding, padding), (padding, padding)])
    rows, cols = a.shape[2] - dd.shape[2] + 1, a.shape[3] - dd.shape[3] + 1
    dw = np.empty((f, a.shape[1], rows, cols))
    for p in range(rows):
        for q in range(cols):
            dw[:, :, p, q] = np.einsum("nfij,ncij->fc", dd, a[:, :, p:p + dd.shape[2], q:q + dd.shape[3]])
    return dw[:, :, :kh, :kw]

def conv_backward_bias(delta):
    return np.einsum("nfij->f", delta)
'''


def mutate(source, *edits):
    """`source` with each (old, new) edit applied; `old` must occur exactly once."""
    for old, new in edits:
        assert source.count(old) == 1, f"edit target not unique or missing: {old!r}"
        source = source.replace(old, new)
    return source


def grade(source, seed):
    outcomes, *_ = run_checks("exercise4", source, "submission.py", seed=seed)
    return outcomes


def lost(outcomes, function):
    return [o for o in outcomes if o.name.startswith(function + ":") and o.status == "failed"]


@pytest.mark.parametrize("source", [LOOPS, DILATED], ids=["loops", "dilated"])
@pytest.mark.parametrize("seed", [3, 4])
def test_other_right_answers_get_full_marks(source, seed):
    outcomes = grade(source, seed)
    assert [(o.name, o.message) for o in outcomes if o.status != "passed"] == []


STEP = "r, q = i * stride, j * stride"
CROP = "    return dw[:, :, :kh, :kw]\n"
PAD = "a = np.pad(a_prev, [(0, 0), (0, 0), (padding, padding), (padding, padding)])"
DB = 'return np.einsum("nfij->f", delta)'
MISTAKES = {
    # name: (source, edits, {function that loses points: words its failing messages must contain})
    "residual not dilated": (LOOPS, ((STEP, "r, q = i, j"),),
                             {"conv_backward_weights": "the residual was not dilated"}),
    "residual not dilated, correlation cropped": (
        DILATED, (("dd = np.zeros((n, f, (ho - 1) * stride + 1, (wo - 1) * stride + 1))", "dd = delta.copy()"),
                  ("    dd[:, :, ::stride, ::stride] = delta\n", "")),
        {"conv_backward_weights": "the residual was not dilated"}),
    "padding forgotten": (DILATED, ((PAD, "a = a_prev"),), {"conv_backward_weights": "of a_prev was forgotten"}),
    "unread rows kept": (DILATED, ((CROP, "    return dw\n"),),
                         {"conv_backward_weights": "keep only the first KH x KW"}),
    "result rotated": (DILATED, ((CROP, "    return dw[:, :, kh - 1::-1, kw - 1::-1]\n"),),
                       {"conv_backward_weights": "the result is rotated by 180°"}),
    "residual rotated (convolution)": (
        DILATED, (("dd[:, :, ::stride, ::stride] = delta",
                   "dd[:, :, ::stride, ::stride] = delta[:, :, ::-1, ::-1]"),),
        {"conv_backward_weights": "a convolution instead of a correlation"}),
    "only the first example": (LOOPS, (("    for b in range(n):\n", "    for b in range(1):\n"),),
                               {"conv_backward_weights": "only the first example counts"}),
    "averaged over the batch": (LOOPS, (("    return dw\n", "    return dw / n\n"),),
                                {"conv_backward_weights": "averaged over the batch instead of summed"}),
    "square kernel assumed": (LOOPS, (("    kh, kw = kernel_size\n", "    kh = kw = kernel_size[0]\n"),),
                              {"conv_backward_weights": "a square kernel assumed: KW taken as KH"}),
    "F and C swapped": (DILATED, (("dw = np.empty((f, a.shape[1], rows, cols))",
                                   "dw = np.empty((a.shape[1], f, rows, cols))"),
                                  ('"nfij,ncij->fc"', '"nfij,ncij->cf"')),
                        {"conv_backward_weights": "the F and C axes are swapped"}),
    "bias not summed over the batch": (DILATED, ((DB, "return delta.sum(axis=(2, 3))"),),
                                       {"conv_backward_bias": "not summed over the batch"}),
    "bias averaged over the batch": (DILATED, ((DB, "return delta.sum(axis=(0, 2, 3)) / len(delta)"),),
                                     {"conv_backward_bias": "averaged over the batch instead of summed"}),
    "bias not summed over positions": (DILATED, ((DB, "return delta.sum(axis=0)"),),
                                       {"conv_backward_bias": "not summed over the positions"}),
    "bias averaged over positions": (DILATED, ((DB, "return delta.mean(axis=(2, 3)).sum(axis=0)"),),
                                     {"conv_backward_bias": "averaged over the positions instead of summed"}),
    "bias summed over the wrong axes": (DILATED, ((DB, "return delta.sum(axis=(1, 2, 3))"),),
                                        {"conv_backward_bias": "summed over the wrong axes"}),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_typical_mistake_loses_points_and_is_named(name):
    source, edits, diagnoses = MISTAKES[name]
    outcomes = grade(mutate(source, *edits), seed=5)
    for function in EXERCISE_FUNCTIONS["exercise4"]:
        failed = lost(outcomes, function)
        if function not in diagnoses:
            assert failed == [], f"{name}: {function} should keep its points: {[o.message for o in failed]}"
            continue
        assert failed, f"{name}: {function} should lose points"
        words = diagnoses[function]
        assert any(words in o.message for o in failed), [o.message for o in failed]
        # never a wrong diagnosis: a case that cannot show this mistake names none
        assert all(words in o.message for o in failed if "Looks like" in o.message), [o.message for o in failed]


BAD_RETURNS = '''
import numpy as np

def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    if delta.shape[0] > 1:
        return None
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    dw = np.zeros((delta.shape[1], a_prev.shape[1], kh, kw))
    for i in range(delta.shape[2]):
        for j in range(delta.shape[3]):
            r, q = i * stride, j * stride
            win = np.pad(a_prev, [(0, 0), (0, 0), (padding,) * 2, (padding,) * 2])[:, :, r:r + kh, q:q + kw]
            dw += np.einsum("nf,ncpq->fcpq", delta[:, :, i, j], win)
    return dw.astype(np.float32)

def conv_backward_bias(delta):
    if delta.shape[0] > 1:
        return list(delta.sum(axis=(0, 2, 3)))
    return np.full(delta.shape[1], np.nan)
'''


def test_bad_return_values_are_described():
    outcomes = {o.name: o for o in grade(BAD_RETURNS, seed=0)}
    assert "dtype is float32" in outcomes["conv_backward_weights: one map, one kernel, stride 1"].message
    assert "returned None" in outcomes["conv_backward_weights: batch, several maps and kernels"].message
    assert "NaN or inf" in outcomes["conv_backward_bias: one example"].message
    assert "returned a list" in outcomes["conv_backward_bias: batch of several examples"].message
    assert outcomes["conv_backward_weights: one map, one kernel, stride 1"].points == 0


def test_kernel_size_is_passed_as_int_and_as_tuple():
    """A submission that only accepts one form of kernel_size loses the checks that use the other."""
    int_only = mutate(LOOPS, ("    if isinstance(kernel_size, int):\n        kernel_size = (kernel_size, kernel_size)\n"
                              "    kh, kw = kernel_size\n", "    kh = kw = kernel_size\n"))
    outcomes = {o.name: o for o in grade(int_only, seed=0)}
    assert outcomes["conv_backward_weights: one map, one kernel, stride 1"].status == "passed"
    assert outcomes["conv_backward_weights: rectangular kernel_size (a tuple)"].status == "failed"


# ---------------------------------------------------------------- issue #10: the same mistake, the same score
FIRST_EXAMPLE = (("for b in range(n):", "for b in range(1):"),)


def test_a_dw_from_the_first_example_only_loses_every_batch_case_under_every_seed():
    """Every dw case but the one-example one has a batch of 2 or more: a dw summed over the first example only
    (35% to 90% of the exercise before issue #10, by seed) now loses the same checks under every seed."""
    lost_by_seed = {seed: {o.name for o in grade(mutate(LOOPS, *FIRST_EXAMPLE), seed) if o.status == "failed"}
                    for seed in range(4)}
    dw_checks = {o.name for o in grade(LOOPS, 0) if o.name.startswith("conv_backward_weights:")}
    assert all(lost == dw_checks - {"conv_backward_weights: one map, one kernel, stride 1"}
               for lost in lost_by_seed.values()), lost_by_seed
