"""The translations a student release ships (grader/grading/lang.py reads them): compiled gettext catalogues."""

from __future__ import annotations

from pathlib import Path

from grader import registry
from grader.grading.checking import collect
from grader.grading.lang import DOMAIN, LANGUAGES
from grader.grading.po import marked, mo_bytes, read_po


def catalogue_files(project: Path, private: set[str] = frozenset()) -> dict[str, bytes]:
    """The compiled translations: the shared catalogue as it is; each exercise's own without what a release must
    not name: its hidden checks, and the messages only its `private` files (INSTRUCTOR_ONLY) use."""
    files = {}
    for lang in LANGUAGES[1:]:
        shared = f"grader/locale/{lang}/LC_MESSAGES/{DOMAIN}.mo"
        if (project / shared).is_file():
            files[shared] = (project / shared).read_bytes()
        for exercise in registry.exercises():
            po = project / "grader" / "exercises" / exercise.name / f"{lang}.po"
            if po.is_file():
                left_out = _unshipped(project, exercise.name, private)
                entries = read_po(po.read_text(encoding="utf-8"), str(po))
                files[f"grader/exercises/{exercise.name}/{lang}.mo"] = mo_bytes(
                    {msgid: text for msgid, text in entries.items() if msgid not in left_out})
    return files


def _unshipped(project: Path, exercise: str, private: set[str]) -> set[str]:
    """The msgids of an exercise that a release leaves out: its hidden check names, and what only its private
    files mark."""
    hidden = {c.info.name for c in collect(exercise) if c.info.visibility == "hidden"}
    folder = project / "grader" / "exercises" / exercise
    mine, theirs = set(), set()
    for path in sorted(folder.glob("*.py")):
        (mine if path.relative_to(project).as_posix() in private else theirs).update(marked(path)[0])
    return hidden | (mine - theirs)
