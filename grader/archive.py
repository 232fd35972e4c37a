"""Extracting a .zip of submissions safely.

A class's zip comes from an LMS or from students, so nothing in it is trusted: entries with absolute paths, `..`
components, drive letters or links are skipped; the number of files, each file's size and the total size are capped
while the bytes are written (the sizes a zip declares can lie); encrypted entries are skipped. Files keep the
modification time the zip records, so "the newest file" still means something after extraction.
"""

from __future__ import annotations

import os
import stat
import time
import zipfile
from pathlib import Path, PurePosixPath
from typing import NamedTuple

MAX_FILES = 20_000
MAX_FILE_BYTES = 64 * 2**20  # a notebook with plots can be large; a submission file never is this large
MAX_TOTAL_BYTES = 1 * 2**30
_CHUNK = 1 << 16


class ArchiveError(ValueError):
    """The zip cannot be read at all, or is larger than the caps; the message names the file."""


class Extracted(NamedTuple):
    files: tuple[str, ...]  # relative POSIX paths written under the destination
    skipped: tuple[str, ...]  # "name: reason" for each entry left out


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
                max_total_bytes: int = MAX_TOTAL_BYTES) -> Extracted:
    """Extract the regular files of `archive` under `dest` (which must exist); see the module docstring."""
    archive, dest = Path(archive), Path(dest)
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"{archive} is not a readable zip file ({exc})") from exc
    files, skipped, total = [], [], 0
    with bundle:
        entries = bundle.infolist()
        if len(entries) > max_files:
            raise ArchiveError(f"{archive} has {len(entries)} entries; at most {max_files} are accepted")
        for info in entries:
            if info.is_dir():
                continue
            target = safe_member_path(info.filename)
            if target is None:
                skipped.append(f"{info.filename}: unsafe path (absolute or with '..'), not extracted")
            elif _is_link(info):
                skipped.append(f"{info.filename}: a symbolic link, not extracted")
            elif info.flag_bits & 0x1:
                skipped.append(f"{info.filename}: encrypted, not extracted")
            elif info.file_size > max_file_bytes:
                skipped.append(f"{info.filename}: {info.file_size} bytes, larger than {max_file_bytes}")
            else:
                total += _write_member(bundle, info, dest / target, max_file_bytes, max_total_bytes - total,
                                       archive, skipped)
                if (dest / target).exists():
                    files.append(str(target))
    return Extracted(tuple(files), tuple(skipped))


def _write_member(bundle: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, max_file: int, room: int,
                  archive: Path, skipped: list[str]) -> int:
    """Copy one entry with running size checks; returns the bytes written (0 when it was skipped)."""
    written = 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            skipped.append(f"{info.filename}: a folder of the same name exists, not extracted")
            return 0
        with bundle.open(info) as source, open(path, "wb") as sink:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > room:
                    raise ArchiveError(f"{archive} expands to more than {MAX_TOTAL_BYTES // 2**20} MiB; "
                                       f"extract it yourself if that is expected")
                if written > max_file:
                    break
                sink.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, EOFError, ValueError) as exc:
        if isinstance(exc, ArchiveError):
            raise
        skipped.append(f"{info.filename}: unreadable ({exc})")
        path.unlink(missing_ok=True)
        return 0
    if written > max_file:
        skipped.append(f"{info.filename}: larger than {max_file} bytes once uncompressed, not extracted")
        path.unlink(missing_ok=True)
        return 0
    _set_mtime(path, info)
    return written


def _set_mtime(path: Path, info: zipfile.ZipInfo) -> None:
    try:
        stamp = time.mktime((*info.date_time, 0, 0, -1))
        os.utime(path, (stamp, stamp))
    except (OverflowError, ValueError, OSError):
        pass
