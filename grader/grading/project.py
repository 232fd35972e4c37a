"""Where things are in a student's or instructor's project: the submission files and the results folder.

Which file `grade exerciseN` grades when a student release holds both exercises/exerciseN.py and its notebook:
the one that differs from the stub the release shipped (compared by the code that would be graded, so a Jupyter
autosave that only rewrites outputs or metadata changes nothing); when both differ, or the project has no
release manifest to compare with, the one saved last, with a one-line note saying so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple

from grader.grading.lang import _

RESULTS_DIR = Path(".grade") / "results"  # relative to the project root
MANIFEST = ".cnnkit-release.json"  # written by `grade release` at the root of a student release
STUB_HASHES = "stub_sha256"  # its key: {"exercises/exercise3.py": stub_hash(...), ...}


class Choice(NamedTuple):
    """The file to grade, and a one-line note for the student when there was a choice to make (else None)."""

    path: Path
    note: str | None = None


def find_root(start: Path | None = None) -> Path | None:
    """The nearest folder, from `start` (default: the current one) upwards, that has an exercises/ folder."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "exercises").is_dir():
            return folder
    return None


def graded_code(text: str, suffix: str, filename: str = "<submission>") -> str:
    """The code grading runs for a file's text: a .py file's text, a notebook's code cells joined (the same parse
    as grader.grading.submission.read_source). NotebookError for a notebook that cannot be read."""
    if suffix != ".ipynb":
        return text
    from grader.grading.notebook import notebook_code  # imports nbformat: only when a notebook is read

    return notebook_code(text, filename).source


def stub_hash(code: str) -> str:
    """The sha256 that tells a stub from an edited file: of the graded code, with Windows line ends as "\\n"."""
    from grader.grading.results import sha256_text

    return sha256_text(code.replace("\r\n", "\n"))


def released_stubs(root: Path) -> dict[str, str]:
    """{"exercises/exercise3.py": stub_hash, ...} from the release manifest; {} without one (or a bad one)."""
    try:
        data = json.loads((Path(root) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    hashes = data.get(STUB_HASHES) if isinstance(data, dict) else None
    return hashes if isinstance(hashes, dict) else {}


def _edited(root: Path, path: Path, stubs: dict[str, str]) -> bool | None:
    """Whether `path`'s graded code differs from its released stub; None when no stub hash is known."""
    from grader.grading.submission import SubmissionFileError, read_source

    known = stubs.get(path.relative_to(root).as_posix())
    if known is None:
        return None
    try:
        return stub_hash(read_source(path).source) != known
    except SubmissionFileError:
        return True  # unreadable: not the stub (grading it says what is wrong)


def default_submission(root: Path, exercise: str) -> Choice:
    """exercises/<exercise>.py, or its .ipynb when that is what is there; when both are, see the module's doc."""
    py, nb = (Path(root) / "exercises" / f"{exercise}{ext}" for ext in (".py", ".ipynb"))
    if not nb.exists():
        return Choice(py)
    if not py.exists():
        return Choice(nb)
    stubs = released_stubs(root)
    edited = {p: _edited(Path(root), p, stubs) for p in (py, nb)} if stubs else {py: None, nb: None}
    if None not in edited.values() and edited[py] != edited[nb]:
        return Choice(py if edited[py] else nb)  # exactly one was changed: that one
    if edited[py] is False and edited[nb] is False:
        return Choice(py)  # neither was started: the .py stub scores 0 as well as the notebook would
    newer, other = (nb, py) if nb.stat().st_mtime > py.stat().st_mtime else (py, nb)
    why = _("both changed since the release") if None not in edited.values() else _("both exist")
    return Choice(newer, _("note: {py} and {nb} {why}; grading {newer}, saved last (grade the other with "
                           "--submission {other})").format(py=_shown(py), nb=_shown(nb), why=why,
                                                             newer=_shown(newer), other=_shown(other)))


def _shown(path: Path) -> str:
    """A path as the student would type it here: relative to the current folder."""
    try:
        return os.path.relpath(path, Path.cwd().resolve())
    except ValueError:  # another drive (Windows)
        return str(path)


def result_path(results_dir: Path, exercise: str) -> Path:
    return Path(results_dir) / f"{exercise}.json"
