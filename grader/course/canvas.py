"""Canvas "Download Submissions" file names, and telling when one cannot be trusted to name its student.

Canvas names each file ``{name}[_LATE]_{user id}_{submission file id}_{original filename}``, where ``name`` is
the student's sortable name with every non-word character removed, in lower case (``smithbob``; it may hold
letters, digits and underscores), the two ids are numbers and the original file name is whatever the student
called the file. Anonymous grading writes ``[LATE_]anon_{id}_{file id}_{original filename}``.

The fields are anchored on what Canvas guarantees: a name of word characters only, then ``_digits_digits_``.
Even so a name is ambiguous when ``_digits_digits_`` occurs more than once in a place that fits: a name that ends
in ``_<classmate id>_<number>``, or an original file name such as ``exercise_3_1_final.py``. Reading the first
split only would file such a file under whichever id comes first, possibly a classmate's, so `canvas_candidates`
returns every reading and the caller refuses to choose when they name different students.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_SPLIT = re.compile(r"(?=_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<fid>\d+)_(?P<orig>.+)$)", re.DOTALL)
_NAME = re.compile(r"\w*")
_ANON = re.compile(r"^(?:(?P<late>LATE)_)?(?P<uid>anon_[A-Za-z0-9]+)_(?P<fid>\d+)_(?P<orig>.+)$", re.DOTALL)


class CanvasName(NamedTuple):
    name: str
    user_id: str
    file_id: int
    late: bool
    original: str  # the file name the student uploaded (with Canvas's -1, -2 suffix if any)


def canvas_candidates(filename: str) -> list[CanvasName]:
    """Every way `filename` reads as a Canvas download name, first split first; [] when it is not one.

    Readings that differ only in whether ``LATE`` belongs to the name are one reading (the late one).
    """
    found: list[CanvasName] = []
    anonymous = _ANON.match(filename)
    if anonymous:
        found.append(_reading("", anonymous))
    for match in _SPLIT.finditer(filename):
        name = filename[: match.start()]
        if _NAME.fullmatch(name):
            found.append(_reading(name, match))
    unique, seen = [], set()
    for reading in found:
        key = (reading.user_id, reading.file_id, reading.original)
        if key not in seen:
            seen.add(key)
            unique.append(reading)
    return unique


def _reading(name: str, match: re.Match) -> CanvasName:
    return CanvasName(name, match["uid"], int(match["fid"]), bool(match["late"]), match["orig"])


def parse_canvas_name(filename: str) -> CanvasName | None:
    """The first reading of a Canvas download name (see `canvas_candidates`); None when it is not one."""
    readings = canvas_candidates(filename)
    return readings[0] if readings else None


def ambiguity(readings: list[CanvasName]) -> str:
    """Why the readings cannot tell the student ('' when they all name the same user id)."""
    if len({r.user_id for r in readings}) <= 1:
        return ""
    ways = "; or ".join(f"user {r.user_id} ({r.name or 'no name'}), file {r.original}" for r in readings)
    return (f"ambiguous Canvas file name: it reads as {ways}. Not graded, so that it is not filed under the "
            f"wrong student: rename it <name>_<user id>_<submission id>_<file name> and run the batch again")
