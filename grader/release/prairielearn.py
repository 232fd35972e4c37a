"""PrairieLearn external grading: `grade autograder OUT.zip --platform prairielearn`, and the run inside the job.

The zip holds one folder, cnn_grader/, for the course's serverFilesCourse/:

    cnn_grader/run.sh            the entrypoint: `run.sh exercise3` grades exercise 3 of /grade/student
    cnn_grader/autograder.json   exercises and limits (as for Gradescope)
    cnn_grader/lib/              the grader WITH its hidden checks and the full reference, as sources (no install)
    cnn_grader/README.md         the question's info.json, the image it needs

Inside the job, `python -m grader.release.prairielearn [EXERCISE ...] --root /grade --config ...` grades the files in
/grade/student (found as on Gradescope: by name, notebook metadata or the functions defined) with the public and
hidden checks, and writes /grade/results/results.json in PrairieLearn's format: `gradable`, `score` in [0, 1],
`message`, `output`, and `tests` with `name`, `points`, `max_points`, `message`, `output`. A submission that
cannot be graded (no file for the exercise, unreadable, the wrong exercise, or code that cannot be loaded, such
as a syntax error) is `"gradable": false` with `format_errors`: PrairieLearn then takes no attempt from the
student. The public checks are listed one by one; the hidden checks of an exercise are one row with their
points, so their cases stay unknown. Whatever goes wrong, a results.json is written.
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

FOLDER = "cnn_grader"
LOAD_FAILED = "the submission could not be loaded: "  # how the sandbox words a load failure (grader/sandbox/runner.py)

RUN_SH = """#!/bin/sh
# PrairieLearn runs this in the grading container: `run.sh exercise3` grades exercise 3 of /grade/student.
# GRADE_ROOT and GRADE_PYTHON (defaults /grade and python3) exist to test the bundle elsewhere.
HERE="$(cd "$(dirname "$0")" && pwd)"
# as root, make the hidden checks unreadable to the student's code (which runs as other uids)
[ "$(id -u)" = 0 ] && chmod -R go-rwx "$HERE/lib" 2>/dev/null
PYTHONPATH="$HERE/lib" exec "${GRADE_PYTHON:-python3}" -m grader.release.prairielearn "$@" --root "${GRADE_ROOT:-/grade}" \\
    --config "$HERE/autograder.json"
"""


def hidden_row(exercise: str, hidden: list[dict]) -> dict:
    """The hidden checks of an exercise as one row: their points, how many passed, not which."""
    passed = sum(t["status"] == "passed" for t in hidden)
    return {"name": f"[{exercise}] hidden checks", "points": round(sum(t["score"] for t in hidden), 6),
            "max_points": round(sum(t["max_score"] for t in hidden), 6),
            "message": f"{passed} of {len(hidden)} hidden checks passed", "output": ""}


def load_failure(result: dict) -> str | None:
    """What kept the submission from loading, when every check failed for that reason."""
    outputs = [t.get("output", "") for t in result.get("tests", [])]
    if outputs and all(o.startswith(LOAD_FAILED) for o in outputs):
        return outputs[0]
    return None


def results(graded: dict[str, dict | str], *, seed: int, seconds: float = 0.0, notes=()) -> dict:
    """PrairieLearn's results.json from {exercise: result, or the reason no file was graded}."""
    errors, tests, lines = [], [], list(notes)
    for exercise, result in graded.items():
        reason = result if isinstance(result, str) else result.get("error") or load_failure(result)
        if reason:
            errors.append(f"{exercise}: {reason}")
            continue
        hidden = [t for t in result["tests"] if t["visibility"] == "hidden"]
        tests += [{"name": f"[{exercise}] {t['name']}", "points": t["score"], "max_points": t["max_score"],
                   "message": t["status"], "output": t["output"]}
                  for t in result["tests"] if t["visibility"] != "hidden"]
        tests += [hidden_row(exercise, hidden)] if hidden else []
        lines.append(f"{exercise}: {result['score']:g} / {result['max_score']:g}")
        lines += [f"  {line}" for line in result.get("output", "").splitlines() if line.strip()]
    lines.append(f"seed {seed}, grader {__version__}")
    if errors:
        return {"gradable": False, "format_errors": errors, "message": "Your submission could not be graded: "
                + "; ".join(errors), "output": "\n".join(lines), "execution_time": round(seconds, 3)}
    total, top = sum(t["points"] for t in tests), sum(t["max_points"] for t in tests)
    score = min(1.0, max(0.0, total / top)) if top > 0 else 0.0
    return {"gradable": True, "score": score, "message": f"{total:g} / {top:g} points",
            "output": "\n".join(lines), "tests": tests, "execution_time": round(seconds, 3)}


