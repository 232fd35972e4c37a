"""Safe zip extraction: nothing escapes the destination, sizes are capped while writing."""

import stat
import zipfile

import pytest

from grader.archive import ArchiveError, extract_zip, safe_member_path


@pytest.mark.parametrize("name, expected", [
    ("a/b.py", "a/b.py"), ("./a//b.py", "a/b.py"), ("a\\b.py", "a/b.py"),
    ("../evil.py", None), ("a/../../evil.py", None), ("/etc/passwd", None), ("C:/x.py", None), ("", None),
])
def test_safe_member_path(name, expected):
    result = safe_member_path(name)
    assert (None if result is None else str(result)) == expected


def test_unsafe_entries_and_links_are_skipped(tmp_path):
    archive, dest = tmp_path / "a.zip", tmp_path / "dest"
    dest.mkdir()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("ok/exercise3.py", "x = 1\n")
        bundle.writestr("../escape.py", "bad")
        bundle.writestr("/abs.py", "bad")
        link = zipfile.ZipInfo("ok/link.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(link, "/etc/passwd")
    result = extract_zip(archive, dest)
    assert result.files == ("ok/exercise3.py",)
    assert len(result.skipped) == 3
    assert not (tmp_path / "escape.py").exists()
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == ["ok/exercise3.py"]


def test_file_and_total_size_caps(tmp_path):
    archive, dest = tmp_path / "a.zip", tmp_path / "dest"
    dest.mkdir()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("small.py", "x" * 100)
        bundle.writestr("big.py", "y" * 5000)  # compresses to almost nothing: the bytes written are what counts
    result = extract_zip(archive, dest, max_file_bytes=1000)
    assert result.files == ("small.py",)
    assert "big.py" in result.skipped[0] and not (dest / "big.py").exists()
    with pytest.raises(ArchiveError, match="expands to more than"):
        extract_zip(archive, tmp_path, max_total_bytes=3000, max_file_bytes=10_000)


def test_too_many_entries_and_not_a_zip(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for i in range(5):
            bundle.writestr(f"f{i}.py", "")
    with pytest.raises(ArchiveError, match="5 entries; at most 3"):
        extract_zip(archive, tmp_path, max_files=3)
    (tmp_path / "b.zip").write_text("hello")
    with pytest.raises(ArchiveError, match="not a readable zip"):
        extract_zip(tmp_path / "b.zip", tmp_path)


def test_modification_time_is_kept(tmp_path):
    archive, dest = tmp_path / "a.zip", tmp_path / "dest"
    dest.mkdir()
    info = zipfile.ZipInfo("exercise3.py", date_time=(2021, 3, 4, 5, 6, 8))
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(info, "x")
    extract_zip(archive, dest)
    import time
    assert time.localtime((dest / "exercise3.py").stat().st_mtime)[:6] == (2021, 3, 4, 5, 6, 8)
