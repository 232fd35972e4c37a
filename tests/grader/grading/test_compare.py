"""Comparisons and the messages they give."""

import numpy as np
import pytest

from grader.grading.checking import CheckFailed
from grader.grading.compare import close_enough, expect_array, expect_int, expect_tuple
from grader.sandbox.wire import Opaque

WANT = np.arange(6, dtype=np.float64).reshape(2, 3)


def fails(got, **kwargs):
    with pytest.raises(CheckFailed) as info:
        expect_array(got, WANT, case="case A", **kwargs)
    return str(info.value)


def test_accepts_answers_within_tolerance_only():
    expect_array(WANT + 1e-9, WANT, case="case A")  # tolerance: 1e-7 of max|want| plus 1e-6 relative
    off = WANT.copy()
    off[1, 2] += 0.5
    assert "largest error 0.5 at index (1, 2) (got 5.5, expected 5)" in fails(off)


def test_reports_type_shape_dtype_and_nonfinite():
    assert "returned None" in fails(None)
    assert "returned a list" in fails([1.0])
    assert "returned a Foo object" in fails(Opaque("Foo", "<Foo>"))
    assert "returned shape (3, 2), expected (2, 3)" in fails(WANT.T.copy())
    assert "the dtype is float32; return float64" in fails(WANT.astype(np.float32))
    assert "dtype complex128" in fails(WANT.astype(complex))
    bad = WANT.copy()
    bad[1, 1] = np.nan
    assert "NaN or inf (first at index (1, 1))" in fails(bad)


def test_names_a_matching_mistake_only_for_wrong_answers():
    variants = {"forgot to double": WANT, "doubled": 2 * WANT}
    assert "Looks like: doubled." in fails(2 * WANT, variants=variants)
    expect_array(WANT, WANT, case="case A", variants=variants)  # right answers are never blamed
    assert "Looks like" not in fails(3 * WANT, variants=variants)


def test_expect_int_and_tuple():
    expect_int(156, 156, case="C1")
    expect_int(156.0, 156, case="C1")
    with pytest.raises(CheckFailed, match="got 117,600, expected 122,304. Looks like: bias"):
        expect_int(117600, 122304, case="C1", variants={"bias not counted": 117600})
    with pytest.raises(CheckFailed, match="expected an integer"):
        expect_int(True, 1, case="C1")
    assert expect_tuple([1, 2, 3], 3, case="s", names="dx, dcoef, dbias") == (1, 2, 3)
    with pytest.raises(CheckFailed, match="expected a tuple \\(dx, dcoef, dbias\\)"):
        expect_tuple(np.zeros(3), 3, case="s", names="dx, dcoef, dbias")


def test_close_enough_rejects_nan_and_shape():
    assert not close_enough(np.array([np.nan]), np.array([1.0]))
    assert not close_enough(np.zeros(2), np.zeros(3))


def test_a_small_wrong_map_is_shown_expected_beside_got_in_aligned_columns():
    want = np.arange(12.0).reshape(1, 1, 3, 4)
    got = want.copy()
    got[0, 0, 1, 2] += 5.0
    with pytest.raises(CheckFailed) as info:
        expect_array(got, want, case="case")
    lines = str(info.value).splitlines()
    start = lines.index("map (0, 0) (* = wrong):")
    table = lines[start + 1:start + 5]
    assert len({line.index(" | ") for line in table}) == 1 and table[0].strip() == "expected | got"
    assert [line.count("*") for line in table[1:]] == [0, 1, 0]


def test_the_report_never_wraps_a_table_or_a_quoted_line():
    from grader.grading.report import _wrapped

    row = "  " + "   -1.25" * 12 + "  |" + "   -1.25*" * 12
    assert _wrapped(row + "\nword " * 30, 60, "    ")[0] == "    " + row
