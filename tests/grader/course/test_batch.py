"""grade batch as a library: results, gradebook, resuming after Ctrl-C or kill -9, broken submissions."""

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.course.batch import BatchError, BatchInterrupted, run_batch
from grader.grading.checking import Outcome
from grader.grading.results import make_result
from grader.sandbox.runner import Limits

ROOT = Path(__file__).resolve().parents[3]


def fake_grade(task, seed, limits):
    """Stands in for the sandbox: 'score=N' scores N of 10; 'crash' kills the worker; 'bug' raises."""
    text = Path(task.path).read_text()
    if "crash" in text:
        os._exit(9)
    if "bug" in text:
        raise RuntimeError("boom")
    points = float(text.split("=")[1]) if text.startswith("score=") else 0.0
    outcomes = [Outcome("check a", min(points, 5.0), 5.0, "passed" if points >= 5 else "failed",
                        "" if points >= 5 else "a is wrong", "visible"),
                Outcome("check b", max(points - 5, 0.0), 5.0, "passed" if points >= 10 else "failed",
                        "" if points >= 10 else "b is wrong", "hidden")]
    return make_result(task.exercise, outcomes, seed=seed, source=text, submission=task.path, seconds=0.01)


def make_class(root: Path, students: int = 6) -> Path:
    for i in range(students):
        for exercise in ("exercise3", "exercise4"):
            path = root / f"s{i:02d}" / f"{exercise}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"score={(i * 3 + len(exercise)) % 11}")
    (root / "s00" / "notes.py").write_text("x = 1")
    return root


def test_batch_writes_results_gradebook_and_summary(tmp_path):
    subs = make_class(tmp_path / "subs")
    report = run_batch(subs, tmp_path / "out", workers=2, seed=11, grade=fake_grade)
    out = tmp_path / "out"
    assert (report.total, report.graded, report.reused, report.seed) == (12, 12, 0, 11)
    result = json.loads((out / "results" / "s01" / "exercise3.json").read_text())
    assert (result["student_id"], result["file"], result["seed"], result["score"]) == (
        "s01", "s01/exercise3.py", 11, 1.0)  # (1 * 3 + len("exercise3")) % 11
    lines = (out / "gradebook.csv").read_text().splitlines()
    assert lines[0] == "student_id,name,exercise,score,max_score,status,late,file,reason,result"
    assert lines[1] == "s00,,exercise3,9,10,graded,,s00/exercise3.py,1 of 2 checks failed,results/s00/exercise3.json"
    assert lines[3].startswith("s00,,,0,0,error,,s00/notes.py,notes.py matches no exercise")
    assert len(lines) == 1 + 12 + 1
    assert json.loads((out / "batch.json").read_text())["seed"] == 11
    assert "exercise3: 6 submissions" in (out / "summary.txt").read_text()
    assert (out / "summary.html").read_text().startswith("<!DOCTYPE html>")


def test_interrupted_batch_resumes_and_ends_with_the_same_gradebook(tmp_path):
    subs = make_class(tmp_path / "subs")
    run_batch(subs, tmp_path / "clean", workers=2, seed=5, grade=fake_grade)

    def stop_after_three(done, total, label):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(BatchInterrupted) as stop:
        run_batch(subs, tmp_path / "out", workers=2, seed=5, grade=fake_grade, progress=stop_after_three)
    assert (stop.value.done, stop.value.total) == (3, 12)
    on_disk = len(list((tmp_path / "out" / "results").rglob("*.json")))
    assert 3 <= on_disk < 12 and not (tmp_path / "out" / "gradebook.csv").exists()
    report = run_batch(subs, tmp_path / "out", workers=2, grade=fake_grade)  # the seed comes from batch.json
    assert (report.graded, report.reused) == (12 - on_disk, on_disk)
    for name in ("gradebook.csv", "gradebook.json", "summary.txt", "summary.html"):
        assert (tmp_path / "out" / name).read_text() == (tmp_path / "clean" / name).read_text()


def test_changed_file_is_graded_again(tmp_path):
    subs = make_class(tmp_path / "subs", students=2)
    run_batch(subs, tmp_path / "out", workers=1, seed=1, grade=fake_grade)
    (subs / "s01" / "exercise4.py").write_text("score=10")
    report = run_batch(subs, tmp_path / "out", workers=1, grade=fake_grade)
    assert (report.graded, report.reused) == (1, 3)
    assert json.loads((tmp_path / "out/results/s01/exercise4.json").read_text())["score"] == 10


KILL_SCRIPT = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from test_batch import fake_grade
from grader.course.batch import run_batch

def slow(task, seed, limits):
    time.sleep(0.3)
    return fake_grade(task, seed, limits)

