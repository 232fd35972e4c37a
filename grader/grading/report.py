"""Showing results to a person: the table of checks, what is wrong, and the score line."""

from __future__ import annotations

import shutil
import textwrap

from grader.grading.lang import N_, _, shown
from grader.grading.wording import fit

STATUS = {"passed": N_("ok"), "failed": N_("FAIL")}


def score_line(result: dict) -> str:
    return _("Score: {score} / {max_score}").format(score=_num(result["score"]), max_score=_num(result["max_score"]))


def _num(value: float) -> str:
    return f"{value:g}"


def _wrapped(text: str, width: int, indent: str) -> list[str]:
    """`text` indented, its prose wrapped at `width`; lines that are laid out already (they start with a space,
    or hold a table's " | ") are kept whole: a wrapped table or quoted source line would be unreadable."""
    lines = []
    for paragraph in text.splitlines() or [""]:
        if paragraph.startswith(" ") or " | " in paragraph:
            lines.append(indent + paragraph)
            continue
        lines.extend(textwrap.wrap(paragraph, width=max(40, width), initial_indent=indent,
                                   subsequent_indent=indent) or [indent])
    return lines


def result_table(result: dict, *, verbose: bool = False, width: int | None = None) -> str:
    """One line per check (status, points, name); the feedback of each failed check wrapped below it, and the
    notes and what the submission printed. verbose: also the submission's whole traceback for each error, the
    feedback of passed checks, and all of the printed output (else its first PRINTED_LINES lines)."""
    width = width or shutil.get_terminal_size((100, 20)).columns
    lines = [_("{exercise}: {submission}  (seed {seed})").format(**result)]
    if result.get("error"):
        lines.extend(_wrapped(_("could not be graded: {error}").format(error=result["error"]), width, "  "))
    for test in result["tests"]:
        points = f"{_num(test['score'])}/{_num(test['max_score'])}"
        status = _(STATUS[test["status"]]) if test["status"] in STATUS else test["status"]
        lines.append(f"  {fit(status, 4)} {points:>7}  {shown(test['name'])}")
        if test["output"] and (verbose or test["status"] != "passed"):
            lines.extend(_wrapped(test["output"], width, " " * 16))
        if verbose and isinstance(test.get("picture"), dict) and test["status"] != "passed":
            grid = _grid(test["picture"])
            lines.extend(_wrapped(grid, width, " " * 16) if grid else [])
        if verbose and test.get("traceback"):
            lines.extend(_wrapped(_("your code, outermost call first:") + "\n" + test["traceback"], width, " " * 16))
    if not result.get("error"):
        lines.extend(_notes(result.get("output", ""), verbose))
    lines.append(score_line(result))
    return "\n".join(lines)


def _grid(picture: dict) -> str:
    """The sign grid of a wrong map too big for its message to show entry by entry; "" otherwise."""
    from grader.grading.wording import MAX_SIDE
    from grader.grading.picture import grid

    try:
        big = max(len(picture["want"]), max(len(row) for row in picture["want"])) > MAX_SIDE
        return grid(picture) if big else ""
    except (KeyError, TypeError, ValueError):  # a result file edited by hand: no picture, never a crash
        return ""


PRINTED_LINES = 5  # lines of a submission's printed output shown without --verbose


def _notes(output: str, verbose: bool) -> list[str]:
    """The notes on a run (each a few lines at most), then what the submission printed, cut unless verbose."""
    from grader.grading.grade import PRINTED

    notes, __, printed = output.partition(PRINTED)
    lines = notes.strip("\n").splitlines()
    shown = printed.strip("\n").splitlines()
    if shown:
        cut = shown if verbose else shown[:PRINTED_LINES]
        lines += [_(PRINTED), *cut]
        if len(cut) < len(shown):
            lines.append(_("... {count} more lines (--verbose shows them)").format(count=len(shown) - len(cut)))
    return ["", *lines] if lines else []
