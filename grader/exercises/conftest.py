"""Lets pytest run the checks directly, e.g. for an instructor debugging a check:

    GRADE_SUBMISSION=solutions/exercise3.py GRADE_SEED=7 pytest grader/exercises/exercise3/checks.py

Without GRADE_SUBMISSION the instructor's solution of the same exercise is graded.
"""

import os
from pathlib import Path

import pytest

from grader.grading.checking import check_rng
from grader.sandbox.runner import Sandbox


@pytest.fixture
def submission(request):
    exercise = Path(request.node.fspath).parent.name  # grader/exercises/exercise3/checks.py -> exercise3
    default = Path(__file__).resolve().parents[2] / "solutions" / f"{exercise}.py"
    path = Path(os.environ.get("GRADE_SUBMISSION", default))
    with Sandbox(path.read_text(encoding="utf-8"), str(path)) as sandbox:
        yield sandbox


@pytest.fixture
def rng(request):
    return check_rng(int(os.environ.get("GRADE_SEED", "0")), request.function.__check__.name)
