"""Grading a whole class: `grade batch SUBMISSIONS --out DIR`.

What lands in DIR:
    batch.json                          the seed (fixed at the first run), the source the folder was made from,
                                        its shard, and what discovery found (grader/course/outdir.py)
    results/<student id>/<exercise>.json one result per submission (Gradescope's results.json fields plus the
                                        exercise, seed, sha256s, student id and name), written as soon as known
    gradebook.csv, gradebook.json       one row per student and exercise (a "missing" row for an exercise a
                                        student did not hand in), and per file that could not be used
    summary.txt, summary.html           score distributions and the checks most students fail

Nothing is lost: every result is written atomically the moment it is known, so after Ctrl-C or kill -9 the same
command grades only what is missing (the rules of what is kept are in grader/course/resume.py) and ends with the same
gradebook. A broken submission (syntax error, hang, crash, unreadable file, another exercise's file) gets a 0 row
with the reason and never stops the batch. Why results are regraded is said in one line through `notice`.

A folder belongs to one class: a run whose SUBMISSIONS lack a student the folder was graded for is refused (the
rule is in grader/course/source.py; replace=True starts the folder afresh). An empty SUBMISSIONS is an error. shard=K/N
grades one part of the class; grader/course/merge.py joins the parts.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, NamedTuple

from grader.course.archive import DEFAULT_ARCHIVE_LIMITS, ArchiveLimits
from grader.course.gradebook import MISSING, build_rows, write_gradebook
from grader.course.layouts import LayoutError, open_submissions
from grader.course.outdir import OutError, check_paths, check_seed, clear, locked, read_meta, write_meta
from grader.grading.results import ResultsError, failed_result, write_json_atomic
from grader.course.resume import RETRY, Task, limits_record, plan, regrade_line
from grader.sandbox.runner import DEFAULT_LIMITS, Limits, shared_worker_uid
from grader.course.source import Shard, SourceError, check_shard, check_source, fingerprint, parse_shard, select_shard
from grader.course.workers import cpu_count, run_tasks


class BatchError(Exception):
    """The batch cannot start (bad SUBMISSIONS or --out, a seed, source or shard that contradicts the folder);
    says why and how to go on."""


class BatchInterrupted(Exception):
    """Ctrl-C: `done` of `total` submissions have results on disk; rerunning the command resumes."""

    def __init__(self, done: int, total: int, out: Path):
        super().__init__(f"interrupted: {done} of {total} submissions graded")
        self.done, self.total, self.out = done, total, out


class Policy(NamedTuple):
    """How a run grades and what it keeps: its limits, whether errored results are regraded, whom to tell."""
    limits: Limits
    regrade_errors: bool = False
    notice: Callable[[str], None] | None = None


class BatchReport(NamedTuple):
    out: Path
    seed: int
    total: int  # submissions (student x exercise) found (in this shard)
    graded: int  # graded by this run
    reused: int  # results kept from an earlier run
    rows: list[dict]
    layout: str
    summary: str  # the text summary (also in out/summary.txt)
    missing: int = 0  # rows of exercises students did not hand in
    shard: str = ""  # "K/N", or "" for the whole class


def run_batch(submissions: Path, out: Path, *, workers: int | None = None, seed: int | None = None,
              limits: Limits = DEFAULT_LIMITS, progress: Callable | None = None,
              grade: Callable | None = None, regrade_errors: bool = False,
              notice: Callable[[str], None] | None = None,
              archive_limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS, shard: Shard | str | None = None,
              replace: bool = False, exercises=None) -> BatchReport:
    """Grade every submission under `submissions` (folder or zip) into `out`; see the module docstring.

    progress(done, total, label) is called with done=0 first, then after each graded submission. `grade(task,
    seed, limits) -> result dict` replaces the real grading (tests). regrade_errors: also regrade every result
    that errored. notice(line): told how many earlier results are regraded and why, before grading starts.
    archive_limits: what all the zips of the batch may unpack together (grader/course/archive.py). shard: grade only
    part K of N of the students ("K/N" or a Shard). replace: remove what earlier batches wrote into `out` and
    start afresh. exercises: those every student should hand in, besides those anyone did (missing rows).
    Raises BatchError, BatchInterrupted.
    """
    submissions, out = Path(submissions), Path(out)
    counter = {"done": 0, "total": 0}
    try:
        shard = parse_shard(shard) if isinstance(shard, str) else shard
        _check_exercises(exercises)
        check_paths(submissions, out)
        with locked(out):
            meta = None if replace else read_meta(out)
            check_seed(meta, seed, out)
            if meta is not None:
                check_shard(meta.get("shard"), shard, out)
            with open_submissions(submissions, limits=archive_limits) as found:
                _check_found(found, submissions)
                expected = sorted(set(exercises or ()) | set(_exercises(found)))
                seed = _start(out, meta, found, seed=seed, submissions=submissions, shard=shard, replace=replace,
                              limits=limits, exercises=expected, notice=notice)
                policy = Policy(limits, regrade_errors, notice)
                todo, kept, rows, summary = _run(select_shard(found, shard), out, seed, policy=policy,
                                                 workers=_workers(workers, notice), grade=grade or grade_task,
                                                 progress=progress, counter=counter, exercises=expected)
    except (LayoutError, ResultsError, OutError, SourceError) as exc:
        raise BatchError(str(exc)) from exc
    except KeyboardInterrupt:
        raise BatchInterrupted(counter["done"], counter["total"], out) from None
    return BatchReport(out, seed, len(todo) + len(kept), len(todo), len(kept), rows, found.layout, summary,
                       sum(r["status"] == MISSING for r in rows), str(shard or ""))


def _check_exercises(exercises) -> None:
    from grader.course.layouts import EXERCISES

    unknown = sorted(set(exercises or ()) - set(EXERCISES))
    if unknown:
        raise SourceError(f"unknown exercise {', '.join(unknown)}: the exercises are {', '.join(EXERCISES)}")


def _check_found(found, submissions: Path) -> None:
    """An empty SUBMISSIONS is a mistake (a wrong path, an unpacked download elsewhere): say what was expected."""
    if found.submissions or found.problems:
        return
    ignored = (f"; {len(found.ignored)} other file{'s' * (len(found.ignored) != 1)} there "
               f"{'are' if len(found.ignored) != 1 else 'is'} not a submission (e.g. {found.ignored[0]})"
               if found.ignored else "")
    raise BatchError(f"no submissions found in {submissions}: expected one folder per student "
                     f"(s1234567/exercise3.py), Canvas \"Download Submissions\" files "
                     f"(smithbob_340934_208490284_exercise3.py), or a .zip of either{ignored}")


def _start(out: Path, meta, found, *, seed, submissions, shard, replace, limits, exercises, notice) -> int:
    """Check the source against the folder's record (or clear the folder: replace), record this run in
    batch.json; the batch's seed."""
    from grader.grading.grade import new_seed

    if shard and not meta and seed is None:
        raise SourceError(f"--shard {shard} needs --seed: every part of a batch must grade with the same seed "
                          f"(e.g. --seed 2024 on all {shard.count} of them)")
    source = fingerprint(submissions, found)
    if replace:
        clear(out)
    else:
        moved = check_source(meta.get("source") if meta else None, source, out, submissions)
        if moved and notice:
            notice(moved)
    seed = meta["seed"] if meta else (new_seed() if seed is None else seed)
    if meta and "merged_from" in meta:  # graded into since it was merged: no later merge may replace it now
        meta = {key: value for key, value in meta.items() if key != "merged_from"}
    write_meta(out, meta, seed=seed, submissions=str(submissions), source=source,
               shard=str(shard) if shard else None, exercises=exercises, limits=limits_record(limits))
    return seed


