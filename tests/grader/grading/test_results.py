"""Writing results atomically: a failed write leaves the previous result intact."""

import errno
import json
import os

import pytest

from grader.grading.checking import Outcome
from grader.grading.results import ResultsError, make_result, read_json, sha256_text, write_json_atomic


def outcomes():
    return [Outcome("f: easy", 2.0, 2.0, "passed", "", "visible"),
            Outcome("f: hard", 0.0, 3.0, "failed", "f: wrong values", "hidden")]


def test_make_result_has_gradescope_fields_and_ours():
    result = make_result("exercise3", outcomes(), seed=9, source="x = 1\n", submission="a.py", seconds=0.1234)
    assert (result["score"], result["max_score"], result["execution_time"]) == (2.0, 5.0, 0.123)
    assert result["tests"][1] == {"name": "f: hard", "score": 0.0, "max_score": 3.0, "status": "failed",
                                  "output": "f: wrong values", "visibility": "hidden"}
    assert result["submission_sha256"] == sha256_text("x = 1\n") and result["seed"] == 9


def test_write_is_atomic_and_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "r" / "exercise3.json"
    write_json_atomic({"score": 1}, path)
    assert read_json(path) == {"score": 1}

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(ResultsError, match="No space left"):
        write_json_atomic({"score": 2}, path)
    assert json.loads(path.read_text()) == {"score": 1}
    assert [p.name for p in path.parent.iterdir()] == ["exercise3.json"]  # no temp file left behind


def test_unwritable_folder_is_a_results_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ResultsError, match="cannot write results"):
        write_json_atomic({}, blocker / "exercise1.json")


def test_read_json_missing_and_corrupt(tmp_path):
    assert read_json(tmp_path / "none.json") is None
    (tmp_path / "bad.json").write_text("{half")
    with pytest.raises(ResultsError, match="bad.json"):
        read_json(tmp_path / "bad.json")
