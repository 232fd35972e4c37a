"""Score files for LMSs and autograding platforms, from a batch's output folder: `grade export DIR --format F`.

canvas      A gradebook CSV for Canvas (Grades > Import): ``Student, ID, SIS User ID, SIS Login ID, Section``, one
            column per exercise, then a ``Points Possible`` row. Canvas matches students by ID (its user id), then
            SIS User ID, then SIS Login ID, and assignments by the id in ``Title (12345)``; a column without an id
            becomes a new assignment. With ``roster`` (a Canvas gradebook export) the identity columns come from the
            roster, exercises are matched to its assignment columns by name ("Exercise 3 ...") and scores are scaled
            to each assignment's points possible.
moodle      A CSV for Moodle (Grades > Import > CSV file): an identity column ("ID number", "Email address" or
            "Username": map it under "Identify user by"), then per exercise a grade column and a
            ``Feedback: Exercise 3`` column (map it to "Feedback for ..."). Failed public checks are named in the
            feedback; hidden checks are only counted.
csv         One row per student: student_id, name, one column per exercise, total, max_total.
gradescope  results.json per submission in ``<output>/<student id>/<exercise>/results.json`` with the documented
            Gradescope fields only; our own fields (student, seed, sha256 ...) are under ``extra_data``.

Rows are sorted and nothing depends on the time: the same batch always exports the same bytes. A submission that
was not graded is 0; an exercise a student did not hand in is blank (the LMS keeps what it has).

What a student can influence never reaches a spreadsheet as a formula or a terminal as a control sequence (rule
in grader/neutral.py): names, sections and feedback are made one plain line, and a single quote goes before one
that starts with = + - @, a tab or a line break. Scores are numbers and are never changed. The identity columns
the LMS matches on (Canvas: ID, SIS User ID, SIS Login ID; Moodle: the chosen identity column; csv: student_id)
must arrive exactly, so they are never altered: a row whose identity would need it (a value that starts with a
formula character, or holds control characters) is left out with a warning, to be entered by hand. Gradescope's
results.json is JSON (no formulas); its texts are made plain lines and a student id that is not a plain folder
name is left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from grader.export_gradescope import gradescope_result, write_gradescope
from grader.gradebook import EXERCISE_ORDER, csv_text, format_number, read_gradebook
from grader.layouts import exercise_of
from grader.neutral import exact_safe, one_line
from grader.results import ResultsError, write_text_atomic
from grader.roster import Roster, RosterError, match_students, read_roster, split_title
from grader.summary import load_results

FORMATS = ("canvas", "moodle", "csv", "gradescope")
DEFAULT_NAMES = {"canvas": "canvas.csv", "moodle": "moodle.csv", "csv": "grades.csv", "gradescope": "gradescope"}
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_ID_COLUMNS = ("ID", "SIS User ID", "SIS Login ID")
MOODLE_ID_COLUMNS = ("ID number", "Email address", "Username")
FEEDBACK_LIMIT = 1500


class ExportError(Exception):
    """The export cannot be made; the message says why."""


class ExportReport(NamedTuple):
    path: Path
    students: int  # rows (csv formats) or students (gradescope) written
    warnings: tuple[str, ...]


class _Batch(NamedTuple):
    exercises: list[str]
    max_scores: dict[str, float]
    students: dict[str, dict]  # id -> {"name": str, "rows": {exercise: row}}
    results: dict
    warnings: list[str]


def exercise_title(exercise: str) -> str:
    return f"Exercise {exercise.removeprefix('exercise')}"


def export_batch(batch_dir: Path, fmt: str, *, output: Path | None = None, roster: Path | None = None,
                 id_column: str | None = None, columns: dict[str, str] | None = None,
                 out_of: float | None = None) -> ExportReport:
    """Write the `fmt` export of the batch in `batch_dir`; see the module docstring."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    batch_dir = Path(batch_dir)
    if not batch_dir.is_dir():
        raise ExportError(f"{batch_dir} is not a folder of batch results (expected `grade batch ... --out DIR`)")
    if out_of is not None and out_of <= 0:
        raise ExportError(f"--out-of must be positive, got {out_of:g}")
    try:
        batch = _load(batch_dir)
        unknown = sorted(set(columns or {}) - set(batch.exercises))
        if unknown:
            raise ExportError(f"--column names {', '.join(unknown)}, which this batch did not grade "
                              f"(it has {', '.join(batch.exercises) or 'none'})")
        roster_table = read_roster(roster) if roster is not None else None
        target = _target(batch_dir, fmt, output)
        if fmt == "gradescope":
            students = write_gradescope(batch.students, batch.results, target, batch.warnings)
            return ExportReport(target, students, tuple(one_line(w) for w in batch.warnings))
        header, rows = {"canvas": _canvas, "moodle": _moodle, "csv": _csv}[fmt](
            batch, roster=roster_table, id_column=id_column, columns=columns or {}, out_of=out_of)
        exact = _exact_columns(fmt, header)
        rows = _identities_exact(rows, exact, batch.warnings)
        write_text_atomic(csv_text(header, rows, exact=exact), target)
    except (ResultsError, RosterError) as exc:
        raise ExportError(str(exc)) from exc
    return ExportReport(target, len(rows) - (fmt == "canvas"), tuple(one_line(w) for w in batch.warnings))


