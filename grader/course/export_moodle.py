"""Moodle exports of a batch; see grader/course/export.py for the rules.

moodle            the gradebook CSV (Grades > Import > CSV file): an identity column, mapped under "Identify
                  user by" to one of Moodle's four choices (User ID, Username, ID number, Email address), then per
                  exercise a grade and a ``Feedback: ...`` column. One user Moodle cannot match aborts the whole
                  import, and a blank cell clears a grade: with --roster only matched students get a row, and no
                  cell is ever blank.
moodle-worksheet  the assignment's offline grading worksheet (Assignment > View all submissions > Upload grading
                  worksheet; mod/assign/feedback/offline): ``Identifier`` = ``Participant <participant id>``,
                  the ids of Moodle's "Download all submissions" layout, ``Grade``, ``Last modified (grade)`` and
                  ``Feedback comments``. Moodle skips a row whose grade it changed more than a minute after
                  "Last modified (grade)" (unless told to ignore that), and a grade above the assignment's
                  maximum. One worksheet per exercise: a worksheet is one assignment's.
"""

from __future__ import annotations

from grader.course.export_base import (Batch, ExportError, Options, Table, describe_kinds, exercise_title, id_kinds,
                                rescale_warning, score_cells)
from grader.course.export_feedback import feedback_text
from grader.course.gradebook import format_number
from grader.course.moodle import participant_identifier
from grader.course.roster import Roster, match_students

MOODLE_ID_COLUMNS = ("ID number", "Email address", "Username", "User ID")
WORKSHEET = ("Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
             "Last modified (submission)", "Last modified (grade)", "Feedback comments")


def full_name(row: dict) -> str:
    first = row.get("First name", "")
    last = row.get("Surname", row.get("Last name", ""))
    return " ".join(p for p in (first, last) if p) or row.get("Full name", row.get("Student", ""))


def _feedback(batch: Batch, sid: str | None, exercise: str) -> str:
    row = batch.students.get(sid, {}).get("rows", {}).get(exercise) if sid is not None else None
    if row is None:
        return f"0/{format_number(batch.max_scores.get(exercise, 0.0))} points. Nothing was handed in."
    return feedback_text(row, batch.results.get((sid, exercise)))


def _matched(batch: Batch, roster: Roster, missing: str) -> list[tuple[str | None, dict]]:
    """(student id or None, roster row) for the roster rows the batch's students match; with zeros asked for,
    every other roster row too. Students the roster does not know are left out, with a warning."""
    found, unknown = match_students(roster, {s: i["name"] for s, i in batch.students.items()})
    batch.warnings.extend(unknown.values())
    people = [(sid, roster.rows[i]) for sid, i in found.items()]
    if missing == "zero":
        people += [(None, row) for i, row in enumerate(roster.rows) if i not in set(found.values())]
    return people


# ---------------------------------------------------------------------------------------------- gradebook CSV
def moodle_table(batch: Batch, exercises: list[str], opt: Options) -> Table:
    if opt.id_column is not None and opt.id_column not in MOODLE_ID_COLUMNS:
        raise ExportError(f"--id-column for moodle must be one of {', '.join(MOODLE_ID_COLUMNS)}")
    titles = {ex: opt.columns.get(ex, exercise_title(ex)) for ex in exercises}
    points = {ex: opt.out_of for ex in exercises}
    if opt.roster is None:
        column = _moodle_column(batch, opt.id_column)
        people = [(sid, sid, info["name"]) for sid, info in batch.students.items()]
    else:
        column = opt.id_column or next((c for c in MOODLE_ID_COLUMNS if c in opt.roster.header), None)
        if column not in opt.roster.header:
            raise ExportError(f"the roster {opt.roster.path.name} has no {column or 'identity'} column (Moodle "
                              f"identifies users by {', '.join(MOODLE_ID_COLUMNS)}); choose one it has with "
                              f"--id-column")
        batch.notes.append(f"students are identified by {column!r}, taken from the roster (map it under "
                           f"\"Identify user by\")")
        people = []
        for sid, row in _matched(batch, opt.roster, opt.missing):
            if row.get(column):
                people.append((sid, row[column], full_name(row)))
            else:
                batch.warnings.append(f"student {sid or full_name(row)} has no {column!r} in the roster; left out "
                                      f"(Moodle would stop the whole import at a user it cannot find)")
    header = [column, "Full name"]
    for ex in exercises:
        header += [titles[ex], f"Feedback: {titles[ex]}"]
    body = []
    for sid, identity, name in people:
        cells = score_cells(batch, sid, exercises, points, opt.missing)
        if cells is None:
            continue
        line = [identity, name]
        for ex, cell in zip(exercises, cells):
            line += [cell, _feedback(batch, sid, ex)]
        body.append(line)
    return Table(header, sorted(body), (column,), tuple(titles[ex] for ex in exercises))


