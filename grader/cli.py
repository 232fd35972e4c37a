"""The `grade` command: a thin Click layer over the grader library."""

import click

from grader import __version__


@click.group()
@click.version_option(__version__, prog_name="grade")
def main():
    """Grade CNN backpropagation exercises.

    \b
    Example:
      grade exercise3          grade exercises/exercise3.py of this project
    """
