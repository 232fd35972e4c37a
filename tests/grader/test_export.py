"""LMS exports against the formats' documented shapes (Canvas gradebook import, Moodle CSV import, Gradescope)."""

import csv
import io
import json
from pathlib import Path

import pytest

from grader.export import ExportError, export_batch, feedback_text
from grader.gradebook import write_gradebook
from grader.results import write_json_atomic

# Gradescope's results.json fields (https://gradescope-autograders.readthedocs.io/en/latest/specs/)
GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
                  "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                   "tags", "visibility", "extra_data"}


def check(name, passed, visibility="visible", output="wrong answer"):
    return {"name": name, "score": 2.0 if passed else 0.0, "max_score": 2.0,
            "status": "passed" if passed else "failed", "output": "" if passed else output, "visibility": visibility}


def make_batch(root: Path, ids=("340934", "334244", "111")) -> Path:
    """A batch folder as `grade batch` leaves it: results, gradebook rows and max scores."""
    rows = []
    scores = {ids[0]: [True, True, True], ids[1]: [True, False, False], ids[2]: [False, False, False]}
    for sid, passed in scores.items():
        tests = [check("rot180", passed[0]), check("full_convolve", passed[1], output="the kernel was not rotated"),
                 check("stride 2", passed[2], "hidden", "SECRET hidden detail")]
        score = 2.0 * sum(passed)
        result = {"score": score, "max_score": 6.0, "execution_time": 0.05, "output": "", "tests": tests,
                  "exercise": "exercise3", "seed": 7, "submission_sha256": "ab", "file_sha256": "cd",
                  "grader_version": "0.1.0", "student_id": sid}
        write_json_atomic(result, root / "results" / sid / "exercise3.json")
        rows.append({"student_id": sid, "name": f"name{sid}", "exercise": "exercise3", "score": score,
                     "max_score": 6.0, "status": "graded", "late": sid == ids[1], "file": f"{sid}/exercise3.py",
                     "reason": "", "result": f"results/{sid}/exercise3.json"})
    rows.append({"student_id": ids[0], "name": f"name{ids[0]}", "exercise": "exercise4", "score": 0.0,
                 "max_score": 20.0, "status": "error", "late": False, "file": f"{ids[0]}/exercise4.py",
                 "reason": "x is a binary file", "result": ""})
    rows.append({"student_id": "", "name": "", "exercise": "", "score": 0.0, "max_score": 0.0, "status": "error",
                 "late": False, "file": "loose.py", "reason": "not in a student folder", "result": ""})
    write_gradebook(rows, root, seed=7, max_scores={"exercise3": 6.0, "exercise4": 20.0})
    return root


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_canvas_without_roster_follows_the_gradebook_import_header(tmp_path):
    batch = make_batch(tmp_path / "b")
    report = export_batch(batch, "canvas")
    assert report.path == batch / "exports" / "canvas.csv"
    table = read_csv(report.path)
    header = table[0]
    # Canvas's importer: "Student", "ID", then SIS User ID + SIS Login ID, and "Section" closes the identity columns
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Exercise 3", "Exercise 4"]
    assert table[1] == ["    Points Possible", "", "", "", "", "6", "20"]
    assert table[2:] == [["name111", "111", "", "", "", "0", ""],
                         ["name334244", "334244", "", "", "", "2", ""],
                         ["name340934", "340934", "", "", "", "6", "0"]]
    assert any("loose.py" in w for w in report.warnings)
    first = report.path.read_bytes()
    export_batch(batch, "canvas")
    assert report.path.read_bytes() == first  # deterministic


def test_canvas_folder_ids_go_to_sis_login_id_or_the_chosen_column(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("jdoe", "asmith", "bob"))
    table = read_csv(export_batch(batch, "canvas").path)
    assert [r[:4] for r in table[2:]] == [["nameasmith", "", "", "asmith"], ["namebob", "", "", "bob"],
                                          ["namejdoe", "", "", "jdoe"]]
    table = read_csv(export_batch(batch, "canvas", id_column="SIS User ID").path)
    assert [r[2] for r in table[2:]] == ["asmith", "bob", "jdoe"]
    with pytest.raises(ExportError, match="--id-column for canvas must be one of"):
        export_batch(batch, "canvas", id_column="Email")


