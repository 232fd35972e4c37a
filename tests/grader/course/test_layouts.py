"""Discovering submissions: folder per student, Canvas downloads, zips, and rows for what cannot be used."""

import os
import zipfile
from pathlib import Path

import pytest

from grader.course.layouts import (LayoutError, discover, exercise_of, open_submissions, parse_canvas_name,
                            resubmission_number)


def put(root: Path, relative: str, text: str = "x = 1\n", mtime: float | None = None) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


@pytest.mark.parametrize("name, expected", [
    ("exercise3.py", "exercise3"), ("Exercise_3.ipynb", "exercise3"), ("ex3.py", "exercise3"),
    ("EX-03.py", "exercise3"), ("lab_exercise4_final.py", "exercise4"), ("exercise3-1.py", "exercise3"),
    ("exercise 2.py", "exercise2"), ("exercise12.py", "exercise12"), ("index3.py", None), ("hw3.py", None),
    ("answers.py", None), ("complex3.py", None),
])
def test_exercise_of_reads_the_number_from_the_name(name, expected):
    assert exercise_of(name) == expected


@pytest.mark.parametrize("name, expected", [
    ("exercise3.py", 0), ("exercise3-1.py", 1), ("exercise3-12.ipynb", 12), ("exercise-3.py", 0),
    ("exercise-3-2.py", 2), ("Exercise_3.py", 0),
])
def test_resubmission_number_is_canvas_suffix_only(name, expected):
    assert resubmission_number(name) == expected


def test_parse_canvas_name_plain_late_and_underscored_original():
    plain = parse_canvas_name("smithbob_340934_208490284_exercise3.py")
    assert plain == ("smithbob", "340934", 208490284, False, "exercise3.py")
    late = parse_canvas_name("smithbob_LATE_340934_208491007_Exercise_3-1.py")
    assert late == ("smithbob", "340934", 208491007, True, "Exercise_3-1.py")
    underscored = parse_canvas_name("o_brienpat_77_88_my_exercise4.ipynb")
    assert underscored == ("o_brienpat", "77", 88, False, "my_exercise4.ipynb")


def test_parse_canvas_name_anonymous_and_not_canvas():
    assert parse_canvas_name("anon_Xy12z_55_exercise1.py") == ("", "anon_Xy12z", 55, False, "exercise1.py")
    assert parse_canvas_name("LATE_anon_Xy12z_56_exercise1.py") == ("", "anon_Xy12z", 56, True, "exercise1.py")
    assert parse_canvas_name("exercise3.py") is None
    assert parse_canvas_name("smith_bob_exercise3.py") is None


def test_folders_per_student_nested_one_level(tmp_path):
    root = tmp_path / "subs"
    put(root, "s1234567/exercise3.py")
    put(root, "s1234567/exercise4.ipynb", "{}")
    put(root, "jdoe/homework/Exercise_3.py")
    put(root, "deep/a/b/exercise3.py")  # two levels down: not looked at
    found = discover(root, tmp_path / "scratch")
    assert found.layout == "folders"
    assert [(s.student, s.exercise, s.label) for s in found.submissions] == [
        ("jdoe", "exercise3", "jdoe/homework/Exercise_3.py"),
        ("s1234567", "exercise3", "s1234567/exercise3.py"),
        ("s1234567", "exercise4", "s1234567/exercise4.ipynb")]
    assert [(p.student, p.reason) for p in found.problems] == [("deep", "no submission file (.py or .ipynb) found")]


def test_folder_keeps_the_newest_of_two_files_of_one_exercise(tmp_path):
    root = tmp_path / "subs"
    put(root, "ann/exercise3.py", mtime=1_000_000)
    put(root, "ann/exercise3.ipynb", "{}", mtime=2_000_000)
    put(root, "bob/exercise3-1.py", mtime=1_000_000)  # the re-upload suffix outranks the clock
    put(root, "bob/exercise3.py", mtime=2_000_000)
    found = discover(root, tmp_path / "scratch")
    assert [s.label for s in found.submissions] == ["ann/exercise3.ipynb", "bob/exercise3-1.py"]
    assert sorted(s.label for s in found.superseded) == ["ann/exercise3.py", "bob/exercise3.py"]


