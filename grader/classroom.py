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

import click

EXERCISES = ("exercise1", "exercise2", "exercise3", "exercise4")
STATUSES = ("pass", "fail", "error")
LOAD_FAILED = "the submission could not be loaded: "  # how the sandbox words a load failure (grader/sandbox.py)


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


@click.command("classroom-report")
@click.argument("exercise", type=click.Choice(EXERCISES))
@click.option("--submission", type=click.Path(path_type=Path),
              help="Grade this .py or .ipynb file instead of exercises/<exercise>.py.")
@click.option("--seed", type=int, help="Seed of the random inputs.")
@click.option("--timeout", type=float, help="Seconds each call of the submission may take [default: 5].")
@click.option("--memory", help="Memory the submission may use, e.g. 512M [default: 1G].")
@click.option("--github-output", type=click.Path(path_type=Path, dir_okay=False),
              help='Append result=<base64 report> to this file: the step\'s output ("$GITHUB_OUTPUT").')
@click.option("--json", "as_json", is_flag=True, help="Print the report (JSON) instead of the checks' table.")
def classroom_command(exercise, submission, seed, timeout, memory, github_output, as_json):
    """Grade EXERCISE (public checks) and report it to GitHub Classroom.

    The report is the JSON that GitHub Classroom's autograding reporter reads from a
    step output: a test per check with its own points. The exit status is 0 whenever a
    report was made, even for a submission that could not be graded (its status is
    "error"), so that the reporter step runs.

    \b
    Examples:
      grade classroom-report exercise3 --github-output "$GITHUB_OUTPUT"
      grade classroom-report exercise3 --json
    """
    from grader.cli import _boot_workers, _project_file, _root_or_none, limits_from

    _boot_workers()
    from grader.grading import grade_file, max_score, new_seed
    from grader.report import result_table
    from grader.results import failed_result
    from grader.sandbox import SandboxUnavailable

    limits, seed = limits_from(timeout, memory), new_seed() if seed is None else seed
    path = submission if submission is not None else _project_file(_root_or_none(submission), exercise)
    try:
        result = grade_file(exercise, path, seed=seed, limits=limits)
    except SandboxUnavailable as exc:  # still a report, so that the reporter says why
        result = failed_result(exercise, f"cannot start a sandboxed worker: {exc}", seed=seed, submission=str(path),
                               max_score=max_score(exercise, include_hidden=False))
    report = classroom_report(result, command=f"grade {exercise}")
    click.echo(json.dumps(report, indent=2) if as_json else result_table(result, verbose=True))
    if github_output is not None:
        try:
            append_output(github_output, report)
        except OSError as exc:
            raise click.ClickException(f"cannot write the step output to {github_output}: "
                                       f"{exc.strerror or exc}") from exc
