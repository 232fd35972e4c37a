"""The students' commands: `grade exerciseN` (one per exercise of the registry), `grade all`, `grade list` and
`grade doctor`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader import registry
from grader.cli.common import (FailUnder, LocalCommand, boot_workers, exit_for, lang_option, limits_from,
                               project_file, root_or_none)
from grader.grading.lang import N_, _

EXERCISES = registry.names()


def _grade_options(func):
    options = [
        click.option("--submission", type=click.Path(path_type=Path),
                     help=N_("Grade this .py or .ipynb file instead of exercises/<exercise>.py.")),
        click.option("--seed", type=int, help=N_("Seed of the random inputs; reuse a result's seed to reproduce it.")),
        click.option("--json", "as_json", is_flag=True, help=N_("Print the result object (JSON) instead of a table.")),
        click.option("--verbose", "-v", is_flag=True, help=N_("Show the full feedback of every check.")),
        click.option("--hidden", is_flag=True, help=N_("Also run the hidden checks (instructors).")),
        click.option("--fail-under", type=FailUnder(),
                     help=N_("Exit with status 2 when the total score is below this many points, or this percentage "
                             "of the maximum score: 40 or 80% (CI).")),
        click.option("--timeout", type=float, help=N_("Seconds each call of the submission may take [default: 5].")),
        click.option("--memory", help=N_("Memory the submission may use, e.g. 512M or 2G [default: 1G].")),
        click.option("--results", type=click.Path(path_type=Path),
                     help=N_("Folder for result files [default: .grade/results in the project].")),
        lang_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def grade_exercises(exercises, *, submission, seed, as_json, verbose, hidden, fail_under, timeout, memory, results):
    """Grade each exercise, print and write its result.

    Exit 1 when a submission could not be graded or a result could not be saved; 2 under --fail-under.
    """
    boot_workers()
    from grader.grading.grade import grade_file, new_seed
    from grader.grading.project import RESULTS_DIR, result_path
    from grader.grading.report import result_table
    from grader.grading.results import ResultsError, write_json_atomic
    from grader.sandbox.runner import SandboxUnavailable

    limits = limits_from(timeout, memory)
    root = None if submission is not None and results is not None else root_or_none(submission)
    results_dir = results or (root or Path.cwd()) / RESULTS_DIR
    seed = new_seed() if seed is None else seed
    printed, failed, total, top = [], False, 0.0, 0.0
    for exercise in exercises:
        path = submission if submission is not None else project_file(root, exercise)
        try:
            result = grade_file(exercise, path, seed=seed, limits=limits, include_hidden=hidden)
        except SandboxUnavailable as exc:
            raise click.ClickException(_("cannot start a sandboxed worker: {error}").format(error=exc)) from exc
        try:
            write_json_atomic(result, result_path(results_dir, exercise))
        except ResultsError as exc:
            click.echo(_("error: the result was not saved: {error}").format(error=exc), err=True)
            failed = True  # the grade is shown, but a caller relying on the file must know it is not there
        failed = failed or "error" in result
        total, top = total + result["score"], top + result["max_score"]
        printed.append(result if as_json else result_table(result, verbose=verbose))
    if as_json:
        click.echo(json.dumps(printed[0] if len(printed) == 1 else printed, indent=2))
    else:
        click.echo("\n\n".join(printed))
        if len(exercises) > 1:
            click.echo("\n" + _("Total: {total:g} / {top:g}").format(total=total, top=top))
    exit_for(failed, fail_under, total, top)


def _exercise_command(exercise: str):
    number = exercise.removeprefix("exercise")

    @_grade_options
    def command(**options):
        grade_exercises([exercise], **options)

    template = N_("Grade exercise {number} and show what is wrong.\n\nGrades exercises/{exercise}.py (or .ipynb) "
                  "of the project you are in.\n\n\b\nExamples:\n  grade {exercise}\n  grade {exercise} "
                  "--submission answer.py --seed 42 -v")
    made = click.command(exercise, cls=LocalCommand, help=template.format(number=number, exercise=exercise))(command)
    made.help_msgid, made.help_args = template, {"number": number, "exercise": exercise}
    return made


EXERCISE_COMMANDS = [_exercise_command(exercise) for exercise in EXERCISES]


@click.command("all", cls=LocalCommand, help=N_(
    "Grade every exercise and show the total.\n\n\b\nExamples:\n"
    "  grade all --fail-under 40      exit 2 unless the total is 40 points or more\n"
    "  grade all --fail-under 80%     exit 2 unless it is 80% of the sum of maximum scores"))
@_grade_options
def grade_all(**options):
    """Grade every exercise and show the total."""
    if options["submission"] is not None:
        raise click.UsageError(_("--submission grades one file; use it with a single exercise (grade exercise3)"))
    grade_exercises(EXERCISES, **options)


@click.command("list", cls=LocalCommand, help=N_(
    "List the exercises, their points, the file that would be graded, and your last score.\n\n"
    "A last score of another file, or of an older version of this one, says whose it is:\n"
    "\"21/21 (solutions/exercise3.py)\", \"0/21 (older version)\".\n\n\b\nExample:\n  grade list"))
@lang_option
def list_exercises():
    """List the exercises, their points, the file that would be graded, and your last score."""
    from grader.grading.checking import collect
    from grader.grading.project import find_root
    from grader.grading.wording import fit

    root = find_root()
    rows = [tuple(_(word) for word in (N_("exercise"), N_("public"), N_("hidden"), N_("last score"),
                                       N_("submission")))]
    for exercise in EXERCISES:
        checks = collect(exercise)
        public = sum(c.info.points for c in checks if c.info.visibility == "visible")
        hidden = sum(c.info.points for c in checks if c.info.visibility == "hidden")
        last, path = ("-", "-") if root is None else _listed(root, exercise)
        rows.append((exercise, f"{public:g}", f"{hidden:g}", last, path))
    width = max(12, *(len(row[3]) for row in rows))
    for exercise, public, hidden, last, path in rows:
        click.echo(f"{fit(exercise, 10)} {fit(public, 6, right=True)} {fit(hidden, 6, right=True)}  "
                   f"{fit(last, width)} {path}")


def _listed(root: Path, exercise: str) -> tuple[str, str]:
    """(last score, file that would be graded) of one exercise, for `grade list`."""
    from grader.grading.project import RESULTS_DIR, default_submission, result_path
    from grader.grading.results import ResultsError, read_json

    path = default_submission(root, exercise).path
    try:
        previous = read_json(result_path(root / RESULTS_DIR, exercise))
    except ResultsError:
        previous = None
    last = last_score(root, path, previous) if isinstance(previous, dict) else "-"
    shown = str(path.relative_to(root)) + ("" if path.exists() else _(" (missing)"))
    return last, shown


def last_score(root: Path, path: Path, previous: dict) -> str:
    """A saved result's score, "21/21", when it is the grade of `path` as it is now; else with whose it is:
    "21/21 (solutions/exercise3.py)", or "21/21 (older version)" when `path` has changed since."""
    from grader.grading.results import sha256_text
    from grader.grading.submission import SubmissionFileError, read_source

    score = f"{previous['score']:g}/{previous['max_score']:g}"
    given = str(previous.get("submission") or "")
    same = bool(given) and any(p.resolve() == path.resolve() for p in (Path(given), root / given))
    if "error" in previous:  # an ungraded file: its result holds no hash of its code, so the path decides
        return score if same else f"{score} ({_shown_in(root, given)})"
    try:
        current = sha256_text(read_source(path).source)
    except SubmissionFileError:
        current = None  # missing or unreadable now
    if current == previous.get("submission_sha256"):
        return score
    return _("{score} (older version)").format(score=score) if same else f"{score} ({_shown_in(root, given)})"


def _shown_in(root: Path, given: str) -> str:
    """A result's submission path, relative to the project when it is inside it."""
    path = Path(given)
    if not given:
        return _("another file")
    return str(path.relative_to(root)) if path.is_absolute() and path.is_relative_to(root) else given


@click.command("doctor")
def doctor_command():
    """Say which protections the sandbox gives a submission on this machine: processes, network, signals,
    reads, writes, temporary space, uids. Each is measured by a probe submission that tries to break it.

    Exit status 0 when every protection holds, 1 when one is missing (grading still works then).
    """
    boot_workers()
    from grader.sandbox.doctor import run_doctor

    text, holds = run_doctor()
    click.echo(text)
    sys.exit(0 if holds else 1)