def test_canvas_download_uses_user_id_and_newest_upload(tmp_path):
    root = tmp_path / "subs"
    put(root, "smithbob_340934_208490284_exercise3.py")
    put(root, "smithbob_LATE_340934_208491007_exercise3-1.py")
    put(root, "wellslane_334244_394803489_exercise3.ipynb", "{}")
    found = discover(root, tmp_path / "scratch")
    assert found.layout == "canvas"
    assert [(s.student, s.name, s.exercise, s.late) for s in found.submissions] == [
        ("334244", "wellslane", "exercise3", False), ("340934", "smithbob", "exercise3", True)]
    assert [s.label for s in found.superseded] == ["smithbob_340934_208490284_exercise3.py"]


def test_every_unusable_file_gets_a_problem_row(tmp_path):
    root = tmp_path / "subs"
    put(root, "bob/foo.py")
    put(root, "bob/exercise97.py")
    put(root, "bob/exercise2.pdf")
    put(root, "bob/notes.txt")
    put(root, "ann/exercise3.py")
    put(root, "ann/exercise3.pdf")  # next to the .py: just an extra file
    put(root, "exercise1.py")  # loose and not Canvas-named: whose is it?
    found = discover(root, tmp_path / "scratch")
    reasons = {p.label: p.reason for p in found.problems}
    assert reasons["bob/foo.py"].startswith("foo.py matches no exercise")
    assert reasons["bob/exercise97.py"].startswith("exercise97.py: there is no exercise97")
    assert reasons["bob/exercise2.pdf"] == "exercise2.pdf is not a .py file or a .ipynb notebook"
    assert reasons["exercise1.py"] == "not in a student folder and not named like a Canvas download"
    assert [p.exercise for p in found.problems if p.label == "bob/exercise2.pdf"] == ["exercise2"]
    assert set(reasons) == {"bob/foo.py", "bob/exercise97.py", "bob/exercise2.pdf", "exercise1.py"}
    assert any(i.startswith("bob/notes.txt") for i in found.ignored)
    assert any(i.startswith("ann/exercise3.pdf") for i in found.ignored)


def test_junk_and_hidden_entries_are_skipped(tmp_path):
    root = tmp_path / "subs"
    put(root, "__MACOSX/ann/._exercise3.py")
    put(root, ".git/exercise3.py")
    put(root, "ann/.ipynb_checkpoints/exercise3-checkpoint.ipynb", "{}")
    put(root, "ann/__pycache__/exercise3.py")
    put(root, "ann/exercise3.py")
    found = discover(root, tmp_path / "scratch")
    assert [s.label for s in found.submissions] == ["ann/exercise3.py"]
    assert found.problems == () and found.superseded == ()


def test_zip_of_student_folders_with_a_wrapper_folder(tmp_path):
    archive = tmp_path / "subs.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("class/ann/exercise3.py", "a = 1\n")
        bundle.writestr("class/bob/Exercise_4.py", "b = 2\n")
    with open_submissions(archive) as found:
        assert [(s.student, s.exercise, s.label) for s in found.submissions] == [
            ("ann", "exercise3", "subs.zip:class/ann/exercise3.py"),
            ("bob", "exercise4", "subs.zip:class/bob/Exercise_4.py")]
        paths = [s.path for s in found.submissions]
        assert paths[0].read_text() == "a = 1\n"
    assert not any(p.exists() for p in paths)  # the temporary folder is gone


def test_zip_uploaded_by_a_canvas_student_is_opened(tmp_path):
    root = tmp_path / "subs"
    root.mkdir()
    with zipfile.ZipFile(root / "smithbob_340934_208490284_answers.zip", "w") as bundle:
        bundle.writestr("answers/exercise3.py", "c = 3\n")
        bundle.writestr("answers/readme.md", "hi")
    with open_submissions(root) as found:
        (sub,) = found.submissions
        assert (sub.student, sub.exercise) == ("340934", "exercise3")
        assert sub.label == "smithbob_340934_208490284_answers.zip:answers/exercise3.py"
        assert sub.path.read_text() == "c = 3\n"


def test_open_submissions_refuses_missing_and_non_zip_paths(tmp_path):
    with pytest.raises(LayoutError, match="submissions not found"):
        with open_submissions(tmp_path / "missing"):
            pass
    (tmp_path / "list.txt").write_text("x")
    with pytest.raises(LayoutError, match="neither a folder nor a .zip"):
        with open_submissions(tmp_path / "list.txt"):
            pass
    (tmp_path / "broken.zip").write_bytes(b"PK not really")
    with pytest.raises(LayoutError, match="not a readable zip"):
        with open_submissions(tmp_path / "broken.zip"):
            pass


