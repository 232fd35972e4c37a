"""Checks and the runner that scores them.

A check is a plain pytest-style test function `test_...(submission, rng)` in `grader/exercises/<exercise>/checks.py`,
tagged with `@check(name, points=..., hidden=...)`. pytest can run the modules directly (their conftest.py gives
the fixtures); the grader runs them with `run_checks`, which is much faster than a pytest session.

`submission.call(name, *args, **kwargs)` runs the student's function in the sandbox and returns plain values.
A check passes by returning, and fails by raising `CheckFailed` (an AssertionError) with a message for the student.
Anything the submission does wrong in the sandbox arrives as a `SubmissionError` and fails only that check.
"""

from __future__ import annotations

import time
import traceback
import zlib
from typing import Callable, NamedTuple

import numpy as np

from grader import registry
from grader.sandbox.runner import DEFAULT_LIMITS, Limits, Sandbox, SandboxUnavailable, SubmissionError, TimedOut
from grader.sandbox.doctor import jail_note
from grader.grading.lang import _
from grader.grading.where import Feedback, SourceMap, explain, sandbox_said



class CheckFailed(AssertionError):
    """A check's verdict on a wrong answer; its message is shown to the student. picture: a wrong array's map,
    expected and got (grader/grading/picture.py), or None."""

    def __init__(self, message: str = "", picture: dict | None = None):
        super().__init__(message)
        self.picture = picture


class GraderBug(RuntimeError):
    """The grader's own witnesses disagree: never the student's fault."""


class CheckInfo(NamedTuple):
    name: str
    points: float
    visibility: str  # "visible" (public) or "hidden" (batch and autograder only)


class Check(NamedTuple):
    func: Callable
    info: CheckInfo


class Outcome(NamedTuple):
    name: str
    points: float
    max_points: float
    status: str  # "passed" | "failed"
    message: str
    visibility: str
    traceback: str = ""  # the submission's own frames when it raised (shown with --verbose)
    picture: dict | None = None  # a wrong array: expected and got (grader/grading/picture.py)


class Run(NamedTuple):
    """What run_checks found: each check's outcome, the time, what the submission printed (as quoted_output
    shows it) and notes on the run (notebook cells that raised)."""
    outcomes: list
    seconds: float
    output: str
    notes: tuple = ()


def check(name: str, *, points: float, hidden: bool = False):
    """Mark a test function as a graded check worth `points`; `name` says the function and the case."""
    if points <= 0:
        raise ValueError(f"points must be positive, got {points!r} for check {name!r}")

    def mark(func):
        func.__check__ = CheckInfo(name, float(points), "hidden" if hidden else "visible")
        return func

    return mark


def collect(exercise: str, *, include_hidden: bool = True) -> list[Check]:
    """The checks of one exercise in definition order (hidden ones only when asked)."""
    module = registry.checks_module(exercise)  # an unknown name: registry.UnknownExercise, a ValueError
    found = [Check(f, f.__check__) for f in vars(module).values() if callable(f) and hasattr(f, "__check__")]
    found.sort(key=lambda c: c.func.__code__.co_firstlineno)
    return [c for c in found if include_hidden or c.info.visibility == "visible"]


