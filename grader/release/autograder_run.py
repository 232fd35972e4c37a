"""Inside Gradescope's container: grade what is in ROOT/submission, write ROOT/results/results.json.

`python -m grader.release.autograder_run --root /autograder --config /autograder/source/autograder.json` (what the
bundle's run_autograder does). Every exercise of the config is graded with its public and hidden checks: the
file for it is found by a notebook's metadata, else by its name (exercise3.py, Exercise_3.ipynb, ex3.py), else
by the functions it defines; an exercise without a file, or with one that cannot be graded, gets a 0 row that
says why. results.json follows Gradescope's format: score, execution_time, output, tests with name, score,
max_score, status, output and visibility (public checks "visible", hidden ones as configured), extra_data. Every
text is plain text ("output_format": "text" at the top, where Gradescope's default is HTML, and on each test):
feedback like `a < b` or `<module>` is shown as written.
Whatever goes wrong, a results.json is written (exit status 1 when the grader itself failed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

from grader import __version__
from grader.grading.notebook import META_KEY
from grader import registry
from grader.grading.submission import defined_functions

JUNK = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git",
        "grader", "reference", "tests", "venv", "site-packages"}  # a whole course folder uploaded: not answers
MAX_FILES = 500  # a submission is a few files; stop looking after this many
TEXT = {"output_format": "text", "test_output_format": "text", "test_name_format": "text"}  # top level
TEST_TEXT = {"output_format": "text", "name_format": "text"}  # each test


def declared_exercise(path: Path) -> str | None:
    """What a .ipynb file's metadata, or else its name, says it is; for a .py file of no telling name, the
    exercise whose functions it defines most of."""
    from grader.course.layouts import exercise_of

    if path.suffix == ".ipynb":
        try:
            declared = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get(META_KEY, {})
            if isinstance(declared.get("exercise"), str) and declared["exercise"] in registry.functions():
                return declared["exercise"]
        except (OSError, ValueError, AttributeError):
            pass
    named = exercise_of(path.name)
    if named in registry.functions() or path.suffix != ".py":
        return named if named in registry.functions() else None
    try:
        names = defined_functions(path.read_text(encoding="utf-8")) or set()
    except (OSError, UnicodeDecodeError):
        return None
    overlap = {ex: len(names & set(funcs)) for ex, funcs in registry.functions().items()}
    best = max(overlap, key=overlap.get)
    return best if overlap[best] else None


def candidate_files(folder: Path) -> list[Path]:
    """The .py and .ipynb files under `folder`, junk folders and hidden files left out, in a stable order."""
    found = []
    for path in sorted(Path(folder).rglob("*")):
        parts = path.relative_to(folder).parts
        if any(p in JUNK or p.startswith(".") for p in parts) or not path.is_file():
            continue
        if path.suffix in (".py", ".ipynb"):
            found.append(path)
        if len(found) >= MAX_FILES:
            break
    return found


def find_submissions(folder: Path, exercises) -> tuple[dict[str, Path], list[str]]:
    """{exercise: the file to grade} and notes on files left out. Among several files of one exercise, the one
    named exactly exerciseN.py/.ipynb wins, then the most recently modified."""
    chosen: dict[str, list[Path]] = {}
    for path in candidate_files(folder):
        exercise = declared_exercise(path)
        if exercise in exercises:
            chosen.setdefault(exercise, []).append(path)
    files, notes = {}, []
    for exercise, paths in chosen.items():
        paths.sort(key=lambda p: (p.stem != exercise, -p.stat().st_mtime, str(p)))
        files[exercise] = paths[0]
        notes += [f"{p.relative_to(folder)} is also {exercise}: not graded (graded: "
                  f"{paths[0].relative_to(folder)})" for p in paths[1:]]
    return files, notes


def gradescope_tests(exercise: str, result: dict, number: int, hidden_visibility: str) -> list[dict]:
    """The result's checks as Gradescope tests; a result that could not be graded becomes one 0 row."""
    if "error" in result:
        return [{"name": f"[{exercise}] submission", "number": f"{number}.0", "score": 0.0,
                 "max_score": result["max_score"], "status": "failed", "output": result["error"],
                 "visibility": "visible", **TEST_TEXT}]
    return [{"name": f"[{exercise}] {t['name']}", "number": f"{number}.{k}", "score": t["score"],
             "max_score": t["max_score"], "status": t["status"], "output": t["output"],
             "visibility": hidden_visibility if t["visibility"] == "hidden" else "visible", **TEST_TEXT}
            for k, t in enumerate(result["tests"], start=1)]


