"""Checks and the runner that scores them.

A check is a plain pytest-style test function `test_...(submission, rng)` in `grader/checks/<exercise>.py`,
tagged with `@check(name, points=..., hidden=...)`. pytest can run the modules directly (their conftest.py gives
the fixtures); the grader runs them with `run_checks`, which is much faster than a pytest session.

`submission.call(name, *args, **kwargs)` runs the student's function in the sandbox and returns plain values.
A check passes by returning, and fails by raising `CheckFailed` (an AssertionError) with a message for the student.
Anything the submission does wrong in the sandbox arrives as a `SubmissionError` and fails only that check.
"""

from __future__ import annotations

import importlib
import time
import traceback
import zlib
from typing import Callable, NamedTuple

import numpy as np

from grader.sandbox import DEFAULT_LIMITS, Limits, Sandbox, SandboxUnavailable, SubmissionError, TimedOut

EXERCISES = ("exercise1", "exercise2", "exercise3", "exercise4")


class CheckFailed(AssertionError):
    """A check's verdict on a wrong answer; its message is shown to the student."""


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
    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}; known: {', '.join(EXERCISES)}")
    module = importlib.import_module(f"grader.checks.{exercise}")
    found = [Check(f, f.__check__) for f in vars(module).values() if callable(f) and hasattr(f, "__check__")]
    found.sort(key=lambda c: c.func.__code__.co_firstlineno)
    return [c for c in found if include_hidden or c.info.visibility == "visible"]


def check_rng(seed: int, name: str) -> np.random.Generator:
    """Each check draws its own stream from the run's seed and its name, so checks don't shift each other."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def run_one(chk: Check, submission, seed: int) -> Outcome:
    """Run one check; whatever happens, return its outcome."""
    info = chk.info
    try:
        chk.func(submission, check_rng(seed, info.name))
    except (CheckFailed, SubmissionError) as exc:  # the message may quote the submission: made harmless
        return Outcome(info.name, 0.0, info.points, "failed", printable(str(exc)), info.visibility)
    except SandboxUnavailable:
        raise  # no worker could start: the run cannot be scored at all, and it is not the student's doing
    except Exception as exc:  # a bug of ours: say so plainly, never blame the student
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Outcome(info.name, 0.0, info.points, "failed", f"grader error (not your fault): {detail}",
                       info.visibility)
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
        if name in self.hung:
            raise TimedOut(f"not run: `{name}` already {self.hung[name]} in an earlier check")
        try:
            return self.sandbox.call(name, *args, **kwargs)
        except TimedOut as exc:
            self.hung[name] = str(exc)
            raise


def run_checks(exercise: str, source: str, filename: str, *, seed: int, limits: Limits = DEFAULT_LIMITS,
               include_hidden: bool = True, on_result: Callable[[Outcome], None] | None = None):
    """Grade `source` on every check of `exercise`; returns (outcomes, seconds, output of the submission as
    quoted_output shows it)."""
    checks = collect(exercise, include_hidden=include_hidden)
    start = time.perf_counter()
    outcomes = []
    with Sandbox(source, filename, limits) as sandbox:
        guarded = HangGuard(sandbox)
        for chk in checks:
            outcome = run_one(chk, guarded, seed)
            outcomes.append(outcome)
            if on_result is not None:
                on_result(outcome)
        output = quoted_output(sandbox.output)
    return outcomes, time.perf_counter() - start, output
