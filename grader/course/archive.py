"""Extracting a .zip of submissions safely.

A class's zip comes from an LMS or from students, so nothing in it is trusted: entries with absolute paths, `..`
components or drive letters are skipped; symbolic links are never created (each one is reported in
`Extracted.links`, so the student's row can say so); encrypted entries are skipped. Files keep the modification
time the zip records, so "the newest file" still means something after extraction.

What a zip may unpack is charged to a `Budget` while the bytes are decompressed (the sizes a zip declares can
lie): every decompressed byte, kept or not, and every entry. One budget is shared by every archive charged to it,
at any nesting depth, so a zip inside a zip inside a zip gets no fresh allowance: `grade batch` gives the batch one
budget and each student a smaller one drawn from it (`ArchiveLimits`). A compression bomb stops at the first
budget it exhausts, with an ArchiveError that says which.
"""

from __future__ import annotations

import os
import stat
import time
import zipfile
from pathlib import Path, PurePosixPath
from typing import NamedTuple

MAX_FILES = 20_000  # one zip extracted on its own (no budget given)
MAX_FILE_BYTES = 64 * 2**20  # a notebook with plots can be large; a submission file never is this large
MAX_TOTAL_BYTES = 1 * 2**30
_CHUNK = 1 << 16
_LINK_TARGET = 200  # characters of a link's target shown


class ArchiveError(ValueError):
    """The zip cannot be read at all, or unpacks to more than its budget allows; the message names the zip."""


class ArchiveLimits(NamedTuple):
    """What the archives of one `grade batch` may unpack, at every nesting depth together."""
    batch_bytes: int = 2 * 2**30  # all archives of the batch, the class's zip included
    batch_files: int = 100_000
    student_bytes: int = 256 * 2**20  # all archives of one student (drawn from the batch's budget)
    student_files: int = 10_000  # a zipped virtualenv has thousands
    file_bytes: int = MAX_FILE_BYTES  # one file; a larger one is skipped (its bytes still count)
    depth: int = 3  # zips inside one another, counted from SUBMISSIONS: class zip / student zip / a zip in it


DEFAULT_ARCHIVE_LIMITS = ArchiveLimits()


class Budget:
    """Bytes and entries that archives may still unpack; a child budget (one student's) also charges its parent
    (the batch's), so neither nesting nor many archives gets a fresh allowance."""

    def __init__(self, max_bytes: int, max_files: int, what: str, parent: Budget | None = None):
        self.max_bytes, self.max_files, self.what, self.parent = max_bytes, max_files, what, parent
        self.bytes_used = self.files_used = 0

    def child(self, max_bytes: int, max_files: int, what: str) -> Budget:
        """A smaller budget whose use is also charged to this one."""
        return Budget(max_bytes, max_files, what, self)

    def _chain(self) -> list[Budget]:
        chain, budget = [], self
        while budget is not None:
            chain.append(budget)
            budget = budget.parent
        return chain

    def check(self, *, files: int = 0, nbytes: int = 0, archive: str) -> None:
        """ArchiveError when `files` more entries or `nbytes` more bytes of `archive` would exceed a limit."""
        for budget in self._chain():
            if budget.files_used + files > budget.max_files:
                raise ArchiveError(f"{archive} has {files} entries; at most {budget.max_files - budget.files_used} "
                                   f"are accepted (the most {budget.what} may unpack is {budget.max_files})")
            if budget.bytes_used + nbytes > budget.max_bytes:
                raise ArchiveError(f"{archive} expands to more than {_size(budget.max_bytes)}, the most "
                                   f"{budget.what} may unpack; extract it yourself if that is expected")

    def take(self, *, files: int = 0, nbytes: int = 0, archive: str) -> None:
        """Charge `files` entries and `nbytes` decompressed bytes of `archive`; ArchiveError when over a limit."""
        self.check(files=files, nbytes=nbytes, archive=archive)
        for budget in self._chain():
            budget.files_used += files
            budget.bytes_used += nbytes


def _size(count: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale and count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count} bytes"


class Extracted(NamedTuple):
    files: tuple[str, ...]  # relative POSIX paths written under the destination
    skipped: tuple[str, ...]  # "name: reason" for each entry left out
    links: tuple[tuple[str, str], ...] = ()  # (relative path, target) of each symbolic link, never created


def safe_member_path(name: str) -> PurePosixPath | None:
    """The relative path an entry may be written to, or None when it would escape the destination."""
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        return None
    parts = [p for p in cleaned.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." or "\0" in p for p in parts):
        return None
    return PurePosixPath(*parts)


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode) if mode else False


