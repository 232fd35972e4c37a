"""The student release's data and notebook extras (exercise 5): the training digits ship byte for byte with the
module that reads them, the held-out digits and the instructor's witnesses never ship, the notebook gets its
extra cells (kept out of grading), and the release's pyproject installs the data and matplotlib's extra.
"""

import hashlib
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.grading.checking import run_checks
from grader.grading.notebook import notebook_code
from grader.release.build import build_files, instructor_only, make_release
from grader.release.notebook import extra_cells
from grader.release.text import pyproject

ROOT = Path(__file__).resolve().parents[3]
TRAIN = "reference/data/digits_train.npz"
HELDOUT = "grader/exercises/exercise5/heldout.npz"


@pytest.fixture(scope="module")
def files():
    return build_files(ROOT)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return make_release(tmp_path_factory.mktemp("course") / "release", project=ROOT).out


def test_the_training_digits_ship_as_bytes_with_their_reader_and_origin(files, release):
    assert files[TRAIN] == (ROOT / TRAIN).read_bytes()
    assert (release / TRAIN).read_bytes() == (ROOT / TRAIN).read_bytes()  # written as bytes, not text
    assert "reference/digits.py" in files and "reference/data/DIGITS.md" in files
    with np.load(release / TRAIN) as data:
        assert data["images"].shape == (4000, 28, 28)


def test_the_heldout_digits_never_ship(files, release):
    heldout = (ROOT / HELDOUT).read_bytes()
    assert HELDOUT in instructor_only() and (ROOT / HELDOUT).is_file()
    assert not any(path.endswith("heldout.npz") for path in files)
    digest = hashlib.sha256(heldout).digest()
    shipped = [p for p in release.rglob("*") if p.is_file()]
    assert not any(hashlib.sha256(p.read_bytes()).digest() == digest for p in shipped)
    assert "heldout" not in (release / "grader/exercises/exercise5/checks.py").read_text()


def test_the_instructors_witnesses_and_answers_never_ship(files):
    assert {"grader/exercises/exercise5/mistakes.py", "reference/train.py"} <= instructor_only()
    assert not set(files) & instructor_only()
    assert not any("def sgd_step(" in text or "def lenet_backward(" in text for path, text in files.items()
                   if isinstance(text, str) and not path.startswith("exercises/"))


def test_a_release_with_an_instructor_only_file_is_refused(monkeypatch):
    import grader.release.build as build

    real = build.reference_files
    monkeypatch.setattr(build, "reference_files", lambda project, grader: {
        **real(project, grader), HELDOUT: b"digits"})
    with pytest.raises(build.ReleaseError, match="heldout.npz: instructor only"):
        build.build_files(ROOT)


def test_the_notebook_gets_its_extra_cells_before_the_checks(files):
    nb = nbformat.reads(files["exercises/exercise5.ipynb"], as_version=4)
    roles = [c.metadata["cnnkit"]["role"] for c in nb.cells]
    extra = [c for c in nb.cells if c.metadata["cnnkit"]["role"] == "extra"]
    assert len(extra) == 2 and roles.index("extra") > max(i for i, r in enumerate(roles) if r == "answer")
    assert roles[-1] == "check" and all(c.metadata["editable"] for c in extra)
    assert all(c.source.startswith('if __name__ == "__main__":') for c in extra)
    assert any("matplotlib" in c.source for c in extra) and any("Watch it learn" in c.source for c in nb.cells)
    for exercise in ("exercise3", "exercise4"):  # no notebook_cells.py: no extra cells
        other = nbformat.reads(files[f"exercises/{exercise}.ipynb"], as_version=4)
        assert all(c.metadata["cnnkit"]["role"] != "extra" for c in other.cells)


def test_the_extra_cells_do_not_run_when_the_notebook_is_graded(files):
    """The stub notebook scores 0 with "not implemented yet" and no cell raises (no training, no imports)."""
    code = notebook_code(files["exercises/exercise5.ipynb"], "exercise5.ipynb")
    run = run_checks("exercise5", code.source, "exercise5.ipynb", seed=0, include_hidden=False, cells=code.cells)
    assert sum(o.points for o in run.outcomes) == 0 and run.notes == ()
    assert all("not implemented yet" in o.message for o in run.outcomes)


def test_extra_cells_read_the_percent_format():
    cells = extra_cells('"""not a cell"""\n# %% [markdown]\n# ## Title\n#\n# text\n\n# %%\nx = 1\n', "exercise9")
    assert [(c.cell_type, c.source) for c in cells] == [("markdown", "## Title\n\ntext\n"), ("code", "x = 1")]


def test_the_release_pyproject_installs_the_data_and_matplotlib_for_notebooks():
    text = pyproject("1.0")
    assert 'reference = ["data/*.npz", "data/*.md"]' in text
    assert 'notebook = ["jupyterlab>=4", "matplotlib' in text
