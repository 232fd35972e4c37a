"""Finding a class's submissions in the layouts instructors actually get, and which exercise each file is.

SUBMISSIONS is a folder, or a .zip of one (extracted safely into a temporary folder, see grader/archive.py).

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

   The student is identified by the Canvas user id (340934), the name is kept for display.

3. A .zip of either. A zip a student uploaded (``smithbob_340934_208490284_answers.zip``, or inside a student's
   folder) is opened too.

Which exercise a file is comes from its name: ``exercise3.py``, ``Exercise_3.ipynb``, ``ex3.py``,
``lab_exercise03_final.py`` are all exercise3 (a notebook of our release also says it in its metadata). A .py or
.ipynb file that names no exercise, a file of an exercise that is not a .py or .ipynb (``exercise3.pdf``), and a
student folder without any submission each get a row that says so. Other files (PDFs, images, ``__MACOSX``,
hidden files) are listed as ignored.
"""

from __future__ import annotations

import json
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

from grader.archive import ArchiveError, extract_zip
from grader.notebook import META_KEY
from grader.submission import EXERCISE_FUNCTIONS

EXERCISES = tuple(EXERCISE_FUNCTIONS)  # in order: exercise1 ... exercise4
CODE_SUFFIXES = (".py", ".ipynb")
_JUNK = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git", "Thumbs.db", "desktop.ini"}
_EXERCISE = re.compile(r"(?:^|[^a-z])(?:exercise|ex)[\s_.\-]*0*(\d+)(?!\d)")
_RESUBMITTED = re.compile(r"-(\d+)$")
_CANVAS = re.compile(r"^(?P<name>.*?)(?:_(?P<late>LATE))?_(?P<uid>\d+)_(?P<fid>\d+)_(?P<orig>.+)$")
_CANVAS_ANON = re.compile(r"^(?:(?P<late>LATE)_)?(?P<uid>anon_[A-Za-z0-9]+)_(?P<fid>\d+)_(?P<orig>.+)$")


class LayoutError(ValueError):
    """SUBMISSIONS cannot be read as a class's submissions; the message names the path."""


class CanvasName(NamedTuple):
    name: str
    user_id: str
    file_id: int
    late: bool
    original: str  # the file name the student uploaded (with Canvas's -1, -2 suffix if any)


class Submission(NamedTuple):
    """One file to grade for one student and exercise."""
    student: str  # as the LMS knows them: Canvas user id, or the folder name
    name: str  # display name when known, else ""
    exercise: str
    path: Path  # where to read it now (inside a temporary folder for zips)
    label: str  # where it is in SUBMISSIONS, for people ("subs.zip:jdoe/exercise3.py")
    late: bool
    rank: tuple  # orders several files of one student and exercise: the highest is the newest


class Problem(NamedTuple):
    """A file or a student folder that gives no gradable submission: it gets a row, with the reason."""
    student: str
    name: str
    exercise: str  # "" when no exercise could be told
    label: str
    reason: str


class Discovery(NamedTuple):
    layout: str  # "folders", "canvas", "folders+canvas" or "empty"
    submissions: tuple[Submission, ...]  # the newest file per (student, exercise), sorted
    superseded: tuple[Submission, ...]  # older files of the same student and exercise, not graded
    problems: tuple[Problem, ...]
    ignored: tuple[str, ...]  # labels of files that are not submissions, with the reason


def exercise_of(filename: str) -> str | None:
    """'Exercise_3.ipynb' -> 'exercise3'; None when the name names no exercise number."""
    match = _EXERCISE.search(Path(filename).stem.lower())
    return f"exercise{int(match.group(1))}" if match else None


def resubmission_number(filename: str) -> int:
    """Canvas's suffix for a re-uploaded file: 'exercise3-2.py' -> 2, 'exercise-3.py' -> 0."""
    stem = Path(filename).stem
    match = _RESUBMITTED.search(stem)
    if match and exercise_of(stem[: match.start()]) == exercise_of(stem):
        return int(match.group(1))
    return 0