def _workers(workers: int | None, notice) -> int:
    """How many grading processes: one when the workers could not have uids of their own (said in a line)."""
    count = workers or cpu_count()
    if count > 1 and shared_worker_uid():
        if notice is not None:
            notice("warning: grading one submission at a time: this user namespace maps too few uids to give each "
                   "worker one of its own (see `grade doctor`)")
        return 1
    return count


def _run(found, out: Path, seed: int, *, policy, workers, grade, progress, counter, exercises):
    """Plan, grade what is missing, then write the gradebook, the summary and batch.json."""
    from grader.grading.grade import max_score

    max_scores = {ex: max_score(ex, include_hidden=True) for ex in exercises}
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
    rows = build_rows(found, out, max_scores, exercises)
    write_gradebook(rows, out, seed=seed, max_scores=max_scores)
    summary = _write_summary(rows, out, seed)
    write_meta(out, read_meta(out), layout=found.layout, submissions_found=len(found.submissions),
               problems=len(found.problems), superseded=[s.label for s in found.superseded],
               ignored=list(found.ignored))
    return todo, kept, rows, summary


def _exercises(found) -> list[str]:
    return sorted({s.exercise for s in found.submissions} | {p.exercise for p in found.problems if p.exercise})


def grade_task(task: Task, seed: int, limits: Limits) -> dict:
    """The real grading of one task: public and hidden checks (runs in a worker process)."""
    from grader.grading.grade import grade_file

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
    from grader.grading.checking import collect

    return len(collect(exercise))


def _write_summary(rows: list[dict], out: Path, seed: int) -> str:
    from grader.grading.results import write_text_atomic
    from grader.course.summary import load_results, summary_text
    from grader.course.summary_html import summary_page as summary_html

    results = load_results(rows, out)
    text = summary_text(rows, results, seed=seed)
    write_text_atomic(text + "\n", out / "summary.txt")
    write_text_atomic(summary_html(rows, results, seed=seed), out / "summary.html")
    return text
