"""The Gradescope export of a batch: ``<output>/<student id>/<exercise>/results.json`` with the documented
Gradescope fields only; our own fields (student, seed, sha256 ...) are under ``extra_data``. See grader/course/export.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.course.neutral import one_line
from grader.grading.results import write_json_atomic

GRADESCOPE_TEST_KEYS = ("score", "max_score", "status", "name", "output", "visibility")


def gradescope_result(row: dict, result: dict | None) -> dict:
    """A results.json with Gradescope's documented fields; ours go under extra_data."""
    result = result or {}
    extra = {"student_id": row["student_id"], "student_name": one_line(row.get("name", "")),
             "exercise": row["exercise"], "max_score": float(row["max_score"]), "late": bool(row.get("late")),
             "file": one_line(row["file"])}
    for key in ("seed", "submission_sha256", "file_sha256", "grader_version"):
        if key in result:
            extra[key] = result[key]
    output = result.get("output", "") if row["status"] == "graded" else f"Not graded: {one_line(row['reason'])}"
    tests = [{k: t[k] for k in GRADESCOPE_TEST_KEYS if k in t} for t in result.get("tests", [])]
    return {"score": float(row["score"]), "execution_time": float(result.get("execution_time", 0.0)),
            "output": output, "visibility": "visible", "stdout_visibility": "hidden", "extra_data": extra,
            "tests": tests}


def write_gradescope(students: dict[str, dict], results: dict, target: Path, warnings: list[str]) -> int:
    """results.json per student and exercise under `target` (stale ones of an earlier export removed); returns
    the number of students written. A student id that is not a plain folder name is left out, with a warning."""
    written = set()
    for sid, info in sorted(students.items()):
        if sid in ("", ".", "..") or "/" in sid or one_line(sid) != sid:
            warnings.append(f"the student id {one_line(sid)} cannot be a folder name; left out")
            continue
        for ex, row in sorted(info["rows"].items()):
            path = target / sid / ex / "results.json"
            write_json_atomic(gradescope_result(row, results.get((sid, ex))), path)
            written.add(path)
    for stale in sorted(target.glob("*/*/results.json")):  # from an earlier export of another batch
        if stale not in written:
            stale.unlink()
            if not any(stale.parent.iterdir()):
                shutil.rmtree(stale.parent)
    return len({p.parent.parent for p in written})
