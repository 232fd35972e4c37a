"""Which results on disk a rerun of `grade batch` keeps, and which it grades again (and why, in one line).

A result is kept when it is of the same file (sha256), seed, exercise and student, and was made by the same grader
version under the same limits with the hidden checks. A failure that looks like the machine's doing (a worker
killed by SIGKILL from outside, e.g. by the OOM killer; no sandbox; a grader error) is retried once, and the retry
is marked "retried" so it is kept whatever it says. regrade_errors (`--regrade-errors`) regrades every result that
errored, crashed or timed out.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple

from grader import __version__
from grader.course.gradebook import LOAD_PREFIX, result_relpath
from grader.grading.results import ResultsError, read_json
from grader.sandbox.runner import DEFAULT_LIMITS, Limits


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


