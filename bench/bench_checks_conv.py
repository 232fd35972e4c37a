"""How long the checks of exercises 3 and 4 take on the instructor's solution, in-process.

Prints, per exercise, the median over several seeds of: the whole `run_checks` (sandbox start + calls + checks),
the time spent inside `Sandbox.call` (the submission's side: round trips and its own work), and the rest, the
grader's own work (truths, witnesses, wrong-answer variants, comparisons). Targets (DESIGN.md, checks brief):
grader-side <= ~60 ms per exercise, whole run ideally < 150 ms. Never passes or fails on time.

    python bench/bench_checks_conv.py [runs]
"""

import statistics
import sys
import time
from pathlib import Path

from grader.sandbox import runner as sandbox
from grader.grading.checking import run_checks

ROOT = Path(__file__).resolve().parents[1]


def measure(exercise: str, runs: int):
    source = (ROOT / "solutions" / f"{exercise}.py").read_text(encoding="utf-8")
    real_call = sandbox.Sandbox.call
    spent = [0.0]

    def timed_call(self, name, /, *args, **kwargs):
        start = time.perf_counter()
        try:
            return real_call(self, name, *args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    totals, calls = [], []
    sandbox.Sandbox.call = timed_call
    try:
        for seed in range(runs):
            spent[0] = 0.0
            start = time.perf_counter()
            outcomes, _, _ = run_checks(exercise, source, f"{exercise}.py", seed=seed)
            totals.append(time.perf_counter() - start)
            calls.append(spent[0])
            assert all(o.status == "passed" for o in outcomes), [o.message for o in outcomes if o.status != "passed"]
    finally:
        sandbox.Sandbox.call = real_call
    return len(outcomes), totals, calls


def main(runs: int = 15) -> None:
    sandbox.prestart()
    run_checks("exercise3", "", "warmup.py", seed=0)  # boot the fork server and import the check modules
    print(f"{'exercise':10} {'checks':>6} {'whole run':>10} {'in calls':>9} {'grader side':>12}   (median of {runs})")
    for exercise in ("exercise3", "exercise4"):
        n, totals, calls = measure(exercise, runs)
        grader = [t - c for t, c in zip(totals, calls)]
        print(f"{exercise:10} {n:6d} {statistics.median(totals) * 1e3:8.1f} ms {statistics.median(calls) * 1e3:6.1f} ms"
              f" {statistics.median(grader) * 1e3:9.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
