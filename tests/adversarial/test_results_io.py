"""A results folder that cannot be written, or a disk that fills up while a result is written (both simulated:
the suite runs as root, which no permission stops, and has no tiny file system to fill): the grade is still
shown, the error says what happened, and no earlier result is damaged or left half written."""

import errno
import json
import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.course.batch import BatchError, run_batch
from grader.cli.main import main
from grader.sandbox.runner import Limits

SUBMISSIONS = Path(__file__).parent / "submissions"
LIMITS = ["--timeout", "0.5", "--memory", "512M", "--seed", "20240607"]
LIMITS_OBJECT = Limits(timeout=0.5, memory=512 << 20)


def failing(code):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    return fail


def grade_into(results: Path, submission: str):
    args = ["exercise4", "--submission", str(SUBMISSIONS / submission), "--results", str(results), *LIMITS]
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.mark.parametrize("where, code", [(("os", "fsync"), errno.ENOSPC), (("os", "replace"), errno.ENOSPC),
                                          (("tempfile", "mkstemp"), errno.EACCES), (("os", "replace"), errno.EROFS)])
def test_a_failed_write_is_reported_and_keeps_the_earlier_result(tmp_path, monkeypatch, where, code):
    results = tmp_path / "results"
    assert grade_into(results, "honest_full.py").exit_code == 0
    earlier = (results / "exercise4.json").read_bytes()
    assert json.loads(earlier)["score"] == 13
    module = {"os": os, "tempfile": tempfile}[where[0]]
    monkeypatch.setattr(module, where[1], failing(code))
    run = grade_into(results, "honest_bias.py")
    monkeypatch.undo()
    assert "Score: 2 / 13" in run.stdout  # the grade is still shown
    assert run.exit_code == 1  # ... and the missing file is not silent
    assert "cannot write" in run.stderr and os.strerror(code) in run.stderr and str(results) in run.stderr
    assert (results / "exercise4.json").read_bytes() == earlier
    assert sorted(p.name for p in results.iterdir()) == ["exercise4.json"]  # no half-written temporary file


def test_a_results_folder_that_is_a_file_is_reported(tmp_path):
    (tmp_path / "results").write_text("not a folder")
    run = grade_into(tmp_path / "results", "honest_bias.py")
    assert "Score: 2 / 13" in run.stdout and run.exit_code == 1
    assert "cannot write results to" in run.stderr and str(tmp_path / "results") in run.stderr
    assert (tmp_path / "results").read_text() == "not a folder"


def test_a_full_disk_stops_a_batch_with_a_clear_error_and_keeps_earlier_results(tmp_path, monkeypatch):
    students = tmp_path / "submissions"
    for student, name in (("ada", "honest_full.py"), ("bob", "honest_bias.py")):
        (students / student).mkdir(parents=True)
        (students / student / "exercise4.py").write_bytes((SUBMISSIONS / name).read_bytes())
    out = tmp_path / "graded"
    first = run_batch(students, out, workers=1, seed=7, limits=LIMITS_OBJECT)
    assert [r["score"] for r in sorted(first.rows, key=lambda r: r["student_id"])] == [20, 3]
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != ".lock"}
    (students / "bob" / "exercise4.py").write_bytes((SUBMISSIONS / "honest_full.py").read_bytes())  # regrade bob
    monkeypatch.setattr(os, "replace", failing(errno.ENOSPC))
    with pytest.raises(BatchError, match="No space left on device"):
        run_batch(students, out, workers=1, seed=7, limits=LIMITS_OBJECT)
    monkeypatch.undo()
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != ".lock"}
    assert after == before  # nothing damaged, no temporary file left

