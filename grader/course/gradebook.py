"""The batch's gradebook: one row per student and exercise (plus a row per file that could not be used).

Rows are built from the result files on disk and what discovery found, so a batch that was interrupted and
resumed produces exactly the same gradebook as one that ran straight through. Nothing in it depends on the time.

Every text a student can influence (student id, name, file, reason) is passed through `one_line` in the rows
(so gradebook.json, the summary and the exports get it plain), and every such CSV cell through `csv_cell`, so
no spreadsheet runs it as a formula; numbers are written as numbers (grader/course/neutral.py has the rule).
A row's status is "graded", "error" (0 points: the reason says why), "ambiguous" (a Canvas file name that
reads as several students': filed under nobody, not graded) or "missing" (MISSING: an exercise of the batch that
a student did not hand in: 0 of the exercise's points, reason "not handed in", no file and no result). A student
is anyone with a row of their own (a submission, or a file that could not be used); the exercises of the batch
are those anyone handed in, or those the caller names (`grade batch --exercises`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.course.layouts import EXERCISES as EXERCISE_ORDER
from grader.course.neutral import csv_cell, one_line
from grader.grading.results import ResultsError, read_json, write_json_atomic, write_text_atomic

COLUMNS = ("student_id", "name", "exercise", "score", "max_score", "status", "late", "file", "reason", "result")


def result_relpath(student: str, exercise: str) -> str:
    return f"results/{student}/{exercise}.json"


def row_key(row: dict) -> tuple:
    order = EXERCISE_ORDER.index(row["exercise"]) if row["exercise"] in EXERCISE_ORDER else len(EXERCISE_ORDER)
    return row["student_id"], order, row["exercise"], row["file"]


MISSING = "missing"
NOT_HANDED_IN = "not handed in"
LOAD_PREFIX = "the submission could not be loaded: "
# what a failed check's first line starts with (after LOAD_PREFIX), by the kind of failure it is
KINDS = (("timed out", ("timed out",)), ("crashed", ("the worker crashed",)),
         ("out of memory", ("used more than ",)), ("not implemented yet", ("not implemented yet",)))


def failure_reason(result: dict) -> str:
    """Why a result is not full marks, in one line: its error, the one message all failed checks share (when
    all checks failed), else the one kind of failure they all are ("timed out", "crashed", "out of memory", "not
    implemented yet"; with a count when some checks passed), or a count."""
    if result.get("error"):
        return _first_line(result["error"])
    tests = result.get("tests", [])
    failed = [t for t in tests if t.get("status") != "passed"]
    if not failed:
        return ""
    messages = {_first_line(t.get("output", "")) for t in failed}
    if len(failed) == len(tests) and len(messages) == 1 and "" not in messages:
        return messages.pop()
    kinds = {failure_kind(message) for message in messages}
    count = f"{len(failed)} of {len(tests)} checks failed"
    if len(kinds) == 1 and None not in kinds:
        return kinds.pop() if len(failed) == len(tests) else f"{count}: {kinds.pop()}"
    return count


def failure_kind(line: str) -> str | None:
    """'timed out', 'crashed', 'out of memory' or 'not implemented yet' for a failed check's first line; None
    for any other failure. A check not run because its function already timed out counts as timed out."""
    line = line[len(LOAD_PREFIX):] if line.startswith(LOAD_PREFIX) else line
    if line.startswith("not run: ") and " already timed out" in line:
        return "timed out"
    for kind, starts in KINDS:
        if line.startswith(starts):
            return kind
    return None


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= 200 else line[:199] + "…"


def result_row(student: str, name: str, exercise: str, label: str, late: bool, result: dict | None,
               relpath: str) -> dict:
    """The gradebook row of one graded (or ungradable) submission; its texts on one plain line."""
    who = {"student_id": one_line(student), "name": one_line(name), "exercise": exercise}
    if result is None:
        return {**who, "score": 0.0, "max_score": 0.0, "status": "error", "late": late, "file": one_line(label),
                "reason": "not graded yet (run the batch again)", "result": ""}
    return {**who, "score": float(result["score"]), "max_score": float(result["max_score"]),
            "status": "error" if result.get("error") else "graded", "late": late, "file": one_line(label),
            "reason": one_line(failure_reason(result)), "result": relpath}


def problem_row(problem, max_score: float) -> dict:
    """The row of a file or folder that gives no gradable submission: 0 points, with the reason."""
    return {"student_id": one_line(problem.student), "name": one_line(problem.name), "exercise": problem.exercise,
            "score": 0.0, "max_score": max_score, "status": getattr(problem, "status", "error"), "late": False,
            "file": one_line(problem.label), "reason": one_line(problem.reason), "result": ""}


def missing_rows(rows: list[dict], exercises, max_scores: dict[str, float]) -> list[dict]:
    """A MISSING row for each student (anyone with a row but an ambiguous one) and each of `exercises` that
    the student has no row for."""
    names: dict[str, str] = {}
    have = set()
    for row in rows:
        if row["student_id"] and row["status"] != "ambiguous":
            names[row["student_id"]] = names.get(row["student_id"]) or row["name"]
            have.add((row["student_id"], row["exercise"]))
    return [{"student_id": student, "name": name, "exercise": exercise, "score": 0.0,
             "max_score": float(max_scores.get(exercise, 0.0)), "status": MISSING, "late": False, "file": "",
             "reason": NOT_HANDED_IN, "result": ""}
            for student, name in names.items() for exercise in exercises if (student, exercise) not in have]


def build_rows(discovery, out: Path, max_scores: dict[str, float], exercises=None) -> list[dict]:
    """Every row of the gradebook, sorted by student, exercise and file; a MISSING row for each exercise (of
    `exercises`, else those in `discovery`) a student did not hand in."""
    rows = []
    for sub in discovery.submissions:
        relpath = result_relpath(sub.student, sub.exercise)
        try:
            result = read_json(Path(out) / relpath)
        except ResultsError:
            result = None
        rows.append(result_row(sub.student, sub.name, sub.exercise, sub.label, sub.late, result, relpath))
    for problem in discovery.problems:
        rows.append(problem_row(problem, max_scores.get(problem.exercise, 0.0)))
    if exercises is None:
        exercises = {s.exercise for s in discovery.submissions} | {p.exercise for p in discovery.problems}
    exercises = sorted({ex for ex in exercises if ex})
    return sorted(rows + missing_rows(rows, exercises, max_scores), key=row_key)


def csv_text(header, rows, *, exact: tuple[int, ...] = ()) -> str:
    """CSV text with a header row; numbers as they should read (12, 12.5), booleans as yes/no.

    Every text cell is made one plain line that no spreadsheet runs as a formula (`format_cell`), but those in
    the columns numbered in `exact` (an LMS's identity columns, which must arrive unchanged: the caller leaves
    out rows whose value is not `neutral.exact_safe`). The header is written as given (it names the LMS's
    columns, which must match exactly).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([str(value) if i in exact else format_cell(value) for i, value in enumerate(row)])
    return buffer.getvalue()


def format_cell(value) -> str:
    """One CSV cell: a number as a number, a boolean as yes or blank, any text plain and formula-safe."""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, int):
        return str(value)
    return "" if value is None else csv_cell(one_line(value))


def format_number(value: float, digits: int = 2) -> str:
    text = f"{round(float(value), digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def write_gradebook(rows: list[dict], out: Path, *, seed: int, max_scores: dict[str, float]) -> None:
    """out/gradebook.csv and out/gradebook.json (the same rows, plus the seed and each exercise's points)."""
    write_text_atomic(csv_text(COLUMNS, ([row[c] for c in COLUMNS] for row in rows)), Path(out) / "gradebook.csv")
    document = {"seed": seed, "max_scores": max_scores, "columns": list(COLUMNS), "rows": rows}
    write_json_atomic(document, Path(out) / "gradebook.json")


def read_gradebook(out: Path) -> dict:
    """The gradebook.json of a batch's output folder; ResultsError when it is missing or unreadable."""
    path = Path(out) / "gradebook.json"
    document = read_json(path)
    if document is None:
        raise ResultsError(f"no gradebook in {out} (expected {path}); run `grade batch SUBMISSIONS --out {out}` "
                           f"first")
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
        raise ResultsError(f"{path} is not a gradebook written by `grade batch`")
    return document
