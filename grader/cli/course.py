"""The instructor's commands `grade batch`, `grade merge` and `grade export`: a thin Click layer over
grader.course.batch, grader.course.merge and grader.course.export."""

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
Missing work: a student (anyone with a file in SUBMISSIONS) gets a row
with status "missing" (0 points, "not handed in") for each exercise of
the batch they did not hand in: those anyone handed in, and --exercises.

\b
--out remembers the submissions it was made from. Late work (new students,
new or changed files) may be added; a SUBMISSIONS that lacks a student
the folder was graded for is refused: use another --out, or --replace to
delete the folder's results and grade SUBMISSIONS into it afresh.

\b
Large classes: --shard K/N grades part K of N (students by a stable hash
of their id) into its own --out; `grade merge` joins the N folders.

\b
Examples:
  grade batch submissions.zip --out graded
  grade batch submissions/ --out graded --workers 4 --seed 2024
  grade batch submissions.zip --out graded --timeout 10 --regrade-errors
  grade batch submissions.zip --out part1 --seed 7 --shard 1/3
  grade merge part1 part2 part3 --out graded
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
@click.option("--shard", metavar="K/N", callback=lambda ctx, param, value: _shard(value),
              help="Grade only part K of N of the students (1 <= K <= N, by a stable hash of the student id), "
                   "e.g. --shard $SLURM_ARRAY_TASK_ID/8; join the parts with `grade merge`.")
@click.option("--exercises", metavar="LIST", callback=lambda ctx, param, value: _exercise_list(value),
              help="Exercises every student should hand in, e.g. exercise3,exercise4: a \"missing\" row for "
                   "each one a student did not [default: those anyone handed in].")
@click.option("--replace", is_flag=True,
              help="Delete what earlier batches wrote into --out (results, gradebook, summary) and start afresh, "
                   "e.g. to grade other submissions into it.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success but warnings (errors always).")
def batch_command(submissions, out, workers, seed, timeout, memory, regrade_errors, shard, exercises, replace,
                  quiet):
    """Grade a whole class (the help is BATCH_HELP)."""
    from grader.course.batch import BatchError, BatchInterrupted, run_batch
    from grader.cli.common import limits_from

    limits = limits_from(timeout, memory)
    progress = None if quiet else _Progress()
    notice = _Notice(quiet)
    try:
        report = run_batch(submissions, out, workers=workers, seed=seed, limits=limits, progress=progress,
                           regrade_errors=regrade_errors, notice=notice, shard=shard, replace=replace,
                           exercises=exercises)
    except BatchError as exc:
        raise click.ClickException(str(exc)) from None
    except BatchInterrupted as stop:
        _say_interrupted(stop, progress, submissions, out, shard)
    finally:
        if progress:
            progress.close()
    if quiet:
        return
    click.echo(report.summary)
    part = f", shard {report.shard}" if report.shard else ""
    missing = f", {report.missing} not handed in" if report.missing else ""
    click.echo(f"\n{report.total} submissions ({report.graded} graded now, {report.reused} kept from an earlier "
               f"run){missing}, seed {report.seed}{part}, layout: {report.layout}.\nGradebook: "
               f"{report.out / 'gradebook.csv'}, summary: {report.out / 'summary.html'}", err=True)