def run(root: Path, config: dict, *, exercises=None, seed: int | None = None) -> dict:
    """Grade ROOT/student and write ROOT/results/results.json; returns the results object."""
    from grader.release.autograder import bundle_config
    from grader.release.autograder_run import find_submissions
    from grader.grading.grade import grade_file, new_seed
    from grader.grading.results import write_json_atomic
    from grader.sandbox.runner import DEFAULT_LIMITS

    config = {**config, "exercises": bundle_config(exercises)["exercises"]} if exercises else config
    start, seed = time.perf_counter(), new_seed() if seed is None else seed
    limits = DEFAULT_LIMITS._replace(**{k: config[k] for k in ("timeout", "memory") if config.get(k)})
    folder = Path(root) / "student"
    files, notes = find_submissions(folder, config["exercises"]) if folder.is_dir() else ({}, [])
    graded = {}
    for exercise in config["exercises"]:
        path = files.get(exercise)
        graded[exercise] = (f"no file for {exercise} in the submission (submit {exercise}.py or "
                            f"{exercise}.ipynb)") if path is None else \
            grade_file(exercise, path, seed=seed, limits=limits, include_hidden=True)
    out = results(graded, seed=seed, seconds=time.perf_counter() - start, notes=notes)
    write_json_atomic(out, Path(root) / "results" / "results.json")
    return out


def _failure(root: Path, message: str) -> None:
    """A results.json that says the grader itself failed: not gradable, so no attempt is lost."""
    from grader.grading.results import write_json_atomic

    text = f"The autograder failed, not because of your code: {message}. Please tell your instructor."
    write_json_atomic({"gradable": False, "format_errors": [text], "message": text},
                      Path(root) / "results" / "results.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.release.prairielearn", description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", metavar="EXERCISE", help="exercises to grade [default: config's]")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("GRADE_ROOT", "/grade")))
    parser.add_argument("--config", type=Path, help="autograder.json [default: beside this bundle's run.sh]")
    parser.add_argument("--seed", type=int, help="seed of the random inputs [default: a fresh one]")
    args = parser.parse_args(argv)
    try:
        config_path = args.config or Path(__file__).resolve().parents[3] / "autograder.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        out = run(args.root, config, exercises=args.exercises or None, seed=args.seed)
    except Exception as exc:  # the student must get a results.json, the instructor the traceback (the job log)
        traceback.print_exc()
        _failure(args.root, "".join(traceback.format_exception_only(type(exc), exc)).strip())
        return 1
    print(out["output"])
    print(out["message"])
    return 0


def _readme(config: dict) -> str:
    exercise = config["exercises"][0]
    return f"""# PrairieLearn external grader for {', '.join(config['exercises'])}

Unzip this into the course's `serverFilesCourse/` (it makes `serverFilesCourse/{FOLDER}/`). In each question
(one exercise per question), let students upload `{exercise}.py` or `{exercise}.ipynb`
(`<pl-file-upload file-names="{exercise}.py">` or `<pl-file-editor>`), show the results with
`<pl-external-grader-results>`, and grade externally (`info.json`):

    "externalGradingOptions": {{
        "enabled": true,
        "image": "prairielearn/grader-python",
        "serverFilesCourse": ["{FOLDER}/"],
        "entrypoint": "/grade/serverFilesCourse/{FOLDER}/run.sh {exercise}",
        "timeout": 120
    }}

The image needs Python >= 3.10 with numpy (>= 1.24), and nbformat for notebooks; nothing is installed (the job
has no network). Each call of a student's function may take {config['timeout']:g} s and {config['memory'] / 2**20:g} MiB
(rebuild with `grade autograder --platform prairielearn --timeout ... --memory ...`); a submission that hangs
costs a few times that, so keep the job's `timeout` well above it. A file that cannot be graded (missing, the
wrong exercise, a syntax error) is "not gradable": the student loses no attempt. Public checks are listed one by
one; the hidden checks of the exercise are one row with their points. Grader {__version__}.
"""


def bundle_files(project: Path, config: dict) -> dict[str, bytes]:
    """Every file of the PrairieLearn zip: cnn_grader/ with run.sh, the config, the sources and a README."""
    from grader.release.autograder import wheel_files

    lib = {f"{FOLDER}/lib/{path}": data for path, data in wheel_files(project).items()}
    return {f"{FOLDER}/run.sh": RUN_SH.encode(),
            f"{FOLDER}/autograder.json": (json.dumps(config, indent=2) + "\n").encode(),
            f"{FOLDER}/README.md": _readme(config).encode(), **lib}


if __name__ == "__main__":
    sys.exit(main())
