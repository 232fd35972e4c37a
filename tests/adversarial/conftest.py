"""Shared pieces of the adversarial suite: the submissions, short limits, the honest twins' results, and the
checks that nothing (process, thread, temporary file) outlives a run. Linux only, like the sandbox.

Each submission in submissions/ attacks exercise 4 or breaks in one way around an honest part; the grade of an
attack must equal the grade of its honest twin (honest_full.py, honest_bias.py, honest_weights.py, or 0) graded
with the same seed, check by check.
"""

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from grader.sandbox.forkserver import ForkServer
from grader.grading.grade import grade_file
from grader.sandbox.runner import Limits

SUBMISSIONS = Path(__file__).parent / "submissions"
LIMITS = Limits(timeout=0.5, memory=512 << 20, output=64 * 1024)  # short: the suite stays fast
SEED = 20240607
SLACK = 2.5  # seconds a run may take beyond the time limits it used (the honest work, starting workers)
EXERCISE = "exercise4"


def copy_submission(name: str, folder: Path) -> Path:
    """Copy submissions/<name> into `folder` (which the sandbox's uid may write, as some attacks want)."""
    source = SUBMISSIONS / name
    target = folder / name
    target.write_bytes(source.read_bytes())
    return target


def grade(path: Path, *, hidden: bool = False, limits: Limits = LIMITS) -> tuple[dict, float]:
    """grade_file through the real path -> (result, wall seconds)."""
    start = time.monotonic()
    result = grade_file(EXERCISE, path, seed=SEED, limits=limits, include_hidden=hidden)
    return result, time.monotonic() - start


def scores(result: dict) -> dict[str, float]:
    return {t["name"]: t["score"] for t in result["tests"]}


def time_limits_used(result: dict, limits: Limits = LIMITS) -> float:
    """Seconds of time limit a run spent: one limit per call that timed out (a hung function is not called
    again in later checks) and one if loading timed out (loading is attempted once)."""
    outputs = [t["output"] for t in result["tests"]]
    calls = sum(o.startswith("timed out after") for o in outputs)
    load = any(o.startswith("the submission could not be loaded: timed out") for o in outputs)
    return limits.timeout * (calls + load)


BESIDE = {  # each leaves <name>.ran beside the submission if Python or pytest ever runs it
    "_mark.py": "import os\n\ndef mark(name):\n    here = os.path.dirname(os.path.abspath(__file__))\n"
                "    open(os.path.join(here, name + '.ran'), 'w').write('ran')\n",
    "conftest.py": "import os, sys\nsys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\nimport _mark\n"
                   "_mark.mark('conftest')\n\ndef pytest_collection_modifyitems(items):\n"
                   "    for item in items:\n        item.add_marker('skip')\n",
    "pytest.ini": "[pytest]\naddopts = -p no:grader --co -q\npython_files = nothing.py\n",
    "test_exercise4.py": "import _mark\n_mark.mark('test_exercise4')\n\ndef test_everything():\n    assert True\n",
    "numpy.py": "import _mark\n_mark.mark('numpy')\nallclose = lambda *args, **kwargs: True\n",
    "sitecustomize.py": "import _mark\n_mark.mark('sitecustomize')\n",
    "grader/__init__.py": "import _mark\n_mark.mark('grader')\n",
    "grader/exercises/__init__.py": "",
    "grader/exercises/exercise4/checks.py": "import _mark\n_mark.mark('grader_checks')\n",
}


def plant_beside(folder: Path) -> None:
    for name, text in BESIDE.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


_twins: dict[tuple[str, bool], dict] = {}


def twin(name: str | None, *, hidden: bool = False) -> dict[str, float]:
    """Per-check scores of an honest twin (None: nothing is honest, every check 0), graded once per session."""
    if name is None:
        return {k: 0.0 for k in twin("honest_full", hidden=hidden)}
    if (name, hidden) not in _twins:
        _twins[name, hidden] = grade(SUBMISSIONS / f"{name}.py", hidden=hidden)[0]
    return scores(_twins[name, hidden])


# ---- nothing outlives a run ------------------------------------------------------------------------------

def _stat(pid: int) -> tuple[str, int] | None:
    """(state, ppid) of a process, None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def descendants(root: int) -> list[int]:
    """Live (not zombie) processes below `root`."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[0] != "Z":
                parent[int(entry)] = stat[1]
    found, frontier = [], {root}
    while frontier:
        frontier = {pid for pid, ppid in parent.items() if ppid in frontier}
        found.extend(frontier)
    return sorted(found)


def children(pid: int) -> list[int]:
    """Direct children of `pid` (zombies included)."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.extend(int(p) for p in f.read().split())
        except OSError:
            pass
    return found


def zygote_pid() -> int | None:
    server = ForkServer._shared
    return server._proc.pid if server is not None and server.alive() else None


@pytest.fixture(scope="session")
def kit():
    """This module: the helpers above, for the test modules (which cannot import a conftest)."""
    return sys.modules[__name__]


@pytest.fixture
def private_tmp(monkeypatch, tmp_path_factory):
    """The grader's temporary directory for this test only (workers make their folders there)."""
    folder = Path(tempfile.mkdtemp(prefix="adversarial-tmp-"))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    for child in folder.iterdir():  # the test has already failed if anything is left; do not leave it
        import shutil
        shutil.rmtree(child, ignore_errors=True)
    folder.rmdir()


@pytest.fixture
def nothing_outlives(private_tmp):
    """Call the returned function right after a run: it asserts that no process of the run is alive (below the
    fork server or this process), that no thread was left in this process and no file in the temp directory."""
    threads = threading.active_count()
    before = set(descendants(os.getpid()))  # what earlier tests left is not this test's business

    def check(where: str = "the run"):
        zygote = zygote_pid()
        left = [p for p in descendants(os.getpid()) if p != zygote and p not in before]
        assert left == [], f"processes outlived {where}: {left}"
        assert threading.active_count() == threads, f"threads outlived {where}"
        assert sorted(os.listdir(private_tmp)) == [], f"temporary files outlived {where}"

    return check


@pytest.fixture
def writable_folder():
    """A folder every uid may write (0o777, under a 0o755 one): attacks that leave files beside themselves can,
    so the test sees what they did. Removed afterwards."""
    outer = Path(tempfile.mkdtemp(prefix="adversarial-"))
    outer.chmod(0o755)
    inner = outer / "student"
    inner.mkdir()
    inner.chmod(0o777)
    yield inner
    import shutil
    shutil.rmtree(outer, ignore_errors=True)
