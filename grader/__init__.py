"""The grader: the `grade` command, the checks, the sandboxed runner.

In a notebook: `import grader; grader.check("exercise3")` grades the exercise as this kernel defines it.
"""

__version__ = "0.1.0"


def check(exercise: str, *, seed: int | None = None, lang: str | None = None):
    """Grade `exercise` on its public checks where you work: in a notebook, the functions this kernel defines
    (sent to the sandbox, as `grade` sends a file); elsewhere, the project's file of the exercise. Returns a
    CheckResult: a table with the named mistakes and pictures in a notebook, the text table of `grade` in print.
    lang: "zh" for Chinese feedback, "en" for English (default: GRADE_LANG, else the locale, else English).

    >>> import grader
    >>> grader.check("exercise3")          # doctest: +SKIP
    >>> grader.check("exercise3", lang="zh")  # doctest: +SKIP
    """
    from grader.grading.interactive import check as grade_here  # the grader loads only when it is used

    return grade_here(exercise, seed=seed, lang=lang)