def _moodle_column(batch: Batch, chosen: str | None) -> str:
    kinds = id_kinds(batch)
    if "moodle" in kinds:
        raise ExportError(f"these are Moodle participant ids ({describe_kinds({'moodle': kinds['moodle']})}): "
                          f"they name students of one assignment only, not users of the gradebook. Use --format "
                          f"moodle-worksheet (the assignment's offline grading worksheet), or give --roster (the "
                          f"course's grade export) to match the students by name")
    if chosen is not None:
        batch.notes.append(f"students are identified by {chosen!r} (--id-column; map it under \"Identify user "
                           f"by\")")
        return chosen
    emails = "email" in kinds
    if emails and len(kinds) > 1:
        raise ExportError(f"the student ids are of several kinds ({describe_kinds(kinds)}): Moodle identifies "
                          f"all users of one import by one field. Give --roster (the course's grade export) to "
                          f"match every student, or --id-column with one of {', '.join(MOODLE_ID_COLUMNS)}")
    column = "Email address" if emails else "ID number"
    why = ("they are e-mail addresses" if emails else "they are folder names, taken as the ID number of the "
           "user's profile; if they are login names use --id-column Username")
    batch.notes.append(f"students are identified by {column!r}: {why} (map it under \"Identify user by\")")
    return column


# ------------------------------------------------------------------------------------ offline grading worksheet
def worksheet_table(batch: Batch, exercises: list[str], opt: Options) -> Table:
    (exercise,) = exercises
    if opt.id_column is not None:
        raise ExportError("--id-column does not apply to moodle-worksheet: its Identifier is the participant id")
    full = batch.max_scores.get(exercise, 0.0)
    if opt.roster is None:
        kinds = id_kinds(batch)
        others = {k: v for k, v in kinds.items() if k != "moodle"}
        if others:
            raise ExportError(f"the worksheet's Identifier is Moodle's participant id, which only the names of "
                              f"Moodle's \"Download all submissions\" carry; these students have other ids "
                              f"({describe_kinds(others)}). Give --roster with the assignment's offline grading "
                              f"worksheet (Download grading worksheet) to match them by name or e-mail")
        points = opt.out_of  # None: the scores as graded
        batch.warnings.append(f"the worksheet's grades for {exercise} are out of {format_number(points or full)}: "
                              f"Moodle skips a grade above the assignment's maximum grade; if the assignment is "
                              f"out of another number, use --out-of, or --roster with its grading worksheet")
        people = [(sid, {"Identifier": participant_identifier(sid), "Full name": batch.students[sid]["name"]})
                  for sid in kinds.get("moodle", [])]
    else:
        if "Identifier" not in opt.roster.header:
            raise ExportError(f"the roster {opt.roster.path.name} is not an offline grading worksheet (it has no "
                              f"Identifier column): download it from the assignment (View all submissions > "
                              f"Download grading worksheet)")
        points = opt.out_of if opt.out_of is not None else _maximum(opt.roster, full)
        if opt.out_of is None:
            rescale_warning(batch, exercise, points, f"the worksheet {opt.roster.path.name}")
        people = _matched(batch, opt.roster, opt.missing)
    body = []
    for sid, row in people:
        cells = score_cells(batch, sid, [exercise], {exercise: points}, opt.missing)
        if cells is None or not row.get("Identifier"):
            continue
        result = batch.results.get((sid, exercise)) or {}
        modified = row.get("Last modified (grade)", result.get("graded_at", ""))
        modified = "" if modified == "-" else modified  # no date: Moodle reads 0, as for its own "-"
        body.append([row["Identifier"], row.get("Full name", ""), row.get("Email address", ""), row.get("Status", ""),
                     cells[0], format_number(full if points is None else points), row.get("Grade can be changed", "") or "Yes",
                     row.get("Last modified (submission)", "").strip("-"), modified, _feedback(batch, sid, exercise)])
    body.sort(key=lambda r: (_number(r[0]), r[0]))
    return Table(list(WORKSHEET), body, ("Identifier",), ("Grade",))


def _maximum(roster: Roster, fallback: float) -> float:
    values = {row.get("Maximum Grade", "") for row in roster.rows} - {""}
    try:
        return float(values.pop()) if len(values) == 1 else fallback
    except ValueError:
        return fallback


def _number(identifier: str) -> int:
    digits = identifier.rsplit(" ", 1)[-1]
    return int(digits) if digits.isdigit() else 0
