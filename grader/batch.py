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

Resume rules: each result records the limits it was made under ("limits": timeout and memory), the grader version
and that the hidden checks ran; one made otherwise is graded again. A failure that looks like the machine's doing
(a worker killed by SIGKILL from outside, e.g. by the OOM killer; no sandbox; a grader error) is retried once, and
the retry is marked "retried" so it is kept whatever it says. regrade_errors=True (`--regrade-errors`) regrades
every result that errored, crashed or timed out. Why results are regraded is said in one line through `notice`.
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
from grader.archive import DEFAULT_ARCHIVE_LIMITS, ArchiveLimits
from grader.gradebook import build_rows, result_relpath, write_gradebook
from grader.layouts import LayoutError, open_submissions
from grader.results import ResultsError, failed_result, read_json, write_json_atomic
from grader.sandbox import DEFAULT_LIMITS, Limits, shared_worker_uid
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


class Policy(NamedTuple):
    """How a run grades and what it keeps: its limits, whether errored results are regraded, whom to tell."""
    limits: Limits
    regrade_errors: bool = False
    notice: Callable[[str], None] | None = None


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
              grade: Callable | None = None, regrade_errors: bool = False,
              notice: Callable[[str], None] | None = None,
              archive_limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS) -> BatchReport:
    """Grade every submission under `submissions` (folder or zip) into `out`; see the module docstring.

    progress(done, total, label) is called with done=0 first, then after each graded submission. `grade(task,
    seed, limits) -> result dict` replaces the real grading (tests). regrade_errors: also regrade every result
    that errored. notice(line): told how many earlier results are regraded and why, before grading starts.
    archive_limits: what all the zips of the batch may unpack together (grader/archive.py).
    Raises BatchError, BatchInterrupted.
    """
    submissions, out = Path(submissions), Path(out)
    _check_paths(submissions, out)
    counter = {"done": 0, "total": 0}
    try:
        with _locked(out):
            seed = _batch_seed(out, seed, submissions)
            with open_submissions(submissions, limits=archive_limits) as found:
                policy = Policy(limits, regrade_errors, notice)
                todo, kept, rows, summary = _run(found, out, seed, policy=policy, workers=_workers(workers, notice),
                                                 grade=grade or grade_task, progress=progress, counter=counter)
    except (LayoutError, ResultsError) as exc:
        raise BatchError(str(exc)) from exc
    except KeyboardInterrupt:
        raise BatchInterrupted(counter["done"], counter["total"], out) from None
    return BatchReport(out, seed, len(todo) + len(kept), len(todo), len(kept), rows, found.layout, summary)


def _workers(workers: int | None, notice) -> int:
    """How many grading processes: one when the workers could not have uids of their own (said in a line)."""
    count = workers or cpu_count()
    if count > 1 and shared_worker_uid():
        if notice is not None:
            notice("grading one submission at a time: this user namespace maps too few uids to give each "
                   "worker one of its own (see `grade doctor`)")
        return 1
    return count


def _run(found, out: Path, seed: int, *, policy, workers, grade, progress, counter):
    """Plan, grade what is missing, then write the gradebook, the summary and batch.json."""
    from grader.grading import max_score

    max_scores = {ex: max_score(ex, include_hidden=True) for ex in _exercises(found)}
    todo, kept, why = plan(found, out, seed, limits=policy.limits, regrade_errors=policy.regrade_errors)
    line = regrade_line(why)
    if line and policy.notice:
        policy.notice(line)
    counter["total"] = len(todo)
    if progress:
        progress(0, len(todo), "")
    retrying = frozenset(result for result, reason in why.items() if reason == RETRY)
    _grade_all(todo, out, seed=seed, limits=policy.limits, workers=workers, grade=grade, progress=progress,
               counter=counter, max_scores=max_scores, retrying=retrying)
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


def plan(found, out: Path, seed: int, *, limits: Limits = DEFAULT_LIMITS,
         regrade_errors: bool = False) -> tuple[list[Task], list[Task], dict[str, str]]:
    """Split the submissions into those to grade and those whose result on disk is still valid; the third
    item says why each one to grade is graded (by its result's path: NEW, or a key of REASONS)."""
    others: dict[tuple[str, str], list[str]] = {}
    for old in found.superseded:
        others.setdefault((old.student, old.exercise), []).append(old.label)
    todo, kept, why = [], [], {}
    for sub in found.submissions:
        task = Task(sub.student, sub.name, sub.exercise, str(sub.path), sub.label, sub.late,
                    file_sha256(sub.path), result_relpath(sub.student, sub.exercise),
                    tuple(others.get((sub.student, sub.exercise), ())))
        reason = regrade_reason(out / task.result, task, seed, limits, regrade_errors)
        (todo if reason else kept).append(task)
        if reason:
            why[task.result] = reason
    return todo, kept, why


# ---- resume rules: which results on disk are kept -------------------------------------------------------------

NEW = "new"  # no result of this file on disk (or of another file, seed, exercise): graded, not reported
RETRY = "retry"
REASONS = {  # why an earlier result of the same file is graded again, as the notice line says it
    "version": "made by another grader version",
    "no-record": "made before results recorded their limits",
    "hidden": "made without the hidden checks",
    "limits": "made under other limits",
    "errors": "that errored (--regrade-errors)",
    RETRY: "whose worker was killed from outside (SIGKILL, OOM killer) or hit a grader or sandbox error "
           "(retried once)",
}
LOAD_PREFIX = "the submission could not be loaded: "
# first lines of a check's output (or a result's error) that are the machine's doing, not the student's
MACHINE_FAILURES = ("the worker crashed (signal SIGKILL)", "the worker crashed (its connection was lost)",
                    "grader error (not your fault)", "grader error (not the student's fault)",
                    "cannot start a sandboxed worker", "the sandbox could not start a worker")
