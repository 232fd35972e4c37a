"""`grade classroom-report`: GitHub Classroom's report of one exercise (grader/course/classroom.py makes it)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grader import registry
from grader.cli.common import boot_workers, limits_from, project_file, root_or_none
from grader.course.classroom import append_output, classroom_report


@click.command("classroom-report")
@click.argument("exercise", type=click.Choice(registry.names()))
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
    boot_workers()
    from grader.grading.grade import grade_file, max_score, new_seed
    from grader.grading.report import result_table
    from grader.grading.results import failed_result
    from grader.sandbox.runner import SandboxUnavailable

    limits, seed = limits_from(timeout, memory), new_seed() if seed is None else seed
    path = submission if submission is not None else project_file(root_or_none(submission), exercise)
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
