"""Reading a student's Jupyter notebook: its code, in order, without IPython-only lines."""

from __future__ import annotations

import json
from typing import NamedTuple

META_KEY = "cnnkit"  # notebook metadata written by `grade release`: {"exercise": "exercise3"}


class NotebookError(ValueError):
    """The notebook cannot be graded; the message says why."""


class NotebookCode(NamedTuple):
    source: str
    notes: tuple[str, ...]
    exercise: str | None  # as recorded in the notebook's metadata, if any


def read_notebook(text: str, filename: str):
    """Parse and validate a v4 notebook (older versions are converted); NotebookError when that fails."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise NotebookError(f"{filename} is not a valid notebook: not JSON ({exc})") from exc
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


def _clean_lines(cell_source: str, cell_number: int, notes: list[str]) -> list[str]:
    """The cell's lines with IPython magics and shell escapes commented out (so line numbers stay right)."""
    lines = cell_source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        notes.append(f"cell {cell_number}: skipped a cell magic ({lines[0].strip()})")
        return ["# " + line for line in lines]
    kept = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            notes.append(f"cell {cell_number}: skipped IPython line {stripped[:40]!r}")
            kept.append(line[: len(line) - len(stripped)] + "pass  # " + stripped)
        else:
            kept.append(line)
    return kept


def notebook_code(text: str, filename: str) -> NotebookCode:
    """The code of every code cell, in order, ready to run as one module."""
    nb = read_notebook(text, filename)
    notes: list[str] = []
    chunks = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if not code_cells:
        raise NotebookError(f"{filename} has no code cells")
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code":
            chunks.append(f"# --- cell {number} ---\n" + "\n".join(_clean_lines(cell.source, number, notes)))
    exercise = nb.metadata.get(META_KEY, {}).get("exercise")
    return NotebookCode("\n\n".join(chunks) + "\n", tuple(notes), exercise if isinstance(exercise, str) else None)
