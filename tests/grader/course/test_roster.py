"""Reading LMS rosters and finding the batch's students in them."""

import pytest

from grader.course.roster import RosterError, canvas_key, match_students, read_roster, split_title

CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Exercise 3: Full convolution (12345),Quiz 1 (999),"
    "Current Score,Final Score\n"
    ",,,,,Muted,,,\n"
    "    Points Possible,,,,,10.00,5.00,(read only),(read only)\n"
    "\"Smith, Bob\",340934,S001,bsmith,Sec A,,,0,0\n"
    "\"Lane, Wells\",334244,S002,wlane,Sec A,4.00,,40,40\n"
)


def test_read_canvas_export(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("\ufeff" + CANVAS_EXPORT, encoding="utf-8")
    roster = read_roster(path)
    assert roster.header[:5] == ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
    assert [r["ID"] for r in roster.rows] == ["340934", "334244"]
    assert roster.points["Exercise 3: Full convolution (12345)"] == "10.00"
    assert roster.assignment_columns() == ["Exercise 3: Full convolution (12345)", "Quiz 1 (999)"]


def test_semicolons_and_bad_rosters(tmp_path):
    path = tmp_path / "moodle.csv"
    path.write_text("First name;Surname;ID number;Email address\nAnne;Able;A1;anne@uni.edu\n")
    roster = read_roster(path)
    assert roster.rows[0]["Email address"] == "anne@uni.edu"
    (tmp_path / "none.csv").write_text("name,score\nx,1\n")
    with pytest.raises(RosterError, match="no identity column"):
        read_roster(tmp_path / "none.csv")
    with pytest.raises(RosterError, match="roster not found"):
        read_roster(tmp_path / "missing.csv")


def test_match_students_by_id_login_email_user_and_canvas_key(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Email\n"
                    "\"Smith, Bob\",340934,S001,BSmith,A,bob@uni.edu\n"
                    "\"Lane, Wells\",334244,S002,wlane,A,wl@uni.edu\n"
                    "\"Twin, A\",1,T1,twin,A,t@uni.edu\n"
                    "\"Twin, A\",2,T2,twin,A,t2@uni.edu\n")
    roster = read_roster(path)
    for student, row in {"340934": 0, "bsmith": 0, "S002": 1, "wl": 1, "lanewells": 1}.items():
        assert match_students(roster, {student: ""}) == ({student: row}, {})
    assert match_students(roster, {"zz": "lanewells"}) == ({"zz": 1}, {})  # by the Canvas name key
    found, missing = match_students(roster, {"340934": "", "bsmith": "", "twin": "", "nobody": ""})
    assert found == {"340934": 0}
    assert missing == {"bsmith": "students 340934 and bsmith match the same row of the roster roster.csv; "
                                 "bsmith left out",
                       "twin": "student twin matches 2 rows of the roster roster.csv; left out",
                       "nobody": "student nobody is not in the roster roster.csv; left out"}


def test_helpers():
    assert canvas_key("Smith, Bob") == "smithbob"
    assert canvas_key("O'Neil-Ray, Zoë") == "oneilrayzoë"
    assert split_title("Exercise 3 (12345)") == ("Exercise 3", "12345")
    assert split_title("Exercise 3") == ("Exercise 3", None)


def test_moodle_worksheet_roster_matches_participant_ids_and_names(tmp_path):
    path = tmp_path / "worksheet.csv"
    path.write_text("Identifier,Full name,Email address,Status,Grade,Maximum Grade\n"
                    "Participant 1234567,Ann Able,ann@uni.edu,Submitted,,100.00\n"
                    "Participant 1234568,Bo Bee,bo@uni.edu,Submitted,,100.00\n")
    roster = read_roster(path)
    assert roster.assignment_columns() == []
    found, missing = match_students(roster, {"1234567": "Ann Able", "bo": "", "zz": "Bo Bee", "9": ""})
    assert found == {"1234567": 0, "bo": 1} and set(missing) == {"zz", "9"}  # "Bo Bee" is taken by bo
    moodle = tmp_path / "grades.csv"
    moodle.write_text("First name,Surname,ID number,Email address\nAnn,Able,A1,ann@uni.edu\n")
    assert match_students(read_roster(moodle), {"x": "Ann Able"}) == ({"x": 0}, {})
