"""Moodle end to end: its "Download all submissions" layout, the offline grading worksheet and the gradebook CSV,
read against mod/assign (download names, feedback/offline/importgradeslib.php) and grade/import/csv."""

import csv
import io
import zipfile
from pathlib import Path

import pytest

from grader.course.batch import run_batch
from grader.grading.checking import Outcome
from grader.course.export import WORKSHEET, ExportError, export_batch
from grader.course.layouts import discover, open_submissions
from grader.course.moodle import parse_moodle_file, parse_moodle_folder, participant_of
from grader.grading.results import make_result


def fake_grade(task, seed, limits):
    """Stands in for the sandbox (as in test_batch.py): 'score=N' scores N of 10."""
    text = Path(task.path).read_text()
    points = float(text.split("=")[1]) if text.startswith("score=") else 0.0
    outcomes = [Outcome("check a", min(points, 5.0), 5.0, "passed" if points >= 5 else "failed",
                        "" if points >= 5 else "a: got 1, expected 2. Looks like: the kernel was not rotated.",
                        "visible"),
                Outcome("check b", max(points - 5, 0.0), 5.0, "passed" if points >= 10 else "failed",
                        "" if points >= 10 else "SECRET b is wrong", "hidden")]
    return make_result(task.exercise, outcomes, seed=seed, source=text, submission=task.path, seconds=0.01)