def parse_canvas_name(filename: str) -> CanvasName | None:
    """Split a Canvas "Download Submissions" file name; None when it is not one."""
    match = _CANVAS_ANON.match(filename) or _CANVAS.match(filename)
    if match is None:
        return None
    parts = match.groupdict()
    return CanvasName(parts.get("name") or "", parts["uid"], int(parts["fid"]), bool(parts["late"]), parts["orig"])


@contextmanager
def open_submissions(path: Path) -> Iterator[Discovery]:
    """Discover the submissions in a folder or a .zip (extracted into a temporary folder removed afterwards)."""
    path = Path(path)
    if not path.exists():
        raise LayoutError(f"submissions not found: {path}")
    if not path.is_dir() and path.suffix.lower() != ".zip":
        raise LayoutError(f"{path} is neither a folder nor a .zip of submissions")
    with tempfile.TemporaryDirectory(prefix="grade-batch-") as tmp:
        scratch = Path(tmp)
        if path.is_dir():
            yield discover(path, scratch)
            return
        (scratch / "zip").mkdir()
        try:
            extracted = extract_zip(path, scratch / "zip")
        except ArchiveError as exc:
            raise LayoutError(str(exc)) from exc
        root = _unwrap(scratch / "zip")
        found = discover(root, scratch, label=f"{path.name}:" + _relative_label(root, scratch / "zip"))
        yield found._replace(ignored=found.ignored + tuple(f"{path.name}:{s}" for s in extracted.skipped))


def _relative_label(root: Path, top: Path) -> str:
    rel = root.relative_to(top).as_posix()
    return "" if rel == "." else rel + "/"


def _unwrap(root: Path) -> Path:
    """A zip often holds one folder around everything: look inside it when it holds students or Canvas files."""
    entries = _entries(root)
    if len(entries) == 1 and entries[0].is_dir():
        inner = _entries(entries[0])
        if sum(e.is_dir() for e in inner) >= 2 or any(parse_canvas_name(e.name) for e in inner if e.is_file()):
            return entries[0]
    return root


def _entries(folder: Path) -> list[Path]:
    return sorted(e for e in folder.iterdir() if e.name not in _JUNK and not e.name.startswith("."))


def discover(root: Path, scratch: Path, *, label: str = "") -> Discovery:
    """Find every student's files under `root`; see the module docstring for the layouts.

    Zips found inside submissions are extracted under `scratch`, which must outlive the grading.
    """
    root = Path(root)
    if not root.is_dir():
        raise LayoutError(f"{root} is not a folder")
    try:
        entries = _entries(root)
    except OSError as exc:
        raise LayoutError(f"cannot read {root}: {exc.strerror or exc}") from exc
    collector = _Collector(Path(scratch))
    folders = [e for e in entries if e.is_dir()]
    files = [e for e in entries if e.is_file()]
    for folder in folders:
        collector.student_folder(folder, label + folder.name + "/")
    for file in files:
        collector.loose_file(file, label + file.name)
    layout = "+".join(kind for kind, used in (("folders", folders), ("canvas", collector.canvas)) if used)
    return collector.result(layout or "empty")


