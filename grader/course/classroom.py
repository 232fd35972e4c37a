"""GitHub Classroom: `grade classroom-report EXERCISE`, the result in the format of GitHub Classroom's autograding
reporter (classroom-resources/autograding-grading-reporter).

Each grading step of the workflow (`grade release OUT --classroom` writes it) sets a step output `result`: the
base64 of a JSON object `{"version": 1, "status": "pass" | "fail" | "error", "max_score": points, "tests": [...]}`
whose tests are `{"name", "status", "score", "message", "test_code", "filename", "line_no"}`. The reporter reads
it from the environment variable `<STEP ID>_RESULTS`, prints each test, and sends GitHub Classroom the sum of the
tests' `score` out of the sum of the `max_score`s: so each check keeps its own points here (not an equal split).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

STATUSES = ("pass", "fail", "error")
LOAD_FAILED = "the submission could not be loaded: "  # how the sandbox words a load failure (grader/sandbox/runner.py)


def _status(test: dict) -> str:
    if test["status"] == "passed":
        return "pass"
    return "error" if test.get("output", "").startswith(LOAD_FAILED) else "fail"


def classroom_report(result: dict, *, command: str = "") -> dict:
    """The reporter's object for one result of `grade`: a test per check with its points; a submission that could
    not be graded (or loaded) is status "error"."""
    exercise, filename = result.get("exercise", ""), str(result.get("submission", ""))
    if "error" in result:
        tests = [{"name": f"{exercise}: submission", "status": "error", "score": 0,
                  "message": result["error"], "test_code": command, "filename": filename, "line_no": 0}]
    else:
        tests = [{"name": f"{exercise}: {t['name']}", "status": _status(t), "score": t["score"],
                  "message": t["output"] or f"{t['score']:g} / {t['max_score']:g} points", "test_code": command,
                  "filename": filename, "line_no": 0} for t in result["tests"]]
    statuses = {t["status"] for t in tests}
    status = "error" if "error" in statuses else "fail" if "fail" in statuses else "pass"
    return {"version": 1, "status": status, "max_score": result["max_score"], "tests": tests}


def encode(report: dict) -> str:
    """The step output's value: base64 of the compact JSON (one line, as $GITHUB_OUTPUT needs)."""
    return base64.b64encode(json.dumps(report, separators=(",", ":")).encode("utf-8")).decode("ascii")


def append_output(path: Path, report: dict, name: str = "result") -> None:
    """Append `name=<base64>` to the step's output file ($GITHUB_OUTPUT)."""
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(f"{name}={encode(report)}\n")
