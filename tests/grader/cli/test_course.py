"""`grade batch` and `grade export` through Click: help, exit codes, clear errors, a real small class."""

from pathlib import Path

from click.testing import CliRunner

import grader.course.batch
from grader.course.batch import BatchInterrupted
from grader.cli.main import main

ROOT = Path(__file__).resolve().parents[3]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_help_has_layouts_and_examples():
    batch = invoke("batch", "--help")
    assert batch.exit_code == 0
    assert "smithbob_LATE_340934_208491007_exercise3-1.py" in batch.output
    assert "submissions/s1234567/exercise3.py" in batch.output
    assert "grade batch submissions.zip --out graded" in batch.output
    export = invoke("export", "--help")
    assert export.exit_code == 0 and "grade export graded --format canvas --roster" in export.output


def test_batch_errors_are_clear_and_exit_1(tmp_path):
    missing = invoke("batch", tmp_path / "nope", "--out", tmp_path / "out")
    assert missing.exit_code == 1 and f"Error: submissions not found: {tmp_path / 'nope'}" in missing.output
    (tmp_path / "file").write_text("x")
    (tmp_path / "subs").mkdir()
    as_file = invoke("batch", tmp_path / "subs", "--out", tmp_path / "file")
    assert as_file.exit_code == 1 and "is a file; give a folder" in as_file.output
    no_out = invoke("batch", tmp_path / "subs")
    assert no_out.exit_code == 2 and "Missing option '--out'" in no_out.output


def test_batch_then_export_on_a_small_class(tmp_path):
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    (subs / "bob").mkdir()
    (subs / "ann" / "exercise3.py").write_text((ROOT / "solutions" / "exercise3.py").read_text())
    (subs / "bob" / "exercise3.py").write_text((ROOT / "exercises" / "exercise3.py").read_text())
    first = invoke("batch", subs, "--out", tmp_path / "out", "--workers", 1, "--seed", 3)
    assert first.exit_code == 0, first.output
    assert "Batch summary: 2 students" in first.output
    assert "2 submissions (2 graded now, 0 kept from an earlier run), seed 3" in first.output
    again = invoke("batch", subs, "--out", tmp_path / "out")
    assert again.exit_code == 0 and "(0 graded now, 2 kept from an earlier run)" in again.stderr
    quiet = invoke("batch", subs, "--out", tmp_path / "out", "-q")
    assert (quiet.exit_code, quiet.output) == (0, "")  # -q: nothing at all on success
    exported = invoke("export", tmp_path / "out", "--format", "csv")
    assert exported.exit_code == 0 and "grades.csv (2 students)" in exported.output
    lines = (tmp_path / "out" / "exports" / "grades.csv").read_text().splitlines()
    assert lines[0] == "student_id,name,exercise3,total,max_total"
    assert lines[1].startswith("ann,,") and lines[2].startswith("bob,,0,0,")


