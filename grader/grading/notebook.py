"""Reading a student's Jupyter notebook: its code, in order, without IPython-only lines."""

from __future__ import annotations

import json
from typing import NamedTuple

from grader.grading.lang import _

META_KEY = "cnnkit"  # notebook metadata written by `grade release`: {"exercise": "exercise3"}


class NotebookError(ValueError):
    """The notebook cannot be graded; the message says why."""


class NotebookCode(NamedTuple):
    source: str
    notes: tuple[str, ...]
    exercise: str | None  # as recorded in the notebook's metadata, if any
    cells: tuple[tuple[int, int], ...] = ()  # (line of the cell's header comment in source, cell number)


def read_notebook(text: str, filename: str):
    """Parse and validate a v4 notebook (older versions are converted); NotebookError when that fails."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise NotebookError(f"{filename} is not a valid notebook: not JSON ({exc})") from exc
    except (RecursionError, MemoryError) as exc:  # JSON nested thousands deep
        raise NotebookError(f"{filename} is not a valid notebook: its JSON nests too deeply "
                            f"({type(exc).__name__})") from exc
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise NotebookError(f"{filename} is not a valid notebook: no cells")
    import nbformat  # ~0.15 s of imports (jsonschema): paid only when a notebook is graded

    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several unrelated types for bad documents
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookError(f"{filename} is not a valid notebook: {reason}") from exc
    return nb


def _clean_lines(cell_source: str, cell_number: int, skipped: list[str]) -> list[str]:
    """The cell's lines with IPython magics and shell escapes commented out (so line numbers stay right)."""
    lines = cell_source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        skipped.append(_("cell {number} {line!r} (a cell magic: the whole cell)").format(
            number=cell_number, line=lines[0].strip()[:40]))
        return ["# " + line for line in lines]
    kept = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            skipped.append(_("cell {number} {line!r}").format(number=cell_number, line=stripped[:40]))
            kept.append(line[: len(line) - len(stripped)] + "pass  # " + stripped)
        else:
            kept.append(line)
    return kept


def skipped_note(skipped: list[str], shown: int = 3) -> tuple[str, ...]:
    """One note for all the IPython lines left out, so they do not crowd out the student's own output."""
    if not skipped:
        return ()
    listed = ", ".join(skipped[:shown])
    more = _(" and {count} more").format(count=len(skipped) - shown) if len(skipped) > shown else ""
    if len(skipped) == 1:
        return (_("skipped IPython line (they run only in Jupyter): {lines}").format(lines=listed),)
    return (_("skipped IPython lines (they run only in Jupyter): {lines}{more}").format(lines=listed, more=more),)


def notebook_code(text: str, filename: str) -> NotebookCode:
    """The code of every code cell, in order, ready to run as one module, each cell behind a header comment."""
    nb = read_notebook(text, filename)
    skipped: list[str] = []
    lines: list[str] = []
    cells = []
    for number, cell in enumerate(nb.cells, start=1):  # numbered as Jupyter shows them: every cell counts
        if cell.cell_type == "code" and cell.get("metadata", {}).get(META_KEY, {}).get("role") != "check":
            if lines:
                lines.append("")
            cells.append((len(lines) + 1, number))
            lines += [f"# --- cell {number} ---", *_clean_lines(cell.source, number, skipped)]
    if not cells:
        raise NotebookError(f"{filename} has no code cells")
    exercise = nb.metadata.get(META_KEY, {}).get("exercise")
    return NotebookCode("\n".join(lines) + "\n", skipped_note(skipped),
                        exercise if isinstance(exercise, str) else None, tuple(cells))
