"""Score files for LMSs and autograding platforms, from a batch's output folder: `grade export DIR --format F`.

canvas            A gradebook CSV for Canvas (Grades > Import): ``Student, ID, SIS User ID, SIS Login ID, Section``,
                  one column per exercise, then a ``Points Possible`` row (grader/course/export_canvas.py). With
                  ``roster`` (a Canvas gradebook export) the identity columns come from the roster, exercises are
                  matched to its assignment columns by name ("Exercise 3 ...") and scores are scaled to each
                  assignment's points possible (with a warning).
moodle            The gradebook CSV for Moodle (Grades > Import > CSV file): an identity column (ID number, Email
                  address, Username or User ID: map it under "Identify user by"), then per exercise a grade column
                  and a ``Feedback: Exercise 3`` column (grader/course/export_moodle.py).
moodle-worksheet  The assignment's offline grading worksheet (Upload grading worksheet), one per exercise:
                  ``Identifier`` = ``Participant <id>`` of Moodle's download layout, ``Grade``, ``Feedback
                  comments`` (grader/course/export_moodle.py).
csv               One row per student: student_id, name, one column per exercise, total, max_total.
gradescope        results.json per submission in ``<output>/<student id>/<exercise>/results.json`` with the
                  documented Gradescope fields only; ours (student, seed, sha256 ...) are under ``extra_data``.

Never erase: Canvas and Moodle clear a grade they have when the cell is blank, so no export writes a blank
grade cell. A student without a result for an exercise (not handed in) is left out of that exercise's file;
when the exercises do not all have the same students, each exercise gets a file of its own
(``canvas-exercise3.csv`` ...). `missing="zero"` (``--missing zero``) writes 0 instead. With a roster, only the
students the LMS knows get a row. Without one, a note says which id column the ids go to and why, and a mix of
id kinds (Canvas user ids, folder names, numbers) is refused, as are anonymous Canvas ids (anon_...). Feedback
is built from the failing checks (grader/course/export_feedback.py). A submission that could not be graded is 0.

Rows are sorted and nothing depends on the time: the same batch always exports the same bytes.

What a student can influence never reaches a spreadsheet as a formula or a terminal as a control sequence (rule
in grader/course/neutral.py): names, sections and feedback are made one plain line, and a single quote goes before one
that starts with = + - @, a tab or a line break. Scores are numbers and are never changed. The identity columns
the LMS matches on (Canvas: ID, SIS User ID, SIS Login ID; Moodle: the chosen identity column or Identifier;
csv: student_id) must arrive exactly, so they are never altered: a row whose identity would need it is left out
with a warning, to be entered by hand. Gradescope's results.json is JSON (no formulas); its texts are made plain
lines and a student id that is not a plain folder name is left out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from grader.course.export_base import (MISSING, Batch, ExportError, Options, Table, exercise_groups, exercise_title,
                                load_batch, score_cells)
from grader.course.export_canvas import CANVAS_ID_COLUMNS, CANVAS_IDENTITY, canvas_table
from grader.course.export_feedback import FEEDBACK_LIMIT, feedback_text
from grader.course.export_gradescope import gradescope_result, write_gradescope
from grader.course.export_moodle import MOODLE_ID_COLUMNS, WORKSHEET, moodle_table, worksheet_table
from grader.course.gradebook import csv_text, format_number
from grader.course.neutral import exact_safe, one_line
from grader.grading.results import ResultsError, write_text_atomic
from grader.course.roster import RosterError, read_roster

__all__ = ["CANVAS_IDENTITY", "CANVAS_ID_COLUMNS", "DEFAULT_NAMES", "FEEDBACK_LIMIT", "FORMATS", "MISSING",
           "MOODLE_ID_COLUMNS", "WORKSHEET", "ExportError", "ExportReport", "exercise_title", "export_batch",
           "feedback_text", "gradescope_result"]

FORMATS = ("canvas", "moodle", "moodle-worksheet", "csv", "gradescope")
DEFAULT_NAMES = {"canvas": "canvas.csv", "moodle": "moodle.csv", "moodle-worksheet": "moodle-worksheet.csv",
                 "csv": "grades.csv", "gradescope": "gradescope"}


class ExportReport(NamedTuple):
    path: Path  # the (first) file written, or the gradescope folder
    students: int  # students with a row (csv formats) or a results.json (gradescope)
    warnings: tuple[str, ...]
    paths: tuple[Path, ...] = ()  # every file written: one per exercise when they have different students
    notes: tuple[str, ...] = ()  # what was decided and why (which id column ...)


def export_batch(batch_dir: Path, fmt: str, *, output: Path | None = None, roster: Path | None = None,
                 id_column: str | None = None, columns: dict[str, str] | None = None,
                 out_of: float | None = None, missing: str = "skip") -> ExportReport:
    """Write the `fmt` export of the batch in `batch_dir`; see the module docstring."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if missing not in MISSING:
        raise ExportError(f"--missing must be one of {', '.join(MISSING)}, got {missing!r}")
    batch_dir = Path(batch_dir)
    if not batch_dir.is_dir():
        raise ExportError(f"{batch_dir} is not a folder of batch results (expected `grade batch ... --out DIR`)")
    if out_of is not None and out_of <= 0:
        raise ExportError(f"--out-of must be positive, got {out_of:g}")
    try:
        batch = load_batch(batch_dir)
        unknown = sorted(set(columns or {}) - set(batch.exercises))
        if unknown:
            raise ExportError(f"--column names {', '.join(unknown)}, which this batch did not grade "
                              f"(it has {', '.join(batch.exercises) or 'none'})")
        target = _target(batch_dir, fmt, output)
        if fmt == "gradescope":
            students = write_gradescope(batch.students, batch.results, target, batch.warnings)
            return ExportReport(target, students, _lines(batch.warnings), (target,), ())
        if fmt == "csv" and (roster is not None or id_column is not None):
            raise ExportError("--roster and --id-column apply to the canvas and moodle formats")
        options = Options(read_roster(roster) if roster is not None else None, id_column, columns or {}, out_of,
                          missing)
        build = {"canvas": canvas_table, "moodle": moodle_table, "moodle-worksheet": worksheet_table,
                 "csv": _csv_table}[fmt]
        groups = ([[ex] for ex in batch.exercises] if fmt == "moodle-worksheet"
                  else exercise_groups(batch, missing))
        if len(groups) > 1 and fmt != "moodle-worksheet":
            batch.notes.append("the exercises were handed in by different students: one file per exercise, so "
                               "that no grade cell is blank (a blank cell clears the grade in the LMS); "
                               "--missing zero writes 0 for what was not handed in")
        if not groups:
            raise ExportError("this batch graded no exercise: there is no worksheet to write")
        written, students = [], set()
        for group in groups:
            table = build(batch, group, options)
            path = target if len(groups) == 1 and fmt != "moodle-worksheet" else _per_exercise(target, group[0])
            students.update(_write(table, path, batch.warnings))
            written.append(path)
        _remove_stale(target, written, batch.notes)
    except (ResultsError, RosterError) as exc:
        raise ExportError(str(exc)) from exc
    return ExportReport(written[0], len(students), _lines(batch.warnings), tuple(written), _lines(batch.notes))


