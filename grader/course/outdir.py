"""A batch's --out folder: its lock, its batch.json (seed, source, shard, limits) and starting it afresh.

batch.json holds what every later run and `grade merge` must agree with: the seed (fixed at the first run), the
source the folder was made from (grader/course/source.py), the shard it holds ("K/N", or null for the whole class), the
exercises whose missing work gets rows, and the limits and grader version of the last run.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import time
from pathlib import Path

from grader import __version__
from grader.grading.results import ResultsError, read_json, write_json_atomic

META = "batch.json"
# what `grade batch` writes into --out, and what --replace removes (nothing else: exports/ or your own files stay)
WRITTEN = ("results", "gradebook.csv", "gradebook.json", "summary.txt", "summary.html", META)


class OutError(Exception):
    """--out cannot be used; says why and what to do."""


def check_paths(submissions: Path, out: Path) -> None:
    if not submissions.exists():
        raise OutError(f"submissions not found: {submissions}")
    if out.exists() and not out.is_dir():
        raise OutError(f"--out {out} is a file; give a folder for the results")
    if submissions.is_dir():
        try:
            out.resolve().relative_to(submissions.resolve())
        except ValueError:
            pass
        else:
            raise OutError(f"--out {out} is inside {submissions}; it would be taken for a student's folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutError(f"cannot create --out {out}: {exc.strerror or exc}") from exc


@contextlib.contextmanager
def locked(out: Path):
    """Hold out/.lock while grading, so two batches never write the same folder (a POSIX lock: the workers
    forked meanwhile do not inherit it, and it goes away with this process, even after kill -9)."""
    try:
        handle = open(out / ".lock", "a+")
    except OSError as exc:
        raise OutError(f"cannot write in --out {out}: {exc.strerror or exc}") from exc
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutError(f"another `grade batch` is writing to {out}; wait for it to finish") from None
        yield


def read_meta(out: Path) -> dict | None:
    """out/batch.json, None when there is none yet; OutError when it is unreadable or has no seed."""
    path = Path(out) / META
    try:
        meta = read_json(path)
    except ResultsError as exc:
        raise OutError(f"{exc}; remove it (or add --replace) to start the batch afresh") from exc
    if meta is not None and not (isinstance(meta, dict) and isinstance(meta.get("seed"), int)):
        raise OutError(f"{path} has no seed; remove it (or add --replace) to start the batch afresh")
    return meta


def check_seed(meta: dict | None, seed: int | None, out: Path) -> None:
    if meta is not None and seed is not None and seed != meta["seed"]:
        raise OutError(f"{out} was graded with seed {meta['seed']}, not {seed}: rerun without --seed to resume, "
                       f"or choose a new --out")


def clear(out: Path) -> None:
    """--replace: remove what earlier batches wrote into `out` (WRITTEN), nothing else."""
    for name in WRITTEN:
        path = Path(out) / name
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
        except OSError as exc:
            raise OutError(f"--replace cannot remove {path}: {exc.strerror or exc}") from exc


def write_meta(out: Path, meta: dict | None, **fields) -> dict:
    """batch.json: the earlier record updated with `fields` (and this grader's version)."""
    record = dict(meta or {})
    record.setdefault("created", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    record.update(fields, grader_version=__version__)
    write_json_atomic(record, Path(out) / META)
    return record
