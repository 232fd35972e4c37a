"""What a batch tells the instructor, for teaching: per exercise the mistakes students made (ranked by how many
students made them), who did not start which function, the checks most students fail, and per student the total,
what is late, resubmitted, missing or worth 0 and why.

`summary_text` is printed at the end of `grade batch` and written to out/summary.txt; `summary_html`
(grader/course/summary_html.py) is a static page (out/summary.html) with inline SVG charts and one tiny inline script
that sorts the student table; it needs nothing from the network. Both are computed from the gradebook rows and the
result files only, so they are the same after a resumed batch.

How a failure is read (`read_failure`, grader/course/summary_mistakes.py): a check whose output starts with "not implemented yet" is a stub, counted
once per student and function ("3 students did not start rot180"), never as a failed check; any other failure's
first line may name a known mistake ("... Looks like: the kernel was not rotated by 180°."), and each mistake is
counted once per student. Mistake names that differ only in a number that varies (the stride) are one mistake,
shown with N for it. A message is never cut before its diagnosis (`shorten` cuts its middle).

An exercise with no row for a student who has rows is "missing" (as a row with status "missing" says, when the
batch writes them): it counts 0 in the student's total, and is left out of the exercise's score statistics.

Every text shown (student ids, names, file names, reasons, check messages) goes through `one_line` first (and
`html.escape` in the HTML page), so a file name cannot put terminal escapes, bidi overrides, markup or a fake row
into either. Files whose Canvas name reads as several students' are listed in full, first: they need the
instructor.
"""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from grader.course.gradebook import EXERCISE_ORDER, format_number
from grader.course.neutral import one_line
from grader.grading.results import ResultsError, read_json
from grader.course.summary_mistakes import (Mistake, Stub, _failed_tests, _skeleton, named_mistakes, not_started,
                                     read_failure, shorten, student_mistakes)

BIN_LABELS = tuple(f"{10 * i}-{10 * i + 9}%" for i in range(10)) + ("100%",)
TOP_CHECKS = 10  # in the HTML page; the rest is folded
TEXT_CHECKS = 5  # in the text summary
TEXT_MISTAKES = 8
TEXT_PROBLEMS = 20
MISSING = "missing"
MISSING_REASON = "not handed in"


class CheckFailures(NamedTuple):
    name: str
    visibility: str
    failed: int  # results that failed it, stubs aside
    ran: int  # results in which the check ran, stubs aside
    example: str  # a first line of its most common kind of failure message, in full
    stubs: int = 0  # results whose function was an untouched stub here


class ExerciseStats(NamedTuple):
    exercise: str
    max_score: float
    count: int  # rows handed in (graded or not)
    errors: int  # rows that could not be graded (score 0)
    low: float
    median: float
    mean: float
    high: float
    histogram: tuple[int, ...]  # counts per BIN_LABELS bin of score / max_score
    checks: tuple[CheckFailures, ...]  # most failed first; only checks that someone failed (stubs aside)
    mistakes: tuple[Mistake, ...] = ()  # most students first
    stubs: tuple[Stub, ...] = ()  # most students first
    missing: int = 0  # students with rows who handed in nothing for this exercise


class Cell(NamedTuple):
    """One student's standing in one exercise."""
    exercise: str
    score: float
    max_score: float
    status: str  # "graded", "error", "missing"
    late: bool
    resubmitted: int  # earlier files of the same exercise (not graded)
    why: str  # why it earned nothing ("" when it earned something); else what went wrong, if anything
    file: str


class StudentRow(NamedTuple):
    student_id: str
    name: str
    total: float
    max_total: float
    cells: tuple[Cell, ...]  # one per exercise of the batch, in exercise order


# ------------------------------------------------------------------------------------------ reading results
def load_results(rows: list[dict], out: Path) -> dict[tuple[str, str], dict]:
    """The result file of every row that has one, keyed by (student id, exercise)."""
    results = {}
    for row in rows:
        if row.get("result"):
            try:
                result = read_json(Path(out) / row["result"])
            except ResultsError:
                result = None
            if isinstance(result, dict):
                results[(row["student_id"], row["exercise"])] = result
    return results


