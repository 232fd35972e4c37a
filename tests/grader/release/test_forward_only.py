"""Grading without any backward pass, as in a student release: the truths and the named mistakes come from the
reference forward passes and numerical differentiation alone. Here the second witnesses are switched off (set
to None, as an ImportError leaves them in a release); the end-to-end proof is tests/grader/test_release.py.
Tolerance: exact (1e-12) where the forward map is linear and differentiated at 0."""

from pathlib import Path

import numpy as np
import pytest

import grader.exercises.exercise2.truth as truth2
import grader.exercises.convolution as truth
import grader.exercises.exercise3.truth as truth3
from grader.grading.checking import run_checks

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def no_backward(monkeypatch):
    monkeypatch.setattr(truth, "conv2d_backward", None)
    for name in ("ref_activation_backward", "ref_avg_pool_backward", "ref_max_pool_backward",
                 "ref_subsample_backward"):
        monkeypatch.setattr(truth2, name, None)


def test_the_conv_truths_need_no_witness(no_backward):
    rng = np.random.default_rng(0)
    # x (8, 7), kernel 3x2, stride 2, padding 1: out (8 + 2 - 3) // 2 + 1 = 4 by (7 + 2 - 2) // 2 + 1 = 4
    delta, w = rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((3, 2, 3, 2))
    x = rng.standard_normal((2, 2, 8, 7))
    dx = truth.conv_dx(delta, w, stride=2, padding=1, input_size=(8, 7))
    dw = truth.conv_dw(delta, x, (3, 2), stride=2, padding=1)
    np.testing.assert_allclose(truth.conv_db(delta), delta.sum(axis=(0, 2, 3)), rtol=1e-12)
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    want_dw, want_dx = np.zeros_like(w), np.zeros((2, 2, 10, 9))
    for i in range(4):
        for j in range(4):
            window = (slice(None), slice(None), slice(2 * i, 2 * i + 3), slice(2 * j, 2 * j + 2))
            want_dw += np.einsum("nf,ncpq->fcpq", delta[:, :, i, j], x_pad[window])
            want_dx[window] += np.einsum("nf,fcpq->ncpq", delta[:, :, i, j], w)
    np.testing.assert_allclose(dw, want_dw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, want_dx[:, :, 1:-1, 1:-1], rtol=1e-12, atol=1e-12)


def test_rotated_kernel_comes_from_the_forward_pass():
    kernel = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    np.testing.assert_array_equal(truth3.rotated_kernel(kernel), np.rot90(kernel, 2, axes=(-2, -1)))
    np.testing.assert_array_equal(truth3.rotated_kernel(kernel[0, 0]), np.rot90(kernel[0, 0], 2))


@pytest.mark.parametrize("exercise", ["exercise2", "exercise3", "exercise4"])
def test_solutions_get_full_marks_without_backward_passes(no_backward, exercise):
    source = (ROOT / "solutions" / f"{exercise}.py").read_text()
    outcomes, *_ = run_checks(exercise, source, f"{exercise}.py", seed=2)
    assert [o.message for o in outcomes if o.status != "passed"] == []


MISTAKES = [  # (exercise, the right line, the wrong one, words every failed check of that function must say)
    ("exercise2", "winner = blocks.reshape(n, c, ho, wo, k * k).argmax(axis=-1)",
     "winner = k * k - 1 - blocks.reshape(n, c, ho, wo, k * k)[..., ::-1].argmax(axis=-1)", "ties routed to the last"),
    ("exercise2", "dbias = delta.sum(axis=(0, 2, 3))", "dbias = delta.mean(axis=(0, 2, 3))", "dbias averaged"),
    ("exercise2", "dcoef = (delta * window_sum).sum(axis=(0, 2, 3))", "dcoef = delta.sum(axis=(0, 2, 3))",
     "dcoef does not use the window sums"),
    ("exercise2", "return da * s * (1.0 - s)", "return s * (1.0 - s)", "not multiplied by da"),
    ("exercise3", "kernel = rot180(w).transpose(1, 0, 2, 3)", "kernel = w.transpose(1, 0, 2, 3)",
     "not rotated by 180"),
    ("exercise4", "return delta.sum(axis=(0, 2, 3))", "return delta.mean(axis=(0, 2, 3))",
     "averaged over the batch and the positions"),
]


@pytest.mark.parametrize("exercise, right, wrong, words", MISTAKES, ids=[m[3] for m in MISTAKES])
def test_mistakes_are_named_without_backward_passes(no_backward, exercise, right, wrong, words):
    source = (ROOT / "solutions" / f"{exercise}.py").read_text()
    assert right in source
    outcomes, *_ = run_checks(exercise, source.replace(right, wrong), f"{exercise}.py", seed=4)
    failed = [o for o in outcomes if o.status == "failed"]
    assert failed and any(words in o.message for o in failed), [o.message for o in failed]
