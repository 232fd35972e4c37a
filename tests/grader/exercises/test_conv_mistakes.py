"""The conv exercises' mistakes.py (exercise3, exercise4) and grader/grading/variants.py: the zoo of wrong answers.

The wrong answers of exercise 3 are built by a model of the student's pipeline (dilate, full-convolve, fit to the
input size, crop the padding); that model with no mistake must give the truth, else every named mistake would be
off. Also: merging of mistakes that give equal answers, and that a broken builder never raises.
Tolerance: 1e-12 (everything here is the same float64 arithmetic in another order).
"""

import numpy as np
import pytest

from grader.exercises.convolution import conv_dx, conv_out, ref_dx
from grader.exercises.exercise3.mistakes import _fit, conv_dx_variants, rot180_variants
from grader.exercises.exercise4.mistakes import conv_db_variants, conv_dw_variants
from grader.grading.variants import Variants


@pytest.mark.parametrize("s, p, kernel, size", [(1, 0, (2, 3), (4, 5)), (2, 1, (3, 3), (6, 7)),
                                                (3, 2, (2, 4), (5, 6)), (3, 0, (2, 2), (7, 5))])
def test_the_pipeline_model_without_mistake_gives_the_truth(s, p, kernel, size):
    rng = np.random.default_rng(s + p)
    (kh, kw), (h, wd) = kernel, size
    ho, wo = conv_out(h, kh, s, p), conv_out(wd, kw, s, p)
    delta, w = rng.standard_normal((2, 3, ho, wo)), rng.standard_normal((3, 2, kh, kw))
    full = ref_dx(delta, w, s, ((ho - 1) * s + kh, (wo - 1) * s + kw))
    np.testing.assert_allclose(_fit(full, p, size), conv_dx(delta, w, stride=s, padding=p, input_size=size),
                               rtol=1e-12, atol=1e-12)


def test_equal_answers_are_merged_and_empty_ones_left_out():
    a = np.arange(4.0)
    v = Variants({"x": lambda: a, "y": lambda: None, "z": lambda: a.copy(), "u": lambda: {"": a + 1, " (big)": a[:2]}})
    assert list(v) == ["x, or: z", "u", "u (big)"]
    np.testing.assert_array_equal(v["u"], a + 1)


def test_a_broken_builder_is_skipped_with_a_warning():
    v = Variants({"ok": lambda: np.zeros(2), "broken": lambda: 1 / 0})
    with pytest.warns(RuntimeWarning, match="broken"):
        assert list(v) == ["ok"]


def test_variants_differ_from_the_truth_where_they_apply():
    """Each named mistake must change the answer on a case built to show it (else naming it would be a guess)."""
    rng = np.random.default_rng(7)
    kernel = rng.standard_normal((2, 3, 3, 4))
    for name, answer in rot180_variants(kernel).items():
        assert answer.shape != kernel.shape or not np.allclose(answer, kernel[..., ::-1, ::-1]), name
    delta, w = rng.standard_normal((2, 3, 3, 3)), rng.standard_normal((3, 3, 3, 3))
    truth = conv_dx(delta, w, stride=2, padding=1, input_size=(5, 5))
    for name, answer in conv_dx_variants(delta, w, 2, 1, (5, 5)).items():
        assert answer.shape != truth.shape or not np.allclose(answer, truth), name
    a_prev = rng.standard_normal((2, 3, 6, 6))
    names = list(conv_dw_variants(delta, a_prev, (3, 3), 2, 1))
    assert any("not dilated" in n for n in names) and any("was forgotten" in n for n in names)
    assert any("keep only the first" in n for n in names)  # (6 + 2 - 3) % 2 = 1: one unread row
    assert len(list(conv_db_variants(delta))) == 9


def test_a_square_kernel_assumed_keeps_the_first_kh_columns_of_the_truth():
    """KW taken as KH (KH < KW): the student's dw reads the same windows, only fewer columns of each."""
    from grader.exercises.convolution import conv_dw

    rng = np.random.default_rng(3)
    delta, a_prev = rng.standard_normal((2, 3, 3, 2)), rng.standard_normal((2, 2, 6, 6))  # kernel (2, 4), stride 2
    answers = {name: answer for name, answer in conv_dw_variants(delta, a_prev, (2, 4), 2, 0).items()
               if "square kernel assumed" in name}
    assert len(answers) == 1
    np.testing.assert_allclose(answers.popitem()[1], conv_dw(delta, a_prev, (2, 4), stride=2)[..., :2, :2],
                               rtol=1e-12, atol=1e-12)
