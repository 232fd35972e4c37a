"""The instructor's commands `grade release`, `grade autograder` and `grade stubs`: a thin Click layer over grader.release.build and
grader.release.autograder (imported only when a command runs, so `grade` starts as fast as before)."""

from __future__ import annotations

from pathlib import Path

import click

VISIBILITIES = ("hidden", "after_due_date", "after_published")
INSTRUCTOR_ONLY = ("`grade {}` is an instructor's command: run it in the course's source tree (this copy of the "
                   "grader is a student release, which does not contain it)")


@click.command("release")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUT when it exists and is not empty.")
@click.option("--project", type=click.Path(path_type=Path, file_okay=False),
              help="The course's source tree (with solutions/) [default: found from here].")
@click.option("--classroom", is_flag=True,
              help="Add .github/workflows/classroom.yml: GitHub Classroom runs the public checks on every push and "
                   "gets each check's points.")
def release_command(out, force, project, classroom):
    """Build the student release in OUT: no answers in it.

    \b
    OUT gets:
      exercises/exerciseN.py      stubs made from solutions/ (answers cut out)
      exercises/exerciseN.ipynb   the same as Jupyter notebooks: teaching text,
                                  a cell per function (answer cells tagged
                                  "student"), a cell that runs the checks
      grader/, reference/         `grade` with the PUBLIC checks only, and the
                                  layers' forward passes (no backward pass)
      pyproject.toml, README.md   students run: pip install -e . ; grade exercise3
      .github/workflows/          with --classroom: GitHub Classroom autograding

    \b
    Before writing, the release is searched for every answer of solutions/
    and every reference backward pass: it is not written if one is found.

    \b
    Examples:
      grade release ../course-2025
      grade release build/release --force
      grade release ../template-repo --classroom
    """
    try:
        from grader.release.build import ReleaseError, make_release
    except ModuleNotFoundError:
        raise click.ClickException(INSTRUCTOR_ONLY.format("release")) from None
    if project is not None and not project.is_dir():
        raise click.BadParameter(f"{project} is not a folder", param_hint="--project")
    try:
        release = make_release(out, project=project, force=force, classroom=classroom)
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from None
    points = ", ".join(f"{ex} {p:g}" for ex, p in release.public_points.items())
    click.echo(f"Wrote the student release to {release.out} ({len(release.files)} files).\n"
               f"Public points: {points}.\nStudents: cd {release.out}; pip install -e .; grade exercise1")
    if classroom:
        click.echo("GitHub Classroom: push it as the assignment's template repository; every push of a student "
                   "runs .github/workflows/classroom.yml.")


@click.command("autograder")
@click.argument("out", metavar="OUT.zip", type=click.Path(path_type=Path))
@click.option("--exercise", "exercises", multiple=True,
              type=click.Choice(["exercise1", "exercise2", "exercise3", "exercise4"]),
              help="An exercise this assignment grades (repeatable) [default: all four].")
@click.option("--hidden-visibility", type=click.Choice(VISIBILITIES), default="after_published", show_default=True,
              help="When students see the hidden checks' results on Gradescope.")
@click.option("--timeout", type=float,
              help="Seconds each call of a submission may take [default: 10, for Gradescope's half CPU].")
@click.option("--memory", help="Memory a submission may use, e.g. 512M or 2G [default: 384M, for Gradescope's "
                               "768 MB container].")
@click.option("--platform", type=click.Choice(["gradescope", "prairielearn"]), default="gradescope",
              show_default=True, help="Gradescope's zip, or a folder for a PrairieLearn course's serverFilesCourse/.")
@click.option("--force", is_flag=True, help="Replace OUT.zip when it exists.")
@click.option("--project", type=click.Path(path_type=Path, file_okay=False),
              help="The course's source tree [default: found from here].")
def autograder_command(out, exercises, hidden_visibility, timeout, memory, platform, force, project):
    """Build a Gradescope autograder bundle (a zip to upload), or PrairieLearn's.

    \b
    The zip holds setup.sh (installs the grader WITH the hidden checks and
    numpy, click, nbformat, pytest), run_autograder (grades every exercise
    found in /autograder/submission, .py or .ipynb, and writes
    /autograder/results/results.json with each check's visibility) and the
    grader as a wheel. Public checks are "visible"; hidden ones follow
    --hidden-visibility. Its README says the base image and the limits.

    \b
    With --platform prairielearn, the zip holds cnn_grader/ for the course's
    serverFilesCourse/: run.sh grades /grade/student and writes PrairieLearn's
    /grade/results/results.json; its README gives the question's info.json.

    \b
    Examples:
      grade autograder autograder.zip
      grade autograder ex3.zip --exercise exercise3 --hidden-visibility hidden
      grade autograder pl.zip --platform prairielearn
    """
    try:
        from grader.release.autograder import AutograderError, make_bundle
    except ModuleNotFoundError:
        raise click.ClickException(INSTRUCTOR_ONLY.format("autograder")) from None
    from grader.cli.common import parse_size

    if project is not None and not project.is_dir():
        raise click.BadParameter(f"{project} is not a folder", param_hint="--project")
    if timeout is not None and timeout <= 0:
        raise click.BadParameter("must be a positive number of seconds", param_hint="--timeout")
    size = None if memory is None else parse_size(memory)
    try:
        bundle = make_bundle(out, project=project, force=force, exercises=exercises or None, timeout=timeout,
                             memory=size, hidden_visibility=hidden_visibility, platform=platform)
    except AutograderError as exc:
        raise click.ClickException(str(exc)) from None
    if platform == "prairielearn":
        click.echo(f"Wrote {bundle.path}: grades {', '.join(bundle.exercises)} on PrairieLearn.\n"
                   f"Unzip it into the course's serverFilesCourse/; cnn_grader/README.md has the info.json.")
    else:
        click.echo(f"Wrote {bundle.path}: grades {', '.join(bundle.exercises)} on Gradescope.\n"
                   f"Upload it under Configure Autograder > Zip file upload (base image Ubuntu 22.04).")


@click.command("stubs")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when exercises/ is out of date.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path),
              help="The course project [default: the one you are in].")
def stubs_command(check, project):
    """Regenerate exercises/ from solutions/ (instructors).

    Every region between `# BEGIN SOLUTION` and `# END SOLUTION` becomes a stub that raises
    NotImplementedError; unclosed, nested or stray markers fail with the file and line.

    \b
    Examples:
      grade stubs
      grade stubs --check        # in CI: fail when someone forgot to regenerate
    """
    try:
        from grader.release.stubs import MarkerError, generate_exercises
    except ModuleNotFoundError:
        raise click.ClickException(INSTRUCTOR_ONLY.format("stubs")) from None
    from grader.grading.project import find_root

    root = project or find_root()
    if root is None or not (Path(root) / "solutions").is_dir():
        raise click.ClickException("no solutions/ folder here or above: run it in the instructor's project "
                                   "or pass --project")
    try:
        stale = generate_exercises(Path(root) / "solutions", Path(root) / "exercises", check=check)
    except (MarkerError, SyntaxError) as exc:
        raise click.ClickException(str(exc)) from exc
    for path in stale:
        click.echo(f"{'out of date' if check else 'wrote'}: {path}")
    if not stale:
        click.echo("exercises/ is up to date")
    if check and stale:
        raise SystemExit(1)
