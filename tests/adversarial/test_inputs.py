"""`grade batch` over hostile input files (issue #9, class 7): links to the instructor's private files, zips nested
1,000 deep, compression bombs, notebooks whose JSON nests 100,000 deep, file names with terminal escapes or
formulas, and Canvas names that point at a classmate. Each gets its own 0 row with a reason that names the
problem; everyone else is graded as usual; nothing outside the output folder is read or written; no output holds
a raw control character or a cell a spreadsheet would run."""

import csv
import hashlib
import io
import json
import os
import stat
import sys
import zipfile
from pathlib import Path

from click.testing import CliRunner

from grader.course.archive import ArchiveLimits
from grader.course.batch import run_batch
from grader.grading.checking import Outcome, collect
from grader.cli.main import main
from grader.course.export import export_batch
from grader.grading.results import make_result

SMALL = ArchiveLimits(batch_bytes=4 << 20, batch_files=500, student_bytes=1 << 20, student_files=50,
                      file_bytes=512 << 10, depth=3)
BAD_CHARS = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F),
                              *range(0x2066, 0x206A))}
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def fake_grade(task, seed, limits):
    """Stands in for the sandbox: a file 'score=N' earns N of 10 (the grading process reads the file itself)."""
    text = Path(task.path).read_text()
    points = float(text.split("=")[1]) if text.startswith("score=") else 0.0
    outcomes = [Outcome("check a", points, 10.0, "passed" if points >= 10 else "failed", "a is wrong", "visible")]
    return make_result(task.exercise, outcomes, seed=seed, source=text, submission=task.path, seconds=0.01)


def put(path: Path, data: str | bytes = "score=4") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def zip_bytes(files: dict, compression=zipfile.ZIP_STORED) -> bytes:
    """A zip in memory: name -> bytes or str; a value ("link", target) is a symbolic link entry."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as bundle:
        for name, data in files.items():
            if isinstance(data, tuple):
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                bundle.writestr(info, data[1])
            else:
                bundle.writestr(name, data)
    return buffer.getvalue()


def batch(subs: Path, out: Path, **kwargs):
    return run_batch(subs, out, workers=1, seed=3, grade=fake_grade, **kwargs)


def rows_by(report) -> dict[tuple[str, str], dict]:
    return {(r["student_id"], r["file"]): r for r in report.rows}


def tree(root: Path, skip: Path) -> dict[str, bytes]:
    """Every file under `root` but those under `skip`, with its bytes (links by their target)."""
    found = {}
    for path in sorted(root.rglob("*")):
        if skip in path.parents or path == skip:
            continue
        if path.is_symlink():
            found[str(path)] = os.readlink(path).encode()
        elif path.is_file():
            found[str(path)] = path.read_bytes()
    return found


class Opened:
    """Records the paths this process opens while active (an audit hook cannot be removed: it stays idle)."""
    paths: list[str] = []
    active = False
    installed = False

    def __enter__(self):
        if not Opened.installed:
            sys.addaudithook(_audit)
            Opened.installed = True
        Opened.paths, Opened.active = [], True
        return self

    def __exit__(self, *exc):
        Opened.active = False


def _audit(event, args):
    if Opened.active and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        Opened.paths.append(os.path.realpath(os.fsdecode(args[0])))


def all_text(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*"))
            if p.is_file() and p.suffix in (".csv", ".json", ".txt", ".html")}


def strings(value):
    """Every string inside a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


# ---- links -----------------------------------------------------------------------------------------------------