# ... and those of any crash, timeout or sandbox failure, for --regrade-errors
ERRORS = MACHINE_FAILURES + ("timed out", "not run: ", "the worker ", "used more than ", "the submission called ")


def limits_record(limits: Limits) -> dict:
    """What a result records of the limits it was made under."""
    return {"timeout": float(limits.timeout), "memory": int(limits.memory)}


def regrade_reason(path: Path, task: Task, seed: int, limits: Limits, regrade_errors: bool = False) -> str | None:
    """None when the result at `path` is kept; else why the task is graded (NEW or a key of REASONS)."""
    try:
        result = read_json(path)
    except ResultsError:
        return NEW
    if not (isinstance(result, dict) and result.get("seed") == seed and result.get("file_sha256") == task.sha256
            and result.get("exercise") == task.exercise and result.get("student_id") == task.student):
        return NEW
    if result.get("grader_version") != __version__:
        return "version"
    if "limits" not in result or "hidden_checks" not in result:
        return "no-record"
    if result["hidden_checks"] is not True:
        return "hidden"
    if result["limits"] != limits_record(limits):
        return "limits"
    if regrade_errors and failed_with(result, ERRORS, errors=True):
        return "errors"
    if not result.get("retried") and (result.get("batch_retry") or failed_with(result, MACHINE_FAILURES)):
        return RETRY
    return None


def failed_with(result: dict, starts: tuple[str, ...], *, errors: bool = False) -> bool:
    """Does a check's output (or the result's error) start with one of `starts`? (A load failure counts by
    what it says after "the submission could not be loaded: ".) errors: any "error" or retry mark counts."""
    if errors and ("error" in result or result.get("batch_retry")):
        return True
    texts = [result.get("error")] + [t.get("output") for t in result.get("tests") or () if isinstance(t, dict)]
    for text in texts:
        if isinstance(text, str):
            first = text.split("\n", 1)[0]
            first = first[len(LOAD_PREFIX):] if first.startswith(LOAD_PREFIX) else first
            if first.startswith(starts):
                return True
    return False


def regrade_line(why: dict[str, str]) -> str:
    """One line on how many earlier results are graded again and why; '' when none is."""
    counts = {key: sum(reason == key for reason in why.values()) for key in REASONS}
    counts = {key: n for key, n in counts.items() if n}
    if not counts:
        return ""
    total = sum(counts.values())
    noun = "result" if total == 1 else "results"
    if len(counts) == 1:
        return f"regrading {total} {noun} {REASONS[next(iter(counts))]}"
    return f"regrading {total} {noun}: " + ", ".join(f"{n} {REASONS[key]}" for key, n in counts.items())


def grade_task(task: Task, seed: int, limits: Limits) -> dict:
    """The real grading of one task: public and hidden checks (runs in a worker process)."""
    from grader.grading import grade_file

    return grade_file(task.exercise, Path(task.path), seed=seed, limits=limits, include_hidden=True)


def finish_result(task: Task, result: dict, *, retry: bool = False, limits: Limits = DEFAULT_LIMITS,
                  retried: bool = False) -> dict:
    """Add who and what to a result, and what it was made under (limits, hidden checks; `retried`: this grading
    is the one retry of a failure of the machine's); show the file as it is named in SUBMISSIONS, not its
    temporary path."""
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
    result.update({"limits": limits_record(limits), "hidden_checks": True})
    if retried:
        result["retried"] = True
    if retry:
        result["batch_retry"] = True  # a failure of ours: the next run grades it again (once, see RETRY)
    return result


def _work(task: Task, *, out: Path, seed: int, limits: Limits, grade: Callable, max_scores: dict,
          retried: bool = False) -> dict:
    """Worker side: grade, write the result, reply with its score."""
    try:
        result, retry = grade(task, seed, limits), False
    except Exception as exc:  # a grader bug must cost one row, not the batch
        reason = f"grader error (not the student's fault): {type(exc).__name__}: {exc}"
        result, retry = failed_result(task.exercise, reason, seed=seed, submission=task.label,
                                      max_score=max_scores.get(task.exercise, 0.0)), True
    result = finish_result(task, result, retry=retry, limits=limits, retried=retried)
    write_json_atomic(result, out / task.result)
    return {"score": result["score"], "max_score": result["max_score"], "error": result.get("error")}


def _grade_all(todo, out, *, seed, limits, workers, grade, progress, counter, max_scores,
               retrying=frozenset()) -> None:
    def work(task):
        return _work(task, out=out, seed=seed, limits=limits, grade=grade, max_scores=max_scores,
                     retried=task.result in retrying)

    def on_done(task, reply):
        counter["done"] += 1
        if progress:
            progress(counter["done"], counter["total"], f"{task.student} {task.exercise}")

    def on_lost(task, reason):
        result = failed_result(task.exercise, reason, seed=seed, submission=task.label,
                               max_score=max_scores.get(task.exercise, 0.0))
        write_json_atomic(finish_result(task, result, retry=True, limits=limits, retried=task.result in retrying),
                          out / task.result)
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
