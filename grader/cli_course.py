"""The instructor's commands `grade batch` and `grade export`: a thin Click layer over grader.batch/export."""

from __future__ import annotations

import sys
from pathlib import Path

import click


BATCH_HELP = """Grade a whole class with the public and hidden checks.

SUBMISSIONS is a folder or a .zip in one of these layouts:

\b
One folder per student (the folder name is the student's id):
  submissions/s1234567/exercise3.py
  submissions/s1234567/exercise4.ipynb
  submissions/jdoe/homework/Exercise_3.py
Canvas "Download Submissions" (the student is the Canvas user id,
340934 below; a -1, -2 re-upload suffix: the newest file is graded):
  submissions/smithbob_340934_208490284_exercise3.py
  submissions/smithbob_LATE_340934_208491007_exercise3-1.py
A .zip of either, e.g. the submissions.zip Canvas gives you.

\b
Writes into --out: results/<student>/<exercise>.json, gradebook.csv,
gradebook.json, summary.txt and summary.html. Each result is saved as soon
as it is known: after Ctrl-C (or a crash), the same command grades only
what is missing. Broken submissions get a 0 row with the reason.

\b
Resuming keeps a result only if it was made under the same --timeout and
--memory and the same grader version; the others are graded again, and
one line says how many and why. A check whose worker was killed from
outside (SIGKILL, the OOM killer) or hit a grader or sandbox error is
retried once. --regrade-errors regrades every row that errored.

\b
Examples:
  grade batch submissions.zip --out graded
  grade batch submissions/ --out graded --workers 4 --seed 2024
  grade batch submissions.zip --out graded --timeout 10 --regrade-errors
  grade export graded --format canvas
"""


@click.command("batch", help=BATCH_HELP)
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="Folder for results, gradebook and summary; rerun with the same --out to resume.")
@click.option("--workers", type=click.IntRange(min=1), help="Grading processes [default: the number of cores].")
@click.option("--seed", type=int, help="Seed of the random inputs for the whole batch (fixed at the first run).")
@click.option("--timeout", type=float, help="Seconds each call of a submission may take [default: 5].")
@click.option("--memory", help="Memory a submission may use, e.g. 512M or 2G [default: 1G].")
@click.option("--regrade-errors", is_flag=True,
              help="Grade again every earlier result that errored: could not be graded, or a check crashed, "
                   "timed out, ran out of memory or found no sandbox (whatever limits it was made under).")
@click.option("--quiet", "-q", is_flag=True, help="No progress and no summary on the terminal.")
def batch_command(submissions, out, workers, seed, timeout, memory, regrade_errors, quiet):
    """Grade a whole class (the help is BATCH_HELP)."""
    from grader.batch import BatchError, BatchInterrupted, run_batch
    from grader.cli import limits_from

    limits = limits_from(timeout, memory)
    progress = None if quiet else _Progress()
    try:
        report = run_batch(submissions, out, workers=workers, seed=seed, limits=limits, progress=progress,
                           regrade_errors=regrade_errors, notice=lambda line: click.echo(line, err=True))
    except BatchError as exc:
        raise click.ClickException(str(exc)) from None
    except BatchInterrupted as stop:
        _say_interrupted(stop, progress, submissions, out)
    finally:
        if progress:
            progress.close()
    if not quiet:
        click.echo(report.summary)
    click.echo(f"\n{report.total} submissions ({report.graded} graded now, {report.reused} kept from an earlier "
               f"run), seed {report.seed}, layout: {report.layout}.\nGradebook: {report.out / 'gradebook.csv'}, "
               f"summary: {report.out / 'summary.html'}", err=quiet)


def _say_interrupted(stop, progress, submissions, out):
    """Ctrl-C: how much is saved and how to go on; exit status 130 like any interrupted command."""
    if progress:
        progress.close()
    click.echo(f"\nInterrupted: {stop.done} of {stop.total} submissions graded this run; their results are "
               f"saved in {stop.out}/results.\nRun the same command again to grade the rest:\n"
               f"  grade batch {submissions} --out {out}", err=True)
    sys.exit(130)


class _Progress:
    """A progress bar on a terminal; a line every 10% otherwise (logs, CI)."""

    def __init__(self):
        self.bar = None
        self.step = 1
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        if done == 0:
            click.echo(f"Grading {total} submissions" if total else "Nothing to grade: every result is up to date",
                       err=True)
            self.step = max(1, total // 10)
            if self.tty and total:
                self.bar = click.progressbar(length=total, file=sys.stderr, show_pos=True,
                                             item_show_func=lambda item: item)
                self.bar.__enter__()
        elif self.bar is not None:
            self.bar.update(1, label)
        elif done % self.step == 0 or done == total:
            click.echo(f"  graded {done}/{total}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _column_mapping(values) -> dict[str, str]:
    mapping = {}
    for value in values:
        exercise, sep, name = value.partition("=")
        if not sep or not exercise.strip() or not name.strip():
            raise click.BadParameter(f"{value!r}: expected EXERCISE=NAME, e.g. exercise3=\"Exercise 3 (12345)\"",
                                     param_hint="--column")
        mapping[exercise.strip()] = name.strip()
    return mapping


@click.command("export")
@click.argument("batch_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--format", "fmt", required=True, type=click.Choice(["canvas", "moodle", "csv", "gradescope"]),
              help="Which LMS or platform the file is for.")
@click.option("--output", type=click.Path(path_type=Path),
              help="File (folder for gradescope) to write [default: DIR/exports/...].")
@click.option("--roster", type=click.Path(path_type=Path),
              help="A gradebook export of your LMS: gives the identity columns, Canvas assignment columns "
                   "and points possible.")
@click.option("--id-column", help="Where the student id goes: canvas: ID, SIS User ID or SIS Login ID; "
                                  "moodle: ID number, Email address or Username [default: guessed].")
@click.option("--column", "columns", multiple=True, metavar="EXERCISE=NAME",
              help="Name of an exercise's column, e.g. exercise3=\"Exercise 3 (12345)\" (repeatable).")
@click.option("--out-of", type=float, help="Scale every exercise to this many points (e.g. 100).")
def export_command(batch_dir, fmt, output, roster, id_column, columns, out_of):
    """Write a batch's scores as a file your LMS or platform imports.

    \b
    Formats:
      canvas      gradebook CSV for Canvas (Grades > Import): Student, ID,
                  SIS User ID, SIS Login ID, Section, one column per exercise
      moodle      CSV for Moodle (Grades > Import > CSV): an identity column,
                  a grade and a "Feedback: ..." column per exercise
      csv         one row per student: a column per exercise, total, max_total
      gradescope  <output>/<student>/<exercise>/results.json

    \b
    Examples:
      grade export graded --format canvas --roster canvas_gradebook.csv
      grade export graded --format canvas --column exercise3="Exercise 3 (12345)"
      grade export graded --format moodle --id-column "Email address"
      grade export graded --format csv --output grades.csv
      grade export graded --format gradescope
    """
    from grader.export import ExportError, export_batch

    try:
        report = export_batch(batch_dir, fmt, output=output, roster=roster, id_column=id_column,
                              columns=_column_mapping(columns), out_of=out_of)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Wrote {report.path} ({report.students} students).")
