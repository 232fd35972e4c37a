"""A Gradescope autograder bundle: `grade autograder OUT.zip`.

Gradescope unpacks the zip into /autograder/source, runs `setup.sh` once (as root) to build the image, then
`run_autograder` for every submission, which must write /autograder/results/results.json
(https://gradescope-autograders.readthedocs.io/en/latest/specs/). The bundle holds:

    setup.sh          installs numpy, click, nbformat, pytest (the versions installed where the bundle was built),
                      then the grader's wheel (--no-deps)
    run_autograder    python3 -m grader.release.autograder_run: grades /autograder/submission, writes the results
    autograder.json   the exercises to grade, the visibility of the hidden checks, limits
    dist/*.whl        the grader WITH its hidden checks and the full reference (built here, pure Python)
    README.md         what the instructor does with the zip

No solutions/ and no exercises/ are in it. AUTOGRADER_ROOT (default /autograder) and AUTOGRADER_PYTHON (default
python3) let a test run the bundle in a simulated /autograder layout. Pure steps: `bundle_config`,
`wheel_files`, `build_wheel`, `bundle_files`, then `write_zip` (atomic). `--platform prairielearn` builds the
folder a PrairieLearn course puts in serverFilesCourse/ instead (grader/release/prairielearn.py).

Limits: Gradescope's default container has 768 MB of memory and half a virtual CPU, and a container that runs out
of memory is killed before any results.json is written. So a bundle's worker gets BUNDLE_MEMORY (the grader
and its fork server take about 80 MB beside it) and BUNDLE_TIMEOUT seconds per call: twice the 5 s of a whole CPU.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from typing import NamedTuple

from grader import __version__
from grader import registry
from grader.grading.checking import collect

DIST = "cnn_backprop_grader"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")  # Gradescope's test visibilities
REQUIREMENTS = ("numpy>=1.24", "click>=8.1", "nbformat>=5.7", "pytest>=7")
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: the same sources give the same bundle
CONFIG = "autograder.json"
BUNDLE_TIMEOUT = 10.0  # seconds per call: a correct answer needs far less, even at Gradescope's half CPU
BUNDLE_MEMORY = 384 << 20  # per worker; with the grader (~80 MB) and its tmpfs (64 MiB) it fits in 768 MB
TARGET_PYTHON = (3, 10)  # python3 of Ubuntu 22.04, Gradescope's default base image
PLATFORMS = ("gradescope", "prairielearn")


class AutograderError(Exception):
    """The bundle cannot be built or written; the message says why."""


class Bundle(NamedTuple):
    path: Path
    files: tuple[str, ...]
    exercises: tuple[str, ...]


def bundle_config(exercises=None, *, hidden_visibility: str = "after_published", timeout: float | None = None,
                  memory: int | None = None) -> dict:
    """What run_autograder reads: the exercises to grade (all four when None; a missing one scores 0) and the
    limits of a worker (BUNDLE_TIMEOUT and BUNDLE_MEMORY when None)."""
    EXERCISES = registry.names()
    exercises = EXERCISES if exercises is None else tuple(exercises)
    unknown = [e for e in exercises if e not in EXERCISES]
    if unknown or not exercises:
        raise AutograderError(f"unknown exercise {', '.join(unknown) or '(none given)'}; known: "
                              f"{', '.join(EXERCISES)}")
    if hidden_visibility not in VISIBILITIES:
        raise AutograderError(f"hidden visibility must be one of {', '.join(VISIBILITIES)}, got "
                              f"{hidden_visibility!r}")
    return {"exercises": [e for e in EXERCISES if e in exercises], "hidden_visibility": hidden_visibility,
            "timeout": BUNDLE_TIMEOUT if timeout is None else timeout,
            "memory": BUNDLE_MEMORY if memory is None else memory, "grader_version": __version__}


def _minimum_python(requires: str | None) -> tuple[int, int] | None:
    found = re.search(r">=\s*(\d+)\.(\d+)", requires or "")
    return (int(found[1]), int(found[2])) if found else None


def pinned_requirements(requirements=REQUIREMENTS, target=TARGET_PYTHON) -> list[str]:
    """Each requirement pinned to the version installed here (`numpy==2.4.6`). A pin whose Requires-Python
    excludes the image's python3 (`target`) applies from the Python it needs on, and the plain requirement
    below that (pip then takes the newest release for that Python)."""
    pins = []
    for requirement in requirements:
        name = re.split(r"[<>=!~ ;]", requirement, maxsplit=1)[0]
        try:
            meta = metadata(name)
        except PackageNotFoundError:
            pins.append(requirement)  # not installed here: the grader's own range
            continue
        needs = _minimum_python(meta["Requires-Python"])
        if needs is None or needs <= target:
            pins.append(f"{name}=={meta['Version']}")
        else:
            marker = f"{needs[0]}.{needs[1]}"
            pins += [f"{name}=={meta['Version']}; python_version >= '{marker}'",
                     f"{requirement}; python_version < '{marker}'"]
    return pins


WHEEL_SUFFIXES = (".py", ".json", ".npz")  # code, and the exercises' and the reference's data


def wheel_files(project: Path) -> dict[str, bytes]:
    """The grader (checks included, hidden ones too, and the exercises' data) and the reference: {path in the
    wheel: bytes}."""
    files = {}
    for package in ("grader", "reference"):
        for path in sorted((Path(project) / package).rglob("*")):
            relative = path.relative_to(project).as_posix()
            if (path.is_file() and path.suffix in WHEEL_SUFFIXES and "__pycache__" not in relative
                    and relative != "grader/exercises/conftest.py"):
                files[relative] = path.read_bytes()
    if not any(name.startswith("grader/exercises/") and name.endswith("/checks.py") for name in files):
        raise AutograderError(f"{project} has no grader/exercises/*/checks.py: not the course's source tree")
    return files


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _zip_bytes(files: dict[str, bytes], executable: frozenset = frozenset()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.external_attr = (0o100755 if name in executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, data)
    return buffer.getvalue()


def build_wheel(files: dict[str, bytes], version: str = __version__) -> tuple[str, bytes]:
    """A pure-Python wheel (py3-none-any) of `files` with the `grade` command: (file name, bytes)."""
    info = f"{DIST}-{version}.dist-info"
    requires = "".join(f"Requires-Dist: {r}\n" for r in REQUIREMENTS)
    meta = {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {DIST.replace('_', '-')}\nVersion: {version}\n"
                            f"Summary: The course's grader with its hidden checks (autograder)\n"
                            f"Requires-Python: >=3.10\n{requires}".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: grade autograder\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
        f"{info}/entry_points.txt": b"[console_scripts]\ngrade = grader.cli.main:main\n",
    }
    content = {**dict(sorted(files.items())), **meta}
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in content.items())
    content[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    return f"{DIST}-{version}-py3-none-any.whl", _zip_bytes(content)


SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image: install the grader and what it needs.
# It needs apt and Python >= 3.10: Gradescope's Ubuntu 22.04 base image has both.
# AUTOGRADER_ROOT and AUTOGRADER_PYTHON (defaults /autograder and python3) exist to test the bundle elsewhere.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-python3}"
export PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    apt-get update
    apt-get install -y python3 python3-pip
fi
"$PYTHON" -c "import sys; sys.exit(sys.version_info < (3, 10))" || {
    echo "setup.sh: the grader needs Python >= 3.10; choose the Ubuntu 22.04 base image (or newer)" >&2; exit 1; }
# The versions installed where the bundle was built (grade autograder), for this image's Python:
"$PYTHON" -m pip install REQUIREMENTS
"$PYTHON" -m pip install --no-deps --force-reinstall "$ROOT"/source/dist/*.whl
"$PYTHON" -m pip list 2>/dev/null | grep -i -E "^(numpy|click|nbformat|pytest|cnn-backprop-grader) " || true
# The hidden checks and the reference: readable by the grader (root) only, never by student code, which runs
# as other uids (and, where the kernel has Landlock, may read nothing beyond the standard library and NumPy).
"$PYTHON" -c "import grader, reference, os; [os.chmod(os.path.dirname(p.__file__), 0o700) for p in (grader, reference)]"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade $ROOT/submission, write $ROOT/results/results.json.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-python3}"
cd "$ROOT"
exec "$PYTHON" -m grader.release.autograder_run --root "$ROOT" --config "$ROOT/source/autograder.json"
"""