def test_interrupted_batch_says_how_to_resume(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise BatchInterrupted(4, 10, tmp_path / "out")

    monkeypatch.setattr(grader.course.batch, "run_batch", interrupted)
    (tmp_path / "subs").mkdir()
    result = invoke("batch", tmp_path / "subs", "--out", tmp_path / "out")
    assert result.exit_code == 130
    assert "Interrupted: 4 of 10 submissions graded" in result.output
    assert f"grade batch {tmp_path / 'subs'} --out {tmp_path / 'out'}" in result.output


def test_export_errors_and_bad_column(tmp_path):
    missing = invoke("export", tmp_path / "nope", "--format", "canvas")
    assert missing.exit_code == 1 and "is not a folder of batch results" in missing.output
    empty = invoke("export", tmp_path, "--format", "canvas")
    assert empty.exit_code == 1 and "no gradebook in" in empty.output
    bad = invoke("export", tmp_path, "--format", "canvas", "--column", "exercise3")
    assert bad.exit_code == 2 and "expected EXERCISE=NAME" in bad.output
    wrong = invoke("export", tmp_path, "--format", "pdf")
    assert wrong.exit_code == 2 and "'pdf' is not one of" in wrong.output


def test_batch_help_has_regrade_errors_and_resume_rules():
    batch = invoke("batch", "--help")
    assert batch.exit_code == 0
    assert "--regrade-errors" in batch.output and "retried once" in batch.output


def test_timed_out_results_are_regraded_under_a_longer_timeout(tmp_path):
    import json

    subs, out = tmp_path / "subs", tmp_path / "out"
    (subs / "ann").mkdir(parents=True)
    (subs / "bob").mkdir()
    solution = (ROOT / "solutions" / "exercise3.py").read_text()
    (subs / "ann" / "exercise3.py").write_text("import time\ntime.sleep(0.5)\n" + solution)  # loads in 0.5 s
    (subs / "bob" / "exercise3.py").write_text((ROOT / "exercises" / "exercise3.py").read_text())
    short = invoke("batch", subs, "--out", out, "--workers", 1, "--seed", 3, "--timeout", 0.3, "-q")
    assert short.exit_code == 0, short.output
    ann = json.loads((out / "results/ann/exercise3.json").read_text())
    assert ann["score"] == 0 and ann["limits"] == {"timeout": 0.3, "memory": 1 << 30}
    assert ann["tests"][0]["output"] == "the submission could not be loaded: timed out after 0.3 s while loading"
    longer = invoke("batch", subs, "--out", out, "--workers", 1, "--timeout", 2)
    assert longer.exit_code == 0, longer.output
    assert "regrading 2 results made under other limits\n" in longer.stderr
    assert "(2 graded now, 0 kept from an earlier run)" in longer.stderr
    ann = json.loads((out / "results/ann/exercise3.json").read_text())
    assert ann["score"] == ann["max_score"] > 0 and ann["limits"]["timeout"] == 2.0
    same = invoke("batch", subs, "--out", out, "--workers", 1, "--timeout", 2)
    assert "regrading" not in same.stderr and "(0 graded now, 2 kept from an earlier run)" in same.stderr
    assert json.loads((out / "results/ann/exercise3.json").read_text()) == ann
    errors = invoke("batch", subs, "--out", out, "--workers", 1, "--timeout", 2, "--regrade-errors")
    assert errors.exit_code == 0, errors.output
    assert "regrading" not in errors.stderr and "(0 graded now, 2 kept" in errors.stderr  # a stub is no error


def fake_grade(task, seed, limits):
    from grader.grading.checking import Outcome
    from grader.grading.results import make_result

    points = float(Path(task.path).read_text().split("=")[1])
    return make_result(task.exercise, [Outcome("a", points, 10.0, "passed" if points == 10 else "failed", "a is wrong",
                                               "visible")], seed=seed, source="", submission=task.path, seconds=0.0)


def test_batch_shards_merge_refusals_and_quiet(tmp_path, monkeypatch):
    real = grader.course.batch.run_batch
    monkeypatch.setattr(grader.course.batch, "run_batch", lambda *a, **k: real(*a, **{**k, "grade": fake_grade}))
    subs = tmp_path / "subs"
    for i in range(6):
        (subs / f"s{i}").mkdir(parents=True)
        (subs / f"s{i}" / "exercise3.py").write_text(f"score={i}")
    (subs / "s0" / "exercise4.py").write_text("score=10")
    whole = invoke("batch", subs, "--out", tmp_path / "whole", "--seed", 4, "--workers", 1)
    assert whole.exit_code == 0, whole.output
    assert "5 not handed in" in whole.stderr  # s1 ... s5 handed in no exercise4
    for k in (1, 2):
        part = invoke("batch", subs, "--out", tmp_path / f"p{k}", "--seed", 4, "--shard", f"{k}/2", "-q")
        assert (part.exit_code, part.output) == (0, "")
    merged = invoke("merge", tmp_path / "p1", tmp_path / "p2", "--out", tmp_path / "merged")
    assert merged.exit_code == 0 and "Merged 2 shards (6 students), seed 4." in merged.stderr
    assert (tmp_path / "merged" / "gradebook.csv").read_text() == (tmp_path / "whole" / "gradebook.csv").read_text()
    lacking = invoke("merge", tmp_path / "p1", "--out", tmp_path / "m2")
    assert lacking.exit_code == 1 and "Error: shard 2/2 is missing" in lacking.output
    bad = invoke("batch", subs, "--out", tmp_path / "p3", "--shard", "3/2")
    assert bad.exit_code == 2 and "K must be between 1 and N" in bad.output
    wrong = invoke("batch", subs, "--out", tmp_path / "p3", "--exercises", "exercise3,lab9")
    assert wrong.exit_code == 2 and "comma-separated list of exercise1" in wrong.output
    other = tmp_path / "other"
    (other / "zed").mkdir(parents=True)
    (other / "zed" / "exercise3.py").write_text("score=1")
    refused = invoke("batch", other, "--out", tmp_path / "whole", "-q")
    assert refused.exit_code == 1 and "was made from other submissions" in refused.stderr
    replaced = invoke("batch", other, "--out", tmp_path / "whole", "--replace", "-q")
    assert (replaced.exit_code, replaced.output) == (0, "")
    (tmp_path / "empty").mkdir()
    empty = invoke("batch", tmp_path / "empty", "--out", tmp_path / "e")
    assert empty.exit_code == 1 and f"Error: no submissions found in {tmp_path / 'empty'}" in empty.stderr