run_batch(Path(sys.argv[1]), Path(sys.argv[2]), workers=2, seed=5, grade=slow)
"""


def settled_count(out: Path, quiet: float = 1.0, limit: float = 20.0) -> int:
    """The number of result files once it has not changed for `quiet` seconds."""
    count, since, start = -1, time.monotonic(), time.monotonic()
    while time.monotonic() - start < limit:
        now = len(list(out.glob("results/*/*.json")))
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
        time.sleep(0.05)
    return count


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            pass
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_batch_killed_with_sigkill_resumes(tmp_path):
    subs = make_class(tmp_path / "subs", students=10)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(subs), str(out), str(Path(__file__).parent)],
                            cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list(out.glob("results/*/*.json"))) < 4:
        time.sleep(0.05)
    workers = children(proc.pid)
    assert len(workers) == 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    end = time.monotonic() + 10
    while time.monotonic() < end and any(alive(pid) for pid in workers):
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)  # the grading processes die with the batch
    kept = settled_count(out)
    assert 4 <= kept < 20
    report = run_batch(subs, out, workers=2, grade=fake_grade)
    assert report.reused == kept and report.graded == 20 - kept
    run_batch(subs, tmp_path / "clean", workers=2, seed=5, grade=fake_grade)
    assert (out / "gradebook.csv").read_text() == (tmp_path / "clean" / "gradebook.csv").read_text()


def test_crash_and_grader_bug_cost_one_row_each_and_are_retried(tmp_path):
    subs = make_class(tmp_path / "subs", students=3)
    (subs / "s01" / "exercise3.py").write_text("crash")
    (subs / "s02" / "exercise4.py").write_text("bug")
    report = run_batch(subs, tmp_path / "out", workers=2, seed=3, grade=fake_grade)
    rows = {(r["student_id"], r["exercise"]): r for r in report.rows}
    assert rows[("s01", "exercise3")]["reason"] == "the grading process died (exit status 9)"
    assert rows[("s02", "exercise4")]["reason"] == "grader error (not the student's fault): RuntimeError: boom"
    assert rows[("s01", "exercise3")]["status"] == rows[("s02", "exercise4")]["status"] == "error"
    assert sum(r["status"] == "graded" for r in report.rows) == 4
    again = run_batch(subs, tmp_path / "out", workers=2, grade=fake_grade)
    assert (again.graded, again.reused) == (2, 4)  # our failures are tried again, the students' results kept


def test_bad_paths_and_seed_conflicts(tmp_path):
    subs = make_class(tmp_path / "subs", students=1)
    with pytest.raises(BatchError, match="submissions not found"):
        run_batch(tmp_path / "nope", tmp_path / "out", grade=fake_grade)
    (tmp_path / "file").write_text("x")
    with pytest.raises(BatchError, match="is a file"):
        run_batch(subs, tmp_path / "file", grade=fake_grade)
    with pytest.raises(BatchError, match="inside"):
        run_batch(subs, subs / "graded", grade=fake_grade)
    run_batch(subs, tmp_path / "out", workers=1, seed=4, grade=fake_grade)
    with pytest.raises(BatchError, match="graded with seed 4, not 5"):
        run_batch(subs, tmp_path / "out", seed=5, grade=fake_grade)


def test_real_grading_of_a_zipped_class(tmp_path):
    solution3 = (ROOT / "solutions" / "exercise3.py").read_text()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(solution3)])
    files = {"ann/exercise3.py": solution3, "bob/exercise3.py": (ROOT / "exercises/exercise3.py").read_text(),
             "cat/exercise3.py": "def rot180(k):\n    return k[::-1\n",
             "dan/exercise3.py": (ROOT / "solutions" / "exercise4.py").read_text(),
             "fay/exercise3.py": "while True:\n    pass\n", "gus/exercise3.ipynb": nbformat.writes(notebook),
             "hal/answers.py": "x = 1\n"}
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for name, text in files.items():
            bundle.writestr(name, text)
        bundle.writestr("eve/exercise3.py", b"\x00\x01binary")
    report = run_batch(archive, tmp_path / "out", workers=2, seed=7, limits=Limits(timeout=0.5))
    rows = {r["student_id"]: r for r in report.rows}
    top = rows["ann"]["max_score"]
    assert top > 0 and rows["ann"]["score"] == top and rows["gus"]["score"] == top
    assert (rows["bob"]["score"], rows["bob"]["reason"]) == (0, "not implemented yet")
    assert rows["cat"]["score"] == 0 and "SyntaxError" in rows["cat"]["reason"]
    assert rows["dan"]["status"] == "error" and "looks like exercise4" in rows["dan"]["reason"]
    assert rows["eve"]["status"] == "error" and rows["eve"]["reason"].startswith("class.zip:eve/exercise3.py is a")
    assert rows["fay"]["score"] == 0 and "timed out" in rows["fay"]["reason"]
    assert rows["hal"]["exercise"] == "" and "matches no exercise" in rows["hal"]["reason"]
    result = json.loads((tmp_path / "out" / rows["ann"]["result"]).read_text())
    assert {t["visibility"] for t in result["tests"]} == {"visible", "hidden"}
    assert result["submission"] == "class.zip:ann/exercise3.py" and result["seed"] == 7


def test_two_batches_never_write_the_same_folder(tmp_path):
    subs = make_class(tmp_path / "subs", students=1)
    (tmp_path / "out").mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time\n"
                               "f = open(sys.argv[1], 'a+'); fcntl.lockf(f, fcntl.LOCK_EX)\n"
                               "print('locked', flush=True); time.sleep(60)", str(tmp_path / "out" / ".lock")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(BatchError, match="another `grade batch` is writing to"):
            run_batch(subs, tmp_path / "out", workers=1, grade=fake_grade)
    finally:
        holder.kill()
        holder.wait()
    assert run_batch(subs, tmp_path / "out", workers=1, grade=fake_grade).graded == 2


# ---- resume rules: limits, grader version, retries of the machine's failures, --regrade-errors -----------------

SIGKILL_CRASH = "the worker crashed (signal SIGKILL)"


def sleepy_grade(task, seed, limits):
    """A student function that takes 0.5 s: it times out under a shorter limit."""
    timed_out = limits.timeout < 0.5
    outcomes = [Outcome("check a", 0.0 if timed_out else 5.0, 5.0, "failed" if timed_out else "passed",
                        f"timed out after {limits.timeout:g} s" if timed_out else "", "visible")]
    return make_result(task.exercise, outcomes, seed=seed, source="", submission=task.path, seconds=0.01)


def small_class(root: Path, students: int = 2) -> Path:
    for i in range(students):
        (root / f"s{i}").mkdir(parents=True)
        (root / f"s{i}" / "exercise3.py").write_text(f"score={5 + i}")
    return root


def edit_result(path: Path, **changes) -> dict:
    """Change a saved result by hand, as a run of another kind would have left it."""
    result = json.loads(path.read_text())
    result.update(changes)
    path.write_text(json.dumps(result, indent=2))
    return result


def test_result_records_its_limits_and_other_limits_are_regraded(tmp_path):
    subs, out, said = small_class(tmp_path / "subs"), tmp_path / "out", []
    run_batch(subs, out, workers=1, seed=2, limits=Limits(timeout=0.3), grade=sleepy_grade, notice=said.append)
    result = json.loads((out / "results/s0/exercise3.json").read_text())
    assert result["limits"] == {"timeout": 0.3, "memory": 1 << 30}
    assert (result["hidden_checks"], result["score"], result["tests"][0]["output"]) == (
        True, 0.0, "timed out after 0.3 s")
    assert said == [] and "retried" not in result
    report = run_batch(subs, out, workers=1, limits=Limits(timeout=2.0), grade=sleepy_grade, notice=said.append)
    assert (report.graded, report.reused) == (2, 0)
    assert said == ["regrading 2 results made under other limits"]
    result = json.loads((out / "results/s0/exercise3.json").read_text())
    assert (result["score"], result["limits"]["timeout"]) == (5.0, 2.0)


def test_result_under_the_same_limits_is_kept_unchanged(tmp_path):
    subs, out, said = small_class(tmp_path / "subs"), tmp_path / "out", []
    limits = Limits(timeout=0.3, memory=256 << 20)
    run_batch(subs, out, workers=1, seed=2, limits=limits, grade=sleepy_grade)
    before = {p.name: p.read_text() for p in out.glob("results/*/*.json")}
    time.sleep(1.1)  # graded_at has a resolution of one second
    report = run_batch(subs, out, workers=1, limits=limits, grade=sleepy_grade, notice=said.append)
    assert (report.graded, report.reused, said) == (0, 2, [])
    assert {p.name: p.read_text() for p in out.glob("results/*/*.json")} == before
    other = run_batch(subs, out, workers=1, limits=limits._replace(memory=512 << 20), grade=sleepy_grade,
                      notice=said.append)
    assert (other.graded, said) == (2, ["regrading 2 results made under other limits"])


def test_results_without_limits_or_of_another_version_are_regraded(tmp_path):
    subs, out, said = small_class(tmp_path / "subs", students=3), tmp_path / "out", []
    run_batch(subs, out, workers=1, seed=2, grade=fake_grade)
    result = json.loads((out / "results/s0/exercise3.json").read_text())
    del result["limits"]
    (out / "results/s0/exercise3.json").write_text(json.dumps(result))
    edit_result(out / "results/s1/exercise3.json", grader_version="0.0.1")
    report = run_batch(subs, out, workers=1, grade=fake_grade, notice=said.append)
    assert (report.graded, report.reused) == (2, 1)
    assert said == ["regrading 2 results: 1 made by another grader version, 1 made before results recorded their "
                    "limits"]
    assert "limits" in json.loads((out / "results/s0/exercise3.json").read_text())


def test_worker_killed_by_sigkill_is_retried_once(tmp_path):
    subs, out, said = small_class(tmp_path / "subs", students=3), tmp_path / "out", []
    run_batch(subs, out, workers=1, seed=2, limits=Limits(timeout=0.3), grade=fake_grade)
    tests = json.loads((out / "results/s0/exercise3.json").read_text())["tests"]
    tests[0].update(score=0.0, status="failed", output=SIGKILL_CRASH)
    edit_result(out / "results/s0/exercise3.json", tests=tests, score=0.0)
    tests[0]["output"] = f"the submission could not be loaded: {SIGKILL_CRASH}"
    edit_result(out / "results/s1/exercise3.json", tests=tests, score=0.0)
    tests[0]["output"] = f"raised RuntimeError: {SIGKILL_CRASH}"  # the student's own text: not the machine's
    edit_result(out / "results/s2/exercise3.json", tests=tests, score=0.0)

    def still_killed(task, seed, limits):  # s1 kills itself: it fails the same way again
        result = fake_grade(task, seed, limits)
        if task.student == "s1":
            result["tests"][0]["output"] = SIGKILL_CRASH
        return result

    report = run_batch(subs, out, workers=1, limits=Limits(timeout=0.3), grade=still_killed, notice=said.append)
    assert (report.graded, report.reused) == (2, 1)
    assert said == ["regrading 2 results whose worker was killed from outside (SIGKILL, OOM killer) or hit a "
                    "grader or sandbox error (retried once)"]
    retried = {s: json.loads((out / f"results/{s}/exercise3.json").read_text()) for s in ("s0", "s1", "s2")}
    assert [retried[s].get("retried") for s in ("s0", "s1", "s2")] == [True, True, None]
    assert (retried["s0"]["score"], retried["s1"]["tests"][0]["output"]) == (5.0, SIGKILL_CRASH)
    again = run_batch(subs, out, workers=1, limits=Limits(timeout=0.3), grade=still_killed, notice=said.append)
    assert (again.graded, again.reused, len(said)) == (0, 3, 1)  # a retry is never retried


def test_grader_error_is_retried_once_then_kept(tmp_path):
    subs, out, said = small_class(tmp_path / "subs"), tmp_path / "out", []
    (subs / "s1" / "exercise3.py").write_text("bug")
    run_batch(subs, out, workers=1, seed=2, grade=fake_grade)
    second = run_batch(subs, out, workers=1, grade=fake_grade, notice=said.append)
    result = json.loads((out / "results/s1/exercise3.json").read_text())
    assert (second.graded, result["retried"], result["batch_retry"]) == (1, True, True)
    assert said[0].startswith("regrading 1 result whose worker was killed from outside")
    assert run_batch(subs, out, workers=1, grade=fake_grade).graded == 0


def test_regrade_errors_regrades_every_errored_row(tmp_path):
    subs, out, said = small_class(tmp_path / "subs", students=3), tmp_path / "out", []
    run_batch(subs, out, workers=1, seed=2, limits=Limits(timeout=0.3), grade=sleepy_grade)  # s0, s1: timed out
    edit_result(out / "results/s2/exercise3.json", tests=[], error="the file is empty", score=0.0)
    kept = run_batch(subs, out, workers=1, limits=Limits(timeout=0.3), grade=fake_grade, notice=said.append)
    assert (kept.graded, said) == (0, [])  # a timeout or error under the same limits is the student's
    report = run_batch(subs, out, workers=1, limits=Limits(timeout=0.3), grade=fake_grade, regrade_errors=True,
                       notice=said.append)
    assert (report.graded, report.reused) == (3, 0)
    assert said == ["regrading 3 results that errored (--regrade-errors)"]
    scores = {r["student_id"]: r["score"] for r in report.rows}
    assert scores == {"s0": 5, "s1": 6, "s2": 7}
    assert run_batch(subs, out, workers=1, limits=Limits(timeout=0.3), grade=fake_grade,
                     regrade_errors=True).graded == 0  # nothing errored any more
