"""The texts of a student release: its pyproject.toml, README.md and .gitignore (pure functions of their facts)."""

from __future__ import annotations

PROJECT_NAME = "cnn-backprop-course"


def pyproject(version: str) -> str:
    """A pyproject that installs the `grade` command with the public checks (numpy, click, nbformat only)."""
    return f'''[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "{PROJECT_NAME}"
version = "{version}"
description = "CNN backpropagation by hand, in NumPy: exercises, notebooks and `grade`, which checks your answers."
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["numpy>=1.24", "click>=8.1", "nbformat>=5.7"]

[project.optional-dependencies]
notebook = ["jupyterlab>=4", "matplotlib>=3.5"]  # the notebooks' plots (exercise 5's learning curve)

[project.scripts]
grade = "grader.cli.main:main"

[tool.setuptools.packages.find]
include = ["reference*", "grader*"]

[tool.setuptools.package-data]
grader = ["exercises/*/*.json", "exercises/*/*.mo", "locale/*/LC_MESSAGES/*.mo"]  # cases, translations
reference = ["data/*.npz", "data/*.md"]  # the training digits of exercise 5 and their origin
'''


def gitignore() -> str:
    return "__pycache__/\n*.egg-info/\n.venv/\n.grade/\n.ipynb_checkpoints/\n"

README = r"""# CNN backpropagation, by hand

You will write the backward pass of a convolutional network yourself, in NumPy: the sizes and parameter counts
of LeNet-5, the residual through pooling layers and activations, the residual of the layer before a convolution
(full convolution with the rotated kernel), and the gradients of the kernels. `grade` checks each answer on
fresh random inputs and tells you *what* is wrong ("the kernel was not rotated by 180°"), not only that
something is.

| exercise | what you write | public points |
|---|---|---|
{rows}

## Set up (once)

With Python 3.10 or newer, in this folder:

    python3 -m venv .venv
    .venv/bin/pip install -e .            # add ".[notebook]" for JupyterLab and matplotlib
    source .venv/bin/activate             # Windows: .venv\Scripts\activate

## Work

Each exercise comes twice; use the one you like:

- `exercises/exercise3.py`: a Python file. Replace each `raise NotImplementedError(...)` by your code. The
  module's docstring teaches the piece and ends with worked examples: `python -m doctest exercises/exercise3.py`
  runs them.
- `exercises/exercise3.ipynb`: the same as a notebook (`jupyter lab exercises/exercise3.ipynb`). Your answers
  go in the cells tagged `student`; the other code cells are given.

`reference/` holds the layers' forward passes (`conv2d_forward`, `max_pool_forward`, ...),
`reference/numgrad.py` a numerical gradient (check your backward pass against it on small inputs) and
`reference/digits.py` 4,000 handwritten digits to train on (`load_digits()`; their origin and licence:
`reference/data/DIGITS.md`). Your instructor keeps other digits to measure how well your network learned.

## Grade

    grade exercise3                       # the one you changed: exercises/exercise3.py or .ipynb
    grade exercise3 -v                    # every check's full feedback
    grade exercise3 --submission my.ipynb # another file
    grade all                             # every exercise, and the total
    grade list                            # points and your last scores

A check runs your code in a separate, limited process: an infinite loop or a crash costs that check only.
These are the public checks. Your instructor grades with more checks (other shapes, strides and paddings,
hidden here) on new random inputs, so a solution that is right in general passes them and one tuned to the
public cases does not. Results are kept in `.grade/results/`.

## Hand in

Hand in `exercises/exerciseN.py` or `exercises/exerciseN.ipynb` as your instructor asks. A notebook is graded
as the code of its cells in order; lines starting with `%` or `!` are skipped.
"""


def course_readme(titles: dict[str, str], points: dict[str, float]) -> str:
    """The students' README: set up, work in .py files or notebooks, grade, hand in."""
    rows = "\n".join(f"| `{ex}` | {titles[ex]} | {points[ex]:g} |" for ex in titles)
    return README.replace("{rows}", rows)


WORKFLOW_PATH = ".github/workflows/classroom.yml"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


def classroom_workflow(exercises, python: str = "3.12") -> str:
    """GitHub Classroom's autograding workflow: on every push, install the release and grade each exercise with
    its public checks (`grade classroom-report`, a step per exercise whose output `result` holds the report),
    then the reporter sends the points to GitHub Classroom."""
    steps = "".join(f"""      - name: {exercise}
        id: {exercise}
        run: grade classroom-report {exercise} --github-output "$GITHUB_OUTPUT"
""" for exercise in exercises)
    env = "".join(f'          {exercise.upper()}_RESULTS: "${{{{ steps.{exercise}.outputs.result }}}}"\n'
                  for exercise in exercises)
    return f"""# GitHub Classroom autograding: the public checks on every push (made by grade release --classroom).
name: Autograding Tests
"on":
  - push
  - repository_dispatch
  - workflow_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "{python}"
      - name: Install the course and its grader
        run: python -m pip install -e .
{steps}      - name: Autograding Reporter
        uses: {REPORTER}
        env:
{env}        with:
          runners: {",".join(exercises)}
"""


CLASSROOM_README = """
## GitHub Classroom

Every push runs the public checks (`.github/workflows/classroom.yml`) and reports your points to GitHub
Classroom: open the Actions tab and the run's "Autograding Reporter" step to see each check. `grade
classroom-report exercise3 --json` shows the same report here.
"""
