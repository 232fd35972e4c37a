"""Finding a class's submissions in the layouts instructors actually get, and which exercise each file is.

SUBMISSIONS is a folder, or a .zip of one (extracted safely into a temporary folder, see grader/course/archive.py).

1. One folder per student. The folder name is the student's identifier (as your LMS or roster knows them); the
   files may sit one folder deeper::

       submissions/
         s1234567/exercise3.py
         s1234567/exercise4.ipynb
         jdoe/homework/Exercise_3.py

2. Canvas "Download Submissions": flat files that Canvas names
   ``{name}[_LATE]_{user id}_{file id}_{original filename}`` (``name``: the sortable name in lower case without
   punctuation; anonymous grading writes ``anon_{id}`` instead of name and user id). A file a student uploaded
   again under the same name gets ``-1``, ``-2`` ... before the extension; the newest upload is graded::

       submissions/
         smithbob_340934_208490284_exercise3.py
         smithbob_LATE_340934_208491007_exercise3-1.py     <- graded (newer upload)
         wellslane_334244_394803489_exercise3.ipynb

   The student is identified by the Canvas user id (340934), the name is kept for display. A file name that
   reads as more than one student's (see grader/course/canvas.py) gets an "ambiguous" row and is not graded.

3. Moodle "Download all submissions": a folder per student named ``{full name}_{participant id}_assignsubmission_
   file_`` ("Download submissions in folders"), or flat files named ``{full name}_{participant id}_assignsubmission_
   file_{original filename}``. The student is the participant id (the ``Participant 1234567`` of the assignment's
   offline grading worksheet, see grader/course/moodle.py), the name is kept; other plugins' parts (online text) are
   not submissions::

       submissions/
         Ann Able_1234567_assignsubmission_file_/exercise3.py
         Bo Bee_1234568_assignsubmission_file_exercise3.py

4. A .zip of any of these. A zip a student uploaded (``smithbob_340934_208490284_answers.zip``, or inside a student's
   folder) is opened too, and a zip inside it, but no deeper (`ArchiveLimits.depth`, counted from SUBMISSIONS).
   All the archives of one student share one budget of bytes and files, drawn from one budget for the whole
   batch (`ArchiveLimits`); a zip that would exceed it gets a row that says which budget.

Which exercise a file is comes from its name: ``exercise3.py``, ``Exercise_3.ipynb``, ``ex3.py``,
``lab_exercise03_final.py`` are all exercise3 (a notebook of our release also says it in its metadata). A .py or
.ipynb file that names no exercise, a file of an exercise that is not a .py or .ipynb (``exercise3.pdf``), and a
student folder without any submission each get a row that says so. Other files (PDFs, images, ``__MACOSX``,
hidden files) are listed as ignored. A symbolic link is never followed: it gets a row in its student's name.
Anything else that goes wrong reading one student's files gets a row for that student (grader/course/discovery.py).
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from grader.course.archive import DEFAULT_ARCHIVE_LIMITS, ArchiveError, ArchiveLimits, Budget, extract_zip
from grader.course.canvas import CanvasName, canvas_candidates, parse_canvas_name
from grader.course.discovery import (CODE_SUFFIXES, EXERCISES, Collector, Discovery, Problem, Submission,
                              entries, exercise_of, resubmission_number)
from grader.course.moodle import parse_moodle_file, parse_moodle_folder
from grader.course.neutral import one_line

__all__ = ["CODE_SUFFIXES", "EXERCISES", "CanvasName", "Discovery", "LayoutError", "Problem", "Submission",
           "canvas_candidates", "discover", "exercise_of", "open_submissions", "parse_canvas_name",
           "resubmission_number"]


class LayoutError(ValueError):
    """SUBMISSIONS cannot be read as a class's submissions; the message names the path."""