def test_links_to_a_private_file_are_refused_and_never_read(tmp_path, private_tmp):
    secret = put(tmp_path / "instructor" / "solutions" / "exercise3.py", "score=10")
    secret.chmod(0o600)
    subs = tmp_path / "subs"
    put(subs / "ann" / "exercise3.py", "score=4")
    (subs / "mal").mkdir()
    (subs / "mal" / "exercise3.py").symlink_to(secret)  # the reported attack: 20/20 with the answer
    (subs / "ned").mkdir()
    (subs / "ned" / "homework").symlink_to(secret.parent, target_is_directory=True)
    (subs / "oli").symlink_to(secret.parent, target_is_directory=True)  # a whole student folder
    put(subs / "pia" / "answers.zip", zip_bytes({"exercise3.py": ("link", str(secret)), "readme.md": "hi"}))
    before = tree(tmp_path, tmp_path / "out")
    with Opened():
        report = batch(subs, tmp_path / "out")
    rows = rows_by(report)
    assert rows[("ann", "ann/exercise3.py")]["score"] == 4
    for key in [("mal", "mal/exercise3.py"), ("ned", "ned/homework"), ("oli", "oli"),
                ("pia", "pia/answers.zip:exercise3.py")]:
        assert rows[key]["score"] == 0 and rows[key]["status"] == "error", rows[key]
        assert "is a symbolic link" in rows[key]["reason"] and "does not follow links" in rows[key]["reason"]
    assert {r["student_id"] for r in report.rows if r["status"] == "graded"} == {"ann"}
    assert not any(p.startswith(str(secret.parent.resolve())) for p in Opened.paths), Opened.paths
    assert tree(tmp_path, tmp_path / "out") == before  # nothing outside --out written
    digest = hashlib.sha256(b"score=10").hexdigest()
    assert not any(digest in text or "score=10" in text for text in all_text(tmp_path / "out").values())
    assert os.listdir(private_tmp) == []


def test_links_in_the_class_zip_are_refused_in_their_students_rows(tmp_path):
    secret = put(tmp_path / "private" / "answers.py", "score=10")
    secret.chmod(0o600)
    put(tmp_path / "class.zip", zip_bytes({"class/ann/exercise3.py": "score=4",
                                          "class/bob/exercise3.py": ("link", str(secret)),
                                          "class/cy/exercise4.py": "score=2"}))
    report = batch(tmp_path / "class.zip", tmp_path / "out")
    bob = [r for r in report.rows if r["student_id"] == "bob" and r["status"] != "missing"]  # exercise4: missing
    assert len(bob) == 1 and bob[0]["exercise"] == "exercise3" and bob[0]["score"] == 0
    assert bob[0]["reason"] == (f"exercise3.py is a symbolic link (to {secret}); the grader does not follow links")
    assert {(r["student_id"], r["score"]) for r in report.rows if r["status"] == "graded"} == {("ann", 4), ("cy", 2)}


# ---- nesting, bombs and budgets --------------------------------------------------------------------------------

def nested_zip(levels: int, inner: bytes) -> bytes:
    """`inner` (a zip) inside `levels` more zips, stored: cheap to build, about 100 bytes a level."""
    blob = inner
    for _ in range(levels):
        blob = zip_bytes({"a.zip": blob})
    return blob


def test_zip_nested_1000_deep_gets_one_row_not_a_recursion_error(tmp_path, private_tmp):
    subs = tmp_path / "subs"
    put(subs / "ann" / "exercise3.py", "score=7")
    put(subs / "bob" / "answers.zip", nested_zip(1000, zip_bytes({"exercise3.py": "score=10"})))
    report = batch(subs, tmp_path / "out")
    rows = rows_by(report)
    assert rows[("ann", "ann/exercise3.py")]["score"] == 7
    (bob,) = [r for r in report.rows if r["student_id"] == "bob" and r["status"] != "missing"]
    assert bob["file"] == "bob/answers.zip:a.zip:a.zip:a.zip" and bob["score"] == 0
    assert bob["reason"] == "a zip inside 3 other zips: zips nested more than 3 deep are not opened; not graded"
    assert os.listdir(private_tmp) == []


def test_class_zip_of_zips_1000_deep_counts_the_class_zip_as_a_level(tmp_path):
    put(tmp_path / "class.zip", zip_bytes({"ann/exercise3.py": "score=7",
                                          "bob/answers.zip": nested_zip(1000, b"")}))
    report = batch(tmp_path / "class.zip", tmp_path / "out")
    (bob,) = [r for r in report.rows if r["student_id"] == "bob" and r["status"] != "missing"]
    assert bob["file"] == "class.zip:bob/answers.zip:a.zip:a.zip" and "not opened" in bob["reason"]
    assert [r["score"] for r in report.rows if r["student_id"] == "ann"] == [7]


def bomb(copies: int, size: int) -> bytes:
    """A zip of a few KB holding `copies` zips of `size` zero bytes each (about 1000:1 each)."""
    inner = zip_bytes({"zeros.py": b"\0" * size}, zipfile.ZIP_DEFLATED)
    return zip_bytes({f"part{i}.zip": inner for i in range(copies)} | {"exercise3.py": "score=10"},
                     zipfile.ZIP_DEFLATED)


