"""Text a student controls, made safe to show: one plain line, and CSV cells no spreadsheet runs."""

import pytest

from grader.course.neutral import csv_cell, exact_safe, one_line


@pytest.mark.parametrize("text, shown", [
    ("plain name.py", "plain name.py"), ("red\x1b[31m", "red\\x1b[31m"), ("bell\x07", "bell\\x07"),
    ("a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd"), ("rtl\u202efdp.py", "rtl\\u202efdp.py"), ("iso\u2066x", "iso\\u2066x"),
    ("nel\x85", "nel\\x85"), ("ls\u2028", "ls\\u2028"), ("bad\udcff", "bad\\udcff"),
    ("caf\u00e9 \u4e2d", "caf\u00e9 \u4e2d"),
    ("back\\slash", "back\\slash"), (12, "12"),
])
def test_one_line_escapes_what_could_redraw_reorder_or_break_a_line(text, shown):
    assert one_line(text) == shown
    assert one_line(one_line(text)) == one_line(text)  # idempotent: no double escaping
    one_line(text).encode("utf-8")  # always encodable


@pytest.mark.parametrize("cell, safe", [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-1.5", "-1.5"), ("-3", "-3"), ("12", "12"), ("a=b", "a=b"), ("", ""), (" =1", " =1"),
])
def test_csv_cell_prefixes_formula_starts_but_not_numbers(cell, safe):
    assert csv_cell(cell) == safe


def test_exact_safe_only_for_values_that_need_no_change():
    assert exact_safe("340934") and exact_safe("jdoe@uni.edu") and exact_safe("-5") and exact_safe("")
    assert not exact_safe("=1+1") and not exact_safe("-x") and not exact_safe("a\tb")
