"""Grading one submission file for one exercise: the library behind `grade exerciseN`, batch and autograder."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Callable

from grader import registry
from grader.grading.checking import collect, run_checks
from grader.grading.lang import N_
from grader.grading.results import failed_result, make_result
from grader.sandbox.runner import DEFAULT_LIMITS, Limits
from grader.grading.submission import SubmissionFileError, check_exercise, read_source


PRINTED = N_("the submission printed:")  # the line before a submission's printed output in a result's output
# (English in the result, which report._notes cuts at it; translated where it is shown)


class GradeError(Exception):
    """Base of the errors the `grade` command turns into clear messages."""


def new_seed() -> int:
    return secrets.randbits(31)


def max_score(exercise: str, *, include_hidden: bool = True) -> float:
    return sum(c.info.points for c in collect(exercise, include_hidden=include_hidden))


def grade_file(exercise: str, path: Path, *, seed: int | None = None, limits: Limits = DEFAULT_LIMITS,
               include_hidden: bool = False, on_result: Callable | None = None) -> dict:
    """Grade `path` on `exercise`. Always returns a result; one that could not be graded has an "error" key."""
    if exercise not in registry.names():
        raise GradeError(f"unknown exercise {exercise!r}; known: {', '.join(registry.names())}")
    seed = new_seed() if seed is None else seed
    try:
        loaded = read_source(path)
        check_exercise(loaded.source, exercise, loaded.filename, loaded.declared)
    except SubmissionFileError as exc:
        return failed_result(exercise, str(exc), seed=seed, submission=str(path),
                             max_score=max_score(exercise, include_hidden=include_hidden))
    return grade_source(exercise, loaded.source, loaded.filename, cells=loaded.cells, seed=seed, limits=limits,
                        include_hidden=include_hidden, on_result=on_result, notes=loaded.notes, submission=str(path))


def grade_source(exercise: str, source: str, filename: str, *, seed: int, cells: tuple = (), notes: tuple = (),
                 limits: Limits = DEFAULT_LIMITS, include_hidden: bool = False, on_result: Callable | None = None,
                 submission: str | None = None) -> dict:
    """Grade the code `source` (named `filename` in messages) on `exercise`: the result of grade_file. cells: a
    notebook's (line before the cell, cell number) pairs; notes: lines on how the code was read."""
    run = run_checks(exercise, source, filename, seed=seed, limits=limits,
                     include_hidden=include_hidden, on_result=on_result, cells=cells)
    notes = tuple(notes) + run.notes + ((f"{PRINTED}\n{run.output}",) if run.output.strip() else ())
    return make_result(exercise, run.outcomes, seed=seed, source=source, submission=submission or filename,
                       seconds=run.seconds, notes=notes)
