"""What a batch's --out folder was made from, and which part of a class one run grades (`--shard K/N`).

The source record. batch.json remembers the submissions a folder was made from: their path, every student found
there and a digest of the file names (`fingerprint`). A later run into the same folder must read a source that
still has every one of those students (`check_source`): new students and new or changed files are fine (late work,
a re-download of the class, even saved under another name: one line then says the source moved), but a source
that lacks a student the folder was graded for is another class (or a slip of the keyboard), and is refused
with how to go on: another --out, or --replace to start this folder afresh from the new source.

Shards. `--shard K/N` (1 <= K <= N) grades the students whose stable hash (`shard_of`: sha256 of the student id,
never Python's salted hash) falls in part K of N, so N runs of the same command with K = 1..N on N machines grade
every student exactly once; `grade merge` (grader/course/merge.py) joins their folders into one gradebook. Each shard
still reads the whole class, so every shard records the same source and gives missing-work rows for the same
exercises as a single run would.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import NamedTuple


class SourceError(ValueError):
    """The submissions or the shard contradict what the --out folder was made from; says how to go on."""


class Shard(NamedTuple):
    index: int  # 1 ... count
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str | None) -> Shard | None:
    """'2/3' -> Shard(2, 3); None for None. SourceError (a ValueError) says what is expected."""
    if text is None:
        return None
    match = _SHARD.match(str(text))
    if not match:
        raise SourceError(f"{text!r}: expected K/N, e.g. 1/3 (part K of N, counted from 1)")
    index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= count:
        raise SourceError(f"{text!r}: K must be between 1 and N (the parts are 1/{count} ... {count}/{count})")
    return Shard(index, count)


def shard_of(student: str, count: int) -> int:
    """The part (1 ... count) a student's rows belong to: stable across machines, runs and Python versions."""
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select_shard(found, shard: Shard | None):
    """The discovery restricted to the students of `shard` (everything when None)."""
    if shard is None:
        return found

    def mine(items):
        return tuple(item for item in items if shard_of(item.student, shard.count) == shard.index)

    return found._replace(submissions=mine(found.submissions), superseded=mine(found.superseded),
                          problems=mine(found.problems))


def students_of(found) -> list[str]:
    """Every student of a discovery: anyone with a submission or a file that could not be used."""
    return sorted({s.student for s in found.submissions} | {p.student for p in found.problems if p.student})


def fingerprint(submissions: Path, found) -> dict:
    """What batch.json records of the source: its path, its students, and how many files under which names."""
    labels = sorted([s.label for s in found.submissions + found.superseded] + [p.label for p in found.problems])
    prefix = f"{Path(submissions).name}:"  # a zip's labels start with its name: a re-download may be renamed
    names = "\n".join(label[len(prefix):] if label.startswith(prefix) else label for label in labels)
    return {"path": str(Path(submissions).resolve()), "students": students_of(found), "files": len(labels),
            "files_sha256": hashlib.sha256(names.encode("utf-8", "surrogatepass")).hexdigest()}


def check_source(stored: dict | None, new: dict, out: Path, submissions: Path) -> str:
    """Refuse a source that lacks students `out` was graded for (SourceError); '' or a line saying the source
    moved when it is accepted."""
    if not isinstance(stored, dict) or not isinstance(stored.get("students"), list):
        return ""  # a folder made before batches recorded their source: this run records it
    gone = sorted(set(stored["students"]) - set(new["students"]))
    if gone:
        shown = ", ".join(gone[:3]) + (f" and {len(gone) - 3} more" if len(gone) > 3 else "")
        raise SourceError(
            f"{out} was made from other submissions: {stored.get('path')} ({_count(len(stored['students']))}); "
            f"{submissions} has {_count(len(new['students']))} and lacks {len(gone)} of them ({shown}). "
            f"Grade it into another --out, or add --replace to delete this folder's results and grade "
            f"{submissions} into it afresh")
    if stored.get("path") != new["path"]:
        return f"reading the submissions from {new['path']} (this folder was made from {stored.get('path')})"
    return ""


def check_shard(stored, shard: Shard | None, out: Path) -> None:
    """A folder holds one shard (or the whole class) for good: a run of another part is refused."""
    before = parse_shard(stored) if isinstance(stored, str) else None
    if before != shard:
        was = f"shard {before}" if before else "the whole class (no --shard)"
        now = f"--shard {shard}" if shard else "the whole class"
        raise SourceError(f"{out} holds {was}, not {now}: give each shard its own --out, and join them with "
                          f"`grade merge`")


def _count(n: int) -> str:
    return f"{n} student" + ("" if n == 1 else "s")