def test_nested_zips_share_one_budget_and_a_bomb_stops_there(tmp_path, private_tmp):
    subs = tmp_path / "subs"
    put(subs / "ann" / "exercise3.py", "score=7")
    upload = bomb(copies=3, size=400 << 10)  # each part fits the 1 MiB budget; all three do not
    assert len(upload) < 8 << 10
    put(subs / "bob" / "answers.zip", upload)
    report = batch(subs, tmp_path / "out", archive_limits=SMALL)
    bob = {r["file"]: r for r in report.rows if r["student_id"] == "bob"}
    refused = [r for r in bob.values() if "expands to more than" in r["reason"]]
    assert len(refused) == 1 and refused[0]["score"] == 0
    assert refused[0]["reason"] == (f"{refused[0]['file']} expands to more than 1 MiB, the most one student's "
                                    f"archives may unpack; extract it yourself if that is expected; not graded")
    assert [r["score"] for r in report.rows if r["student_id"] == "ann"] == [7]
    assert os.listdir(private_tmp) == []


def test_the_batch_budget_is_shared_by_every_student(tmp_path):
    subs = tmp_path / "subs"
    for student in ("s1", "s2", "s3"):  # 700 KiB each: every student fits 1 MiB, the batch 1.5 MiB does not
        put(subs / student / "answers.zip", zip_bytes({"exercise3.py": "score=5", "data.py": b"\0" * (700 << 10)},
                                                      zipfile.ZIP_DEFLATED))
    limits = SMALL._replace(batch_bytes=3 << 19, file_bytes=1 << 20)
    report = batch(subs, tmp_path / "out", archive_limits=limits)
    graded = sorted(r["student_id"] for r in report.rows if r["status"] == "graded")
    refused = [r for r in report.rows if "the batch's archives" in r["reason"]]
    assert graded == ["s1", "s2"] and [r["student_id"] for r in refused] == ["s3"]
    assert refused[0]["reason"].startswith("s3/answers.zip expands to more than 1536 KiB, the most the batch's")


def test_too_many_files_across_nested_zips(tmp_path):
    many = zip_bytes({f"f{i}.txt": "" for i in range(30)})
    put(tmp_path / "subs" / "bob" / "answers.zip", zip_bytes({"a.zip": many, "b.zip": many}))
    report = batch(tmp_path / "subs", tmp_path / "out", archive_limits=SMALL)
    (row,) = [r for r in report.rows if "entries" in r["reason"]]
    assert row["file"] == "bob/answers.zip:b.zip" and "the most one student's archives may unpack is 50" in row[
        "reason"]


# ---- anything that breaks while reading one student's files ----------------------------------------------------

def test_notebook_nested_100000_deep_gets_a_row(tmp_path):
    subs = tmp_path / "subs"
    put(subs / "ann" / "exercise3.py", "score=7")
    deep = "[" * 100_000 + "]" * 100_000
    put(subs / "bob" / "exercise3.ipynb", deep)
    put(subs / "cy" / "my_work.ipynb", '{"cells": ' + deep + "}")  # no exercise in the name: metadata is read
    report = batch(subs, tmp_path / "out")
    rows = rows_by(report)
    assert rows[("ann", "ann/exercise3.py")]["score"] == 7
    for key, shown in ((("bob", "bob/exercise3.ipynb"), "exercise3.ipynb"), (("cy", "cy/my_work.ipynb"),
                                                                             "my_work.ipynb")):
        assert rows[key]["score"] == 0 and rows[key]["status"] == "error"
        assert rows[key]["reason"] == f"{shown}: its JSON nests too deeply to be read (RecursionError); not graded"
    assert rows[("bob", "bob/exercise3.ipynb")]["exercise"] == "exercise3"


