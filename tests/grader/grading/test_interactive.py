"""grader.check in a notebook: what the kernel defines is graded, in the sandbox, as `grade` grades a file."""

import shutil
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

import grader
from grader.grading import interactive
from grader.grading.grade import grade_file
from grader.grading.view import CheckResult

ROOT = Path(__file__).resolve().parents[3]
SOLUTION = (ROOT / "solutions" / "exercise3.py").read_text(encoding="utf-8")
WRONG_ROT = ("def full_convolve(delta, kernel):  # not rotated: a correlation\n"
             "    kh, kw = kernel.shape\n"
             "    padded = np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))\n"
             "    return correlate(padded[None, None], kernel[None, None])[0, 0]\n")


def kernel(monkeypatch, *cells):
    """A fake IPython kernel that ran `cells` (In[1:]), the last one being the cell calling grader.check."""
    shell = SimpleNamespace(user_ns={"In": ["", *cells, "grader.check('exercise3')"]})
    monkeypatch.setattr(interactive, "_shell", lambda: shell)


def test_only_definitions_travel_numbered_as_the_kernel_ran_them():
    source, cells = interactive.kernel_source([
        "import numpy as np\nK = 3\nprint('hello')\n",
        "params = train(x)  # work: left out\n",
        "@staticmethod\ndef f(a):\n    return a * K\nf(2)\n",
        "def broken(:\n",
        "grader.check('exercise3')",
    ])
    assert cells == ((1, 1), (6, 3))
    assert source == "# --- cell [1] ---\nimport numpy as np\n\nK = 3\n\n# --- cell [3] ---\n@staticmethod\n" \
                     "def f(a):\n    return a * K\n\n"


def test_the_kernel_s_code_gets_the_score_grade_gives_the_same_code(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    kernel(monkeypatch, SOLUTION, WRONG_ROT, "x = rot180(1)\n")
    wrong = grader.check("exercise3", seed=4)
    assert 0 < wrong.score < wrong.max_score  # the later, wrong rot180 is what the kernel holds
    (tmp_path / "mine.py").write_text(SOLUTION + "\n" + WRONG_ROT)
    same = grade_file("exercise3", tmp_path / "mine.py", seed=4)
    assert [(t["name"], t["score"]) for t in wrong.result["tests"]] == [(t["name"], t["score"]) for t in same["tests"]]

    kernel(monkeypatch, WRONG_ROT, SOLUTION)  # redefined right in a later cell
    right = grader.check("exercise3", seed=4)
    assert right.score == right.max_score == 21


def test_a_saved_notebook_that_differs_from_the_kernel_gets_a_note(monkeypatch, tmp_path):
    project = tmp_path / "course"
    shutil.copytree(ROOT / "exercises", project / "exercises")
    (project / "exercises" / "exercise3.py").unlink()
    stub = (ROOT / "exercises" / "exercise3.py").read_text(encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(stub)])
    (project / "exercises" / "exercise3.ipynb").write_text(nbformat.writes(nb))
    monkeypatch.chdir(project / "exercises")
    kernel(monkeypatch, SOLUTION)
    result = grader.check("exercise3", seed=2)
    assert result.score == 21
    assert "the saved exercise3.ipynb defines conv_backward_input, full_convolve, rot180 differently from this " \
           "kernel" in result.result["output"]
    assert (project / ".grade" / "results" / "exercise3.json").is_file()  # `grade list` sees it


def test_the_html_shows_the_table_the_mistake_and_a_picture(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    kernel(monkeypatch, SOLUTION, WRONG_ROT + "print('<script>alert(1)</script>')\n")
    result = grader.check("exercise3", seed=1)
    page = result._repr_html_()
    assert "<table>" in page and "full_convolve: square residual, 2x2 kernel" in page
    assert "Looks like: the kernel was not rotated by 180°" in page
    drawn = [t["name"] for t in result.result["tests"] if "picture" in t]
    assert len(drawn) >= 2 and all(name.startswith("full_convolve") for name in drawn)
    assert page.count("<svg") == len(drawn) and "<script>" not in page
    assert str(result).startswith("exercise3: <this notebook's kernel>") and str(result).endswith("Score: 17 / 21")
    assert isinstance(result, CheckResult) and repr(result) == "<CheckResult exercise3: Score: 17 / 21>"


def test_an_unknown_exercise_and_no_project_are_clear_errors(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(interactive, "_shell", lambda: None)
    with pytest.raises(ValueError, match="unknown exercise 'exercise99'; known: exercise1"):
        grader.check("exercise99")
    with pytest.raises(interactive.GradeError, match="no exercises/ folder here or above, and not in a notebook"):
        grader.check("exercise3")
