"""Resuming `grade batch` after the machine, not the student, failed a submission: a worker SIGKILLed from
outside (as the kernel's OOM killer or another submission would) is graded again on the next run, once; a
submission that kills itself fails the same way on its retry and is then kept; `--regrade-errors` regrades rows
that crashed or timed out."""

import json
import os
import signal
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from grader.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = Path(__file__).parent / "submissions"
MEMORY = 600 << 20  # a limit no other process has: it tells the sandbox's workers apart
KILLED = "the submission could not be loaded: the worker crashed (signal SIGKILL)"


def address_space_limit(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/limits") as f:
            line = next(line for line in f if line.startswith("Max address space"))
    except (OSError, StopIteration):
        return None
    value = line.split()[3]
    return int(value) if value.isdigit() else None


class OutsideKiller(threading.Thread):
    """SIGKILLs the first sandbox worker (below this process, with the MEMORY limit) once it has lived 0.3 s."""

    def __init__(self, kit):
        super().__init__(daemon=True)
        self.kit, self.killed, self.stop = kit, None, threading.Event()

    def run(self):
        seen = {}
        while not self.stop.is_set() and self.killed is None:
            for pid in self.kit.descendants(os.getpid()):
                first_seen = seen.setdefault(pid, time.monotonic())
                if address_space_limit(pid) == MEMORY and time.monotonic() - first_seen > 0.3:
                    os.kill(pid, signal.SIGKILL)
                    self.killed = pid
                    break
            time.sleep(0.02)


def batch(students: Path, out: Path, *extra) -> CliRunner:
    run = CliRunner().invoke(main, ["batch", str(students), "--out", str(out), "--workers", "1", "--seed", "5",
                                    "--timeout", "3", "--memory", "600M", *map(str, extra)])
    assert run.exit_code == 0, run.output
    return run


def result(out: Path, student: str, exercise: str) -> dict:
    return json.loads((out / "results" / student / f"{exercise}.json").read_text())


def test_killed_from_outside_is_retried_once_and_self_kill_is_kept(kit, tmp_path, private_tmp):
    students, out = tmp_path / "class", tmp_path / "graded"
    for name in ("ann", "bob"):
        (students / name).mkdir(parents=True)
    solution = (ROOT / "solutions" / "exercise3.py").read_text()
    (students / "ann" / "exercise3.py").write_text("import time\ntime.sleep(1.0)\n" + solution)  # graded first
    (students / "bob" / "exercise4.py").write_bytes((SUBMISSIONS / "fault_kill_self.py").read_bytes())
    killer = OutsideKiller(kit)
    killer.start()
    try:
        batch(students, out)
    finally:
        killer.stop.set()
        killer.join()
    assert killer.killed is not None, result(out, "ann", "exercise3")["tests"][0]  # ann's worker lived 0.3 s
    ann, bob = result(out, "ann", "exercise3"), result(out, "bob", "exercise4")
    assert ann["score"] == 0 and {t["output"] for t in ann["tests"]} == {KILLED}
    bob_killed = [t["name"] for t in bob["tests"] if t["output"] == "the worker crashed (signal SIGKILL)"]
    assert bob_killed and bob["score"] > 0
    again = batch(students, out)  # nobody kills ann's worker now; bob kills itself again
    assert ("regrading 2 results whose worker was killed from outside (SIGKILL, OOM killer) or hit a grader or "
            "sandbox error (retried once)\n") in again.stderr
    ann, retried_bob = result(out, "ann", "exercise3"), result(out, "bob", "exercise4")
    assert ann["score"] == ann["max_score"] > 0 and ann["retried"] is True
    assert retried_bob["retried"] is True and retried_bob["score"] == bob["score"]
    assert [t["name"] for t in retried_bob["tests"] if "SIGKILL" in t["output"]] == bob_killed
    kept = batch(students, out)
    assert "regrading" not in kept.stderr and "(0 graded now, 2 kept from an earlier run)" in kept.stderr
    errors = batch(students, out, "--regrade-errors")  # bob's crash is an error; ann's full marks are not
    assert "regrading 1 result that errored (--regrade-errors)\n" in errors.stderr
    assert "retried" not in result(out, "bob", "exercise4")
