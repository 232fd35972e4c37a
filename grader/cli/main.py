"""The `grade` command: a thin Click layer over the grader library. Its commands live beside this file: student.py
(grade exerciseN, all, list, doctor), course.py (batch, merge, export), release.py (release, autograder, stubs),
classroom.py (classroom-report)."""

from __future__ import annotations

import click

from grader import __version__
from grader.grading.lang import N_
from grader.cli.classroom import classroom_command
from grader.cli.common import LocalGroup, lang_option
from grader.cli.course import batch_command, export_command, merge_command
from grader.cli.release import autograder_command, release_command, stubs_command
from grader.cli.student import EXERCISE_COMMANDS, doctor_command, grade_all, list_exercises


HELP = N_("Grade CNN backpropagation exercises, and run a course with them.\n\n\b\nExamples:\n"
          "  grade list                     exercises, points and your last scores\n"
          "  grade exercise3                grade exercises/exercise3.py (or .ipynb) of this project\n"
          "  grade exercise3 --submission my_answer.py --seed 7\n"
          "  grade all --json")


@click.group(cls=LocalGroup, help=HELP)
@click.version_option(__version__, prog_name="grade", help=N_("Show the version and exit."))
@lang_option
def main():
    """Grade CNN backpropagation exercises, and run a course with them (the help is HELP)."""
    from grader.sandbox.forkserver import make_non_dumpable  # standard library only

    make_non_dumpable()  # every grader process: batch parents too, whose memory holds results and paths


for _command in (*EXERCISE_COMMANDS, grade_all, list_exercises, doctor_command, batch_command, merge_command,
                 export_command, release_command, autograder_command, stubs_command, classroom_command):
    main.add_command(_command)
