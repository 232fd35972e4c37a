"""Gradebook rows, reasons and the CSV/JSON files."""

import json

import pytest

from grader.course.gradebook import (COLUMNS, csv_text, failure_reason, format_number, problem_row, read_gradebook,
                              result_row, write_gradebook, write_text_atomic)
from grader.grading.results import ResultsError


def outcome(status, output=""):
    return {"name": "n", "score": 0, "max_score": 1, "status": status, "output": output, "visibility": "visible"}


@pytest.mark.parametrize("result, reason", [
    ({"error": "cannot read x.py\nmore", "tests": []}, "cannot read x.py"),
    ({"tests": [outcome("passed"), outcome("passed")]}, ""),
    ({"tests": [outcome("failed", "timed out after 5 s"), outcome("failed", "timed out after 5 s\nline 2")]},
     "timed out after 5 s"),
    ({"tests": [outcome("failed", "a"), outcome("failed", "b")]}, "2 of 2 checks failed"),
    ({"tests": [outcome("passed"), outcome("failed", "a")]}, "1 of 2 checks failed"),
])
def test_failure_reason(result, reason):
    assert failure_reason(result) == reason


@pytest.mark.parametrize("value, text", [(12.0, "12"), (12.5, "12.5"), (1 / 3, "0.33"), (-0.0, "0"), (0.004, "0")])
def test_format_number(value, text):
    assert format_number(value) == text


def test_rows_and_files(tmp_path):
    graded = result_row("s1", "Ann", "exercise3", "s1/exercise3.py", True,
                        {"score": 3, "max_score": 4, "tests": [outcome("passed"), outcome("failed", "x")]},
                        "results/s1/exercise3.json")
    assert graded == {"student_id": "s1", "name": "Ann", "exercise": "exercise3", "score": 3.0, "max_score": 4.0,
                      "status": "graded", "late": True, "file": "s1/exercise3.py", "reason": "1 of 2 checks failed",
                      "result": "results/s1/exercise3.json"}
    missing = result_row("s2", "", "exercise3", "s2/exercise3.py", False, None, "results/s2/exercise3.json")
    assert (missing["status"], missing["result"]) == ("error", "")
    write_gradebook([graded, missing], tmp_path, seed=3, max_scores={"exercise3": 4.0})
    assert (tmp_path / "gradebook.csv").read_text().splitlines() == [
        ",".join(COLUMNS), "s1,Ann,exercise3,3,4,graded,yes,s1/exercise3.py,1 of 2 checks failed,"
                           "results/s1/exercise3.json",
        "s2,,exercise3,0,0,error,,s2/exercise3.py,not graded yet (run the batch again),"]
    book = read_gradebook(tmp_path)
    assert book["seed"] == 3 and book["rows"][0] == graded
    assert json.loads((tmp_path / "gradebook.json").read_text())["max_scores"] == {"exercise3": 4.0}


def test_read_gradebook_errors(tmp_path):
    with pytest.raises(ResultsError, match="no gradebook in"):
        read_gradebook(tmp_path)
    (tmp_path / "gradebook.json").write_text("[1, 2]")
    with pytest.raises(ResultsError, match="not a gradebook"):
        read_gradebook(tmp_path)


def test_csv_quotes_and_atomic_write(tmp_path):
    text = csv_text(["a", "b"], [["x, y", 'say "hi"'], [1.5, None]])
    assert text == 'a,b\n"x, y","say ""hi"""\n1.5,\n'
    path = write_text_atomic(text, tmp_path / "sub" / "f.csv")
    assert path.read_text() == text and [p.name for p in path.parent.iterdir()] == ["f.csv"]


