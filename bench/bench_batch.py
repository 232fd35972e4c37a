"""Batch grading throughput: submission-exercises graded per second with 2 workers, on a mixed class of 200.

The class (50 students x 4 exercises, built in a temporary folder from solutions/ and exercises/): mostly correct
answers (some as notebooks), stubs, wrong answers (a solution whose functions return slightly off values),
syntax errors, a file that is not text, a submission that exits at import, and two that hang at import (each
costs one 5 s timeout: the default limits are used). Every run grades the whole class into a fresh --out folder
through the library (`run_batch`: discovery, workers, results, gradebook, summary), hidden checks included.

Prints the median of 3 runs and the ratio to nbgrader's autograde (about 0.8 submission-exercises per second on
this machine). Target (DESIGN.md): >= 20 per second with 2 workers. Never passes or fails on time.

    python bench/bench_batch.py [runs] [workers]
"""

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from grader.course.batch import run_batch

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ("exercise1", "exercise2", "exercise3", "exercise4")
NBGRADER_PER_SECOND = 0.8
STUDENTS = 50

WRONG = """

def _off_by_a_little(func):
    def wrapper(*args, **kwargs):
        value = func(*args, **kwargs)
        return value * 1.01 + 1 if not isinstance(value, (tuple, list, dict)) else value[::-1]
    return wrapper


for _name in [n for n, f in list(globals().items()) if callable(f) and not n.startswith("_")
              and getattr(f, "__module__", None) == __name__]:
    globals()[_name] = _off_by_a_little(globals()[_name])
"""


def kind_of(index: int, rng: random.Random) -> str:
    """The mix: 2 hangs, 1 exit, 1 binary, 8 syntax errors, then correct/notebook/stub/wrong at random."""
    special = {7: "hang", 120: "hang", 33: "exit", 64: "binary"}
    if index in special:
        return special[index]
    if index % 25 == 3:
        return "syntax"
    return rng.choices(["correct", "notebook", "stub", "wrong"], weights=[55, 10, 15, 20])[0]


def build_class(folder: Path, seed: int = 0) -> dict:
    rng = random.Random(seed)
    counts = {}
    for student in range(STUDENTS):
        for number, exercise in enumerate(EXERCISES):
            kind = kind_of(student * len(EXERCISES) + number, rng)
            counts[kind] = counts.get(kind, 0) + 1
            target = folder / f"s{student:03d}" / f"{exercise}.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            solution = (ROOT / "solutions" / f"{exercise}.py").read_text()
            if kind == "correct":
                target.write_text(solution)
            elif kind == "notebook":
                notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(solution)])
                target.with_suffix(".ipynb").write_text(nbformat.writes(notebook))
            elif kind == "stub":
                target.write_text((ROOT / "exercises" / f"{exercise}.py").read_text())
            elif kind == "wrong":
                target.write_text(solution + WRONG)
            elif kind == "syntax":
                target.write_text(solution.replace("):", ")", 1))
            elif kind == "hang":
                target.write_text("while True:\n    pass\n" + solution)
            elif kind == "exit":
                target.write_text("import os\nos._exit(3)\n" + solution)
            else:
                target.write_bytes(b"\x00\x01\x02 not python")
    return counts


def main(runs: int = 3, workers: int = 2) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        subs = Path(tmp) / "submissions"
        counts = build_class(subs)
        total = sum(counts.values())
        print(f"class: {total} submission-exercises " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        rates = []
        for run in range(runs):
            start = time.perf_counter()
            report = run_batch(subs, Path(tmp) / f"out{run}", workers=workers, seed=1234)
            seconds = time.perf_counter() - start
            assert report.total == total and report.graded == total
            rates.append(total / seconds)
            print(f"run {run + 1}: {seconds:.2f} s, {total / seconds:.1f} submission-exercises/s")
        median = statistics.median(rates)
        print(f"median of {runs}: {median:.1f} submission-exercises/s with {workers} workers "
              f"({median / NBGRADER_PER_SECOND:.0f}x nbgrader's {NBGRADER_PER_SECOND}/s; target >= 20/s)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
