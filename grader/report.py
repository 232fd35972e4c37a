"""Showing results to a person: the table of checks, what is wrong, and the score line."""

from __future__ import annotations

import shutil
import textwrap

STATUS = {"passed": "ok", "failed": "FAIL"}


def score_line(result: dict) -> str:
    return f"Score: {_num(result['score'])} / {_num(result['max_score'])}"


def _num(value: float) -> str:
    return f"{value:g}"


def _wrapped(text: str, width: int, indent: str) -> list[str]:
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width=max(40, width), initial_indent=indent,
                                   subsequent_indent=indent) or [indent])
    return lines


def result_table(result: dict, *, verbose: bool = False, width: int | None = None) -> str:
    """One line per check (status, points, name); the feedback of each failed check wrapped below it."""
    width = width or shutil.get_terminal_size((100, 20)).columns
    lines = [f"{result['exercise']}: {result['submission']}  (seed {result['seed']})"]
    if result.get("error"):
        lines.extend(_wrapped(f"could not be graded: {result['error']}", width, "  "))
    for test in result["tests"]:
        points = f"{_num(test['score'])}/{_num(test['max_score'])}"
        lines.append(f"  {STATUS.get(test['status'], test['status']):4} {points:>7}  {test['name']}")
        if test["output"] and (verbose or test["status"] != "passed"):
            lines.extend(_wrapped(test["output"], width, "" + " " * 16))
    notes = result.get("output", "")
    if notes and not result.get("error"):
        shown = notes.splitlines() if verbose else notes.splitlines()[:3]
        lines.extend(["", *shown])
        if len(shown) < len(notes.splitlines()):
            lines.append("... (--verbose shows the rest)")
    lines.append(score_line(result))
    return "\n".join(lines)