def test_renamed_notebook_is_known_by_its_release_metadata(tmp_path):
    root = tmp_path / "subs"
    put(root, "ann/my_work.ipynb", '{"cells": [], "metadata": {"cnnkit": {"exercise": "exercise2"}}}')
    put(root, "ann/other.ipynb", '{"cells": [], "metadata": {}}')
    found = discover(root, tmp_path / "scratch")
    assert [(s.exercise, s.label) for s in found.submissions] == [("exercise2", "ann/my_work.ipynb")]
    assert [p.label for p in found.problems] == ["ann/other.ipynb"]


# ---- untrusted input files (issue #9) --------------------------------------------------------------------------

def test_canvas_candidates_anchor_on_a_word_name_and_see_every_split():
    from grader.course.layouts import canvas_candidates
    from grader.course.canvas import ambiguity

    assert canvas_candidates("smithbob_LATE_340934_208491007_exercise3.py") == [
        ("smithbob", "340934", 208491007, True, "exercise3.py")]  # LATE in the name or not: one reading
    assert canvas_candidates("smith bob_1_2_exercise3.py") == []  # Canvas names hold word characters only
    attack = canvas_candidates("mallory_222_999999999_111_5555_exercise3.py")
    assert [r.user_id for r in attack] == ["222", "999999999", "111"]
    assert ambiguity(attack).startswith("ambiguous Canvas file name: it reads as user 222 (mallory), file "
                                        "111_5555_exercise3.py; or user 999999999")
    honest = canvas_candidates("smithbob_340934_208490284_exercise_3_1_final.py")
    assert [r.user_id for r in honest] == ["340934", "3"] and ambiguity(honest)  # flagged, never guessed
    same = canvas_candidates("bob_7_8_9_7_exercise3.py")  # every reading is user 7 ... or 9
    assert ambiguity(same) and ambiguity(canvas_candidates("bob_7_1_exercise3.py")) == ""


def test_ambiguous_canvas_name_is_filed_under_nobody(tmp_path):
    root = tmp_path / "subs"
    put(root, "victimvic_222_900001_exercise3.py")
    put(root, "mallory_222_999999999_111_5555_exercise3.py")
    found = discover(root, tmp_path / "scratch")
    assert [(s.student, s.label) for s in found.submissions] == [("222", "victimvic_222_900001_exercise3.py")]
    (problem,) = found.problems
    assert (problem.student, problem.exercise, problem.status) == ("", "exercise3", "ambiguous")
    assert found.superseded == () and found.layout == "canvas"


def test_links_in_folders_are_refused_not_followed(tmp_path):
    secret = put(tmp_path / "private", "solution.py", "print('answer')\n")
    root = tmp_path / "subs"
    put(root, "ann/exercise3.py")
    (root / "bob").mkdir()
    (root / "bob" / "exercise3.py").symlink_to(secret)
    (root / "cy").mkdir()
    (root / "cy" / "work").symlink_to(secret.parent, target_is_directory=True)
    (root / "dee").symlink_to(secret.parent, target_is_directory=True)
    (root / "smithbob_340934_208490284_exercise4.py").symlink_to(secret)
    found = discover(root, tmp_path / "scratch")
    assert [s.student for s in found.submissions] == ["ann"]
    reasons = {(p.student, p.label): p.reason for p in found.problems}
    assert reasons == {
        ("340934", "smithbob_340934_208490284_exercise4.py"):
            f"smithbob_340934_208490284_exercise4.py is a symbolic link (to {secret}); the grader does not "
            f"follow links",
        ("bob", "bob/exercise3.py"): f"exercise3.py is a symbolic link (to {secret}); the grader does not follow links",
        ("cy", "cy/work"): f"work is a symbolic link (to {secret.parent}); the grader does not follow links",
        ("dee", "dee"): f"dee is a symbolic link (to {secret.parent}); the grader does not follow links"}


def test_nesting_depth_counts_from_submissions(tmp_path):
    from grader.course.archive import ArchiveLimits

    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as bundle:
        bundle.writestr("exercise3.py", "x = 1\n")
    root = tmp_path / "subs"
    root.mkdir()
    (root / "ann").mkdir()
    with zipfile.ZipFile(root / "ann" / "outer.zip", "w") as bundle:
        bundle.write(inner, "inner.zip")
    with open_submissions(root, limits=ArchiveLimits(depth=2)) as found:
        assert [s.label for s in found.submissions] == ["ann/outer.zip:inner.zip:exercise3.py"]
    with open_submissions(root, limits=ArchiveLimits(depth=1)) as found:
        assert found.submissions == ()
        assert [(p.label, p.reason) for p in found.problems] == [
            ("ann/outer.zip:inner.zip", "a zip inside 1 other zips: zips nested more than 1 deep are not opened; "
                                        "not graded")]


