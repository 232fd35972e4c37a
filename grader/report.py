"""Showing results to a person: the table of checks and the score line."""

from __future__ import annotations

import shutil

STATUS = {"passed": "ok", "failed": "FAIL"}


def score_line(result: dict) -> str:
    return f"Score: {_num(result['score'])} / {_num(result['max_score'])}"


def _num(value: float) -> str:
    return f"{value:g}"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def result_table(result: dict, *, verbose: bool = False, width: int | None = None) -> str:
    """One line per check (name, points, status, feedback); full feedback below when verbose."""
    width = width or shutil.get_terminal_size((100, 20)).columns
    rows = result["tests"]
    lines = [f"{result['exercise']}: {result['submission']}  (seed {result['seed']})"]
    if result.get("error"):
        lines.append(f"  could not be graded: {result['error']}")
    name_w = min(max((len(t["name"]) for t in rows), default=10), 58)
    for test in rows:
        points = f"{_num(test['score'])}/{_num(test['max_score'])}"
        head = f"  {STATUS.get(test['status'], test['status']):4} {points:>7}  {_clip(test['name'], name_w):<{name_w}}"
        feedback = test["output"] if not verbose else ""
        room = width - len(head) - 2
        lines.append(head + (f"  {_clip(feedback, room)}" if feedback and room > 10 else ""))
        if verbose and test["output"]:
            lines.extend("        " + line for line in test["output"].splitlines())
    if result.get("output") and (verbose or not result.get("error")):
        notes = result["output"].splitlines()
        lines.extend(["", *notes] if verbose else ["", f"notes: {_clip(notes[0], width - 7)}"])
    lines.append(score_line(result))
    return "\n".join(lines)