@contextmanager
def open_submissions(path: Path, *, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS) -> Iterator[Discovery]:
    """Discover the submissions in a folder or a .zip (extracted into a temporary folder removed afterwards).

    All archives, the class's zip and every zip inside it, are extracted within `limits` (one budget for the
    batch, one per student drawn from it, a nesting depth)."""
    path = Path(path)
    if not path.exists():
        raise LayoutError(f"submissions not found: {path}")
    if not path.is_dir() and path.suffix.lower() != ".zip":
        raise LayoutError(f"{path} is neither a folder nor a .zip of submissions")
    budget = Budget(limits.batch_bytes, limits.batch_files, "the batch's archives")
    with tempfile.TemporaryDirectory(prefix="grade-batch-") as tmp:
        scratch = Path(tmp)
        if path.is_dir():
            yield discover(path, scratch, budget=budget, limits=limits)
            return
        (scratch / "zip").mkdir()
        try:
            extracted = extract_zip(path, scratch / "zip", max_file_bytes=limits.file_bytes, budget=budget,
                                    name=path.name)
        except ArchiveError as exc:
            raise LayoutError(str(exc)) from exc
        root = _unwrap(scratch / "zip")
        inside = _relative_label(root, scratch / "zip")
        links = {rel[len(inside):]: target for rel, target in extracted.links if rel.startswith(inside)}
        found = discover(root, scratch, label=f"{path.name}:{inside}", budget=budget, limits=limits, depth=1,
                         links=links)
        yield found._replace(ignored=found.ignored + tuple(one_line(f"{path.name}:{s}") for s in extracted.skipped))


def _relative_label(root: Path, top: Path) -> str:
    rel = root.relative_to(top).as_posix()
    return "" if rel == "." else rel + "/"


def _unwrap(root: Path) -> Path:
    """A zip often holds one folder around everything: look inside it when it holds students or Canvas files."""
    found = entries(root)
    if len(found) == 1 and found[0].is_dir():
        inner = entries(found[0])
        if sum(e.is_dir() for e in inner) >= 2 or any(
                parse_canvas_name(e.name) or parse_moodle_file(e.name) for e in inner if e.is_file()) or any(
                parse_moodle_folder(e.name) for e in inner if e.is_dir()):
            return found[0]
    return root


def discover(root: Path, scratch: Path, *, label: str = "", budget: Budget | None = None,
             limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS, depth: int = 0,
             links: dict[str, str] | None = None) -> Discovery:
    """Find every student's files under `root`; see the module docstring.

    Zips found inside submissions are extracted under `scratch`, which must outlive the grading, against
    `budget` (a new batch budget of `limits` when None); `depth` is how many zips `root` is inside; `links` are
    the refused symbolic links of the zip `root` came from, by path relative to `root`.
    """
    root = Path(root)
    if not root.is_dir():
        raise LayoutError(f"{root} is not a folder")
    try:
        found = entries(root)
    except OSError as exc:
        raise LayoutError(f"cannot read {root}: {exc.strerror or exc}") from exc
    budget = budget or Budget(limits.batch_bytes, limits.batch_files, "the batch's archives")
    collector = Collector(Path(scratch), budget, limits, depth=depth, links=links)
    folders = [e for e in found if not e.is_symlink() and e.is_dir()]
    for entry in found:
        where = label + entry.name
        if entry.is_symlink():
            collector.guarded(_owner(entry.name), where, collector.top_link, entry, where)
        elif entry.is_dir():
            folder = parse_moodle_folder(entry.name)
            collector.guarded(folder.participant if folder else entry.name, where + "/", collector.student_folder,
                              entry, where + "/")
        else:
            collector.guarded(_owner(entry.name), where, collector.loose_file, entry, where)
    collector.leftover_links(label)
    moodle_folders = [f for f in folders if parse_moodle_folder(f.name)]
    plain = len(folders) > len(moodle_folders)
    layout = "+".join(kind for kind, used in (("folders", plain), ("canvas", collector.canvas),
                                              ("moodle", collector.moodle)) if used)
    return collector.result(layout or "empty")


def _owner(filename: str) -> str:
    """Whose row an unexpected failure on a loose file goes to: its Moodle participant id, or its Canvas user id
    when unambiguous."""
    moodle = parse_moodle_file(filename)
    if moodle:
        return moodle.participant
    readings = canvas_candidates(filename)
    return readings[0].user_id if len({r.user_id for r in readings}) == 1 else ""