# ------------------------------------------------------------------------------------------ per exercise
def histogram(fractions: list[float]) -> tuple[int, ...]:
    """Counts of score fractions in 10% bins, with a bin of its own for full marks."""
    counts = [0] * len(BIN_LABELS)
    for fraction in fractions:
        index = len(BIN_LABELS) - 1 if fraction >= 1 - 1e-9 else min(9, max(0, int(fraction * 10 + 1e-9)))
        counts[index] += 1
    return tuple(counts)


def check_failures(results: list[dict]) -> tuple[CheckFailures, ...]:
    """Per check: how many graded results failed it, most failed first (by share, then count, then name).
    A stub's failure ("not implemented yet") is counted apart (`stubs`), in neither `failed` nor `ran`. The
    example is the shortest line of the most common kind of message (lines alike but for their numbers)."""
    ran, failed, stubs, messages, visibility = Counter(), Counter(), Counter(), {}, {}
    for result in results:
        if result.get("error"):
            continue
        for test in result.get("tests", []):
            if not isinstance(test, dict):
                continue
            name = one_line(test.get("name", "?"))
            visibility[name] = test.get("visibility", "visible")
            if test.get("status") == "passed":
                ran[name] += 1
                continue
            failure = read_failure(test)
            if failure.stub:
                stubs[name] += 1
                continue
            ran[name] += 1
            failed[name] += 1
            messages.setdefault(name, {}).setdefault(_skeleton(failure.first_line), []).append(failure.first_line)
    rows = []
    for name in failed:
        kinds = sorted(messages[name].values(), key=lambda lines: (-len(lines), min(lines)))
        rows.append(CheckFailures(name, visibility[name], failed[name], ran[name],
                                  min(kinds[0], key=lambda s: (len(s), s)), stubs[name]))
    return tuple(sorted(rows, key=lambda c: (-c.failed / c.ran, -c.failed, c.name)))


def _exercise_names(rows: list[dict]) -> list[str]:
    return sorted({r["exercise"] for r in rows if r["exercise"]},
                  key=lambda e: (EXERCISE_ORDER.index(e) if e in EXERCISE_ORDER else 99, e))


def exercise_stats(rows: list[dict], results: dict) -> list[ExerciseStats]:
    """The statistics of each exercise that has rows, in exercise order (missing work counted apart)."""
    stats = []
    for exercise in _exercise_names(rows):
        every = [r for r in rows if r["exercise"] == exercise]
        mine = [r for r in every if r["status"] != MISSING]
        top = max(float(r["max_score"]) for r in every) or 1.0
        if not mine:
            stats.append(ExerciseStats(exercise, top, 0, 0, 0.0, 0.0, 0.0, 0.0, histogram([]), (),
                                       missing=len(every)))
            continue
        scores = [float(r["score"]) for r in mine]
        graded = {r["student_id"]: results[(r["student_id"], exercise)] for r in mine
                  if (r["student_id"], exercise) in results}
        stats.append(ExerciseStats(exercise, top, len(mine), sum(r["status"] != "graded" for r in mine),
                                   min(scores), statistics.median(scores), statistics.fmean(scores), max(scores),
                                   histogram([float(r["score"]) / (float(r["max_score"]) or top) for r in mine]),
                                   check_failures(list(graded.values())),
                                   named_mistakes(graded), not_started(graded), len(every) - len(mine)))
    return stats


# ------------------------------------------------------------------------------------------ per student
def with_missing(rows: list[dict]) -> list[dict]:
    """`rows` plus a "missing" row for every exercise of the batch that a student with rows has none of (the
    batch may already write them: those are kept as they are)."""
    exercises = _exercise_names(rows)
    tops = {e: max((float(r["max_score"]) for r in rows if r["exercise"] == e), default=0.0) for e in exercises}
    have, names = set(), {}
    for r in rows:
        if r["student_id"] and r["status"] != "ambiguous":
            have.add((r["student_id"], r["exercise"]))
            names[r["student_id"]] = names.get(r["student_id"]) or r.get("name", "")
    added = [{"student_id": s, "name": names[s], "exercise": e, "score": 0.0, "max_score": tops[e],
              "status": MISSING, "late": False, "file": "", "reason": MISSING_REASON, "result": ""}
             for s in sorted(names) for e in exercises if (s, e) not in have]
    return rows + added