def grade_all(folder: Path, config: dict, *, seed: int) -> tuple[list[dict], list[str], dict]:
    """(tests, output lines, extra data) for every exercise of the config."""
    from grader.grading.grade import grade_file, max_score
    from grader.grading.results import failed_result
    from grader.sandbox.runner import DEFAULT_LIMITS

    limits = DEFAULT_LIMITS._replace(**{k: config[k] for k in ("timeout", "memory") if config.get(k)})
    files, lines = find_submissions(folder, config["exercises"])
    tests, extra = [], {}
    for number, exercise in enumerate(config["exercises"], start=1):
        path = files.get(exercise)
        if path is None:
            reason = f"no file for {exercise} in the submission (upload {exercise}.py or {exercise}.ipynb)"
            result = failed_result(exercise, reason, seed=seed, max_score=max_score(exercise), submission="")
        else:
            result = grade_file(exercise, path, seed=seed, limits=limits, include_hidden=True)
            lines.append(f"{exercise}: graded {path.relative_to(folder)}, {result['score']:g} / "
                         f"{result['max_score']:g}")
            lines += [f"  {line}" for line in result.get("output", "").splitlines() if line.strip()]
            extra[exercise] = {"file": str(path.relative_to(folder)),
                               "submission_sha256": result.get("submission_sha256")}
        tests += gradescope_tests(exercise, result, number, config["hidden_visibility"])
    return tests, lines, extra


def run(root: Path, config: dict, *, seed: int | None = None) -> dict:
    """Grade ROOT/submission and write ROOT/results/results.json; returns the results object."""
    from grader.grading.grade import new_seed
    from grader.grading.results import write_json_atomic

    start, seed = time.perf_counter(), new_seed() if seed is None else seed
    tests, lines, extra = grade_all(Path(root) / "submission", config, seed=seed)
    results = {"score": round(sum(t["score"] for t in tests), 6),
               "execution_time": round(time.perf_counter() - start, 3),
               "output": "\n".join(lines + [f"seed {seed}, grader {__version__}"]), **TEXT,
               "visibility": "visible", "stdout_visibility": "hidden", "tests": tests,
               "extra_data": {"seed": seed, "grader_version": __version__, "files": extra}}
    write_json_atomic(results, Path(root) / "results" / "results.json")
    return results


def _failure(root: Path, message: str) -> None:
    """A results.json that says the autograder itself failed (never the student's fault)."""
    from grader.grading.results import write_json_atomic

    write_json_atomic({"score": 0.0, "output": f"The autograder failed, not because of your code: {message}\n"
                                              f"Please tell your instructor.", **TEXT, "visibility": "visible",
                       "stdout_visibility": "hidden", "tests": []}, Path(root) / "results" / "results.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.release.autograder_run", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")),
                        help="the /autograder folder [default: $AUTOGRADER_ROOT or /autograder]")
    parser.add_argument("--config", type=Path, help="autograder.json [default: ROOT/source/autograder.json]")
    parser.add_argument("--seed", type=int, help="seed of the random inputs [default: a fresh one]")
    args = parser.parse_args(argv)
    try:
        config = json.loads((args.config or args.root / "source" / "autograder.json").read_text(encoding="utf-8"))
        results = run(args.root, config, seed=args.seed)
    except Exception as exc:  # the student must get a results.json, the instructor the traceback (stdout)
        traceback.print_exc()
        _failure(args.root, "".join(traceback.format_exception_only(type(exc), exc)).strip())
        return 1
    print(results["output"])
    print(f"score {results['score']:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
