"""What the LMS exports share: the batch as exports see it, the options, one table to write, whose ids these are.

An export never writes a blank grade cell (Canvas and Moodle clear a grade they already have for a blank cell):
a student without a result for an exercise is left out of the table of that exercise, unless the options ask
for zeros (`--missing zero`). A gradebook row of status "missing" (an exercise not handed in) is no result.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from grader.course.canvas import canvas_candidates
from grader.course.gradebook import EXERCISE_ORDER, format_number, read_gradebook
from grader.course.moodle import parse_moodle_file, parse_moodle_folder
from grader.course.neutral import one_line
from grader.course.roster import Roster
from grader.course.summary import load_results

MISSING = ("skip", "zero")
NO_RESULT = ("missing",)  # gradebook statuses that are not a result: the student did not hand the exercise in
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class ExportError(Exception):
    """The export cannot be made; the message says why."""


class Batch(NamedTuple):
    exercises: list[str]
    max_scores: dict[str, float]
    students: dict[str, dict]  # id -> {"name": str, "rows": {exercise: row}, "labels": [file labels]}
    results: dict
    warnings: list[str]
    notes: list[str]  # what the export decided and why (which id column ...), one line each


class Options(NamedTuple):
    roster: Roster | None = None
    id_column: str | None = None
    columns: dict = {}
    out_of: float | None = None
    missing: str = "skip"


class Table(NamedTuple):
    header: list[str]
    rows: list[list]  # Canvas: the Points Possible row first (`lead` rows)
    exact: tuple[str, ...]  # the identity columns the LMS matches on: written exactly, never altered
    grades: tuple[str, ...]  # the grade columns: never blank
    lead: int = 0


def exercise_title(exercise: str) -> str:
    return f"Exercise {exercise.removeprefix('exercise')}"


def load_batch(batch_dir: Path) -> Batch:
    book = read_gradebook(batch_dir)
    rows, warnings, students = book["rows"], [], {}
    for row in rows:
        sid = row.get("student_id")
        if not sid:
            warnings.append(one_line(f"{row['file']}: no student could be told ({row['reason']}); left out"))
            continue
        entry = students.setdefault(sid, {"name": "", "rows": {}, "labels": []})
        entry["name"] = entry["name"] or row.get("name", "")
        if row.get("file"):
            entry["labels"].append(row["file"])
        if not row.get("exercise"):
            warnings.append(one_line(f"{sid}: {row['file']}: {row['reason']}"))
        elif row.get("status") not in NO_RESULT:
            entry["rows"][row["exercise"]] = row
    max_scores = {k: float(v) for k, v in book.get("max_scores", {}).items()}
    exercises = sorted({r["exercise"] for r in rows if r.get("exercise") and r.get("status") not in NO_RESULT},
                       key=lambda e: (EXERCISE_ORDER.index(e) if e in EXERCISE_ORDER else 99, e))
    graded = [r for r in rows if r.get("status") not in NO_RESULT]
    return Batch(exercises, max_scores, students, load_results(graded, batch_dir), warnings, [])


def exercise_groups(batch: Batch, missing: str) -> list[list[str]]:
    """The exercises of each file: all in one when every exercise has the same students (or zeros fill the
    gaps), else one file per exercise, so that no file needs a blank grade."""
    if missing == "zero" or len(batch.exercises) <= 1:
        return [batch.exercises]
    who = {frozenset(s for s, info in batch.students.items() if ex in info["rows"]) for ex in batch.exercises}
    return [batch.exercises] if len(who) == 1 else [[ex] for ex in batch.exercises]


def scaled(row: dict, max_score: float, points: float | None) -> str:
    """The score of a result, scaled to `points` when given (from the result's own maximum when it has one)."""
    score, max_score = float(row["score"]), float(row.get("max_score") or max_score)
    if points is not None and max_score > 0:
        score = score * points / max_score
    return format_number(score)


def score_cells(batch: Batch, sid: str | None, exercises: list[str], points: dict, missing: str) -> list | None:
    """A student's grade cells for `exercises`; None when one has no result and zeros were not asked for."""
    rows = batch.students.get(sid, {}).get("rows", {}) if sid is not None else {}
    cells = []
    for ex in exercises:
        row = rows.get(ex)
        if row is None and missing != "zero":
            return None
        cells.append("0" if row is None else scaled(row, batch.max_scores.get(ex, 0.0), points.get(ex)))
    return cells


def rescale_warning(batch: Batch, exercise: str, points: float | None, where: str) -> None:
    full = batch.max_scores.get(exercise, 0.0)
    if points is not None and full > 0 and abs(points - full) > 1e-9:
        batch.warnings.append(f"{exercise} is out of {format_number(full)} points here and {where} is out of "
                              f"{format_number(points)}: its scores are rescaled to {format_number(points)} "
                              f"(x {format_number(points / full, 4)})")


# ---- whose ids these are ---------------------------------------------------------------------------------------
KIND_NAMES = {"canvas": "Canvas user ids (from Canvas download names)",
              "moodle": "Moodle participant ids (from Moodle download names)",
              "anon": "anonymous Canvas ids (anon_...)", "number": "folder names that are numbers",
              "name": "folder names", "email": "e-mail addresses"}


def id_kind(sid: str, labels: list[str]) -> str:
    """Where a student id comes from: a Canvas or Moodle download name, or a folder name (number, e-mail, name)."""
    for label in labels:
        for part in re.split(r"[/:]", label):
            moodle = parse_moodle_file(part) or parse_moodle_folder(part)
            if moodle and moodle.participant == sid:
                return "moodle"
            if any(r.user_id == sid for r in canvas_candidates(part)):
                return "anon" if sid.startswith("anon_") else "canvas"
    if sid.startswith("anon_"):
        return "anon"
    return "number" if sid.isdigit() else ("email" if _EMAIL.fullmatch(sid) else "name")


def id_kinds(batch: Batch, sids=None) -> dict[str, list[str]]:
    """kind -> the (sorted) student ids of that kind."""
    kinds: dict[str, list[str]] = {}
    for sid in sorted(batch.students if sids is None else sids):
        kinds.setdefault(id_kind(sid, batch.students[sid]["labels"]), []).append(sid)
    return kinds


def describe_kinds(kinds: dict[str, list[str]]) -> str:
    return "; ".join(f"{KIND_NAMES[k]}: {', '.join(one_line(s) for s in v[:3])}{' ...' if len(v) > 3 else ''}"
                     for k, v in sorted(kinds.items()))
