"""Which file `grade exerciseN` grades in a project: the file the student changed, never a stub a Jupyter
autosave made newer; the release's manifest records the graded code of every stub it ships."""

import json
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from grader.grading.project import MANIFEST, STUB_HASHES, default_submission, graded_code, released_stubs, stub_hash
from grader.release.build import make_release
from grader.grading.submission import read_source
from grader import registry

EXERCISES = registry.names()

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return make_release(tmp_path_factory.mktemp("course") / "release", project=ROOT).out


@pytest.fixture
def student(release, tmp_path):
    """A student's copy of the release: its exercises/ and manifest."""
    shutil.copytree(release / "exercises", tmp_path / "exercises")
    shutil.copy(release / MANIFEST, tmp_path / MANIFEST)
    return tmp_path


def age(path: Path, seconds: float) -> None:
    """Set the file's mtime `seconds` ago (negative: in the future)."""
    when = time.time() - seconds
    os.utime(path, (when, when))


def autosave(path: Path) -> None:
    """What Jupyter does to a notebook nobody edited: outputs, execution counts, metadata, its own JSON layout."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["language_info"] = {"name": "python", "version": "3.12.1"}
    for count, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        cell.execution_count = count
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
    path.write_text(json.dumps(nb, indent=2, sort_keys=True), encoding="utf-8")
    age(path, -5)


def answer_notebook(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("cnnkit", {}).get("role") == "answer")
    cell.source = cell.source.replace("raise NotImplementedError", "return None  # my answer; was: raise")
    nbformat.write(nb, path)


def test_the_release_manifest_records_the_graded_code_of_every_exercise_file(release):
    hashes = json.loads((release / MANIFEST).read_text())[STUB_HASHES]
    assert set(hashes) == {f"exercises/{ex}{ext}" for ex in EXERCISES for ext in (".py", ".ipynb")}
    for relpath, recorded in hashes.items():
        assert recorded == stub_hash(read_source(release / relpath).source), relpath
    assert released_stubs(release) == hashes


def test_graded_code_of_a_notebook_text_is_what_grading_reads(release):
    path = release / "exercises" / "exercise3.ipynb"
    assert graded_code(path.read_text(encoding="utf-8"), ".ipynb") == read_source(path).source
    assert graded_code("x = 1\n", ".py") == "x = 1\n"


def test_an_autosaved_stub_notebook_does_not_take_over_from_the_edited_py(student):
    py, nb = student / "exercises" / "exercise3.py", student / "exercises" / "exercise3.ipynb"
    shutil.copy(ROOT / "solutions" / "exercise3.py", py)
    age(py, 3600)
    autosave(nb)
    assert nb.stat().st_mtime > py.stat().st_mtime
    assert default_submission(student, "exercise3") == (py, None)


def test_an_edited_notebook_is_graded_though_the_untouched_py_is_newer(student):
    py, nb = student / "exercises" / "exercise2.py", student / "exercises" / "exercise2.ipynb"
    answer_notebook(nb)
    age(nb, 3600)
    py.touch()
    assert default_submission(student, "exercise2") == (nb, None)


def test_both_untouched_grades_the_py_however_new_the_notebook(student):
    autosave(student / "exercises" / "exercise4.ipynb")
    assert default_submission(student, "exercise4") == (student / "exercises" / "exercise4.py", None)


def test_both_edited_grades_the_newer_and_says_how_to_choose(student, monkeypatch):
    monkeypatch.chdir(student)
    py, nb = student / "exercises" / "exercise3.py", student / "exercises" / "exercise3.ipynb"
    py.write_text(py.read_text() + "\n# started here\n")
    answer_notebook(nb)
    age(py, 60)
    choice = default_submission(student, "exercise3")
    assert choice.path == nb and len(choice.note.splitlines()) == 1
    assert "exercises/exercise3.py and exercises/exercise3.ipynb both" in choice.note
    assert "grading exercises/exercise3.ipynb" in choice.note
    assert "--submission exercises/exercise3.py" in choice.note
    age(nb, 3600)
    assert default_submission(student, "exercise3").path == py


def test_without_a_manifest_the_newer_file_is_graded_with_a_note(student, monkeypatch):
    monkeypatch.chdir(student)
    (student / MANIFEST).unlink()
    nb = student / "exercises" / "exercise1.ipynb"
    autosave(nb)
    choice = default_submission(student, "exercise1")
    assert choice.path == nb and "both exist" in choice.note and "--submission exercises/exercise1.py" in choice.note


def test_a_single_file_is_graded_without_a_note_or_reading_it(student, monkeypatch):
    def unread(path):
        raise AssertionError(f"read {path}: one file needs no comparison")

    monkeypatch.setattr("grader.grading.submission.read_source", unread)
    py, nb = student / "exercises" / "exercise3.py", student / "exercises" / "exercise3.ipynb"
    nb.write_text("not a notebook at all")
    py.unlink()
    assert default_submission(student, "exercise3") == (nb, None)
    nb.unlink()
    assert default_submission(student, "exercise3") == (py, None)  # missing: grading says so


def test_windows_line_ends_keep_a_stub_a_stub(student):
    py, nb = student / "exercises" / "exercise4.py", student / "exercises" / "exercise4.ipynb"
    py.write_bytes(py.read_bytes().replace(b"\n", b"\r\n"))
    age(py, -5)
    answer_notebook(nb)
    assert default_submission(student, "exercise4") == (nb, None)
