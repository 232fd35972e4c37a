"""LMS exports against the formats' documented shapes (Canvas gradebook import, Moodle CSV import, Gradescope)."""

import csv
import io
import json
from pathlib import Path

import pytest

from grader.course.export import ExportError, export_batch, feedback_text
from grader.course.gradebook import write_gradebook
from grader.grading.results import write_json_atomic

# Gradescope's results.json fields (https://gradescope-autograders.readthedocs.io/en/latest/specs/)
GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
                  "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                   "tags", "visibility", "extra_data"}


def check(name, passed, visibility="visible", output="wrong answer"):
    return {"name": name, "score": 2.0 if passed else 0.0, "max_score": 2.0,
            "status": "passed" if passed else "failed", "output": "" if passed else output, "visibility": visibility}


def make_batch(root: Path, ids=("340934", "334244", "111"), canvas=False) -> Path:
    """A batch folder as `grade batch` leaves it: results, gradebook rows and max scores. exercise3 for all three
    students, exercise4 (an error row) for the first only. canvas=True: files named like a Canvas download."""
    rows = []
    scores = {ids[0]: [True, True, True], ids[1]: [True, False, False], ids[2]: [False, False, False]}

    def label(sid, exercise, n):
        return f"name{sid}_{sid}_90{n}_{exercise}.py" if canvas else f"{sid}/{exercise}.py"

    for n, (sid, passed) in enumerate(scores.items()):
        tests = [check("rot180", passed[0]), check("full_convolve", passed[1], output="the kernel was not rotated"),
                 check("stride 2", passed[2], "hidden", "SECRET hidden detail")]
        score = 2.0 * sum(passed)
        result = {"score": score, "max_score": 6.0, "execution_time": 0.05, "output": "", "tests": tests,
                  "exercise": "exercise3", "seed": 7, "submission_sha256": "ab", "file_sha256": "cd",
                  "grader_version": "0.1.0", "student_id": sid, "graded_at": "2024-05-01T10:00:00+0000"}
        write_json_atomic(result, root / "results" / sid / "exercise3.json")
        rows.append({"student_id": sid, "name": f"name{sid}", "exercise": "exercise3", "score": score,
                     "max_score": 6.0, "status": "graded", "late": sid == ids[1], "file": label(sid, "exercise3", n),
                     "reason": "", "result": f"results/{sid}/exercise3.json"})
    rows.append({"student_id": ids[0], "name": f"name{ids[0]}", "exercise": "exercise4", "score": 0.0,
                 "max_score": 20.0, "status": "error", "late": False, "file": label(ids[0], "exercise4", 9),
                 "reason": "x is a binary file", "result": ""})
    rows.append({"student_id": "", "name": "", "exercise": "", "score": 0.0, "max_score": 0.0, "status": "error",
                 "late": False, "file": "loose.py", "reason": "not in a student folder", "result": ""})
    write_gradebook(rows, root, seed=7, max_scores={"exercise3": 6.0, "exercise4": 20.0})
    return root


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def assert_lms_file(path: Path, grade_columns, identity_columns, lead: int = 0) -> list[list[str]]:
    """The rules every LMS file keeps: no blank grade cell, a filled identity, no cell a spreadsheet would run."""
    table = read_csv(path)
    header = table[0]
    for row in table[1 + lead:]:
        assert len(row) == len(header)
        for column in grade_columns:
            cell = row[header.index(column)]
            assert cell.strip() != "" and float(cell) >= 0, (path.name, column, row)
        assert any(row[header.index(c)] for c in identity_columns if c in header), row
        assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) or c.lstrip("-").replace(".", "").isdigit()
                   for c in row), row
    return table


