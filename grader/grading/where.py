"""Where in a submission something went wrong, as the student sees the file: a .py file's line, or a notebook's
cell and line (cells counted from 1 over all cells, as Jupyter shows them), with the text of that line.

The sandbox reports the submission's own frames as (line in the graded source, function); `explain` turns a
SubmissionError into the feedback a check shows: its message, the line where it happened, and a hint where one
applies (an API that NumPy 2 removed).
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import PurePath
from typing import NamedTuple

from grader.grading.lang import N_, _, patterns, say
from grader.grading.numpy2 import numpy2_hint

MAX_LINE_TEXT = 120  # characters of a quoted source line
SHOWN_FRAMES = 10  # frames of the full traceback (-v); a deep recursion shows its innermost ones


# What the sandbox (and checking.HangGuard) say about a submission, as they word it (the sandbox imports nothing
# of ours, so its messages are translated here, where they are explained). A field named `said` is itself one of
# these messages; the others are values (a time, a name, the submission's own exception message).
SANDBOX_MESSAGES = patterns((
    N_("timed out after {seconds} s"),
    N_("{said} while loading"),
    N_("the submission could not be loaded: {said}"),
    N_("not run: `{name}` already {said} in an earlier check"),
    N_("the submission has no function `{name}`"),
    N_("not implemented yet"),
    N_("not implemented yet\n  NotImplementedError: {message}"),
    N_("raised {type}"),
    N_("raised {type}: {message}"),
    N_("used more than {size} of memory"),
    N_("the submission called {code}"),
    N_("the worker broke the protocol ({problem})"),
    N_("the worker crashed (the submission closed its connection to the grader)"),
    N_("the worker crashed (the submission broke the worker's own code, e.g. by patching it)"),
    N_("the worker exited with status {number} (sys.exit or os._exit)"),
    N_("the worker crashed (signal {name})"),
    N_("the worker crashed (signal {name}: CPU time limit)"),
    N_("the worker crashed (signal {name}: file size limit)"),
    N_("the worker crashed (its connection was lost)"),
))


def sandbox_said(message: str) -> str:
    """A SubmissionError's message (English, as the sandbox made it) in the student's language."""
    return say(message, SANDBOX_MESSAGES)


class SourceMap(NamedTuple):
    name: str  # the file's name as shown: "exercise3.py"
    lines: tuple[str, ...]  # the graded source, as the sandbox ran it
    cells: tuple[tuple[int, int], ...] = ()  # a notebook's (line of the cell's first line - 1, cell number)

    @classmethod
    def of(cls, source: str, filename: str, cells=()) -> "SourceMap":
        return cls(PurePath(filename).name, tuple(source.splitlines()), tuple(cells))

    def cell(self, line: int) -> tuple[int, int] | None:
        """(cell number, line in the cell) of a line of the source; None for a .py file."""
        k = bisect_right([start for start, _ in self.cells], line - 1) - 1
        return None if k < 0 else (self.cells[k][1], line - self.cells[k][0])

    def place(self, line: int) -> str:
        """'exercise3.py, line 41' or 'exercise3.ipynb, cell 4, line 3'."""
        in_cell = self.cell(line)
        if in_cell is None:
            return _("{file}, line {line}").format(file=self.name, line=line)
        return _("{file}, cell {cell}, line {line}").format(file=self.name, cell=in_cell[0], line=in_cell[1])

    def text(self, line: int) -> str:
        """The stripped text of a source line ('' when there is none), cut to MAX_LINE_TEXT characters."""
        if not 0 < line <= len(self.lines):
            return ""
        text = self.lines[line - 1].strip()
        return text if len(text) <= MAX_LINE_TEXT else text[:MAX_LINE_TEXT - 3] + "..."

    def frame(self, line: int, function: str) -> str:
        """'exercise3.py, line 41, in conv_backward_input: dx[n] = x[2]'."""
        where = self.place(line) + ("" if function == "<module>" else _(", in {function}").format(function=function))
        text = self.text(line)
        return f"{where}: {text}" if text else where


class Feedback(NamedTuple):
    message: str  # the message, the line where it happened, a hint: what a failed check shows
    traceback: str  # every frame of the submission's own, outermost first (shown with -v); '' if none


def explain(error, where: SourceMap) -> Feedback:
    """The feedback for a SubmissionError of the sandbox (its message, frames and exception type)."""
    lines = [sandbox_said(error.message)]
    if error.frames:
        lines.append(_("  at ") + where.frame(*error.frames[-1]))
    hint = numpy2_hint(error.type, _raised_message(error)) if error.type else None
    if hint:
        lines.append(_("  hint: ") + hint)
    frames = error.frames[-SHOWN_FRAMES:]
    more = len(error.frames) - len(frames)
    trace = ([(_("  ... {count} more frames of yours") if more != 1 else _("  ... {count} more frame of yours"))
              .format(count=more)] if more else []) + [
        "  " + where.frame(*frame) for frame in frames]
    return Feedback("\n".join(lines), "\n".join(trace) if len(error.frames) > 1 else "")


def _raised_message(error) -> str:
    """The exception's own message, without the "raised Type: " that the sandbox put before it."""
    prefix = f"raised {error.type}: "
    text = error.message.partition("could not be loaded: ")[2] or error.message
    return text[len(prefix):] if text.startswith(prefix) else text