def _lines(texts: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(one_line(t) for t in texts))


def _write(table: Table, path: Path, warnings: list[str]) -> set[tuple]:
    """Check the table against the rules (no blank grade, identities exact), then write it; the identities of
    the rows written."""
    exact = tuple(i for i, c in enumerate(table.header) if c in table.exact)
    grades = [i for i, c in enumerate(table.header) if c in table.grades]
    for row in table.rows[table.lead:]:
        if any(str(row[i]).strip() == "" for i in grades):  # a bug here would erase grades in the LMS
            raise AssertionError(f"blank grade cell in {path.name}: {row!r}")
    rows = table.rows[: table.lead] + _identities_exact(table.rows[table.lead:], exact, warnings)
    write_text_atomic(csv_text(table.header, rows, exact=exact), path)
    return {tuple(str(row[i]) for i in exact) for row in rows[table.lead:]}


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


def _per_exercise(target: Path, exercise: str) -> Path:
    """canvas.csv -> canvas-exercise3.csv."""
    return target.with_name(f"{target.stem}-{exercise}{target.suffix}")


def _remove_stale(target: Path, written: list[Path], notes: list[str]) -> None:
    """Files of an earlier export to the same place that this one did not write (canvas.csv when the exercises
    now get a file each, or the reverse): an instructor must not import them by mistake."""
    if not target.parent.is_dir():
        return
    pattern = re.compile(re.escape(target.stem) + r"(-exercise\d+)?" + re.escape(target.suffix))
    for path in sorted(target.parent.iterdir()):
        if path.is_file() and pattern.fullmatch(path.name) and path not in written:
            path.unlink()
            notes.append(f"removed {path.name}, written by an earlier export")


# ---------------------------------------------------------------------------------------------------- csv
def _csv_table(batch: Batch, exercises: list[str], opt: Options) -> Table:
    header = ["student_id", "name"] + [opt.columns.get(ex, ex) for ex in exercises] + ["total", "max_total"]
    points = {ex: opt.out_of for ex in exercises}
    full = sum(opt.out_of if opt.out_of is not None else batch.max_scores.get(ex, 0.0) for ex in exercises)
    body = []
    for sid, info in sorted(batch.students.items()):
        cells = score_cells(batch, sid, exercises, points, opt.missing)
        if cells is not None and exercises:
            body.append([sid, info["name"], *cells, format_number(sum(float(c) for c in cells)),
                         format_number(full)])
    return Table(header, body, ("student_id",), tuple(header[2:2 + len(exercises)]))