def _exact_columns(fmt: str, header: list[str]) -> tuple[int, ...]:
    """The columns the LMS matches students on, which must be written exactly."""
    names = {"canvas": CANVAS_ID_COLUMNS, "moodle": MOODLE_ID_COLUMNS, "csv": ("student_id",)}[fmt]
    return tuple(i for i, column in enumerate(header) if column in names and (fmt != "moodle" or i == 0))


def _identities_exact(rows: list[list], exact: tuple[int, ...], warnings: list[str]) -> list[list]:
    """The rows whose identity cells can be written unchanged; a warning for each one left out."""
    kept = []
    for row in rows:
        bad = [str(row[i]) for i in exact if not exact_safe(str(row[i]))]
        if bad:
            warnings.append(f"the student id {one_line(bad[0])} starts with = + - @ or holds control characters; "
                            f"it must reach the LMS exactly and a spreadsheet would run it, so its row is left "
                            f"out: enter those grades by hand")
        else:
            kept.append(row)
    return kept


def _target(batch_dir: Path, fmt: str, output: Path | None) -> Path:
    if output is None:
        return batch_dir / "exports" / DEFAULT_NAMES[fmt]
    output = Path(output)
    if fmt != "gradescope" and output.is_dir():
        return output / DEFAULT_NAMES[fmt]
    if fmt == "gradescope" and output.exists() and not output.is_dir():
        raise ExportError(f"--output {output} is a file; the gradescope export is a folder")
    return output


def _load(batch_dir: Path) -> _Batch:
    book = read_gradebook(batch_dir)
    rows, warnings, students = book["rows"], [], {}
    for row in rows:
        if not row.get("student_id"):
            warnings.append(one_line(f"{row['file']}: no student could be told ({row['reason']}); left out"))
        elif not row.get("exercise"):
            warnings.append(one_line(f"{row['student_id']}: {row['file']}: {row['reason']}"))
            students.setdefault(row["student_id"], {"name": row.get("name", ""), "rows": {}})
        else:
            entry = students.setdefault(row["student_id"], {"name": row.get("name", ""), "rows": {}})
            entry["name"] = entry["name"] or row.get("name", "")
            entry["rows"][row["exercise"]] = row
    max_scores = {k: float(v) for k, v in book.get("max_scores", {}).items()}
    exercises = sorted({r["exercise"] for r in rows if r.get("exercise")},
                       key=lambda e: (EXERCISE_ORDER.index(e) if e in EXERCISE_ORDER else 99, e))
    return _Batch(exercises, max_scores, students, load_results(rows, batch_dir), warnings)


def _scaled(row: dict | None, max_score: float, points: float | None) -> str:
    """The score to write: blank when not handed in, else scaled to `points` when given."""
    if row is None:
        return ""
    score = float(row["score"])
    if points is not None and max_score > 0:
        score = score * points / max_score
    return format_number(score)


# ------------------------------------------------------------------------------------------------- canvas
def _canvas(batch: _Batch, *, roster: Roster | None, id_column, columns, out_of):
    if id_column is not None and id_column not in CANVAS_ID_COLUMNS:
        raise ExportError(f"--id-column for canvas must be one of {', '.join(CANVAS_ID_COLUMNS)}")
    titles, points = {}, {}
    for ex in batch.exercises:
        titles[ex], points[ex] = _canvas_column(ex, roster, columns, batch)
        points[ex] = out_of if out_of is not None else points[ex]
    header = list(CANVAS_IDENTITY) + [titles[ex] for ex in batch.exercises]
    possible = ["    Points Possible", "", "", "", ""] + [
        format_number(points[ex] if points[ex] is not None else batch.max_scores.get(ex, 0.0))
        for ex in batch.exercises]
    if roster is None:
        column = id_column or ("ID" if all(s.isdigit() for s in batch.students) else "SIS Login ID")
        identities = {sid: {"Student": info["name"] or sid, column: sid} for sid, info in batch.students.items()}
    else:
        identities = _roster_identities(batch, roster)
    body = []
    for sid, identity in identities.items():
        rows = batch.students.get(sid, {}).get("rows", {})
        body.append([identity.get(c, "") for c in CANVAS_IDENTITY] + [
            _scaled(rows.get(ex), batch.max_scores.get(ex, 0.0), points[ex]) for ex in batch.exercises])
    body.sort(key=lambda r: (r[0].lower(), r[1], r[2], r[3]))
    return header, [possible] + body


