"""Result objects (Gradescope results.json, plus our own fields) and writing them safely."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

from grader import __version__


class ResultsError(OSError):
    """A result could not be written or read; the message names the path."""


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def make_result(exercise: str, outcomes, *, seed: int, source: str, submission: str, seconds: float,
                notes: tuple[str, ...] = ()) -> dict:
    """The result object: Gradescope's results.json fields, then exercise, seed, sha256, version, time."""
    tests = [{"name": o.name, "score": o.points, "max_score": o.max_points, "status": o.status,
              "output": o.message, "visibility": o.visibility, **({"traceback": o.traceback} if o.traceback else {}),
              **({"picture": o.picture} if getattr(o, "picture", None) else {})}
             for o in outcomes]
    score = sum(o.points for o in outcomes)
    return {
        "score": round(score, 6),
        "max_score": round(sum(o.max_points for o in outcomes), 6),
        "execution_time": round(seconds, 3),
        "output": "\n".join(notes),
        "tests": tests,
        "exercise": exercise,
        "seed": seed,
        "submission": submission,
        "submission_sha256": sha256_text(source),
        "grader_version": __version__,
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def failed_result(exercise: str, reason: str, *, seed: int, max_score: float, submission: str,
                  source: str = "") -> dict:
    """A 0 result for a submission that could not be graded at all (unreadable, wrong exercise ...)."""
    result = make_result(exercise, (), seed=seed, source=source, submission=submission, seconds=0.0,
                         notes=(reason,))
    result["max_score"] = max_score
    result["error"] = reason
    return result


def write_text_atomic(text: str, path: Path) -> Path:
    """Write a text file so that readers see the old file or the new one, never half of one."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ResultsError(f"cannot write results to {path.parent}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ResultsError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    return path


def write_json_atomic(data, path: Path) -> Path:
    """Write JSON atomically (see write_text_atomic)."""
    return write_text_atomic(json.dumps(data, indent=2) + "\n", path)


def read_json(path: Path):
    """Read a JSON file we wrote; None when it does not exist, ResultsError when it is unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ResultsError(f"cannot read {path}: {exc}") from exc