ROSTER = ("Student,ID,SIS User ID,SIS Login ID,Section,Exercise 3: Full convolution (12345),Quiz (9),"
          "Current Score\n"
          "    Points Possible,,,,,10.00,5.00,(read only)\n"
          "\"Smith, Bob\",340934,S001,bsmith,Sec A,,,0\n"
          "\"Lane, Wells\",334244,S002,wlane,Sec B,1.00,,10\n"
          "\"Late, Comer\",999,S003,lcomer,Sec B,,,0\n")


def test_canvas_with_roster_uses_its_columns_identities_and_points(tmp_path):
    batch = make_batch(tmp_path / "b")
    (tmp_path / "roster.csv").write_text(ROSTER)
    report = export_batch(batch, "canvas", roster=tmp_path / "roster.csv", output=tmp_path / "up.csv")
    table = read_csv(tmp_path / "up.csv")
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                        "Exercise 3: Full convolution (12345)", "Exercise 4"]
    assert table[1] == ["    Points Possible", "", "", "", "", "10", "20"]
    assert table[2:] == [["Lane, Wells", "334244", "S002", "wlane", "Sec B", "3.33", ""],  # 2/6 of 10 points
                         ["Late, Comer", "999", "S003", "lcomer", "Sec B", "", ""],
                         ["Smith, Bob", "340934", "S001", "bsmith", "Sec A", "10", "0"]]
    assert "student 111 is not in the roster roster.csv; left out" in report.warnings
    assert any("no column for exercise4" in w for w in report.warnings)


def test_canvas_column_override_and_ambiguous_roster(tmp_path):
    batch = make_batch(tmp_path / "b")
    table = read_csv(export_batch(batch, "canvas", columns={"exercise3": "Ex 3 (555)"}, out_of=100).path)
    assert table[0][5:] == ["Ex 3 (555)", "Exercise 4"] and table[1][5:] == ["100", "100"]
    assert table[3][5] == "33.33"
    (tmp_path / "r.csv").write_text("Student,ID,SIS User ID,SIS Login ID,Section,Exercise 3 (1),Ex3 redo (2)\n")
    with pytest.raises(ExportError, match="several columns for exercise3"):
        export_batch(batch, "canvas", roster=tmp_path / "r.csv")
    with pytest.raises(ExportError, match="did not grade"):
        export_batch(batch, "canvas", columns={"exercise1": "E1"})


def test_moodle_identity_grades_and_feedback_columns(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("ann@uni.edu", "bo@uni.edu", "cy@uni.edu"))
    table = read_csv(export_batch(batch, "moodle").path)
    assert table[0] == ["Email address", "Full name", "Exercise 3", "Feedback: Exercise 3", "Exercise 4",
                        "Feedback: Exercise 4"]
    by_id = {r[0]: r for r in table[1:]}
    assert [r[0] for r in table[1:]] == ["ann@uni.edu", "bo@uni.edu", "cy@uni.edu"]
    assert by_id["bo@uni.edu"][2:4] == ["2", "2/6 points (late). Failed full_convolve: the kernel was not "
                                              "rotated. 1 hidden check failed."]
    assert by_id["ann@uni.edu"][4:] == ["0", "0/20 points. Not graded: x is a binary file"]
    assert all("SECRET" not in cell for r in table for cell in r)  # hidden checks are counted, never described
    with pytest.raises(ExportError, match="--id-column for moodle must be one of"):
        export_batch(batch, "moodle", id_column="ID")


def test_moodle_with_roster_takes_the_identity_from_it(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("ann", "bo", "cy"))
    (tmp_path / "m.csv").write_text("First name,Surname,ID number,Email address\nAnn,Able,A1,ann@uni.edu\n"
                                    "Bo,Bee,B2,bo@uni.edu\n")
    report = export_batch(batch, "moodle", roster=tmp_path / "m.csv")
    table = read_csv(report.path)
    assert [r[:3] for r in table[1:]] == [["A1", "Ann Able", "6"], ["B2", "Bo Bee", "2"]]
    assert "student cy is not in the roster m.csv; left out" in report.warnings


def test_plain_csv_one_row_per_student_with_total(tmp_path):
    batch = make_batch(tmp_path / "b")
    table = read_csv(export_batch(batch, "csv").path)
    assert table == [["student_id", "name", "exercise3", "exercise4", "total", "max_total"],
                     ["111", "name111", "0", "", "0", "26"], ["334244", "name334244", "2", "", "2", "26"],
                     ["340934", "name340934", "6", "0", "6", "26"]]
    with pytest.raises(ExportError, match="apply to the canvas and moodle"):
        export_batch(batch, "csv", id_column="ID")