def zero_why(row: dict, result: dict | None) -> str:
    """Why a row earned nothing, as a teacher would say it: not handed in, the error, the functions not started,
    the mistakes named, or the row's reason."""
    if row["status"] == MISSING:
        return one_line(row.get("reason") or MISSING_REASON)
    if row["status"] == "graded" and result:
        failed = [f for _, f in _failed_tests(result)]
        stubs = sorted({f.stub for f in failed if f.stub})
        mistakes = sorted(student_mistakes([f for f in failed if not f.stub]))
        parts = ([f"did not start {', '.join(stubs)}"] if stubs else []) + (
            [f"looks like: {'; '.join(mistakes)}"] if mistakes else [])
        if parts:
            return one_line("; ".join(parts))
    return one_line(row.get("reason", ""))


def _pick(rows: list[dict]) -> dict:
    """The row that stands for a student's exercise: a graded one before an error, the best score first."""
    return max(rows, key=lambda r: (r["status"] == "graded", r["status"] != MISSING, float(r["score"])))


def student_rows(rows: list[dict], results: dict) -> list[StudentRow]:
    """One row per student (by name, then id) with a cell per exercise; `rows` as `with_missing` gives them."""
    exercises = _exercise_names(rows)
    tops = {st.exercise: st.max_score for st in exercise_stats(rows, results)}
    mine: dict[str, dict[str, list[dict]]] = {}
    names = {}
    for r in rows:
        if r["student_id"] and r["status"] != "ambiguous":
            mine.setdefault(r["student_id"], {}).setdefault(r["exercise"], []).append(r)
            names[r["student_id"]] = names.get(r["student_id"]) or r.get("name", "")
    table = []
    for student, by_exercise in mine.items():
        cells = []
        for exercise in exercises:
            if exercise not in by_exercise:
                continue  # rows without `with_missing`: nothing to say
            row = _pick(by_exercise[exercise])
            result = results.get((student, exercise)) or {}
            score = float(row["score"])
            others = result.get("other_files") or []
            why = zero_why(row, result) if score == 0 else ""
            cells.append(Cell(exercise, score, tops.get(exercise, float(row["max_score"])), row["status"],
                              bool(row.get("late") or result.get("late")),
                              len(others) if isinstance(others, list) else 0, why, one_line(row.get("file", ""))))
        table.append(StudentRow(one_line(student), one_line(names[student]), sum(c.score for c in cells),
                                sum(tops.get(e, 0.0) for e in exercises), tuple(cells)))
    return sorted(table, key=lambda s: ((s.name or s.student_id).casefold(), s.student_id))


# ------------------------------------------------------------------------------------------ shared texts
def _headline(rows: list[dict], seed: int) -> str:
    students = len({r["student_id"] for r in rows if r["student_id"]})
    handed = [r for r in rows if r["exercise"] and r["status"] != MISSING]
    graded = sum(1 for r in handed if r["status"] == "graded")
    errors = len(handed) - graded
    unmatched = sum(1 for r in rows if not r["exercise"])
    missing = sum(1 for r in rows if r["exercise"] and r["status"] == MISSING)
    zero = sum(1 for r in handed if r["status"] == "graded" and float(r["score"]) == 0)
    text = (f"{students} students, {graded + errors} submissions: {graded} graded ({zero} of them scored 0), "
            f"{errors} could not be graded; {unmatched} files or folders matched no exercise")
    gone = f"; {missing} exercise{'' if missing == 1 else 's'} not handed in" if missing else ""
    return text + gone + f" (seed {seed})"


def _zero_rows(rows: list[dict]) -> list[dict]:
    """Rows that earned nothing: files that could not be graded or used, and submissions that passed no check
    (but the ambiguous ones, which have a section of their own, and missing work, which is in the student
    table)."""
    return [r for r in rows if r["status"] not in ("ambiguous", MISSING)
            and (r["status"] != "graded" or float(r["score"]) == 0)]


def _ambiguous_rows(rows: list[dict]) -> list[dict]:
    """Files filed under nobody because their Canvas name reads as several students'."""
    return [r for r in rows if r["status"] == "ambiguous"]


