"""Safe zip extraction: nothing escapes the destination, sizes are capped while writing."""

import stat
import zipfile

import pytest

from grader.course.archive import ArchiveError, extract_zip, safe_member_path


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


# ---- one budget for every archive (issue #9) -------------------------------------------------------------------

def _zip(path, files, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression=compression) as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
    return path


def test_archives_charged_to_one_budget_get_no_fresh_allowance(tmp_path):
    from grader.course.archive import Budget

    batch = Budget(10_000, 100, "the batch's archives")
    student = batch.child(5_000, 100, "one student's archives")
    for i in range(2):
        (tmp_path / f"d{i}").mkdir()
        extract_zip(_zip(tmp_path / f"a{i}.zip", {"x.py": "x" * 2_000}), tmp_path / f"d{i}", budget=student)
    assert (student.bytes_used, batch.bytes_used, student.files_used) == (4_000, 4_000, 2)
    (tmp_path / "d2").mkdir()
    with pytest.raises(ArchiveError, match=r"^a2\.zip expands to more than 5000 bytes, the most one student's "
                                           r"archives may unpack"):
        extract_zip(_zip(tmp_path / "a2.zip", {"x.py": "x" * 2_000}), tmp_path / "d2", budget=student,
                    name="a2.zip")
    assert not (tmp_path / "d2" / "x.py").exists()  # the part written before the budget ran out is gone
    other = batch.child(9_000, 100, "one student's archives")
    with pytest.raises(ArchiveError, match="the most the batch's archives may unpack"):
        extract_zip(_zip(tmp_path / "b.zip", {"y.py": "y" * 7_000}), tmp_path / "d2", budget=other)


def test_a_bomb_stops_at_the_budget_while_decompressing(tmp_path):
    from grader.course.archive import Budget

    archive = _zip(tmp_path / "bomb.zip", {f"z{i}.py": b"\0" * (1 << 20) for i in range(8)})
    assert archive.stat().st_size < 16 << 10
    budget = Budget(3 << 20, 100, "one student's archives")
    (tmp_path / "d").mkdir()
    with pytest.raises(ArchiveError, match="expands to more than 3 MiB"):
        extract_zip(archive, tmp_path / "d", budget=budget)
    assert budget.bytes_used <= 3 << 20
    assert sum(p.stat().st_size for p in (tmp_path / "d").iterdir()) <= 3 << 20


def test_declared_entry_count_is_checked_before_reading_the_central_directory(tmp_path, monkeypatch):
    from grader.course.archive import Budget

    archive = _zip(tmp_path / "many.zip", {f"f{i}": "" for i in range(30)})

    def refuse(*args, **kwargs):
        raise AssertionError("the central directory was read")

    monkeypatch.setattr(zipfile, "ZipFile", refuse)
    with pytest.raises(ArchiveError, match="has 30 entries; at most 10 are accepted"):
        extract_zip(archive, tmp_path, budget=Budget(1 << 20, 10, "one student's archives"))


def test_links_are_reported_and_never_created(tmp_path):
    archive, dest = tmp_path / "a.zip", tmp_path / "dest"
    dest.mkdir()
    with zipfile.ZipFile(archive, "w") as bundle:
        link = zipfile.ZipInfo("ok/exercise3.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(link, "/home/teacher/solutions/exercise3.py")
    result = extract_zip(archive, dest)
    assert result.links == (("ok/exercise3.py", "/home/teacher/solutions/exercise3.py"),)
    assert result.files == () and not any(p.is_symlink() for p in dest.rglob("*"))


def test_any_damage_is_an_archive_error(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"exercise3\u00e9.py": "x"}, zipfile.ZIP_STORED)
    archive.write_bytes(archive.read_bytes().replace("\u00e9".encode(), b"\xc3\x28"))  # flagged UTF-8, not UTF-8
    with pytest.raises(ArchiveError, match=r"not a readable zip file \(UnicodeDecodeError"):
        extract_zip(archive, tmp_path)