class _Collector:
    """Accumulates what discovery finds; zips found inside submissions are extracted under `scratch`."""

    def __init__(self, scratch: Path):
        self.scratch = scratch
        self.found: list[Submission] = []
        self.problems: list[Problem] = []
        self.ignored: list[str] = []
        self.canvas = False
        self._zips = 0

    def student_folder(self, folder: Path, label: str) -> None:
        student, before = folder.name, len(self.found) + len(self.problems)
        for entry in _walk(folder, depth=2):
            self.add_file(student, "", entry, label + entry.relative_to(folder).as_posix(), late=False,
                          rank=(resubmission_number(entry.name), _mtime(entry)))
        if len(self.found) + len(self.problems) == before:
            self.problems.append(Problem(student, "", "", label, "no submission file (.py or .ipynb) found"))

    def loose_file(self, file: Path, label: str) -> None:
        canvas = parse_canvas_name(file.name)
        if canvas is None:
            if file.suffix.lower() in CODE_SUFFIXES + (".zip",):
                self.problems.append(Problem("", "", exercise_of(file.name) or "", label,
                                             "not in a student folder and not named like a Canvas download"))
            else:
                self.ignored.append(f"{label}: not a submission")
            return
        self.canvas = True
        self.add_file(canvas.user_id, canvas.name, file, label, late=canvas.late,
                      rank=(canvas.file_id, resubmission_number(canvas.original)), shown=canvas.original)

    def add_file(self, student: str, name: str, file: Path, label: str, *, late: bool, rank: tuple,
                 shown: str | None = None) -> None:
        shown = shown or file.name
        suffix = Path(shown).suffix.lower()
        if suffix == ".zip":
            self._nested_zip(student, name, file, label, late, rank)
            return
        exercise = exercise_of(shown) or (_declared_exercise(file) if suffix == ".ipynb" else None)
        if suffix in CODE_SUFFIXES and exercise in EXERCISES:
            self.found.append(Submission(student, name, exercise, file, label, late, rank))
        elif suffix in CODE_SUFFIXES and exercise is None:
            self.problems.append(Problem(student, name, "", label, f"{shown} matches no exercise (expected a name "
                                                                    f"like exercise3.py or exercise3.ipynb)"))
        elif suffix in CODE_SUFFIXES:
            self.problems.append(Problem(student, name, "", label, f"{shown}: there is no {exercise} "
                                                                    f"(known: {', '.join(EXERCISES)})"))
        elif exercise in EXERCISES:
            self.problems.append(Problem(student, name, exercise, label,
                                         f"{shown} is not a .py file or a .ipynb notebook"))
        else:
            self.ignored.append(f"{label}: not a submission")

    def _nested_zip(self, student, name, file, label, late, rank) -> None:
        self._zips += 1
        dest = self.scratch / f"nested{self._zips}"
        dest.mkdir(parents=True, exist_ok=True)
        try:
            extracted = extract_zip(file, dest)
        except ArchiveError as exc:
            self.problems.append(Problem(student, name, "", label, str(exc).replace(str(file), file.name)))
            return
        self.ignored.extend(f"{label}:{s}" for s in extracted.skipped)
        before = len(self.found) + len(self.problems)
        for entry in _walk(dest, depth=3):
            self.add_file(student, name, entry, f"{label}:{entry.relative_to(dest).as_posix()}", late=late,
                          rank=rank + (resubmission_number(entry.name), _mtime(entry)))
        if len(self.found) + len(self.problems) == before:
            self.problems.append(Problem(student, name, "", label, "the zip holds no .py or .ipynb file"))

    def result(self, layout: str) -> Discovery:
        best: dict[tuple[str, str], Submission] = {}
        superseded = []
        for sub in sorted(self.found, key=lambda s: (s.student, s.exercise, s.rank, s.label)):
            key = (sub.student, sub.exercise)
            if key in best:
                superseded.append(best[key])
            best[key] = sub
        problems = []
        for problem in self.problems:  # exercise3.pdf next to exercise3.py is just an extra file
            if problem.exercise and (problem.student, problem.exercise) in best:
                self.ignored.append(f"{problem.label}: {problem.reason}; {problem.exercise} was found")
            else:
                problems.append(problem)
        order = {name: i for i, name in enumerate(EXERCISES)}
        chosen = sorted(best.values(), key=lambda s: (s.student, order[s.exercise]))
        return Discovery(layout, tuple(chosen), tuple(superseded),
                         tuple(sorted(problems, key=lambda p: (p.student, p.label))), tuple(sorted(self.ignored)))


def _declared_exercise(path: Path) -> str | None:
    """The exercise a notebook of our release declares in its metadata (for notebooks renamed by students)."""
    try:
        metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        declared = metadata.get(META_KEY, {}).get("exercise")
    except (OSError, ValueError, AttributeError):
        return None
    return declared if isinstance(declared, str) else None


def _walk(folder: Path, depth: int) -> list[Path]:
    """Files under `folder`, at most `depth` levels down, without junk; sorted."""
    found = []
    for entry in _entries(folder):
        if entry.is_file():
            found.append(entry)
        elif entry.is_dir() and depth > 1:
            found.extend(_walk(entry, depth - 1))
    return found


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