def test_any_failure_reading_one_student_is_that_students_row(tmp_path, monkeypatch):
    import grader.course.discovery

    root = tmp_path / "subs"
    put(root, "ann/exercise3.py")
    put(root, "bob/exercise3.py")
    real = grader.course.discovery.walk

    def walk(folder, depth):
        if folder.name == "bob":
            raise RecursionError("maximum recursion depth exceeded")
        return real(folder, depth)

    monkeypatch.setattr(grader.course.discovery, "walk", walk)
    found = discover(root, tmp_path / "scratch")
    assert [s.student for s in found.submissions] == ["ann"]
    assert [(p.student, p.reason) for p in found.problems] == [
        ("bob", "could not read bob/: RecursionError: maximum recursion depth exceeded; not graded")]


def test_deep_notebook_json_is_a_row_not_a_crash(tmp_path):
    root = tmp_path / "subs"
    put(root, "ann/notes.ipynb", "[" * 50_000 + "]" * 50_000)
    put(root, "ann/exercise2.ipynb", '{"cells": [], "metadata": {"a": ' + "[" * 50_000 + "]" * 50_000 + "}}")
    found = discover(root, tmp_path / "scratch")
    assert found.submissions == ()
    assert {(p.exercise, p.reason) for p in found.problems} == {
        ("", "notes.ipynb: its JSON nests too deeply to be read (RecursionError); not graded"),
        ("exercise2", "exercise2.ipynb: its JSON nests too deeply to be read (RecursionError); not graded")}


def test_names_leave_discovery_on_one_plain_line(tmp_path):
    root = tmp_path / "subs"
    put(root, "an\x1b[31mn/exercise3\u202e.py")
    put(root, "an\x1b[31mn/x\ny.py")
    with zipfile.ZipFile(root / "an\x1b[31mn" / "a.zip", "w") as bundle:
        bundle.writestr("bell\x07.txt", "")
    found = discover(root, tmp_path / "scratch")
    (sub,) = found.submissions
    assert (sub.student, sub.label) == ("an\\x1b[31mn", "an\\x1b[31mn/exercise3\\u202e.py")
    assert sub.path.name == "exercise3\u202e.py"  # the file itself is still found
    assert [p.label for p in found.problems] == ["an\\x1b[31mn/a.zip", "an\\x1b[31mn/x\\x0ay.py"]
    assert any("bell\\x07.txt" in i for i in found.ignored)


# ---- Moodle "Download all submissions" (issue #11) -------------------------------------------------------------

def test_moodle_folders_and_files_are_filed_under_the_participant_id(tmp_path):
    root = tmp_path / "subs"
    put(root, "Ann Able_1234567_assignsubmission_file_/exercise3.py")
    put(root, "Ann Able_1234567_assignsubmission_file_/notes.txt")
    put(root, "Ann Able_1234567_assignsubmission_onlinetext_/onlinetext.html")
    put(root, "Bo Bee_1234568_assignsubmission_file_Exercise_4.ipynb", "{}")
    put(root, "Cy Sea_1234569_assignsubmission_file_/readme.md")  # a file folder without code: a row
    found = discover(root, tmp_path / "scratch")
    assert found.layout == "moodle"
    assert [(s.student, s.name, s.exercise, s.label) for s in found.submissions] == [
        ("1234567", "Ann Able", "exercise3", "Ann Able_1234567_assignsubmission_file_/exercise3.py"),
        ("1234568", "Bo Bee", "exercise4", "Bo Bee_1234568_assignsubmission_file_Exercise_4.ipynb")]
    assert [(p.student, p.name, p.reason) for p in found.problems] == [
        ("1234569", "Cy Sea", "no submission file (.py or .ipynb) found")]


def test_a_canvas_name_cannot_pass_for_a_moodle_one(tmp_path):
    root = tmp_path / "subs"
    put(root, "mallory_222_999_x_1234567_assignsubmission_file_exercise3.py")
    put(root, "jdoe/exercise3.py")
    found = discover(root, tmp_path / "scratch")
    assert [s.student for s in found.submissions] == ["222", "jdoe"] and found.layout == "folders+canvas"
