"""The exercises: found, not listed. The one place that knows where an exercise lives.

An exercise is `solutions/exerciseN.py` (the answer, from which the student's stub is generated) plus a folder
`grader/exercises/exerciseN/` whose `__init__.py` says what the exercise is:

    TITLE = "the residual by full convolution"           # one line, for `grade list` and the release README
    FUNCTIONS = ("rot180", "full_convolve", ...)          # what the student writes (recognises a file's exercise)
    PUBLIC_DATA = ("known.json",)                         # optional: data files a student release ships
    INSTRUCTOR_ONLY = ("heldout.npz",)                    # optional: files a student release must never hold

and whose `checks.py` holds the graded checks (`truth.py`, `mistakes.py` and any data beside it). Every command,
the release, batch discovery, exports and bundles take the exercises from here; adding a folder adds an exercise.
Exercises are ordered by their number. Only the tiny `__init__.py` is imported to list them; the checks are
imported when an exercise is graded.
"""

from __future__ import annotations

import functools
import importlib
import re
from pathlib import Path
from typing import NamedTuple

PACKAGE = "grader.exercises"
FOLDER = Path(__file__).resolve().parent / "exercises"
NAME = re.compile(r"exercise([1-9][0-9]*)")


class UnknownExercise(ValueError):
    """A name that is not an exercise; the message lists the known ones."""


class Exercise(NamedTuple):
    name: str  # "exercise3"
    number: int
    title: str
    functions: tuple[str, ...]
    folder: Path
    public_data: tuple[str, ...] = ()  # data files of its folder that a student release ships
    instructor_only: tuple[str, ...] = ()  # files of its folder that a student release must never hold


def _load(folder: Path) -> Exercise:
    name = folder.name
    meta = importlib.import_module(f"{PACKAGE}.{name}")
    title, functions = getattr(meta, "TITLE", None), getattr(meta, "FUNCTIONS", None)
    if not isinstance(title, str) or not isinstance(functions, tuple) or not functions:
        raise RuntimeError(f"{folder}/__init__.py must define TITLE (a string) and FUNCTIONS (a tuple of names)")
    return Exercise(name, int(NAME.fullmatch(name).group(1)), title, functions, folder,
                    tuple(getattr(meta, "PUBLIC_DATA", ())), tuple(getattr(meta, "INSTRUCTOR_ONLY", ())))


@functools.lru_cache(maxsize=None)
def exercises() -> tuple[Exercise, ...]:
    """Every exercise, by number: the folders `exerciseN` of grader/exercises/ that hold a checks.py."""
    folders = [p for p in FOLDER.iterdir() if NAME.fullmatch(p.name) and (p / "checks.py").is_file()]
    return tuple(sorted((_load(p) for p in folders), key=lambda e: e.number))


def names() -> tuple[str, ...]:
    """("exercise1", "exercise2", ...), in order."""
    return tuple(e.name for e in exercises())


def get(name: str) -> Exercise:
    for exercise in exercises():
        if exercise.name == name:
            return exercise
    raise UnknownExercise(f"unknown exercise {name!r}; known: {', '.join(names())}")


def functions() -> dict[str, tuple[str, ...]]:
    """{exercise: the functions its students write}."""
    return {e.name: e.functions for e in exercises()}


def checks_module(name: str):
    """The module of an exercise's checks (imported on first use)."""
    return importlib.import_module(f"{PACKAGE}.{get(name).name}.checks")