def test_damaged_and_unreadable_files_get_rows(tmp_path):
    subs = tmp_path / "subs"
    put(subs / "ann" / "exercise3.py", "score=7")
    put(subs / "bob" / "answers.zip", b"PK\x03\x04 not a zip at all")
    bad_name = zip_bytes({"exercise3\u00e9.py": "score=1"}).replace("\u00e9".encode(), b"\xc3\x28")
    put(subs / "cy" / "answers.zip", bad_name)  # flagged UTF-8, but not UTF-8
    unreadable = put(subs / "dee" / "exercise3.ipynb", "{}")
    (subs / "eve").mkdir()
    os.mkfifo(subs / "eve" / "exercise3.py")  # reading it would hang the batch
    unreadable.parent.chmod(0)
    try:
        report = batch(subs, tmp_path / "out")
    finally:
        unreadable.parent.chmod(0o755)
    by_student = {r["student_id"]: r for r in report.rows}
    assert by_student["ann"]["score"] == 7
    assert by_student["bob"]["reason"].startswith("bob/answers.zip is not a readable zip file (BadZipFile")
    assert by_student["cy"]["reason"].startswith("cy/answers.zip is not a readable zip file (UnicodeDecodeError")
    assert by_student["eve"]["reason"] == "no submission file (.py or .ipynb) found"
    if os.geteuid() != 0:  # root reads any folder
        assert by_student["dee"]["reason"].startswith("could not read dee/: PermissionError")


# ---- names -----------------------------------------------------------------------------------------------------

HOSTILE = ["evil\x1b[31m\x07", "rtl\u202egnp.py", "fake\ns999  exercise3: 10 of 10 graded"]


def hostile_class(root: Path) -> Path:
    subs = root / "subs"
    put(subs / "ann" / "exercise3.py", "score=7")
    put(subs / HOSTILE[0] / "exercise3\x1b[2J.py", "score=3")
    put(subs / "bob" / f"{HOSTILE[1]}", "x = 1")
    put(subs / "cy" / f"{HOSTILE[2]}.py", "x = 1")
    put(subs / "dee" / "answers.zip", zip_bytes({f"{n}/exercise4\u202e.py": "score=2" for n in HOSTILE[:1]}
                                                | {"notes\r\n,s999,,exercise3,10,10,graded.py": "x"}))
    return subs


def test_hostile_names_reach_no_output_raw(tmp_path):
    labels = []
    report = run_batch(hostile_class(tmp_path), tmp_path / "out", workers=1, seed=3, grade=fake_grade,
                       progress=lambda done, total, label: labels.append(label))
    out = tmp_path / "out"
    for fmt in ("canvas", "moodle", "csv", "gradescope"):
        export_batch(out, fmt)
    texts = all_text(out)
    assert {"gradebook.csv", "gradebook.json", "summary.txt", "summary.html", "batch.json"} <= set(texts)
    for stem in ("canvas", "moodle", "grades"):  # one file, or one per exercise when the students differ
        assert any(name.startswith(f"exports/{stem}") and name.endswith(".csv") for name in texts), stem
    for name, text in texts.items():
        assert not (set(text) - {"\n"}) & BAD_CHARS, name
        if name.endswith(".json"):
            assert not any(set(s) & BAD_CHARS for s in strings(json.loads(text))), name
    for label in labels:
        assert not set(label) & BAD_CHARS
    with open(out / "gradebook.csv", newline="") as handle:
        table = list(csv.reader(handle))
    assert len(table) == 1 + len(report.rows)  # no row was faked by a newline
    assert not any(row[0] == "s999" for row in table)
    assert "evil\\x1b[31m\\x07" in texts["gradebook.csv"] and "rtl\\u202egnp.py" in texts["summary.txt"]
    assert "dee/answers.zip:notes\\x0d\\x0a,s999,,exercise3,10,10,graded.py" in texts["summary.txt"]
    graded = {(r["student_id"], r["exercise"], r["score"]) for r in report.rows if r["status"] == "graded"}
    assert graded == {("ann", "exercise3", 7), ("evil\\x1b[31m\\x07", "exercise3", 3), ("cy", "exercise3", 0),
                      ("dee", "exercise3", 0), ("dee", "exercise4", 2)}