def test_canvas_writes_one_file_per_exercise_when_students_differ(tmp_path):
    batch = make_batch(tmp_path / "b", canvas=True)
    report = export_batch(batch, "canvas")
    assert report.paths == (batch / "exports" / "canvas-exercise3.csv", batch / "exports" / "canvas-exercise4.csv")
    three = assert_lms_file(report.paths[0], ["Exercise 3"], ["ID"], lead=1)
    # Canvas's importer: "Student", "ID", then SIS User ID + SIS Login ID, and "Section" closes the identity columns
    assert three[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Exercise 3"]
    assert three[1] == ["    Points Possible", "", "", "", "", "6"]
    assert three[2:] == [["name111", "111", "", "", "", "0"], ["name334244", "334244", "", "", "", "2"],
                         ["name340934", "340934", "", "", "", "6"]]
    four = assert_lms_file(report.paths[1], ["Exercise 4"], ["ID"], lead=1)
    assert four[2:] == [["name340934", "340934", "", "", "", "0"]]  # the others are left out, not blanked
    assert report.students == 3
    assert any("ID column: they are Canvas user ids" in n for n in report.notes)
    assert any("one file per exercise" in n for n in report.notes)
    assert any("loose.py" in w for w in report.warnings)
    assert sum("create and publish a new assignment" in w for w in report.warnings) == 2
    first = report.paths[0].read_bytes()
    export_batch(batch, "canvas")
    assert report.paths[0].read_bytes() == first  # deterministic


def test_missing_zero_writes_one_file_with_zeros_and_removes_stale_files(tmp_path):
    batch = make_batch(tmp_path / "b", canvas=True)
    export_batch(batch, "canvas")
    report = export_batch(batch, "canvas", missing="zero")
    assert report.paths == (batch / "exports" / "canvas.csv",)
    assert sorted(p.name for p in (batch / "exports").iterdir()) == ["canvas.csv"]
    table = assert_lms_file(report.path, ["Exercise 3", "Exercise 4"], ["ID"], lead=1)
    assert [r[1:2] + r[5:] for r in table[2:]] == [["111", "0", "0"], ["334244", "2", "0"], ["340934", "6", "0"]]
    with pytest.raises(ExportError, match="--missing must be one of skip, zero"):
        export_batch(batch, "canvas", missing="blank")


def test_a_missing_gradebook_row_is_no_result(tmp_path):
    batch = make_batch(tmp_path / "b", canvas=True)
    book = json.loads((batch / "gradebook.json").read_text())
    book["rows"].append({"student_id": "334244", "name": "name334244", "exercise": "exercise4", "score": 0.0,
                         "max_score": 20.0, "status": "missing", "late": False, "file": "", "reason": "not handed in",
                         "result": ""})
    (batch / "gradebook.json").write_text(json.dumps(book))
    four = read_csv(export_batch(batch, "canvas").paths[1])
    assert [r[1] for r in four[2:]] == ["340934"]


def test_canvas_id_column_is_said_and_mixed_or_anonymous_ids_are_refused(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("jdoe", "asmith", "bob"))
    report = export_batch(batch, "canvas")
    table = read_csv(report.paths[0])
    assert [r[:4] for r in table[2:]] == [["nameasmith", "", "", "asmith"], ["namebob", "", "", "bob"],
                                          ["namejdoe", "", "", "jdoe"]]
    assert any(n.startswith("student ids go to the SIS Login ID column: they are folder names") for n in report.notes)
    table = read_csv(export_batch(batch, "canvas", id_column="SIS User ID").paths[0])
    assert [r[2] for r in table[2:]] == ["asmith", "bob", "jdoe"]
    with pytest.raises(ExportError, match="--id-column for canvas must be one of"):
        export_batch(batch, "canvas", id_column="Email")
    numbers = export_batch(make_batch(tmp_path / "n", ids=("20231", "20232", "20233")), "canvas")
    assert any("SIS User ID column: they are folder names made of digits" in n for n in numbers.notes)
    assert read_csv(numbers.paths[0])[2][2] == "20231"
    mixed = make_batch(tmp_path / "m", ids=("340934", "jdoe", "111"))
    with pytest.raises(ExportError, match=r"several kinds \(folder names: jdoe; folder names that are numbers: "
                                          r"111, 340934\).*--roster.*--id-column"):
        export_batch(mixed, "canvas")
    export_batch(mixed, "canvas", id_column="SIS Login ID")  # the instructor decides
    anonymous = make_batch(tmp_path / "a", ids=("anon_Xy12", "anon_Zz34", "anon_Q1"))
    with pytest.raises(ExportError, match="Canvas cannot import grades for an anonymized download.*anonymous "
                                          "grading off.*SpeedGrader"):
        export_batch(anonymous, "canvas", id_column="ID")


ROSTER = ("Student,ID,SIS User ID,SIS Login ID,Section,Exercise 3: Full convolution (12345),Quiz (9),"
          "Current Score\n"
          "    Points Possible,,,,,10.00,5.00,(read only)\n"
          "\"Smith, Bob\",340934,S001,bsmith,Sec A,,,0\n"
          "\"Lane, Wells\",334244,S002,wlane,Sec B,1.00,,10\n"
          "\"Late, Comer\",999,S003,lcomer,Sec B,,,0\n")


def test_canvas_with_roster_writes_only_students_canvas_knows(tmp_path):
    batch = make_batch(tmp_path / "b", canvas=True)
    (tmp_path / "roster.csv").write_text(ROSTER)
    report = export_batch(batch, "canvas", roster=tmp_path / "roster.csv", output=tmp_path / "up.csv")
    assert report.paths == (tmp_path / "up-exercise3.csv", tmp_path / "up-exercise4.csv")
    table = assert_lms_file(report.paths[0], ["Exercise 3: Full convolution (12345)"], ["ID"], lead=1)
    assert table[0][5:] == ["Exercise 3: Full convolution (12345)"] and table[1][5:] == ["10"]
    assert table[2:] == [["Lane, Wells", "334244", "S002", "wlane", "Sec B", "3.33"],  # 2/6 of 10 points
                         ["Smith, Bob", "340934", "S001", "bsmith", "Sec A", "10"]]  # no Late Comer: no result
    assert "student 111 is not in the roster roster.csv; left out" in report.warnings
    assert any("no column for exercise4" in w and "new assignment" in w for w in report.warnings)
    assert any(w.startswith("exercise3 is out of 6 points here and the roster's \"Exercise 3: Full convolution "
                            "(12345)\" is out of 10: its scores are rescaled") for w in report.warnings)
    zero = export_batch(batch, "canvas", roster=tmp_path / "roster.csv", output=tmp_path / "z.csv", missing="zero")
    table = assert_lms_file(zero.path, ["Exercise 3: Full convolution (12345)", "Exercise 4"], ["ID"], lead=1)
    assert [r[1] for r in table[2:]] == ["334244", "999", "340934"] and table[3][5:] == ["0", "0"]


def test_canvas_column_override_and_ambiguous_roster(tmp_path):
    batch = make_batch(tmp_path / "b", canvas=True)
    report = export_batch(batch, "canvas", columns={"exercise3": "Ex 3 (555)"}, out_of=100)
    table = read_csv(report.paths[0])
    assert table[0][5:] == ["Ex 3 (555)"] and table[1][5:] == ["100"] and table[3][5] == "33.33"
    assert not any("\"Ex 3 (555)\"" in w for w in report.warnings)  # it names an assignment id
    (tmp_path / "r.csv").write_text("Student,ID,SIS User ID,SIS Login ID,Section,Exercise 3 (1),Ex3 redo (2)\n")
    with pytest.raises(ExportError, match="several columns for exercise3"):
        export_batch(batch, "canvas", roster=tmp_path / "r.csv")
    with pytest.raises(ExportError, match="did not grade"):
        export_batch(batch, "canvas", columns={"exercise1": "E1"})


def test_moodle_identity_grades_and_feedback_columns(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("ann@uni.edu", "bo@uni.edu", "cy@uni.edu"))
    report = export_batch(batch, "moodle")
    three = assert_lms_file(report.paths[0], ["Exercise 3"], ["Email address"])
    assert three[0] == ["Email address", "Full name", "Exercise 3", "Feedback: Exercise 3"]
    by_id = {r[0]: r for r in three[1:]}
    assert [r[0] for r in three[1:]] == ["ann@uni.edu", "bo@uni.edu", "cy@uni.edu"]
    assert by_id["bo@uni.edu"][2:4] == ["2", "2/6 points (late). Failed full_convolve: the kernel was not "
                                              "rotated. 1 hidden check failed."]
    four = assert_lms_file(report.paths[1], ["Exercise 4"], ["Email address"])
    assert four[1:] == [["ann@uni.edu", "nameann@uni.edu", "0", "0/20 points. Not graded: x is a binary file"]]
    assert all("SECRET" not in cell for r in three + four for cell in r)  # hidden checks are counted only
    assert any("identified by 'Email address': they are e-mail addresses" in n for n in report.notes)
    with pytest.raises(ExportError, match="--id-column for moodle must be one of ID number, Email address, "
                                          "Username, User ID"):
        export_batch(batch, "moodle", id_column="ID")
    users = read_csv(export_batch(batch, "moodle", id_column="User ID").paths[0])
    assert users[0][0] == "User ID"
    mixed = make_batch(tmp_path / "m", ids=("ann@uni.edu", "bo", "cy"))
    with pytest.raises(ExportError, match="several kinds.*--roster.*--id-column"):
        export_batch(mixed, "moodle")


def test_moodle_with_roster_writes_only_rows_moodle_can_match(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("ann", "bo", "cy"))
    (tmp_path / "m.csv").write_text("First name,Surname,ID number,Email address,User ID\n"
                                    "Ann,Able,A1,ann@uni.edu,501\nBo,Bee,,bo@uni.edu,502\nDee,Dot,D4,dee@uni.edu,504\n")
    report = export_batch(batch, "moodle", roster=tmp_path / "m.csv", missing="zero")
    table = assert_lms_file(report.path, ["Exercise 3", "Exercise 4"], ["ID number"])
    assert [r[:3] + r[4:5] for r in table[1:]] == [["A1", "Ann Able", "6", "0"], ["D4", "Dee Dot", "0", "0"]]
    assert table[2][3] == "0/6 points. Nothing was handed in."
    assert "student cy is not in the roster m.csv; left out" in report.warnings
    assert any(w.startswith("student bo has no 'ID number' in the roster; left out") for w in report.warnings)
    table = read_csv(export_batch(batch, "moodle", roster=tmp_path / "m.csv", id_column="User ID").paths[0])
    assert [r[:3] for r in table[1:]] == [["501", "Ann Able", "6"], ["502", "Bo Bee", "2"]]


def test_plain_csv_one_row_per_student_with_total(tmp_path):
    batch = make_batch(tmp_path / "b")
    report = export_batch(batch, "csv", missing="zero")
    assert read_csv(report.path) == [["student_id", "name", "exercise3", "exercise4", "total", "max_total"],
                                     ["111", "name111", "0", "0", "0", "26"],
                                     ["334244", "name334244", "2", "0", "2", "26"],
                                     ["340934", "name340934", "6", "0", "6", "26"]]
    split = export_batch(batch, "csv")
    assert [p.name for p in split.paths] == ["grades-exercise3.csv", "grades-exercise4.csv"]
    assert read_csv(split.paths[1]) == [["student_id", "name", "exercise4", "total", "max_total"],
                                        ["340934", "name340934", "0", "0", "20"]]
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


def test_feedback_keeps_the_diagnosis_and_drops_whole_checks():
    long_case = "conv_backward_input stride 2 padding 1: wrong values; largest error 0.731 at index (0, 1, 4, 4) " \
                "(got 0.1, expected 0.8) " + "and more detail " * 40
    diagnosis = "Looks like: the kernel was not rotated by 180°."
    row = {"score": 0.0, "max_score": 21.0, "status": "graded", "late": False,
           "reason": (long_case + diagnosis)[:199] + "…"}  # the gradebook's reason: cut before the diagnosis
    result = {"tests": [check(f"case {i}", False, output=f"{long_case}{diagnosis}\ntraceback") for i in range(9)]
              + [check("passes", True), check("secret", False, "hidden", "SECRET")]}
    text = feedback_text(row, result)
    assert len(text) <= 1500 and "SECRET" not in text and text.endswith("1 hidden check failed.")
    kept = text.count("Looks like: the kernel was not rotated by 180°.")
    assert kept >= 2 and f"(+{9 - kept} more checks)" in text  # whole checks, each with its diagnosis
    assert text.count("Failed case") == kept and "Failed case 0: conv_backward_input" in text
    words = set(long_case.split()) | {"…", "0.8)…", "detail…", "more…", "and…"}
    for part in text.split("Failed ")[1:]:
        body = part.split(": ", 1)[1].split(". Looks like")[0]
        assert body.endswith("…") and all(w.rstrip("…") in words or w in words for w in body.split())
    short = feedback_text(row, {"tests": [check("x", False, output="x: got 3, expected 4. Looks like: off by one.")]})
    assert short == "0/21 points. Every check failed: x: got 3, expected 4. Looks like: off by one"


def test_identities_that_a_spreadsheet_would_run_leave_their_row_out(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("=1+1", "@jdoe", "asmith"))
    for fmt, column in (("canvas", 3), ("moodle", 0), ("csv", 0)):
        report = export_batch(batch, fmt, missing="zero")
        table = read_csv(report.path)
        ids = [r[column] for r in table[1 + (fmt == "canvas"):]]
        assert ids == ["asmith"], fmt  # exact, and only the row that needs no change
        assert sum("must reach the LMS exactly" in w for w in report.warnings) == 2, fmt
    table = read_csv(export_batch(batch, "csv", missing="zero").path)
    assert table[1] == ["asmith", "nameasmith", "0", "0", "0", "26"]


def test_names_and_feedback_are_plain_formula_safe_cells(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("ann@uni.edu", "bo@uni.edu", "cy@uni.edu"))
    book = json.loads((batch / "gradebook.json").read_text())
    for row in book["rows"]:
        row["name"] = "=HYPERLINK(\"x\")\x1b[31m" if row["student_id"] == "bo@uni.edu" else row["name"]
        row["reason"] = "-1+1\nfake row" if row["status"] == "error" else row["reason"]
    (batch / "gradebook.json").write_text(json.dumps(book))
    report = export_batch(batch, "moodle")
    by_id = {r[0]: r for r in assert_lms_file(report.paths[0], ["Exercise 3"], ["Email address"])[1:]}
    assert by_id["bo@uni.edu"][1] == "'=HYPERLINK(\"x\")\\x1b[31m"
    four = assert_lms_file(report.paths[1], ["Exercise 4"], ["Email address"])
    assert four[1][3] == "0/20 points. Not graded: -1+1"  # the reason's first line only


def test_gradescope_leaves_out_ids_that_are_not_plain_folder_names(tmp_path):
    batch = make_batch(tmp_path / "b", ids=("..", "a\\x0ab", "ok"))
    report = export_batch(batch, "gradescope")
    assert sorted(p.parent.parent.name for p in report.path.rglob("results.json")) == ["a\\x0ab", "ok"]
    assert sum("cannot be a folder name" in w for w in report.warnings) == 1  # "a\x0ab" is already plain
    assert not (tmp_path / "b" / "exports" / "exercise3").exists()