class _Notice:
    """Lines run_batch tells: all of them on stderr; with -q only warnings (a weaker sandbox than asked for)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet

    def __call__(self, line: str) -> None:
        if not self.quiet or line.startswith("warning: "):
            click.echo(line, err=True)


def _shard(value):
    from grader.course.source import SourceError, parse_shard

    try:
        return parse_shard(value)
    except SourceError as exc:
        raise click.BadParameter(str(exc)) from None


def _exercise_list(value):
    from grader.course.layouts import EXERCISES

    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in EXERCISES]
    if unknown or not names:
        raise click.BadParameter(f"{value!r}: expected a comma-separated list of {', '.join(EXERCISES)}")
    return names


@click.command("merge")
@click.argument("shards", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="New folder for the merged results, gradebook and summary.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing unless something goes wrong.")
def merge_command(shards, out, quiet):
    """Join the folders of `grade batch --shard K/N` (all N of them) into one.

    \b
    The shards must come from one batch: the same SUBMISSIONS, seed,
    --exercises, --timeout and --memory, each part once. --out gets every
    result, one gradebook (the same as one run over the whole class),
    the summary, and is a batch folder like any other (export it, or
    resume it with `grade batch SUBMISSIONS --out MERGED`).

    \b
    Example (a Slurm array job, or a Kubernetes indexed Job, ran the parts):
      grade merge graded/part-1 graded/part-2 graded/part-3 --out graded/all
    """
    from grader.course.merge import MergeError, merge_batches

    try:
        report = merge_batches(list(shards), out)
    except MergeError as exc:
        raise click.ClickException(str(exc)) from None
    if not quiet:
        click.echo(report.summary)
        click.echo(f"\nMerged {report.shards} shards ({report.students} students), seed {report.seed}.\n"
                   f"Gradebook: {report.out / 'gradebook.csv'}, summary: {report.out / 'summary.html'}", err=True)


def _say_interrupted(stop, progress, submissions, out, shard=None):
    """Ctrl-C: how much is saved and how to go on; exit status 130 like any interrupted command."""
    if progress:
        progress.close()
    click.echo(f"\nInterrupted: {stop.done} of {stop.total} submissions graded this run; their results are "
               f"saved in {stop.out}/results.\nRun the same command again to grade the rest:\n"
               f"  grade batch {submissions} --out {out}" + (f" --shard {shard}" if shard else ""), err=True)
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
@click.option("--format", "fmt", required=True,
              type=click.Choice(["canvas", "moodle", "moodle-worksheet", "csv", "gradescope"]),
              help="Which LMS or platform the file is for.")
@click.option("--output", type=click.Path(path_type=Path),
              help="File (folder for gradescope) to write [default: DIR/exports/...]; with one file per "
                   "exercise, NAME-exercise3.csv ...")
@click.option("--roster", type=click.Path(path_type=Path),
              help="What your LMS exported: Canvas or Moodle gradebook export, or for moodle-worksheet the "
                   "assignment's grading worksheet. Only students it knows get a row; gives identity columns, "
                   "Canvas assignment columns and points (scores are rescaled to them, with a warning).")
@click.option("--id-column", help="Where the student id goes: canvas: ID, SIS User ID or SIS Login ID; "
                                  "moodle: ID number, Email address, Username or User ID [default: said, from "
                                  "what the ids are; a mix of kinds is refused].")
@click.option("--column", "columns", multiple=True, metavar="EXERCISE=NAME",
              help="Name of an exercise's column, e.g. exercise3=\"Exercise 3 (12345)\" (repeatable).")
@click.option("--out-of", type=float, help="Scale every exercise to this many points (e.g. 100).")
@click.option("--missing", type=click.Choice(["skip", "zero"]), default="skip", show_default=True,
              help="A student without a result for an exercise: skip leaves them out of that exercise's file "
                   "(the LMS keeps what it has), zero writes 0. Never a blank cell, which would clear a grade.")
def export_command(batch_dir, fmt, output, roster, id_column, columns, out_of, missing):
    """Write a batch's scores as a file your LMS or platform imports.

    \b
    Formats:
      canvas            gradebook CSV for Canvas (Grades > Import): Student, ID,
                        SIS User ID, SIS Login ID, Section, a column per exercise
      moodle            gradebook CSV for Moodle (Grades > Import > CSV): an
                        identity column, a grade and a "Feedback: ..." column
                        per exercise
      moodle-worksheet  the assignment's offline grading worksheet, one per
                        exercise: Identifier "Participant <id>" (the ids of
                        Moodle's "Download all submissions"), Grade, Feedback
                        comments
      csv               one row per student: a column per exercise, total
      gradescope        <output>/<student>/<exercise>/results.json

    \b
    No grade cell is ever blank (the LMS would clear that grade): when the
    exercises were handed in by different students, each gets its own file.

    \b
    Examples:
      grade export graded --format canvas --roster canvas_gradebook.csv
      grade export graded --format canvas --column exercise3="Exercise 3 (12345)"
      grade export graded --format moodle --id-column "Email address"
      grade export graded --format moodle-worksheet --roster worksheet.csv
      grade export graded --format csv --output grades.csv --missing zero
      grade export graded --format gradescope
    """
    from grader.course.export import ExportError, export_batch

    try:
        report = export_batch(batch_dir, fmt, output=output, roster=roster, id_column=id_column,
                              columns=_column_mapping(columns), out_of=out_of, missing=missing)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    for note in report.notes:
        click.echo(note, err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    files = report.paths or (report.path,)
    shown = str(files[0]) if len(files) == 1 else ", ".join(str(p) for p in files)
    click.echo(f"Wrote {shown} ({report.students} students).")
