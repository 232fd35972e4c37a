"""Grading a whole class: `grade batch SUBMISSIONS --out DIR`.

What lands in DIR:
    batch.json                          the batch's seed (fixed at the first run) and what discovery found
    results/<student id>/<exercise>.json one result per submission (Gradescope's results.json fields plus the
                                        exercise, seed, sha256s, student id and name), written as soon as known
    gradebook.csv, gradebook.json       one row per student and exercise, and per file that could not be used
    summary.txt, summary.html           score distributions and the checks most students fail

Nothing is lost: every result is written atomically the moment it is known, so after Ctrl-C or kill -9 the same
command grades only what is missing (a result is kept when its file's sha256, the seed and the grader version
still match) and ends with the same gradebook. A broken submission (syntax error, hang, crash, unreadable file,
another exercise's file) gets a 0 row with the reason and never stops the batch.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import time
from pathlib import Path
from typing import Callable, NamedTuple

from grader import __version__
from grader.gradebook import build_rows, result_relpath, write_gradebook
from grader.layouts import LayoutError, open_submissions
from grader.results import ResultsError, failed_result, read_json, write_json_atomic
from grader.sandbox import DEFAULT_LIMITS, Limits
from grader.workers import cpu_count, run_tasks


class BatchError(Exception):
    """The batch cannot start (bad SUBMISSIONS or --out, a seed that contradicts the batch); says why."""


class BatchInterrupted(Exception):
    """Ctrl-C: `done` of `total` submissions have results on disk; rerunning the command resumes."""

    def __init__(self, done: int, total: int, out: Path):
        super().__init__(f"interrupted: {done} of {total} submissions graded")
        self.done, self.total, self.out = done, total, out


class Task(NamedTuple):
    student: str
    name: str
    exercise: str
    path: str  # where the file is now
    label: str  # where it is in SUBMISSIONS
    late: bool
    sha256: str | None  # of the file's bytes; None when it cannot be read
    result: str  # result file, relative to --out
    others: tuple[str, ...]  # older files of the same student and exercise (not graded)


class BatchReport(NamedTuple):
    out: Path
    seed: int
    total: int  # submissions (student x exercise) found
    graded: int  # graded by this run
    reused: int  # results kept from an earlier run
    rows: list[dict]
    layout: str
    summary: str  # the text summary (also in out/summary.txt)


def run_batch(submissions: Path, out: Path, *, workers: int | None = None, seed: int | None = None,
              limits: Limits = DEFAULT_LIMITS, progress: Callable | None = None,
              grade: Callable | None = None) -> BatchReport:
    """Grade every submission under `submissions` (folder or zip) into `out`; see the module docstring.

    progress(done, total, label) is called with done=0 first, then after each graded submission. `grade(task,
    seed, limits) -> result dict` replaces the real grading (tests). Raises BatchError, BatchInterrupted.
    """
    submissions, out = Path(submissions), Path(out)
    _check_paths(submissions, out)
    counter = {"done": 0, "total": 0}
    try:
        with _locked(out):
            seed = _batch_seed(out, seed, submissions)
            with open_submissions(submissions) as found:
                todo, kept, rows, summary = _run(found, out, seed, limits=limits, workers=workers or cpu_count(),
                                                 grade=grade or grade_task, progress=progress, counter=counter)
    except (LayoutError, ResultsError) as exc:
        raise BatchError(str(exc)) from exc
    except KeyboardInterrupt:
        raise BatchInterrupted(counter["done"], counter["total"], out) from None
    return BatchReport(out, seed, len(todo) + len(kept), len(todo), len(kept), rows, found.layout, summary)


def _run(found, out: Path, seed: int, *, limits, workers, grade, progress, counter):
    """Plan, grade what is missing, then write the gradebook, the summary and batch.json."""
    from grader.grading import max_score

    max_scores = {ex: max_score(ex, include_hidden=True) for ex in _exercises(found)}
    todo, kept = plan(found, out, seed)
    counter["total"] = len(todo)
    if progress:
        progress(0, len(todo), "")
    _grade_all(todo, out, seed=seed, limits=limits, workers=workers, grade=grade, progress=progress,
               counter=counter, max_scores=max_scores)
    rows = build_rows(found, out, max_scores)
    write_gradebook(rows, out, seed=seed, max_scores=max_scores)
    summary = _write_summary(rows, out, seed)
    _update_meta(out, found)
    return todo, kept, rows, summary


def _check_paths(submissions: Path, out: Path) -> None:
    if not submissions.exists():
        raise BatchError(f"submissions not found: {submissions}")
    if out.exists() and not out.is_dir():
        raise BatchError(f"--out {out} is a file; give a folder for the results")
    if submissions.is_dir():
        try:
            out.resolve().relative_to(submissions.resolve())
        except ValueError:
            pass
        else:
            raise BatchError(f"--out {out} is inside {submissions}; it would be taken for a student's folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"cannot create --out {out}: {exc.strerror or exc}") from exc


@contextlib.contextmanager
def _locked(out: Path):
    """Hold out/.lock while grading, so two batches never write the same folder (a POSIX lock: the workers
    forked meanwhile do not inherit it, and it goes away with this process, even after kill -9)."""
    try:
        handle = open(out / ".lock", "a+")
    except OSError as exc:
        raise BatchError(f"cannot write in --out {out}: {exc.strerror or exc}") from exc
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BatchError(f"another `grade batch` is writing to {out}; wait for it to finish") from None
        yield


def _batch_seed(out: Path, seed: int | None, submissions: Path) -> int:
    """The seed stored in out/batch.json; at the first run `seed` (or a new random one) is stored."""
    from grader.grading import new_seed

    path = out / "batch.json"
    try:
        meta = read_json(path)
    except ResultsError as exc:
        raise BatchError(f"{exc}; remove it to start the batch afresh") from exc
    if meta is not None:
        stored = meta.get("seed") if isinstance(meta, dict) else None
        if not isinstance(stored, int):
            raise BatchError(f"{path} has no seed; remove it to start the batch afresh")
        if seed is not None and seed != stored:
            raise BatchError(f"{out} was graded with seed {stored}, not {seed}: rerun without --seed to resume, "
                             f"or choose a new --out")
        return stored
    seed = new_seed() if seed is None else seed
    write_json_atomic({"seed": seed, "grader_version": __version__, "submissions": str(submissions),
                       "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, path)
    return seed


def _update_meta(out: Path, found) -> None:
    meta = read_json(out / "batch.json") or {}
    meta.update({"layout": found.layout, "submissions_found": len(found.submissions),
                 "problems": len(found.problems),
                 "superseded": [s.label for s in found.superseded], "ignored": list(found.ignored)})
    write_json_atomic(meta, out / "batch.json")


def _exercises(found) -> list[str]:
    return sorted({s.exercise for s in found.submissions} | {p.exercise for p in found.problems if p.exercise})


def file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def plan(found, out: Path, seed: int) -> tuple[list[Task], list[Task]]:
    """Split the submissions into those to grade and those whose result on disk is still valid."""
    others: dict[tuple[str, str], list[str]] = {}
    for old in found.superseded:
        others.setdefault((old.student, old.exercise), []).append(old.label)
    todo, kept = [], []
    for sub in found.submissions:
        task = Task(sub.student, sub.name, sub.exercise, str(sub.path), sub.label, sub.late,
                    file_sha256(sub.path), result_relpath(sub.student, sub.exercise),
                    tuple(others.get((sub.student, sub.exercise), ())))
        (kept if _still_valid(out / task.result, task, seed) else todo).append(task)
    return todo, kept


def _still_valid(path: Path, task: Task, seed: int) -> bool:
    try:
        result = read_json(path)
    except ResultsError:
        return False
    return (isinstance(result, dict) and not result.get("batch_retry") and result.get("seed") == seed
            and result.get("file_sha256") == task.sha256 and result.get("grader_version") == __version__
            and result.get("exercise") == task.exercise and result.get("student_id") == task.student)


def grade_task(task: Task, seed: int, limits: Limits) -> dict:
    """The real grading of one task: public and hidden checks (runs in a worker process)."""
    from grader.grading import grade_file

    return grade_file(task.exercise, Path(task.path), seed=seed, limits=limits, include_hidden=True)


def finish_result(task: Task, result: dict, *, retry: bool = False) -> dict:
    """Add who and what to a result; show the file as it is named in SUBMISSIONS, not its temporary path."""
    for key in ("error", "output"):
        if isinstance(result.get(key), str):
            result[key] = result[key].replace(task.path, task.label)
    for test in result.get("tests", []):
        if isinstance(test.get("output"), str):
            test["output"] = test["output"].replace(task.path, task.label)
    result.update({"submission": task.label, "student_id": task.student, "student_name": task.name,
                   "late": task.late, "file": task.label, "file_sha256": task.sha256})
    if task.others:
        result["other_files"] = list(task.others)
    if retry:
        result["batch_retry"] = True  # a failure of ours: the next run grades it again
    return result


def _work(task: Task, *, out: Path, seed: int, limits: Limits, grade: Callable, max_scores: dict) -> dict:
    """Worker side: grade, write the result, reply with its score."""
    try:
        result, retry = grade(task, seed, limits), False
    except Exception as exc:  # a grader bug must cost one row, not the batch
        reason = f"grader error (not the student's fault): {type(exc).__name__}: {exc}"
        result, retry = failed_result(task.exercise, reason, seed=seed, submission=task.label,
                                      max_score=max_scores.get(task.exercise, 0.0)), True
    result = finish_result(task, result, retry=retry)
    write_json_atomic(result, out / task.result)
    return {"score": result["score"], "max_score": result["max_score"], "error": result.get("error")}


def _grade_all(todo, out, *, seed, limits, workers, grade, progress, counter, max_scores) -> None:
    def work(task):
        return _work(task, out=out, seed=seed, limits=limits, grade=grade, max_scores=max_scores)

    def on_done(task, reply):
        counter["done"] += 1
        if progress:
            progress(counter["done"], counter["total"], f"{task.student} {task.exercise}")

    def on_lost(task, reason):
        result = failed_result(task.exercise, reason, seed=seed, submission=task.label,
                               max_score=max_scores.get(task.exercise, 0.0))
        write_json_atomic(finish_result(task, result, retry=True), out / task.result)
        on_done(task, None)

    if todo:
        run_tasks(todo, workers=workers, work=work, on_done=on_done, on_lost=on_lost,
                  deadline=lambda task: _deadline(task.exercise, limits))


def _deadline(exercise: str, limits: Limits) -> float:
    """A generous wall-clock cap for one submission (each check's calls are already capped by the sandbox)."""
    return 60.0 + 3.0 * limits.timeout * (_check_count(exercise) + 1)


@functools.lru_cache(maxsize=None)
def _check_count(exercise: str) -> int:
    from grader.checking import collect

    return len(collect(exercise))


def _write_summary(rows: list[dict], out: Path, seed: int) -> str:
    from grader.results import write_text_atomic
    from grader.summary import load_results, summary_html, summary_text

    results = load_results(rows, out)
    text = summary_text(rows, results, seed=seed)
    write_text_atomic(text + "\n", out / "summary.txt")
    write_text_atomic(summary_html(rows, results, seed=seed), out / "summary.html")
    return text