def _points(exercises) -> str:
    """The line of the README that says what the assignment is worth."""
    checks = [c for e in exercises for c in collect(e)]
    public = sum(c.info.points for c in checks if c.info.visibility == "visible")
    total = sum(c.info.points for c in checks)
    return (f"Total points: **{total:g}** ({public:g} in visible checks, {total - public:g} hidden): set the "
            f"assignment's points to {total:g}.")


def _readme(config: dict, wheel: str, pins: list[str]) -> str:
    hidden = config["hidden_visibility"]
    memory = f"{config['memory'] / 2**20:g} MiB"
    shown = "".join(f"    {pin}\n" for pin in pins)
    calls = sum(1 + len(registry.get(e).functions) for e in config["exercises"])  # a load, then each function once
    return (f"# Gradescope autograder for {', '.join(config['exercises'])}\n\n"
            f"Upload this zip as a Programming Assignment's autograder (Configure Autograder > Zip file upload)\n"
            f"with the base image **Ubuntu 22.04** (the default; `setup.sh` needs apt and Python >= 3.10).\n"
            f"`setup.sh` installs `dist/{wheel}` (the grader with its hidden checks, grader {__version__}) and\n"
            f"these versions, those installed where the bundle was built:\n\n{shown}\n"
            f"(a version that needs a newer Python than the image's is replaced there by the newest release\n"
            f"for it). `run_autograder` grades every exercise found in the submission (`exercise3.py`,\n"
            f"`Exercise_3.ipynb`, a notebook of the student release ...); an exercise with no file scores 0 with a\n"
            f"message. Public checks are `visible`, hidden ones `{hidden}`.\n\n"
            f"Students upload their `exercises/exerciseN.py` or `.ipynb` files.\n\n"
            f"{_points(config['exercises'])}\n\n"
            f"## Limits\n\n"
            f"Gradescope's default container has 768 MB of memory and 0.5 vCPU, and one that runs out of memory\n"
            f"is killed with no results at all. So each call of a student's function may use {memory} and\n"
            f"{config['timeout']:g} s of wall-clock time (correct answers need a small fraction of it at 0.5 vCPU).\n"
            f"For more, raise Memory (and CPU) under the assignment's Settings > Autograder Settings first, then\n"
            f"rebuild with `grade autograder --memory 1G --timeout 20`; keep the memory at least 256 MB under\n"
            f"the container's (the grader, its fork server and a worker's folder use that). Gradescope stops\n"
            f"the whole run after its own timeout (10 minutes by default); a submission that hangs in every\n"
            f"function costs about {calls} x {config['timeout']:g} s (a load per exercise, then each function\n"
            f"once).\n\n"
            f"## Hidden checks\n\n"
            f"Because some checks are not `visible` (the hidden ones are `{hidden}`), Gradescope shows students no\n"
            f"total score until you publish the grades (Review Grades > Publish Grades); until then they see\n"
            f"the visible checks' results only. Tell them so, or they will read the public points as their grade.\n")


