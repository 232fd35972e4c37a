"""What discovery finds in a class's files, file by file: whose it is, which exercise, or why it cannot be used.

The layouts themselves are described in grader/course/layouts.py, which drives a `Collector` over SUBMISSIONS. Every
file here comes from students, so:
- a symbolic link (in a folder or in a zip) is never followed nor read: it gets a row that says so;
- a zip inside a submission is extracted against one budget per student, drawn from one budget for the batch
  (grader/course/archive.py), and zips nested deeper than `ArchiveLimits.depth` are not opened;
- any exception while reading one student's files (a notebook whose JSON nests too deeply, a damaged zip,
  an unreadable folder ...) becomes a row for that student, never the end of the batch;
- every student id, name, label, reason and ignored entry is passed through `one_line`, so no file name can
  put control characters, bidi overrides or line breaks into the gradebook, the summary or a terminal.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path, PurePosixPath
from typing import Callable, NamedTuple

from grader.course.archive import ArchiveError, ArchiveLimits, Budget, extract_zip
from grader.course.canvas import ambiguity, canvas_candidates
from grader.course.moodle import parse_moodle_file, parse_moodle_folder
from grader.course.neutral import one_line
from grader.grading.notebook import META_KEY
from grader import registry
from grader.grading.submission import MAX_BYTES

EXERCISES = registry.names()  # in order: exercise1, exercise2, ...
CODE_SUFFIXES = (".py", ".ipynb")
JUNK = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git", "Thumbs.db", "desktop.ini"}
_EXERCISE = re.compile(r"(?:^|[^a-z])(?:exercise|ex)[\s_.\-]*0*(\d+)(?!\d)")
_RESUBMITTED = re.compile(r"-(\d+)$")
_MESSAGE = 200  # characters of an unexpected exception's message kept in a reason


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
    student: str  # "" when no student can be told (or, for an ambiguous Canvas name, safely told)
    name: str
    exercise: str  # "" when no exercise could be told
    label: str
    reason: str
    status: str = "error"  # "ambiguous": a Canvas name that reads as several students' (not graded)


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


def entries(folder: Path) -> list[Path]:
    """The entries of a folder that may be submissions (no junk, nothing hidden), sorted."""
    return sorted(e for e in folder.iterdir() if e.name not in JUNK and not e.name.startswith("."))


def walk(folder: Path, depth: int) -> list[Path]:
    """Files under `folder`, at most `depth` levels down, without junk; sorted. Links and special files are
    listed, never followed, so that the caller can say why they are not used."""
    found = []
    for entry in entries(folder):
        if entry.is_symlink() or not entry.is_dir():
            found.append(entry)
        elif depth > 1:
            found.extend(walk(entry, depth - 1))
    return found


def notebook_meta(path: Path) -> tuple[str | None, str]:
    """The exercise a notebook of our release declares in its metadata (for notebooks renamed by students), and
    why the notebook cannot be read at all ('' when it can, or when grading will say what is wrong with it)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None, ""  # grading refuses it, and says its size
        document = json.loads(path.read_text(encoding="utf-8"))
    except (RecursionError, MemoryError) as exc:
        return None, f"its JSON nests too deeply to be read ({type(exc).__name__}); not graded"
    except (OSError, ValueError):
        return None, ""  # not a notebook: grading says so
    metadata = document.get("metadata") if isinstance(document, dict) else None
    ours = metadata.get(META_KEY) if isinstance(metadata, dict) else None
    declared = ours.get("exercise") if isinstance(ours, dict) else None
    return (declared if isinstance(declared, str) else None), ""


def link_target(path: Path) -> str:
    """What a symbolic link points to (read from the link itself, never through it); '?' when unreadable."""
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _mtime(path: Path) -> int:
    try:
        return path.lstat().st_mtime_ns
    except OSError:
        return 0