def extract_zip(archive: Path, dest: Path, *, max_files: int = MAX_FILES, max_file_bytes: int = MAX_FILE_BYTES,
                max_total_bytes: int = MAX_TOTAL_BYTES, budget: Budget | None = None,
                name: str | None = None) -> Extracted:
    """Extract the regular files of `archive` under `dest` (which must exist); see the module docstring.

    `budget` is charged (a new one of max_total_bytes and max_files when None); `name` is how messages call the
    archive (default: its path). Raises ArchiveError.
    """
    archive, dest = Path(archive), Path(dest)
    shown = name or str(archive)
    budget = budget or Budget(max_total_bytes, max_files, "one zip")
    declared = _declared_entries(archive)
    if declared is not None:  # before reading a central directory that may be huge
        budget.check(files=declared, archive=shown)
    try:
        bundle = zipfile.ZipFile(archive)
    except Exception as exc:  # zipfile raises many unrelated types for a damaged archive
        raise ArchiveError(f"{shown} is not a readable zip file ({type(exc).__name__}: {exc})") from exc
    with bundle:
        entries = [info for info in bundle.infolist() if not info.is_dir()]
        budget.take(files=len(entries), archive=shown)
        found = [_extract_one(bundle, info, dest, max_file_bytes, budget, shown) for info in entries]
    return Extracted(tuple(e.path for e in found if e.kind == "file"),
                     tuple(e.text for e in found if e.kind != "file"),
                     tuple((e.path, e.target) for e in found if e.kind == "link"))


class _Entry(NamedTuple):
    kind: str  # "file" (written), "skipped" or "link"
    path: str = ""  # relative path under the destination (file, link)
    text: str = ""  # "name: reason" (skipped, link)
    target: str = ""  # what a link points to


def _declared_entries(archive: Path) -> int | None:
    """The entry count the zip's end record declares (read without the central directory); None if unknown."""
    try:
        with open(archive, "rb") as handle:
            end = zipfile._EndRecData(handle)  # noqa: SLF001 - the stable helper ZipFile itself uses
        return int(end[zipfile._ECD_ENTRIES_TOTAL]) if end else None  # noqa: SLF001
    except Exception:  # unreadable or damaged: ZipFile says so below
        return None


def _extract_one(bundle, info, dest: Path, max_file: int, budget: Budget, shown: str) -> _Entry:
    """Write one entry under `dest`, or say why not."""
    target = safe_member_path(info.filename)
    if target is None:
        return _Entry("skipped", text=f"{info.filename}: unsafe path (absolute or with '..'), not extracted")
    if _is_link(info):
        pointed = _link_target(bundle, info, budget, shown)
        return _Entry("link", str(target), f"{info.filename}: a symbolic link (to {pointed}), not extracted",
                      pointed)
    if info.flag_bits & 0x1:
        return _Entry("skipped", text=f"{info.filename}: encrypted, not extracted")
    if info.file_size > max_file:
        return _Entry("skipped", text=f"{info.filename}: {info.file_size} bytes, larger than {max_file}")
    skipped: list[str] = []
    written = _write_member(bundle, info, dest / target, max_file, budget, shown, skipped)
    return _Entry("file", str(target)) if written is not None else _Entry("skipped", text=skipped[0])


def _link_target(bundle, info, budget: Budget, shown: str) -> str:
    """What a link entry points to (its first bytes, charged to the budget), for the reason shown."""
    try:
        with bundle.open(info) as source:
            data = source.read(_LINK_TARGET)
    except Exception:  # noqa: BLE001 - only shown; an unreadable target is no reason to stop
        return "?"
    budget.take(nbytes=len(data), archive=shown)
    return data.decode("utf-8", "replace")


def _write_member(bundle, info, path: Path, max_file: int, budget: Budget, shown: str,
                  skipped: list[str]) -> int | None:
    """Copy one entry, charging each decompressed chunk; the bytes written, None when it was skipped."""
    written = 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            skipped.append(f"{info.filename}: a folder of the same name exists, not extracted")
            return None
        with bundle.open(info) as source, open(path, "wb") as sink:
            while chunk := source.read(_CHUNK):
                budget.take(nbytes=len(chunk), archive=shown)
                written += len(chunk)
                if written > max_file:
                    break
                sink.write(chunk)
    except ArchiveError:
        path.unlink(missing_ok=True)
        raise
    except Exception as exc:  # zipfile, zlib, bz2, lzma and the file system each raise their own types
        skipped.append(f"{info.filename}: unreadable ({type(exc).__name__}: {exc})")
        path.unlink(missing_ok=True)
        return None
    if written > max_file:
        skipped.append(f"{info.filename}: larger than {max_file} bytes once uncompressed, not extracted")
        path.unlink(missing_ok=True)
        return None
    _set_mtime(path, info)
    return written


def _set_mtime(path: Path, info: zipfile.ZipInfo) -> None:
    try:
        stamp = time.mktime((*info.date_time, 0, 0, -1))
        os.utime(path, (stamp, stamp))
    except (OverflowError, ValueError, OSError):
        pass