def bundle_files(project: Path, config: dict) -> dict[str, bytes]:
    """Every file of the zip, in order."""
    wheel, data = build_wheel(wheel_files(project))
    pins = pinned_requirements()
    requirements = " ".join(f'"{r}"' for r in pins)
    return {"setup.sh": SETUP_SH.replace("REQUIREMENTS", requirements).encode(),
            "run_autograder": RUN_AUTOGRADER.encode(),
            CONFIG: (json.dumps(config, indent=2) + "\n").encode(),
            "README.md": _readme(config, wheel, pins).encode(),
            f"dist/{wheel}": data}


def write_zip(files: dict[str, bytes], out: Path, *, force: bool = False,
              executable: frozenset = frozenset({"setup.sh", "run_autograder"})) -> None:
    """Write the bundle to OUT (a .zip) atomically; refuse to replace a file unless force."""
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise AutograderError(f"{out}: the bundle must be a .zip file (e.g. autograder.zip)")
    if out.is_dir():
        raise AutograderError(f"{out} is a folder; give the path of the .zip to write")
    if out.exists() and not force:
        raise AutograderError(f"{out} exists; pass --force to replace it")
    if not out.parent.is_dir():
        raise AutograderError(f"no folder {out.parent} to write {out.name} into")
    data = _zip_bytes(files, executable)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def make_bundle(out: Path, *, project: Path | None = None, force: bool = False, platform: str = "gradescope",
                **options) -> Bundle:
    """Build the autograder zip of `project` (default: the instructor's project found from here) into OUT, for
    Gradescope or, with platform="prairielearn", for a PrairieLearn course's serverFilesCourse/."""
    from grader.release.build import ReleaseError, find_project

    try:
        project = find_project() if project is None else Path(project)
    except ReleaseError as exc:
        raise AutograderError(str(exc)) from None
    if platform not in PLATFORMS:
        raise AutograderError(f"platform must be one of {', '.join(PLATFORMS)}, got {platform!r}")
    config = bundle_config(**options)
    if platform == "prairielearn":
        from grader.release import prairielearn

        files = prairielearn.bundle_files(project, config)
        executable = frozenset({f"{prairielearn.FOLDER}/run.sh"})
    else:
        files, executable = bundle_files(project, config), frozenset({"setup.sh", "run_autograder"})
    try:
        write_zip(files, out, force=force, executable=executable)
    except OSError as exc:
        raise AutograderError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return Bundle(Path(out), tuple(files), tuple(config["exercises"]))