def check_rng(seed: int, name: str) -> np.random.Generator:
    """Each check draws its own stream from the run's seed and its name, so checks don't shift each other."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def run_one(chk: Check, submission, seed: int, where: SourceMap | None = None) -> Outcome:
    """Run one check; whatever happens, return its outcome. where: the submission's source, to say at which
    line of it an error happened."""
    info = chk.info
    try:
        chk.func(submission, check_rng(seed, info.name))
    except CheckFailed as exc:  # the message may quote the submission: made harmless
        return Outcome(info.name, 0.0, info.points, "failed", printable(str(exc)), info.visibility,
                       picture=getattr(exc, "picture", None))
    except SubmissionError as exc:
        said = explain(exc, where) if where is not None else Feedback(sandbox_said(str(exc)), "")
        return Outcome(info.name, 0.0, info.points, "failed", printable(said.message), info.visibility,
                       printable(said.traceback))
    except SandboxUnavailable:
        raise  # no worker could start: the run cannot be scored at all, and it is not the student's doing
    except Exception as exc:  # a bug of ours: say so plainly, never blame the student
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Outcome(info.name, 0.0, info.points, "failed",
                       _("grader error (not your fault): {detail}").format(detail=detail), info.visibility)
    return Outcome(info.name, info.points, info.points, "passed", "", info.visibility)


def printable(text: str) -> str:
    """`text` with control characters (terminal escapes, carriage returns, bidi overrides) written as escapes,
    so text that a submission controls cannot redraw or reorder what the grader shows. Keeps newlines, tabs."""
    return text.translate(_ESCAPES)


def quoted_output(text: str) -> str:
    """A submission's printed output as shown in a result: printable, every line behind "| " so none of it
    can pass for the grader's own lines (a fake "Score: 10 / 10")."""
    return "".join(f"| {line}\n" for line in printable(text).splitlines())


_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) not in "\n\t"}
_ESCAPES.update({c: f"\\u{c:04x}" for c in (0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))})


class HangGuard:
    """Calls the sandbox, but once a function has timed out its later calls fail at once.

    A function that hangs would otherwise cost a full time limit in every check that calls it.
    """

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.hung: dict[str, str] = {}

    def call(self, name: str, /, *args, **kwargs):
        return self._guarded(self.sandbox.call, name, *args, **kwargs)

    def call_within(self, seconds: float, name: str, /, *args, **kwargs):
        """A call with a time limit of its own (Sandbox.call_within), for long jobs such as training."""
        return self._guarded(lambda *a, **k: self.sandbox.call_within(seconds, *a, **k), name, *args, **kwargs)

    def _guarded(self, call, name, /, *args, **kwargs):
        if name in self.hung:
            raise TimedOut(f"not run: `{name}` already {self.hung[name]} in an earlier check")
        try:
            return call(name, *args, **kwargs)
        except TimedOut as exc:
            self.hung[name] = str(exc)
            raise


def run_checks(exercise: str, source: str, filename: str, *, seed: int, limits: Limits = DEFAULT_LIMITS,
               include_hidden: bool = True, on_result: Callable[[Outcome], None] | None = None,
               cells: tuple = ()) -> Run:
    """Grade `source` on every check of `exercise`. cells: a notebook's (line before the cell, cell number)
    pairs: each cell then runs on its own, and a cell that raises is a note, not a failed load."""
    checks = collect(exercise, include_hidden=include_hidden)
    where = SourceMap.of(source, filename, cells)
    start = time.perf_counter()
    outcomes = []
    from grader.grading.compare import Diagnoses  # compare imports this module's CheckFailed

    diagnoses = Diagnoses()  # a mistake is named only if it explains every failing case of its function
    with Sandbox(source, filename, limits, cells=[c + 1 for c, _ in cells] or None) as sandbox:
        guarded = HangGuard(sandbox)
        for chk in checks:
            with diagnoses.during(chk.info.name):
                outcomes.append(run_one(chk, guarded, seed, where))
        output = quoted_output(sandbox.output)
        notes = tuple(printable(cell_note(failure, where)) for failure in sandbox.cell_failures or ())
        notes += tuple(note for note in (jail_note(sandbox.jail),) if note)
    outcomes = diagnoses.settle(outcomes)
    for outcome in outcomes if on_result is not None else ():
        on_result(outcome)
    return Run(outcomes, time.perf_counter() - start, output, notes)


def cell_note(failure: SubmissionError, where: SourceMap) -> str:
    """A note on a notebook cell that raised: which cell, the error and its line; the other cells still ran."""
    in_cell = where.cell(failure.frames[0][0]) if failure.frames else None  # the outermost frame: the cell's
    said = explain(failure, where).message.splitlines()
    cell = _("cell {cell}").format(cell=in_cell[0]) if in_cell else _("a cell")
    return "\n".join([_("{cell} {said} (the other cells still ran)").format(cell=cell, said=said[0]), *said[1:]])