class Collector:
    """Accumulates what discovery finds. Zips found inside submissions are extracted under `scratch` against
    `budget` (one child budget per student); `depth` is how many zips SUBMISSIONS itself was inside; `links`
    are the symbolic links of the class's zip, by path relative to the root (never created on disk)."""

    def __init__(self, scratch: Path, budget: Budget, limits: ArchiveLimits, *, depth: int = 0,
                 links: dict[str, str] | None = None):
        self.scratch, self.budget, self.limits, self.depth = scratch, budget, limits, depth
        self.links = dict(links or {})
        self.found: list[Submission] = []
        self.problems: list[Problem] = []
        self.ignored: list[str] = []
        self.canvas = False
        self.moodle = False  # a Moodle download: students are participant ids (grader/course/moodle.py)
        self._zips = 0
        self._budgets: dict[str, Budget] = {}

    # ---- rows ---------------------------------------------------------------------------------------------
    def problem(self, student: str, name: str, exercise: str, label: str, reason: str, status: str = "error"):
        """A row for a file or folder that cannot be graded, its texts on one plain line."""
        self.problems.append(Problem(one_line(student), one_line(name), exercise, one_line(label), one_line(reason),
                                     status))

    def guarded(self, student: str, label: str, call: Callable, *args) -> None:
        """Run one student's part of discovery: any exception becomes a row for that student, not the batch's end
        (RecursionError, MemoryError, OSError, a damaged zip, a name that is not text ...)."""
        try:
            call(*args)
        except Exception as exc:  # noqa: BLE001 - one student's files must never stop the batch
            detail = f"{type(exc).__name__}: {exc}"[:_MESSAGE]
            self.problem(student, "", "", label, f"could not read {label}: {detail}; not graded")

    def refuse_link(self, student: str, name: str, shown: str, label: str, target: str) -> None:
        """A row for a symbolic link: never followed, so the grader reads nothing it points to."""
        self.problem(student, name, exercise_of(shown) or "", label,
                     f"{shown} is a symbolic link (to {target[:200]}); the grader does not follow links")

    # ---- layouts ------------------------------------------------------------------------------------------
    def student_folder(self, folder: Path, label: str) -> None:
        """The files of one student's folder (at most one folder deeper). A Moodle download folder
        (``Ann Able_1234567_assignsubmission_file_``) is the participant's, and keeps the name."""
        student, name, before = folder.name, "", len(self.found) + len(self.problems)
        moodle = parse_moodle_folder(folder.name)
        if moodle:
            self.moodle, student, name = True, moodle.participant, moodle.name
        for rel in sorted(r for r in self.links if r.startswith(folder.name + "/")):
            self.refuse_link(student, "", PurePosixPath(rel).name, label + rel.split("/", 1)[1], self.links.pop(rel))
        for entry in walk(folder, depth=2):
            self.add_file(student, name, entry, label + entry.relative_to(folder).as_posix(), late=False,
                          rank=(resubmission_number(entry.name), _mtime(entry)), depth=self.depth)
        if len(self.found) + len(self.problems) == before and not (moodle and moodle.plugin != "file"):
            self.problem(student, name, "", label, "no submission file (.py or .ipynb) found")

    def loose_file(self, file: Path, label: str) -> None:
        """A file beside the student folders: a Moodle or Canvas download, or a file nobody can be told to own.
        Moodle's name is anchored on a name without underscores, which no Canvas name fits: it is tried first."""
        moodle = parse_moodle_file(file.name)
        if moodle:
            self.moodle = True
            self.add_file(moodle.participant, moodle.name, file, label, late=False, depth=self.depth,
                          rank=(resubmission_number(moodle.original), _mtime(file)), shown=moodle.original)
            return
        readings = canvas_candidates(file.name)
        if not readings:
            if file.suffix.lower() in CODE_SUFFIXES + (".zip",):
                self.problem("", "", exercise_of(file.name) or "", label,
                             "not in a student folder and not named like a Canvas download")
            else:
                self.ignored.append(f"{label}: not a submission")
            return
        self.canvas = True
        why = ambiguity(readings)
        if why:
            exercises = {exercise_of(r.original) for r in readings}
            exercise = exercises.pop() if len(exercises) == 1 else None
            self.problem("", "", exercise if exercise in EXERCISES else "", label, why, status="ambiguous")
            return
        canvas = readings[0]
        self.add_file(canvas.user_id, canvas.name, file, label, late=canvas.late, depth=self.depth,
                      rank=(canvas.file_id, resubmission_number(canvas.original)), shown=canvas.original)

    def top_link(self, entry: Path, label: str) -> None:
        """A symbolic link beside the student folders: refused, in its student's row when one can be told."""
        moodle = parse_moodle_file(entry.name) or parse_moodle_folder(entry.name)
        readings = canvas_candidates(entry.name)
        student = moodle.participant if moodle else (
            "" if ambiguity(readings) else (readings[0].user_id if readings else entry.name))
        self.refuse_link(student, "", entry.name, label, link_target(entry))

    def leftover_links(self, label: str) -> None:
        """Links of the class's zip in no student folder found on disk (a folder that held only links)."""
        for rel, target in sorted(self.links.items()):
            parts = rel.split("/")
            student = parts[0] if len(parts) > 1 else ""
            self.refuse_link(student, "", parts[-1], label + rel, target)
        self.links.clear()

    # ---- one file -----------------------------------------------------------------------------------------
    def add_file(self, student: str, name: str, file: Path, label: str, *, late: bool, rank: tuple, depth: int,
                 shown: str | None = None) -> None:
        """Classify one file of a student: a submission, a row that says why not, or an ignored file."""
        shown = shown or file.name
        suffix = Path(shown).suffix.lower()
        if file.is_symlink():
            self.refuse_link(student, name, shown, label, link_target(file))
        elif not file.is_file():
            self.ignored.append(f"{label}: not a regular file")
        elif suffix == ".zip":
            self._nested_zip(student, name, file, label, late, rank, depth + 1)
        else:
            exercise, trouble = exercise_of(shown), ""
            if suffix == ".ipynb":
                declared, trouble = notebook_meta(file)
                exercise = exercise or declared
            if trouble:
                self.problem(student, name, exercise or "", label, f"{shown}: {trouble}")
            else:
                self._classify(student, name, file, label, late, rank, shown, suffix, exercise)

    def _classify(self, student, name, file, label, late, rank, shown, suffix, exercise) -> None:
        if suffix in CODE_SUFFIXES and exercise in EXERCISES:
            self.found.append(Submission(one_line(student), one_line(name), exercise, file, one_line(label), late,
                                         rank))
        elif suffix in CODE_SUFFIXES and exercise is None:
            self.problem(student, name, "", label, f"{shown} matches no exercise (expected a name like "
                                                   f"exercise3.py or exercise3.ipynb)")
        elif suffix in CODE_SUFFIXES:
            self.problem(student, name, "", label, f"{shown}: there is no {exercise} (known: {', '.join(EXERCISES)})")
        elif exercise in EXERCISES:
            self.problem(student, name, exercise, label, f"{shown} is not a .py file or a .ipynb notebook")
        else:
            self.ignored.append(f"{label}: not a submission")

    def _student_budget(self, student: str) -> Budget:
        if student not in self._budgets:
            self._budgets[student] = self.budget.child(self.limits.student_bytes, self.limits.student_files,
                                                       "one student's archives")
        return self._budgets[student]

    def _nested_zip(self, student, name, file, label, late, rank, depth) -> None:
        """A zip a student handed in: extracted against the student's budget, then its files classified."""
        if depth > self.limits.depth:
            self.problem(student, name, "", label, f"a zip inside {depth - 1} other zips: zips nested more than "
                                                   f"{self.limits.depth} deep are not opened; not graded")
            return
        self._zips += 1
        dest = self.scratch / f"nested{self._zips}"
        dest.mkdir(parents=True, exist_ok=True)
        try:
            extracted = extract_zip(file, dest, max_file_bytes=self.limits.file_bytes,
                                    budget=self._student_budget(student), name=label)
        except ArchiveError as exc:
            self.problem(student, name, "", label, f"{exc}; not graded")
            return
        self.ignored.extend(f"{label}:{s}" for s in extracted.skipped)
        before = len(self.found) + len(self.problems)
        for rel, target in extracted.links:
            self.refuse_link(student, name, PurePosixPath(rel).name, f"{label}:{rel}", target)
        for entry in walk(dest, depth=3):
            self.add_file(student, name, entry, f"{label}:{entry.relative_to(dest).as_posix()}", late=late,
                          rank=rank + (resubmission_number(entry.name), _mtime(entry)), depth=depth)
        if len(self.found) + len(self.problems) == before:
            self.problem(student, name, "", label, "the zip holds no .py or .ipynb file")

    # ---- the end ------------------------------------------------------------------------------------------
    def result(self, layout: str) -> Discovery:
        """The newest file per student and exercise, the older ones, the rows of problems, the ignored files."""
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
                         tuple(sorted(problems, key=lambda p: (p.student, p.label))),
                         tuple(sorted(one_line(i) for i in self.ignored)))