def _canvas_column(exercise: str, roster: Roster | None, columns: dict, batch: _Batch):
    """The column title for an exercise, and the assignment's points possible when the roster says."""
    if exercise in columns:
        title = columns[exercise]
    elif roster is None:
        return exercise_title(exercise), None
    else:
        hits = [c for c in roster.assignment_columns() if exercise_of(split_title(c)[0]) == exercise]
        if len(hits) > 1:
            raise ExportError(f"the roster has several columns for {exercise}: {'; '.join(hits)}; choose one "
                              f"with --column {exercise}=\"...\"")
        if not hits:
            batch.warnings.append(f"the roster has no column for {exercise}; Canvas will create the assignment "
                                  f"\"{exercise_title(exercise)}\"")
            return exercise_title(exercise), None
        title = hits[0]
    try:
        points = float(roster.points.get(title, "")) if roster is not None else None
    except ValueError:
        points = None
    return title, points


def _roster_identities(batch: _Batch, roster: Roster) -> dict[str, dict]:
    names = {sid: info["name"] for sid, info in batch.students.items()}
    found, missing = match_students(roster, names)
    batch.warnings.extend(missing.values())
    by_row = {index: sid for sid, index in found.items()}
    identities = {}
    for index, row in enumerate(roster.rows):
        sid = by_row.get(index, f"\0roster{index}")  # roster students without a submission keep their row
        identities[sid] = row
    return identities


# ------------------------------------------------------------------------------------------------- moodle
def _moodle(batch: _Batch, *, roster: Roster | None, id_column, columns, out_of):
    if id_column is not None and id_column not in MOODLE_ID_COLUMNS:
        raise ExportError(f"--id-column for moodle must be one of {', '.join(MOODLE_ID_COLUMNS)}")
    column = id_column or ("Email address" if all("@" in s for s in batch.students) else "ID number")
    titles = {ex: columns.get(ex, exercise_title(ex)) for ex in batch.exercises}
    header = [column, "Full name"]
    for ex in batch.exercises:
        header += [titles[ex], f"Feedback: {titles[ex]}"]
    people = {sid: (sid, info["name"]) for sid, info in batch.students.items()}
    if roster is not None:
        found, missing = match_students(roster, {sid: info["name"] for sid, info in batch.students.items()})
        batch.warnings.extend(missing.values())
        people = {sid: (roster.rows[i].get(column, ""), _full_name(roster.rows[i])) for sid, i in found.items()}
        for sid, (value, _) in people.items():
            if not value:
                batch.warnings.append(f"student {sid} has no {column!r} in the roster")
    body = []
    for sid, (identity, name) in people.items():
        rows = batch.students[sid]["rows"]
        line = [identity, name]
        for ex in batch.exercises:
            row = rows.get(ex)
            line += [_scaled(row, batch.max_scores.get(ex, 0.0), out_of),
                     feedback_text(row, batch.results.get((sid, ex))) if row else ""]
        body.append(line)
    return header, sorted(body)


def _full_name(row: dict) -> str:
    first = row.get("First name", "")
    last = row.get("Surname", row.get("Last name", ""))
    return " ".join(p for p in (first, last) if p) or row.get("Full name", row.get("Student", ""))


def feedback_text(row: dict, result: dict | None) -> str:
    """Feedback for a student: the score, and what failed (public checks by name, hidden ones counted)."""
    n = format_number
    head = f"{n(row['score'])}/{n(row['max_score'])} points" + (" (late)" if row.get("late") else "") + "."
    if row["status"] != "graded" or result is None:
        return _clip(f"{head} Not graded: {row['reason']}")
    failed = [t for t in result.get("tests", []) if t.get("status") != "passed"]
    if failed and len(failed) == len(result.get("tests", [])) and row["reason"] and "checks failed" not in \
            row["reason"]:
        return _clip(f"{head} Every check failed: {row['reason']}")
    groups: dict[str, list[str]] = {}
    for test in failed:
        if test.get("visibility") != "hidden":
            lines = (test.get("output") or "").strip().splitlines()
            groups.setdefault(lines[0][:160] if lines else "", []).append(test["name"])
    parts = [head] + [f"Failed {'; '.join(names)}" + (f": {message}." if message else ".")
                      for message, names in groups.items()]
    hidden = sum(t.get("visibility") == "hidden" for t in failed)
    if hidden:
        parts.append(f"{hidden} hidden check{'s' if hidden > 1 else ''} failed.")
    return _clip(" ".join(parts))


def _clip(text: str) -> str:
    return text if len(text) <= FEEDBACK_LIMIT else text[: FEEDBACK_LIMIT - 1] + "…"


# ---------------------------------------------------------------------------------------------------- csv
def _csv(batch: _Batch, *, roster, id_column, columns, out_of):
    if roster is not None or id_column is not None:
        raise ExportError("--roster and --id-column apply to the canvas and moodle formats")
    header = ["student_id", "name"] + [columns.get(ex, ex) for ex in batch.exercises] + ["total", "max_total"]
    full = {ex: (out_of if out_of is not None else batch.max_scores.get(ex, 0.0)) for ex in batch.exercises}
    body = []
    for sid, info in sorted(batch.students.items()):
        cells = [_scaled(info["rows"].get(ex), batch.max_scores.get(ex, 0.0), out_of) for ex in batch.exercises]
        total = sum(float(c) for c in cells if c)
        body.append([sid, info["name"], *cells, format_number(total), format_number(sum(full.values()))])
    return header, body
