"""grade batch over a whole class: missing work, a folder made from other submissions, an empty folder,
shards and `grade merge` (a fake grade function stands in for the sandbox)."""

import json
import shutil
from pathlib import Path

import pytest

from grader.course.batch import BatchError, run_batch
from grader.grading.checking import Outcome
from grader.course.gradebook import COLUMNS
from grader.grading.grade import max_score
from grader.course.merge import MergeError, merge_batches
from grader.grading.results import make_result
from grader.course.source import Shard, parse_shard, shard_of


def fake_grade(task, seed, limits):
    """'score=N' scores N of 10 (5 per check)."""
    text = Path(task.path).read_text()
    points = float(text.split("=")[1]) if text.startswith("score=") else 0.0
    outcomes = [Outcome("check a", min(points, 5.0), 5.0, "passed" if points >= 5 else "failed", "a is wrong",
                        "visible"),
                Outcome("check b", max(points - 5, 0.0), 5.0, "passed" if points >= 10 else "failed", "b is wrong",
                        "hidden")]
    return make_result(task.exercise, outcomes, seed=seed, source=text, submission=task.path, seconds=0.01)


def put(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def uneven_class(root: Path, students: int = 12) -> Path:
    """Every third student hands in no exercise4, every fourth (but s00) no exercise3, s05 a stray file only."""
    for i in range(students):
        if i == 5:
            put(root / "s05" / "answers.py", "x = 1")
            continue
        if i % 4 or i == 0:
            put(root / f"s{i:02d}" / "exercise3.py", f"score={i % 11}")
        if i % 3:
            put(root / f"s{i:02d}" / "exercise4.py", f"score={(i * 7) % 11}")
    return root


def batch(subs, out, **kwargs):
    kwargs.setdefault("seed", 5)
    return run_batch(subs, out, workers=2, grade=fake_grade, **kwargs)


def by_key(rows):
    return {(r["student_id"], r["exercise"]): r for r in rows}


# ---- missing work ------------------------------------------------------------------------------------------------

def test_an_exercise_not_handed_in_gets_a_missing_row(tmp_path):
    report = batch(uneven_class(tmp_path / "subs", students=6), tmp_path / "out")
    rows = by_key(report.rows)
    top = max_score("exercise3", include_hidden=True)  # the exercise's points (the fake results have 10)
    assert rows[("s04", "exercise3")] == {"student_id": "s04", "name": "", "exercise": "exercise3", "score": 0.0,
                                          "max_score": top, "status": "missing", "late": False, "file": "",
                                          "reason": "not handed in", "result": ""}
    assert list(rows[("s04", "exercise3")]) == list(COLUMNS)  # the row shape of every other row
    missing = sorted(key for key, row in rows.items() if row["status"] == "missing")
    # s00, s03: no exercise4; s04: no exercise3; s05: only a stray file
    assert missing == [("s00", "exercise4"), ("s03", "exercise4"), ("s04", "exercise3"), ("s05", "exercise3"),
                       ("s05", "exercise4")]
    assert report.missing == 5 and rows[("s05", "")]["status"] == "error"
    csv = (tmp_path / "out" / "gradebook.csv").read_text()
    assert f"s04,,exercise3,0,{top:g},missing,,,not handed in,\n" in csv
    assert json.loads((tmp_path / "out" / "gradebook.json").read_text())["rows"] == report.rows


def test_exercises_names_the_exercises_every_student_should_hand_in(tmp_path):
    subs = tmp_path / "subs"
    put(subs / "ann" / "exercise3.py", "score=10")
    put(subs / "bob" / "exercise3.py", "score=4")
    report = batch(subs, tmp_path / "out", exercises=["exercise4"])
    assert sorted((r["student_id"], r["exercise"], r["status"]) for r in report.rows) == [
        ("ann", "exercise3", "graded"), ("ann", "exercise4", "missing"),
        ("bob", "exercise3", "graded"), ("bob", "exercise4", "missing")]
    assert by_key(report.rows)[("ann", "exercise4")]["max_score"] > 0
    with pytest.raises(BatchError, match="unknown exercise exercise99"):
        batch(subs, tmp_path / "out", exercises=["exercise99"])


# ---- a folder made from other submissions -----------------------------------------------------------------------

def test_other_submissions_are_refused_and_the_gradebook_kept(tmp_path):
    subs, out = uneven_class(tmp_path / "subs"), tmp_path / "out"
    batch(subs, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    other = tmp_path / "other"
    put(other / "zed" / "exercise3.py", "score=1")
    with pytest.raises(BatchError) as refused:
        batch(other, out)
    message = str(refused.value)
    assert f"{out} was made from other submissions: {subs.resolve()} (12 students)" in message
    assert f"{other} has 1 student and lacks 12 of them (s00, s01, s02 and 9 more)" in message
    assert "another --out" in message and "--replace" in message
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    meta = json.loads((out / "batch.json").read_text())
    assert meta["source"]["path"] == str(subs.resolve()) and len(meta["source"]["students"]) == 12


def test_late_work_is_added_and_a_moved_source_is_said(tmp_path):
    subs, out, said = uneven_class(tmp_path / "subs"), tmp_path / "out", []
    batch(subs, out)
    put(subs / "s12" / "exercise3.py", "score=8")  # a late student
    put(subs / "s00" / "exercise4.py", "score=9")  # late work of a student
    report = batch(subs, out, notice=said.append)
    assert (report.graded, said) == (2, [])
    assert by_key(report.rows)[("s12", "exercise3")]["score"] == 8
    assert (by_key(report.rows)[("s00", "exercise4")]["status"], report.missing) == ("graded", 8)
    moved = tmp_path / "download2"
    shutil.copytree(subs, moved)
    again = batch(moved, out, notice=said.append)
    assert again.graded == 0  # the same files: every result kept
    assert said == [f"reading the submissions from {moved.resolve()} (this folder was made from "
                    f"{subs.resolve()})"]


def test_replace_starts_the_folder_afresh(tmp_path):
    subs, out = uneven_class(tmp_path / "subs"), tmp_path / "out"
    batch(subs, out)
    (out / "exports").mkdir()
    (out / "exports" / "grades.csv").write_text("mine")
    other = tmp_path / "other"
    put(other / "zed" / "exercise3.py", "score=1")
    report = batch(other, out, replace=True, seed=9)
    assert [(r["student_id"], r["exercise"]) for r in report.rows] == [("zed", "exercise3")]
    assert report.seed == 9 and sorted(p.name for p in (out / "results").iterdir()) == ["zed"]
    assert (out / "exports" / "grades.csv").read_text() == "mine"  # only what batch writes is removed
    assert json.loads((out / "batch.json").read_text())["source"]["students"] == ["zed"]


def test_an_empty_folder_is_an_error_that_says_what_was_expected(tmp_path):
    empty, out = tmp_path / "empty", tmp_path / "out"
    empty.mkdir()
    with pytest.raises(BatchError, match=f"no submissions found in {empty}: expected one folder per student"):
        batch(empty, out)
    assert not (out / "batch.json").exists()
    put(empty / "syllabus.pdf", "pdf")
    with pytest.raises(BatchError, match="1 other file there is not a submission"):
        batch(empty, out)


# ---- shards and merge -------------------------------------------------------------------------------------------

def test_shard_of_is_stable_and_parse_shard_checks():
    assert [shard_of(f"s{i:02d}", 3) for i in range(12)] == [2, 3, 3, 1, 2, 3, 2, 1, 3, 2, 3, 3]
    assert shard_of("340934", 8) == 8
    assert parse_shard("2/3") == Shard(2, 3) and str(parse_shard(" 1 / 4 ")) == "1/4"
    for bad in ("0/3", "4/3", "3", "a/b"):
        with pytest.raises(ValueError, match="K/N|between 1 and N"):
            parse_shard(bad)


def test_a_class_in_three_shards_merges_to_the_gradebook_of_one_run(tmp_path):
    subs = uneven_class(tmp_path / "subs")
    whole = batch(subs, tmp_path / "whole")
    parts = [batch(subs, tmp_path / f"part{k}", shard=f"{k}/3") for k in (1, 2, 3)]
    students = [{r["student_id"] for r in part.rows} for part in parts]
    assert all(students) and set.union(*students) == {r["student_id"] for r in whole.rows}
    assert sum(map(len, students)) == 12  # every student in exactly one part
    assert sum(part.total for part in parts) == whole.total and parts[0].shard == "1/3"
    merged = merge_batches([tmp_path / f"part{k}" for k in (3, 1, 2)], tmp_path / "merged")
    assert (merged.shards, merged.students) == (3, 12)
    assert merged.rows == whole.rows
    for name in ("gradebook.csv", "gradebook.json", "summary.txt"):
        assert (tmp_path / "merged" / name).read_text() == (tmp_path / "whole" / name).read_text()
    def result(folder, row):
        return {k: v for k, v in json.loads((folder / row["result"]).read_text()).items() if k != "graded_at"}

    for row in whole.rows:
        if row["result"]:
            assert result(tmp_path / "merged", row) == result(tmp_path / "whole", row)
    resumed = batch(subs, tmp_path / "merged")  # a merged folder is a batch folder: late work goes on in it
    assert (resumed.graded, resumed.reused) == (0, whole.total)


def test_merge_refuses_what_is_not_one_batch(tmp_path):
    subs = uneven_class(tmp_path / "subs")
    for k in (1, 2):
        batch(subs, tmp_path / f"p{k}", shard=f"{k}/2")
    batch(subs, tmp_path / "other-seed", shard="2/2", seed=6)
    batch(subs, tmp_path / "whole")
    cases = [([tmp_path / "p1"], "shard 2/2 is missing"),
             ([tmp_path / "p1", tmp_path / "p1"], "are both shard 1/2"),
             ([tmp_path / "p1", tmp_path / "other-seed"], "different seed"),
             ([tmp_path / "p1", tmp_path / "whole"], "holds a whole class"),
             ([tmp_path / "p1", tmp_path / "nope"], "is not a folder of batch results")]
    for shards, message in cases:
        with pytest.raises(MergeError, match=message):
            merge_batches(shards, tmp_path / "merged")
    with pytest.raises(MergeError, match="holds a batch of its own"):
        merge_batches([tmp_path / "p1", tmp_path / "p2"], tmp_path / "whole")
    shutil.copytree(tmp_path / "p1", tmp_path / "fake2")  # the same students, claiming to be part 2
    meta = json.loads((tmp_path / "fake2" / "batch.json").read_text())
    (tmp_path / "fake2" / "batch.json").write_text(json.dumps({**meta, "shard": "2/2"}))
    with pytest.raises(MergeError, match="is in both .* the shards overlap"):
        merge_batches([tmp_path / "p1", tmp_path / "fake2"], tmp_path / "merged")
    merge_batches([tmp_path / "p1", tmp_path / "p2"], tmp_path / "merged")
    merge_batches([tmp_path / "p1", tmp_path / "p2"], tmp_path / "merged")  # an earlier merge is replaced


def test_a_shard_folder_keeps_its_part_and_a_shard_needs_a_seed(tmp_path):
    subs = uneven_class(tmp_path / "subs")
    with pytest.raises(BatchError, match="--shard 1/3 needs --seed"):
        run_batch(subs, tmp_path / "p", workers=1, grade=fake_grade, shard="1/3")
    batch(subs, tmp_path / "p", shard="1/3")
    assert batch(subs, tmp_path / "p", shard="1/3", seed=None).graded == 0  # resumes without --seed
    with pytest.raises(BatchError, match="holds shard 1/3, not --shard 2/3"):
        batch(subs, tmp_path / "p", shard="2/3")
    with pytest.raises(BatchError, match=r"holds shard 1/3, not the whole class"):
        batch(subs, tmp_path / "p")
    empty_part = run_batch(subs, tmp_path / "p40", workers=1, seed=5, grade=fake_grade, shard="40/40")
    assert empty_part.rows == [] or all(shard_of(r["student_id"], 40) == 40 for r in empty_part.rows)


def test_real_grading_says_timed_out_and_not_handed_in(tmp_path):
    from grader.sandbox.runner import Limits

    root = Path(__file__).resolve().parents[3]
    solution3 = (root / "solutions" / "exercise3.py").read_text()
    put(tmp_path / "subs" / "hang" / "exercise3.py", solution3 + "\n\ndef rot180(kernel):\n    while True:\n        pass\n")
    put(tmp_path / "subs" / "ok" / "exercise4.py", (root / "solutions" / "exercise4.py").read_text())
    report = run_batch(tmp_path / "subs", tmp_path / "out", workers=2, seed=3, limits=Limits(timeout=0.3))
    rows = by_key(report.rows)
    assert (rows[("hang", "exercise3")]["status"], rows[("hang", "exercise3")]["reason"]) == ("graded", "timed out")
    assert rows[("ok", "exercise4")]["score"] == rows[("ok", "exercise4")]["max_score"] > 0
    for key, exercise in ((("hang", "exercise4"), "exercise4"), (("ok", "exercise3"), "exercise3")):
        assert (rows[key]["status"], rows[key]["reason"], rows[key]["max_score"]) == (
            "missing", "not handed in", max_score(exercise, include_hidden=True))