def test_csv_cells_a_student_influences_never_run_as_formulas():
    rows = [['=HYPERLINK("x","y")', "@SUM(A1)", "+1", "-2+3", "\tx", "\rx", "ok", -1.5, 12.0, True, "-7", "-0.25"]]
    text = csv_text([f"c{i}" for i in range(12)], rows)
    assert text.splitlines()[1] == ("\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",'@SUM(A1),'+1,'-2+3,\\x09x,\\x0dx,ok,-1.5,"
                                    "12,yes,-7,-0.25")
    assert csv_text(["id"], [["=1+1"]], exact=(0,)) == "id\n=1+1\n"  # the caller vets exact columns
    assert csv_text(["=title"], []) == "=title\n"  # the header names the LMS's columns: as given


def test_rows_keep_student_text_on_one_plain_line():
    from grader.course.layouts import Problem

    row = result_row("s\x1b[2J1", "Ann\u202e", "exercise3", "s1/ex\n3.py", False,
                     {"score": 1, "max_score": 2, "error": "cannot read s1/ex\x073.py\nmore"}, "r.json")
    assert (row["student_id"], row["name"], row["file"], row["reason"]) == (
        "s\\x1b[2J1", "Ann\\u202e", "s1/ex\\x0a3.py", "cannot read s1/ex\\x073.py")
    flagged = problem_row(Problem("", "", "exercise3", "a_1_2_3_4_exercise3.py", "ambiguous ...", "ambiguous"), 5.0)
    assert (flagged["status"], flagged["score"], flagged["max_score"]) == ("ambiguous", 0.0, 5.0)


TIMED_OUT = "timed out after 5 s"
SKIPPED = "not run: `rot180` already timed out after 5 s in an earlier check"


@pytest.mark.parametrize("outputs, reason", [
    ([TIMED_OUT] + [SKIPPED] * 15, "timed out"),  # was "16 of 16 checks failed"
    ([TIMED_OUT, "not run: `full_convolve` already timed out after 5 s in an earlier check"], "timed out"),
    (["the worker crashed (signal SIGSEGV)", "the worker crashed (signal SIGKILL)"], "crashed"),
    (["the submission could not be loaded: the worker crashed (signal SIGSEGV)", "the worker crashed (x)"],
     "crashed"),
    (["used more than 1 GiB of memory", "the submission could not be loaded: used more than 512 MiB of memory"],
     "out of memory"),
    (["not implemented yet", "not implemented yet\n  NotImplementedError: rot180"], "not implemented yet"),
    ([TIMED_OUT, "not implemented yet"], "2 of 2 checks failed"),  # two kinds: the count
    ([TIMED_OUT, "kernel not rotated"], "2 of 2 checks failed"),
    ([None, TIMED_OUT, SKIPPED], "2 of 3 checks failed: timed out"),  # None: a check that passed
    ([None, "not implemented yet", "not implemented yet\n  NotImplementedError: x"],
     "2 of 3 checks failed: not implemented yet"),
])
def test_failure_reason_names_the_one_kind_of_failure(outputs, reason):
    tests = [outcome("passed") if text is None else outcome("failed", text) for text in outputs]
    assert failure_reason({"tests": tests}) == reason


def test_missing_rows_for_each_student_and_exercise_not_handed_in():
    from grader.course.gradebook import MISSING, missing_rows
    from grader.course.layouts import Problem

    rows = [result_row("s1", "Ann", "exercise3", "s1/exercise3.py", False, {"score": 1, "max_score": 2}, "r"),
            problem_row(Problem("s2", "", "", "s2/x.py", "no exercise"), 0.0),
            problem_row(Problem("", "", "exercise4", "a_1_2_x.py", "?", "ambiguous"), 5.0)]
    added = missing_rows(rows, ["exercise3", "exercise4"], {"exercise3": 2.0, "exercise4": 5.0})
    assert [(r["student_id"], r["name"], r["exercise"], r["status"], r["max_score"], r["reason"]) for r in added] == [
        ("s1", "Ann", "exercise4", MISSING, 5.0, "not handed in"),
        ("s2", "", "exercise3", MISSING, 2.0, "not handed in"), ("s2", "", "exercise4", MISSING, 5.0, "not handed in")]
    assert all(list(r) == list(COLUMNS) for r in added)