AMBIGUOUS_TITLE = "Not graded: whose file is it? (the Canvas file name reads as several students')"


def students_word(count: int) -> str:
    return f"{count} student" + ("" if count == 1 else "s")


def stub_line(stub: Stub) -> str:
    return f"{students_word(stub.students)} did not start {stub.function}"


def cell_flags(cell: Cell) -> list[str]:
    """late, resubmitted, missing: as short words."""
    flags = ["missing"] if cell.status == MISSING else []
    if cell.late:
        flags.append("late")
    if cell.resubmitted:
        flags.append(f"resubmitted ({cell.resubmitted} earlier file{'s' if cell.resubmitted > 1 else ''})")
    return flags


# ------------------------------------------------------------------------------------------ text summary
def summary_text(rows: list[dict], results: dict, *, seed: int) -> str:
    """The plain-text summary; see the module docstring."""
    n = format_number
    rows = with_missing(rows)
    lines = [f"Batch summary: {_headline(rows, seed)}"]
    unsure = _ambiguous_rows(rows)
    if unsure:
        lines += ["", f"{AMBIGUOUS_TITLE}:"] + [f"  {one_line(r['file'])}: {one_line(r['reason'])}" for r in unsure]
    for st in exercise_stats(rows, results):
        missing = f", {st.missing} not handed in" if st.missing else ""
        lines += ["", f"{st.exercise}: {st.count} submissions, {st.errors} could not be graded{missing}, "
                      f"max {n(st.max_score)} points"]
        if st.count:
            lines.append(f"  min {n(st.low)}   median {n(st.median)}   mean {n(st.mean)}   max {n(st.high)}")
            widest = max(st.histogram) or 1
            for label, count in zip(BIN_LABELS, st.histogram):
                lines.append(f"  {label:>7} {'#' * round(30 * count / widest):<30} {count}")
        if st.mistakes:
            lines.append("  mistakes, by students who made them:")
        for m in st.mistakes[:TEXT_MISTAKES]:
            lines += [f"    {m.students:>4}  {m.name}  (in {', '.join(m.functions)})",
                      f"          e.g. {shorten(m.example, 110)}"]
        if len(st.mistakes) > TEXT_MISTAKES:
            lines.append(f"    ... and {len(st.mistakes) - TEXT_MISTAKES} more (see summary.html)")
        lines += [f"  {stub_line(s)}" for s in st.stubs]
        if st.checks:
            lines.append("  checks most often failed (students who did not start the function aside):")
        for chk in st.checks[:TEXT_CHECKS]:
            hidden = " [hidden]" if chk.visibility == "hidden" else ""
            lines.append(f"    {chk.failed:>4}/{chk.ran:<4} {100 * chk.failed / chk.ran:3.0f}%  {chk.name}{hidden}")
            if chk.example:
                lines.append(f"                     e.g. {shorten(chk.example, 100)}")
        if len(st.checks) > TEXT_CHECKS:
            lines.append(f"    ... and {len(st.checks) - TEXT_CHECKS} more checks (see summary.html)")
    table = student_rows(rows, results)
    if table:
        lines += ["", "Students (total / max; per exercise: score, and what to know):"]
        for s in table:
            who = s.student_id + (f" ({s.name})" if s.name and s.name != s.student_id else "")
            parts = []
            for c in s.cells:
                if c.status == MISSING:
                    parts.append(f"{c.exercise} missing")
                    continue
                notes = cell_flags(c) + ([f"0: {c.why}"] if c.why else [])
                parts.append(f"{c.exercise} {n(c.score)}" + (f" ({', '.join(notes)})" if notes else ""))
            lines.append(f"  {who}  {n(s.total)}/{n(s.max_total)}   " + "; ".join(parts))
    problems = _zero_rows(rows)
    if problems:
        lines += ["", "Score 0, and why:"]
        for row in problems[:TEXT_PROBLEMS]:
            why = zero_why(row, results.get((row["student_id"], row["exercise"])))
            lines.append(f"  {one_line(row['student_id'] or '?')}  {one_line(row['file'])}: {why}")
        if len(problems) > TEXT_PROBLEMS:
            lines.append(f"  ... and {len(problems) - TEXT_PROBLEMS} more (see gradebook.csv)")
    return "\n".join(lines)