def test_gradescope_results_use_documented_fields_only(tmp_path):
    batch = make_batch(tmp_path / "b")
    stale = batch / "exports" / "gradescope" / "gone" / "exercise3" / "results.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    report = export_batch(batch, "gradescope")
    files = sorted(p.relative_to(report.path).as_posix() for p in report.path.rglob("results.json"))
    assert files == ["111/exercise3/results.json", "334244/exercise3/results.json",
                     "340934/exercise3/results.json", "340934/exercise4/results.json"]
    for name in files:
        document = json.loads((report.path / name).read_text())
        assert set(document) <= GRADESCOPE_TOP
        assert all(set(t) <= GRADESCOPE_TEST and t["status"] in ("passed", "failed") for t in document["tests"])
    bo = json.loads((report.path / "334244/exercise3/results.json").read_text())
    assert (bo["score"], bo["extra_data"]["student_id"], bo["extra_data"]["seed"]) == (2.0, "334244", 7)
    assert [t["visibility"] for t in bo["tests"]] == ["visible", "visible", "hidden"]
    broken = json.loads((report.path / "340934/exercise4/results.json").read_text())
    assert (broken["score"], broken["output"], broken["tests"]) == (0.0, "Not graded: x is a binary file", [])


def test_export_errors(tmp_path):
    with pytest.raises(ExportError, match="is not a folder of batch results"):
        export_batch(tmp_path / "missing", "csv")
    with pytest.raises(ExportError, match="run `grade batch SUBMISSIONS --out"):
        export_batch(tmp_path, "csv")
    with pytest.raises(ExportError, match="unknown format 'xls'"):
        export_batch(tmp_path, "xls")
    batch = make_batch(tmp_path / "b")
    with pytest.raises(ExportError, match="roster not found"):
        export_batch(batch, "canvas", roster=tmp_path / "nope.csv")


def test_feedback_text_when_every_check_failed_alike():
    row = {"score": 0.0, "max_score": 6.0, "status": "graded", "late": False, "reason": "not implemented yet"}
    result = {"tests": [check("a", False, output="not implemented yet"),
                        check("b", False, output="not implemented yet")]}
    assert feedback_text(row, result) == "0/6 points. Every check failed: not implemented yet"


def test_identities_that_a_spreadsheet_would_run_leave_their_row_out(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("=1+1", "@jdoe", "asmith"))
    for fmt, column in (("canvas", 3), ("moodle", 0), ("csv", 0)):
        report = export_batch(batch, fmt)
        table = read_csv(report.path)
        ids = [r[column] for r in table[1 + (fmt == "canvas"):]]
        assert ids == ["asmith"], fmt  # exact, and only the row that needs no change
        assert sum("must reach the LMS exactly" in w for w in report.warnings) == 2, fmt
    table = read_csv(export_batch(batch, "csv").path)
    assert table[1] == ["asmith", "nameasmith", "0", "", "0", "26"]


def test_names_and_feedback_are_plain_formula_safe_cells(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("ann@uni.edu", "bo@uni.edu", "cy@uni.edu"))
    book = json.loads((batch / "gradebook.json").read_text())
    for row in book["rows"]:
        row["name"] = "=HYPERLINK(\"x\")\x1b[31m" if row["student_id"] == "bo@uni.edu" else row["name"]
        row["reason"] = "-1+1\nfake row" if row["status"] == "error" else row["reason"]
    (batch / "gradebook.json").write_text(json.dumps(book))
    table = read_csv(export_batch(batch, "moodle").path)
    by_id = {r[0]: r for r in table[1:]}
    assert by_id["bo@uni.edu"][1] == "'=HYPERLINK(\"x\")\\x1b[31m"
    assert by_id["ann@uni.edu"][5] == "0/20 points. Not graded: -1+1\\x0afake row"
    assert all(not c.startswith(("=", "+", "-", "@")) or c.lstrip("-").isdigit() for r in table for c in r)


def test_gradescope_leaves_out_ids_that_are_not_plain_folder_names(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("..", "a\\x0ab", "ok"))
    report = export_batch(batch, "gradescope")
    assert sorted(p.parent.parent.name for p in report.path.rglob("results.json")) == ["a\\x0ab", "ok"]
    assert sum("cannot be a folder name" in w for w in report.warnings) == 1  # "a\x0ab" is already plain
    assert not (tmp_path / "b" / "exports" / "exercise3").exists()
