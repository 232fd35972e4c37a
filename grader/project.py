"""Where things are in a student's or instructor's project: the submission files and the results folder."""

from __future__ import annotations

from pathlib import Path

RESULTS_DIR = Path(".grade") / "results"  # relative to the project root


def find_root(start: Path | None = None) -> Path | None:
    """The nearest folder, from `start` (default: the current one) upwards, that has an exercises/ folder."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "exercises").is_dir():
            return folder
    return None


def default_submission(root: Path, exercise: str) -> Path:
    """exercises/<exercise>.py, or the .ipynb when that is what is there (the newer one when both are)."""
    candidates = [root / "exercises" / f"{exercise}{ext}" for ext in (".py", ".ipynb")]
    present = [p for p in candidates if p.exists()]
    if not present:
        return candidates[0]
    return max(present, key=lambda p: p.stat().st_mtime)


def result_path(results_dir: Path, exercise: str) -> Path:
    return Path(results_dir) / f"{exercise}.json"