def test_hostile_names_reach_no_terminal_raw(tmp_path):
    out = tmp_path / "out"
    run_batch(hostile_class(tmp_path), out, workers=1, seed=3, grade=fake_grade)
    for fmt in ("csv", "canvas", "moodle"):
        result = CliRunner().invoke(main, ["export", str(out), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert not (set(result.output) - {"\n"}) & BAD_CHARS
        assert result.output.count("\n") == len(result.output.splitlines())


# ---- formulas --------------------------------------------------------------------------------------------------

FORMULA_IDS = ['=HYPERLINK("https:x.test?"&A1,"grade")', "@SUM(A1:A9)", "+cmd", "-2+3", "\tlead", "\rcr"]


def test_formula_names_are_never_cells_a_spreadsheet_runs(tmp_path):
    subs = tmp_path / "subs"
    put(subs / "ann" / "exercise3.py", "score=7")
    put(subs / "ann" / "=1+2.py", "x = 1")  # a reason that starts with the file name
    for i, sid in enumerate(FORMULA_IDS):
        put(subs / sid / "exercise3.py", f"score={i + 1}")
    out = tmp_path / "out"
    batch(subs, out)
    (tmp_path / "roster.csv").write_text("First name,Surname,ID number,Email address\n=cmd|' /C calc'!A0,X,A1,"
                                         "ann@uni.edu\n")
    reports = [export_batch(out, fmt) for fmt in ("canvas", "moodle", "csv")]
    reports.append(export_batch(out, "moodle", roster=tmp_path / "roster.csv", output=tmp_path / "m.csv",
                                id_column="ID number"))
    for path in [out / "gradebook.csv"] + [r.path for r in reports]:
        with open(path, newline="") as handle:
            table = list(csv.reader(handle))
        for row in table[1:]:
            for cell in row:
                assert not cell.startswith(FORMULA) or cell.lstrip("-").replace(".", "").isdigit(), (path, cell)
    gradebook = (out / "gradebook.csv").read_text()
    assert "'=HYPERLINK(" in gradebook and "'@SUM(A1:A9)" in gradebook and "'-2+3" in gradebook
    assert "'=1+2.py matches no exercise" in gradebook
    canvas = list(csv.reader(io.StringIO(reports[0].path.read_text())))
    # SIS Login ID exact (a tab or CR was already written as an escape), the score a number; formulas left out
    assert [r[3:] for r in canvas[2:]] == [["\\x09lead", "", "5"], ["\\x0dcr", "", "6"], ["ann", "", "7"]]
    assert sum("must reach the LMS exactly" in w for w in reports[0].warnings) == 4
    plain = list(csv.reader(io.StringIO(reports[2].path.read_text())))
    top = f"{sum(c.info.points for c in collect('exercise3')):g}"  # exercise3's maximum score
    assert plain[1:] == [["\\x09lead", "", "5", "5", top], ["\\x0dcr", "", "6", "6", top],
                         ["ann", "", "7", "7", top]]
    roster = list(csv.reader(io.StringIO((tmp_path / "m.csv").read_text())))
    assert roster[1][:3] == ["A1", "'=cmd|' /C calc'!A0 X", "7"]


# ---- Canvas names ----------------------------------------------------------------------------------------------

def test_canvas_name_ending_in_a_classmates_id_is_not_filed_under_them(tmp_path):
    subs = tmp_path / "subs"
    put(subs / "victimvic_222_900001_exercise3.py", "score=6")
    # Mallory's Canvas name is "mallory_222_999999999": read from the left it says user 222, a newer upload
    put(subs / "mallory_222_999999999_111_5555_exercise3.py", "score=10")
    put(subs / "smithbob_340934_208490284_exercise3.py", "score=8")
    out = tmp_path / "out"
    report = batch(subs, out)
    graded = {r["student_id"]: r["score"] for r in report.rows if r["status"] == "graded"}
    assert graded == {"222": 6, "340934": 8}
    (flagged,) = [r for r in report.rows if r["status"] == "ambiguous"]
    assert flagged["student_id"] == "" and flagged["score"] == 0 and flagged["exercise"] == "exercise3"
    assert flagged["reason"].startswith("ambiguous Canvas file name: it reads as user 222 (mallory), file "
                                        "111_5555_exercise3.py; or user 999999999 (mallory_222), file "
                                        "5555_exercise3.py; or user 111 (mallory_222_999999999), file "
                                        "exercise3.py. Not graded")
    summary = (out / "summary.txt").read_text()
    assert "Not graded: whose file is it?" in summary
    assert "  mallory_222_999999999_111_5555_exercise3.py: ambiguous Canvas file name" in summary
    canvas = export_batch(out, "canvas")
    table = list(csv.reader(io.StringIO(canvas.path.read_text())))
    assert {r[1]: r[5] for r in table[2:]} == {"222": "6", "340934": "8"}
    assert any("mallory_222_999999999" in w and "no student could be told" in w for w in canvas.warnings)
