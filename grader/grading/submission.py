"""Finding and reading a submission: a .py file or a notebook, checked before anything runs.

Nothing here executes student code: the source is read as text and parsed with `ast` to see which functions it
defines (so a file of another exercise is recognised).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

from grader import registry
from grader.grading.lang import _
from grader.grading.notebook import NotebookError, notebook_code

MAX_BYTES = 2 * 1024 * 1024  # a real answer is a few KiB; anything far larger is not a submission



class SubmissionFileError(ValueError):
    """The submission file cannot be graded; the message names the file and the reason."""


class Loaded(NamedTuple):
    source: str
    filename: str
    notes: tuple[str, ...]
    declared: str | None = None  # the exercise a notebook's metadata names
    cells: tuple[tuple[int, int], ...] = ()  # a notebook's cells: (line of its header in source, cell number)


def read_source(path: Path) -> Loaded:
    """Read a .py or .ipynb submission as text; SubmissionFileError for anything unreadable."""
    path = Path(path)
    if not path.exists():
        raise SubmissionFileError(_("submission not found: {path}").format(path=path))
    if not path.is_file():
        raise SubmissionFileError(_("submission is not a file: {path}").format(path=path))
    if path.suffix not in (".py", ".ipynb"):
        raise SubmissionFileError(_("{path}: expected a .py file or a .ipynb notebook").format(path=path))
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SubmissionFileError(_("{path} is {size:.1f} MiB; a submission may be at most {limit} MiB").format(
                path=path, size=size / 2**20, limit=MAX_BYTES // 2**20))
        data = path.read_bytes()
    except OSError as exc:
        raise SubmissionFileError(_("cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)) from exc
    if b"\0" in data:
        raise SubmissionFileError(_("{path} is a binary file, not Python source").format(path=path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionFileError(_("{path} is not UTF-8 text (byte {byte})").format(path=path, byte=exc.start)) from exc
    if path.suffix == ".ipynb":
        try:
            code = notebook_code(text, str(path))
        except NotebookError as exc:
            raise SubmissionFileError(str(exc)) from exc
        return Loaded(code.source, str(path), code.notes, code.exercise, code.cells)
    return Loaded(text, str(path), ())


def defined_functions(source: str) -> set[str] | None:
    """Top-level function names the source defines, or None when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def check_exercise(source: str, exercise: str, filename: str, declared: str | None = None) -> None:
    """Refuse a submission of another exercise: by a notebook's metadata, or by the functions it defines."""
    if declared is not None and declared != exercise:
        raise SubmissionFileError(_("{file} is the notebook of {declared}, not {exercise}").format(
            file=filename, declared=declared, exercise=exercise))
    names, asked = defined_functions(source), registry.functions()  # the functions each exercise asks for
    if names is None or names & set(asked[exercise]):
        return  # a syntax error is reported by the checks themselves, with its line
    others = [ex for ex, funcs in asked.items() if names & set(funcs)]
    if others:
        raise SubmissionFileError(_("{file} looks like {other} (it defines {names}), not {exercise}").format(
            file=filename, other=others[0], names=", ".join(sorted(names & set(asked[others[0]]))), exercise=exercise))