def put(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def moodle_class(root: Path) -> Path:
    """Moodle's download: a folder per participant (Download submissions in folders), and a flat file."""
    put(root, "Ann Able_1234567_assignsubmission_file_/exercise3.py", "score=10")
    put(root, "Ann Able_1234567_assignsubmission_onlinetext_/onlinetext.html", "<p>hi</p>")
    put(root, "Bo Bee_1234568_assignsubmission_file_/homework/Exercise_3.py", "score=4")
    put(root, "=Cy Sea_1234569_assignsubmission_file_exercise3.py", "score=7")
    put(root, "Participant_1234570_assignsubmission_file_exercise4.py", "score=9")  # blind marking
    return root


def test_moodle_names_are_read_from_the_start_only():
    assert parse_moodle_file("Ann Able_1234567_assignsubmission_file_ex_3_1_final.py") == (
        "Ann Able", "1234567", "file", "ex_3_1_final.py")
    assert parse_moodle_folder("Ann Able_1234567_assignsubmission_file_") == ("Ann Able", "1234567", "file", "")
    assert parse_moodle_folder("Ann Able_1234567_assignsubmission_file").participant == "1234567"
    # a Canvas name whose original file name looks like Moodle's is not read as Moodle's
    assert parse_moodle_file("smithbob_340934_208490284_x_999_assignsubmission_file_exercise3.py") is None
    assert parse_moodle_file("exercise3.py") is None and parse_moodle_folder("jdoe") is None
    assert participant_of("Participant 1234567") == "1234567" and participant_of("Participant x") is None


def test_moodle_download_layout_is_recognised(tmp_path):
    found = discover(moodle_class(tmp_path / "subs"), tmp_path / "scratch")
    assert found.layout == "moodle"
    assert [(s.student, s.name, s.exercise) for s in found.submissions] == [
        ("1234567", "Ann Able", "exercise3"), ("1234568", "Bo Bee", "exercise3"),
        ("1234569", "=Cy Sea", "exercise3"), ("1234570", "Participant", "exercise4")]
    assert found.problems == ()  # the online text folder is no submission, and no problem
    assert any("onlinetext.html: not a submission" in i for i in found.ignored)


def test_moodle_download_zip_with_a_wrapper_folder(tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("CNN-Exercise 3-123/Ann Able_1234567_assignsubmission_file_exercise3.py", "score=1")
    with open_submissions(archive) as found:
        assert [(s.student, s.name) for s in found.submissions] == [("1234567", "Ann Able")]


def test_moodle_layout_to_worksheet_end_to_end(tmp_path):
    subs, out = moodle_class(tmp_path / "subs"), tmp_path / "out"
    report = run_batch(subs, out, workers=1, seed=3, grade=fake_grade)
    assert report.layout == "moodle"
    exported = export_batch(out, "moodle-worksheet", missing="skip")
    assert [p.name for p in exported.paths] == ["moodle-worksheet-exercise3.csv", "moodle-worksheet-exercise4.csv"]
    three = read_csv(exported.paths[0])
    assert three[0] == list(WORKSHEET)
    assert [r[0] for r in three[1:]] == ["Participant 1234567", "Participant 1234568", "Participant 1234569"]
    by_id = {r[0]: dict(zip(three[0], r)) for r in three[1:]}
    assert [by_id[f"Participant {p}"]["Grade"] for p in (1234567, 1234568, 1234569)] == ["10", "4", "7"]
    assert by_id["Participant 1234569"]["Full name"] == "'=Cy Sea"  # formula-safe; the Identifier is exact
    bo = by_id["Participant 1234568"]
    assert bo["Feedback comments"] == ("4/10 points. Failed check a: a: got 1, expected 2. Looks like: the kernel "
                                       "was not rotated. 1 hidden check failed.")
    assert bo["Maximum Grade"] == "34" and bo["Last modified (grade)"].startswith("20")  # the exercise's points
    assert all(r[4] != "" for r in three[1:]) and not any("SECRET" in c for r in three for c in r)
    four = read_csv(exported.paths[1])
    assert [(r[0], r[4]) for r in four[1:]] == [("Participant 1234570", "9")]  # no blank rows for the others
    assert any("out of 34" in w and "--out-of" in w for w in exported.warnings)
    zero = read_csv(export_batch(out, "moodle-worksheet", missing="zero").paths[1])
    assert [(r[0], r[4]) for r in zero[1:]] == [("Participant 1234567", "0"), ("Participant 1234568", "0"),
                                                 ("Participant 1234569", "0"), ("Participant 1234570", "9")]
    with pytest.raises(ExportError, match="participant ids.*--format moodle-worksheet"):
        export_batch(out, "moodle")
    with pytest.raises(ExportError, match="Moodle participant ids.*Canvas does not know"):
        export_batch(out, "canvas")


WORKSHEET_ROSTER = (
    "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
    "Last modified (submission),Last modified (grade),Feedback comments\n"
    "Participant 1234567,Ann Able,ann@uni.edu,Submitted for grading,,100.00,Yes,"
    "\"Monday, 6 May 2024, 9:00 AM\",-,\n"
    "Participant 1234568,Bo Bee,bo@uni.edu,Submitted for grading,55.00,100.00,Yes,"
    "\"Monday, 6 May 2024, 9:00 AM\",\"Tuesday, 7 May 2024, 10:00 AM\",Good\n"
    "Participant 7777777,Dee Dot,dee@uni.edu,No submission,,100.00,Yes,-,-,\n")


def test_worksheet_with_the_downloaded_worksheet_as_roster(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    put(subs, "ann/exercise3.py", "score=10")  # folders named otherwise: matched by name or e-mail
    put(subs, "bo@uni.edu/exercise3.py", "score=4")
    put(subs, "zed/exercise3.py", "score=4")
    run_batch(subs, out, workers=1, seed=3, grade=fake_grade)
    with pytest.raises(ExportError, match="other ids.*--roster with the assignment's offline grading worksheet"):
        export_batch(out, "moodle-worksheet")
    (tmp_path / "ws.csv").write_text(WORKSHEET_ROSTER.replace(",Ann Able,", ",Ann,"))
    report = export_batch(out, "moodle-worksheet", roster=tmp_path / "ws.csv")
    table = read_csv(report.path)
    rows = [dict(zip(table[0], r)) for r in table[1:]]
    assert [(r["Identifier"], r["Grade"], r["Maximum Grade"], r["Last modified (grade)"]) for r in rows] == [
        ("Participant 1234567", "100", "100", ""),  # Moodle's "-": no date
        ("Participant 1234568", "40", "100", "Tuesday, 7 May 2024, 10:00 AM")]  # Moodle's own date, kept
    assert "student zed is not in the roster ws.csv; left out" in report.warnings
    assert any("rescaled to 100" in w for w in report.warnings)
    (tmp_path / "gradebook.csv").write_text("First name,Surname,Email address\nAnn,Able,ann@uni.edu\n")
    with pytest.raises(ExportError, match="not an offline grading worksheet"):
        export_batch(out, "moodle-worksheet", roster=tmp_path / "gradebook.csv")


def test_export_command_says_the_files_notes_and_refusals(tmp_path):
    from click.testing import CliRunner

    from grader.cli.main import main

    out = tmp_path / "out"
    run_batch(moodle_class(tmp_path / "subs"), out, workers=1, seed=3, grade=fake_grade)
    result = CliRunner().invoke(main, ["export", str(out), "--format", "moodle-worksheet", "--missing", "zero"])
    assert result.exit_code == 0, result.output
    assert "moodle-worksheet-exercise3.csv, " in result.output and "(4 students)" in result.output
    refused = CliRunner().invoke(main, ["export", str(out), "--format", "canvas"])
    assert refused.exit_code == 1 and "Canvas does not know" in refused.output
    bad = CliRunner().invoke(main, ["export", str(out), "--format", "csv", "--missing", "blank"])
    assert bad.exit_code == 2
    assert "--missing" in CliRunner().invoke(main, ["export", "--help"]).output
