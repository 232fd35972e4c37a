"""The grader: the `grade` command, the checks, the sandboxed runner."""

__version__ = "0.1.0"
