"""Reading submissions: clear errors for anything that cannot be graded, nothing executed."""

import json

import nbformat
import pytest

from grader.grading.notebook import NotebookError, notebook_code
from grader.grading.submission import MAX_BYTES, SubmissionFileError, check_exercise, defined_functions, read_source


def test_reads_python_source(tmp_path):
    path = tmp_path / "exercise3.py"
    path.write_text("def rot180(k):\n    return k[..., ::-1, ::-1]\n")
    loaded = read_source(path)
    assert loaded.source.startswith("def rot180") and loaded.notes == () and loaded.declared is None


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe not utf8", "not UTF-8"),
    (b"\x00\x01binary", "binary file"),
])
def test_unreadable_bytes(tmp_path, content, message):
    path = tmp_path / "exercise3.py"
    path.write_bytes(content)
    with pytest.raises(SubmissionFileError, match=message):
        read_source(path)


def test_missing_folder_wrong_suffix_and_too_big(tmp_path):
    with pytest.raises(SubmissionFileError, match="not found"):
        read_source(tmp_path / "nope.py")
    with pytest.raises(SubmissionFileError, match="not a file"):
        read_source(tmp_path)
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(SubmissionFileError, match="expected a .py file"):
        read_source(tmp_path / "a.txt")
    big = tmp_path / "big.py"
    big.write_bytes(b"#" * (MAX_BYTES + 1))
    with pytest.raises(SubmissionFileError, match="at most 2 MiB"):
        read_source(big)


def test_other_exercise_detected_by_functions_and_metadata():
    check_exercise("def rot180(k):\n    pass\n", "exercise3", "a.py")  # its own function: fine
    check_exercise("def (:\n", "exercise3", "a.py")  # syntax errors are left to the checks
    with pytest.raises(SubmissionFileError, match="looks like exercise4"):
        check_exercise("def conv_backward_bias(d):\n    pass\n", "exercise3", "a.py")
    with pytest.raises(SubmissionFileError, match="notebook of exercise2"):
        check_exercise("", "exercise3", "a.ipynb", declared="exercise2")
    assert defined_functions("x = 1\ndef f():\n    def g(): pass\n") == {"f"}


def make_notebook(*cells, exercise="exercise3"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Exercise 3")]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["cnnkit"] = {"exercise": exercise}
    return nbformat.writes(nb)


def test_notebook_code_in_order_with_magics_skipped():
    text = make_notebook("%matplotlib inline\nimport numpy as np", "!pip install x\ndef rot180(k):\n    return k",
                         "%%timeit\nrot180(1)")
    code = notebook_code(text, "exercise3.ipynb")
    compile(code.source, "nb", "exec")
    assert code.source.index("import numpy") < code.source.index("def rot180")
    assert "timeit" not in code.source.replace("# %%timeit", "")
    assert code.notes == ("skipped IPython lines (they run only in Jupyter): cell 2 '%matplotlib inline', "
                          "cell 3 '!pip install x', cell 4 '%%timeit' (a cell magic: the whole cell)",)
    assert code.cells == ((1, 2), (5, 3), (10, 4))  # (line of each code cell's header, its number among all cells)
    assert [code.source.splitlines()[line - 1] for line, _ in code.cells] == [
        "# --- cell 2 ---", "# --- cell 3 ---", "# --- cell 4 ---"]
    assert code.exercise == "exercise3"


@pytest.mark.parametrize("text, message", [
    ("{not json", "not JSON"),
    (json.dumps({"cells": "nope", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}), "not a valid notebook"),
    (json.dumps([1, 2]), "no cells"),
])
def test_bad_notebooks(text, message):
    with pytest.raises(NotebookError, match=message):
        notebook_code(text, "x.ipynb")


def test_notebook_without_code_cells():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("only words")]
    with pytest.raises(NotebookError, match="no code cells"):
        notebook_code(nbformat.writes(nb), "x.ipynb")


def test_truncated_notebook_file(tmp_path):
    path = tmp_path / "exercise3.ipynb"
    path.write_text(make_notebook("def rot180(k):\n    return k")[:-40])
    with pytest.raises(SubmissionFileError, match="not a valid notebook"):
        read_source(path)
