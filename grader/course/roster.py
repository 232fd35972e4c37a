"""Reading a roster (an LMS gradebook export) and finding the batch's students in it.

A Canvas gradebook export (Grades > Export) starts ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
column per assignment named ``Title (assignment id)`` and total columns; its second row may say which assignments
are muted, and a row starting ``Points Possible`` gives each assignment's points. A Moodle grade export has
``First name, Surname, ID number, Institution, Department, Email address`` and ``Assignment: Title`` columns. A
Moodle offline grading worksheet has ``Identifier`` (``Participant 1234567``), ``Full name``, ``Email address``,
``Maximum Grade`` ... Any CSV with one of the identity columns below works.

A student of the batch (a Canvas user id, or a folder name) is found in the roster when it equals one of the row's
identity values (case does not matter; a worksheet's ``Participant 1234567`` is also ``1234567``, the id of
Moodle's download layout), or, failing that, when exactly one row has that e-mail user name
(``jdoe`` for ``jdoe@uni.edu``) or that name key (``smithbob`` for ``Smith, Bob``; ``annable`` for Moodle's
``Ann Able`` or First name ``Ann``, Surname ``Able``).
"""

from __future__ import annotations

import csv
import re

from grader.course.moodle import participant_of
from pathlib import Path
from typing import NamedTuple

IDENTITY_COLUMNS = ("ID", "SIS User ID", "SIS Login ID", "Integration ID", "ID number", "Email address",
                    "Username", "Email", "User ID", "Identifier")
NAME_COLUMNS = ("Student", "Full name", "Name")
NOT_ASSIGNMENTS = re.compile(r"Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
                             r"Override Score|Override Grade|Override Status|Course total|Last downloaded")
_MUTED = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)
_TITLE_ID = re.compile(r"^(?P<title>.*?)\s*\((?P<id>\d+)\)\s*$")


class RosterError(ValueError):
    """The roster cannot be read; the message names the file and the reason."""


class Roster(NamedTuple):
    path: Path
    header: tuple[str, ...]
    rows: tuple[dict, ...]  # one per student, keyed by header
    points: dict  # column -> the "Points Possible" row's value (Canvas), empty when absent

    def assignment_columns(self) -> list[str]:
        """Columns that are neither identity, name, section nor totals (Canvas: after "Section")."""
        fixed = set(IDENTITY_COLUMNS) | set(NAME_COLUMNS) | {"LastName", "FirstName", "Section", "Root Account",
                                                             "First name", "Surname", "Last name", "Institution",
                                                             "Department", "Status", "Maximum Grade",
                                                             "Grade can be changed", "Last modified (submission)",
                                                             "Last modified (grade)", "Feedback comments", "Grade"}
        return [c for c in self.header if c and c not in fixed and not NOT_ASSIGNMENTS.search(c)]


def canvas_key(name: str) -> str:
    """How Canvas turns a sortable name into a file name part: 'Smith, Bob' -> 'smithbob'."""
    return re.sub(r"[^\w]", "", name).lower()


def split_title(column: str) -> tuple[str, str | None]:
    """'Exercise 3 (12345)' -> ('Exercise 3', '12345')."""
    match = _TITLE_ID.match(column)
    return (match.group("title"), match.group("id")) if match else (column.strip(), None)


def read_roster(path: Path) -> Roster:
    """Read a roster CSV (UTF-8, with or without BOM; comma or semicolon separated)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"roster not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"cannot read roster {path}: {exc}") from exc
    lines = text.splitlines()
    if not lines:
        raise RosterError(f"roster {path} is empty")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    table = [row for row in csv.reader(lines, delimiter=delimiter)]
    header = tuple(cell.strip() for cell in table[0])
    if not any(c in IDENTITY_COLUMNS for c in header):
        raise RosterError(f"roster {path} has no identity column (one of {', '.join(IDENTITY_COLUMNS)}); "
                          f"its header is: {', '.join(header)}")
    rows, points = [], {}
    for raw in table[1:]:
        row = dict(zip(header, (cell.strip() for cell in raw)))
        if raw and "Points Possible" in raw[0]:
            points = row
        elif all(_MUTED.match(cell) for cell in raw):
            continue  # blank, or Canvas's muted / manual-posting row
        else:
            rows.append(row)
    return Roster(path, header, tuple(rows), points)


def match_students(roster: Roster, students: dict[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    """Map each student id (-> display name) to the index of its roster row; those not found -> why not."""
    exact: dict[str, set[int]] = {}
    loose: dict[str, set[int]] = {}
    for index, row in enumerate(roster.rows):
        for column in IDENTITY_COLUMNS:
            value = row.get(column, "")
            if value:
                exact.setdefault(value.lower(), set()).add(index)
                if "@" in value:
                    loose.setdefault(value.split("@")[0].lower(), set()).add(index)
                if column == "Identifier" and participant_of(value):
                    exact.setdefault(participant_of(value), set()).add(index)
        names = [row[c] for c in NAME_COLUMNS if row.get(c)]
        if row.get("First name") and (row.get("Surname") or row.get("Last name")):
            names.append(f"{row['First name']} {row.get('Surname') or row.get('Last name')}")
        for name in set(names):
            loose.setdefault(canvas_key(name), set()).add(index)
    found, missing, taken = {}, {}, {}
    for student, name in sorted(students.items()):
        hits = exact.get(student.lower()) or loose.get(student.lower()) or (
            loose.get(canvas_key(name)) if name else None)
        if not hits:
            missing[student] = f"student {student} is not in the roster {roster.path.name}; left out"
        elif len(hits) > 1:
            missing[student] = f"student {student} matches {len(hits)} rows of the roster {roster.path.name}; left out"
        elif next(iter(hits)) in taken:
            missing[student] = (f"students {taken[next(iter(hits))]} and {student} match the same row of the roster "
                                f"{roster.path.name}; {student} left out")
        else:
            found[student] = next(iter(hits))
            taken[found[student]] = student
    return found, missing
