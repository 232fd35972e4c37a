"""`grade merge OUT1 OUT2 ... --out MERGED`: join the folders of `grade batch --shard K/N` into one batch folder.

The shards must be all N parts of one batch: the same seed, the same source (path, students and files, see
grader/course/source.py), the same exercises, limits and grader version, each part once and no student in two of them;
anything else is refused with what differs. MERGED gets the results of every shard, one gradebook (the same rows
as a single run over the whole class would give), the summary and a batch.json of the whole class, so it is a
batch folder like any other: `grade export MERGED`, or `grade batch SUBMISSIONS --out MERGED` to grade late work.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import NamedTuple

from grader.course.gradebook import read_gradebook, row_key, write_gradebook
from grader.course.outdir import META, OutError, clear, locked, read_meta, write_meta
from grader.grading.results import ResultsError
from grader.course.source import SourceError, parse_shard

AGREE = (("seed", "seed"), ("source", "submissions (rerun the shards on the same, unchanged SUBMISSIONS)"),
         ("exercises", "exercises (--exercises)"), ("limits", "limits (--timeout, --memory)"),
         ("grader_version", "grader version"))


class MergeError(Exception):
    """The shards cannot be merged; says why."""


class MergeReport(NamedTuple):
    out: Path
    seed: int
    shards: int
    students: int
    rows: list[dict]
    summary: str


def merge_batches(shards: list[Path], out: Path) -> MergeReport:
    """Merge the shard folders into `out` (see the module docstring). Raises MergeError."""
    shards, out = [Path(s) for s in shards], Path(out)
    try:
        metas, books = _read_all(shards, out)
        _check(shards, metas, books)
        out.mkdir(parents=True, exist_ok=True)
        with locked(out):
            _check_target(out)
            clear(out)
            rows = sorted((row for book in books for row in book["rows"]), key=row_key)
            for shard, book in zip(shards, books):
                _copy_results(shard, book["rows"], out)
            max_scores = {k: v for book in books for k, v in book["max_scores"].items()}
            seed = metas[0]["seed"]
            write_gradebook(rows, out, seed=seed, max_scores=max_scores)
            from grader.course.batch import _write_summary

            summary = _write_summary(rows, out, seed)
            first = metas[0]
            write_meta(out, None, seed=seed, submissions=first.get("submissions"), source=first["source"],
                       shard=None, exercises=first.get("exercises"), limits=first.get("limits"),
                       layout=first.get("layout"), merged_from=[str(s.resolve()) for s in shards])
    except (OutError, ResultsError, SourceError, OSError) as exc:
        raise MergeError(str(exc)) from exc
    students = len({r["student_id"] for r in rows if r["student_id"]})
    return MergeReport(out, seed, len(shards), students, rows, summary)


def _read_all(shards: list[Path], out: Path):
    if not shards:
        raise MergeError("give the shard folders to merge: grade merge OUT1 OUT2 ... --out MERGED")
    metas, books = [], []
    for shard in shards:
        if not shard.is_dir():
            raise MergeError(f"{shard} is not a folder of batch results")
        if shard.resolve() == out.resolve():
            raise MergeError(f"--out {out} is one of the shards; merge into a new folder")
        meta = read_meta(shard)
        if meta is None:
            raise MergeError(f"{shard} has no {META}: not a folder written by `grade batch --shard`")
        metas.append(meta)
        books.append(read_gradebook(shard))
    return metas, books


def _check(shards: list[Path], metas: list[dict], books: list[dict]) -> None:
    """All parts of one batch, each once, no student twice."""
    parts = []
    for shard, meta in zip(shards, metas):
        if not meta.get("shard"):
            raise MergeError(f"{shard} holds a whole class, not a shard (made without --shard)")
        parts.append(parse_shard(meta["shard"]))
    for key, what in AGREE:
        for shard, meta in zip(shards[1:], metas[1:]):
            if meta.get(key) != metas[0].get(key):
                raise MergeError(f"{shard} and {shards[0]} were graded with different {what}: they are not "
                                 f"shards of one batch")
    counts = {part.count for part in parts}
    if len(counts) > 1:
        raise MergeError(f"the shards split the class into different numbers of parts: "
                         f"{', '.join(sorted({str(p) for p in parts}))}")
    count = counts.pop()
    seen: dict[int, Path] = {}
    for shard, part in zip(shards, parts):
        if part.index in seen:
            raise MergeError(f"{seen[part.index]} and {shard} are both shard {part}")
        seen[part.index] = shard
    lacking = [f"{k}/{count}" for k in range(1, count + 1) if k not in seen]
    if lacking:
        raise MergeError(f"shard {', '.join(lacking)} is missing: merge all {count} parts of the batch")
    owner: dict[str, Path] = {}
    for shard, book in zip(shards, books):
        for student in {r["student_id"] for r in book["rows"] if r["student_id"]}:
            if owner.setdefault(student, shard) != shard:
                raise MergeError(f"student {student} is in both {owner[student]} and {shard}: the shards overlap")


def _check_target(out: Path) -> None:
    """MERGED is new, empty, or an earlier merge (which is replaced); never a batch of its own."""
    meta = read_meta(out)
    if meta is not None and "merged_from" not in meta:
        raise MergeError(f"--out {out} holds a batch of its own; merge into a new folder")
    if meta is None and any(p.name != ".lock" for p in out.iterdir()):
        raise MergeError(f"--out {out} is not empty; merge into a new folder")


def _copy_results(shard: Path, rows: list[dict], out: Path) -> None:
    base = (shard / "results").resolve()
    for row in rows:
        if not row.get("result"):
            continue
        source = (shard / row["result"]).resolve()
        if not source.is_relative_to(base) or not source.is_file():
            raise MergeError(f"{shard / row['result']} (in {shard}'s gradebook) is not a result file of {shard}")
        target = out / row["result"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
