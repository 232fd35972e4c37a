"""The Canvas gradebook CSV (Grades > Import) of a batch; see grader/course/export.py for the rules.

Canvas matches a row by ID (its user id), then SIS User ID, then SIS Login ID, and a column by the assignment id
in ``Title (12345)``, else by the exact title, else it creates (and publishes) a new assignment. A blank cell in
a column that changes is sent as "no grade" and clears the grade Canvas has: no blank cell is ever written.
"""

from __future__ import annotations

from grader.course.export_base import (Batch, ExportError, Options, Table, describe_kinds, exercise_title, id_kinds,
                                rescale_warning, score_cells)
from grader.course.gradebook import format_number
from grader.course.layouts import exercise_of
from grader.course.roster import Roster, match_students, split_title

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_ID_COLUMNS = ("ID", "SIS User ID", "SIS Login ID")
ANONYMOUS = ("Canvas cannot import grades for an anonymized download: the anon_... ids of anonymous grading "
             "name no student in the gradebook ({ids}). Turn anonymous grading off for the assignment (and "
             "download the submissions again), or enter the grades in SpeedGrader")


def canvas_table(batch: Batch, exercises: list[str], opt: Options) -> Table:
    if opt.id_column is not None and opt.id_column not in CANVAS_ID_COLUMNS:
        raise ExportError(f"--id-column for canvas must be one of {', '.join(CANVAS_ID_COLUMNS)}")
    kinds = id_kinds(batch)
    if "anon" in kinds:
        raise ExportError(ANONYMOUS.format(ids=", ".join(kinds["anon"][:3]) + (" ..." if len(kinds["anon"]) > 3
                                                                               else "")))
    titles, points = {}, {}
    for ex in exercises:
        titles[ex], points[ex] = _column(ex, opt.roster, opt.columns, batch)
        if opt.out_of is not None:
            points[ex] = opt.out_of
    header = list(CANVAS_IDENTITY) + [titles[ex] for ex in exercises]
    possible = ["    Points Possible", "", "", "", ""] + [
        format_number(points[ex] if points[ex] is not None else batch.max_scores.get(ex, 0.0)) for ex in exercises]
    if opt.roster is None:
        column = _id_column(batch, kinds, opt.id_column)
        people = [(sid, {"Student": info["name"] or sid, column: sid}) for sid, info in batch.students.items()]
    else:
        found, missing = match_students(opt.roster, {s: i["name"] for s, i in batch.students.items()})
        batch.warnings.extend(missing.values())
        people = [(sid, opt.roster.rows[i]) for sid, i in found.items()]
        if opt.missing == "zero":
            taken = set(found.values())
            people += [(None, row) for i, row in enumerate(opt.roster.rows) if i not in taken]
    body = []
    for sid, identity in people:
        cells = score_cells(batch, sid, exercises, points, opt.missing)
        if cells is not None:
            body.append([identity.get(c, "") for c in CANVAS_IDENTITY] + cells)
    body.sort(key=lambda r: (r[0].lower(), r[1], r[2], r[3]))
    return Table(header, [possible] + body, CANVAS_ID_COLUMNS, tuple(titles[ex] for ex in exercises), lead=1)


def _id_column(batch: Batch, kinds: dict[str, list[str]], chosen: str | None) -> str:
    """Which identity column the ids go to without a roster, said in one note; a mix of kinds is refused."""
    if chosen is not None:
        batch.notes.append(f"student ids go to the {chosen} column (--id-column)")
        return chosen
    if "email" in kinds:  # an e-mail address as a folder name is a login name to Canvas
        kinds = dict(kinds)
        emails = kinds.pop("email")
        kinds["name"] = sorted(kinds.get("name", []) + emails)
    if "moodle" in kinds:
        raise ExportError(f"these are Moodle participant ids ({describe_kinds({'moodle': kinds['moodle']})}), "
                          f"which Canvas does not know: export them with --format moodle-worksheet, or give "
                          f"--roster (your Canvas gradebook export) to match the students by name")
    if len(kinds) > 1:
        raise ExportError(f"the student ids are of several kinds ({describe_kinds(kinds)}), which Canvas matches "
                          f"in different columns, some not at all. Give --roster (your Canvas gradebook export: "
                          f"Grades > Export) to match every student, or --id-column ID|\"SIS User ID\"|"
                          f"\"SIS Login ID\" to put them all in one column")
    kind = next(iter(kinds), "canvas")
    column, why = {"canvas": ("ID", "they are Canvas user ids, read from Canvas download names"),
                   "number": ("SIS User ID", "they are folder names made of digits, taken as university (SIS) "
                                             "ids; if they are Canvas user ids, use --id-column ID"),
                   "name": ("SIS Login ID", "they are folder names, taken as login names; if they are SIS user "
                                            "ids, use --id-column \"SIS User ID\"")}[kind]
    batch.notes.append(f"student ids go to the {column} column: {why}")
    return column


def _column(exercise: str, roster: Roster | None, columns: dict, batch: Batch):
    """The column title for an exercise, and the assignment's points possible when the roster says; warns
    when Canvas would create a new assignment, and when the scores are rescaled."""
    hits = []
    if exercise in columns:
        title = columns[exercise]
    elif roster is None:
        title = exercise_title(exercise)
    else:
        hits = [c for c in roster.assignment_columns() if exercise_of(split_title(c)[0]) == exercise]
        if len(hits) > 1:
            raise ExportError(f"the roster has several columns for {exercise}: {'; '.join(hits)}; choose one "
                              f"with --column {exercise}=\"...\"")
        title = hits[0] if hits else exercise_title(exercise)
    known = roster is not None and title in roster.header
    if split_title(title)[1] is None and not known:
        reason = f"the roster has no column for {exercise}" if roster is not None else "there is no --roster"
        batch.warnings.append(f"{reason}: the column \"{title}\" has no \"(assignment id)\", so Canvas will "
                              f"create and publish a new assignment \"{title}\" unless one has exactly that title; "
                              f"give --roster or --column {exercise}=\"Title (assignment id)\"")
    try:
        points = float(roster.points.get(title, "")) if known else None
    except ValueError:
        points = None
    rescale_warning(batch, exercise, points, f"the roster's \"{title}\"")
    return title, points
