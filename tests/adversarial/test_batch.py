"""`grade batch` over a class where every student is one of the adversarial cases: it finishes within the sum
of its time limits plus a constant, every case gets its row with the grade of its honest part (public and hidden
checks), the summary shows no markup a submission printed, and nothing (grading process, fork server, worker,
temporary folder) outlives it."""

import csv
import ctypes
import json
import os
import time
from pathlib import Path

from click.testing import CliRunner

from grader.cli.main import main

SUBMISSIONS = Path(__file__).parent / "submissions"
PR_SET_CHILD_SUBREAPER = 36

# case -> honest twin (None: nothing honest); the bad files of test_files.py are made here too
TWINS = {
    "cheat_patch_numpy.py": "honest_bias", "cheat_patch_builtins.py": "honest_bias",
    "cheat_patch_pytest.py": "honest_bias", "cheat_crafted_objects.py": "honest_bias",
    "cheat_forge_reply.py": "honest_bias", "cheat_lazy_alias.py": "honest_bias",
    "cheat_read_secrets.py": "honest_bias", "cheat_write_files.py": "honest_bias",
    "cheat_fake_output.py": "honest_bias", "cheat_kill_others.py": "honest_bias", "cheat_beside.py": "honest_bias",
    "notebook_magics.ipynb": "honest_bias", "cheat_wrapped.py": "honest_full",
    "fault_loop.py": "honest_weights", "fault_generator.py": "honest_weights", "fault_sleep.py": "honest_weights",
    "fault_ignore_signals.py": "honest_weights", "fault_fork_bomb.py": "honest_weights",
    "fault_memory_numpy.py": "honest_weights", "fault_memory_list.py": "honest_weights",
    "fault_recursion.py": "honest_weights", "fault_stack_overflow.py": "honest_weights",
    "fault_sys_exit.py": "honest_weights", "fault_os_exit.py": "honest_weights",
    "fault_kill_self.py": "honest_weights", "fault_segfault.py": "honest_weights",
    "fault_close_streams.py": "honest_weights",
    "fault_thread.py": "honest_full", "fault_big_output.py": "honest_full", "notebook_v3.ipynb": "honest_full",
    "fault_loop_import.py": None, "fault_syntax_error.py": None, "fault_import_error.py": None,
    "fault_empty.py": None, "notebook_not_json.ipynb": None, "notebook_no_code.ipynb": None,
}
GENERATED = {"latin1.py": "# caf\xe9\n".encode("latin-1"), "binary.py": bytes(range(256)),
             "huge.py": b"# padding padding padding padding padding padding padding padding padding\n" * 700_000}


def class_folder(root: Path, kit) -> Path:
    """One folder per student, named after the case, holding exercise4.py (or .ipynb)."""
    students = root / "class"
    for case in TWINS:
        folder = students / case.replace(".", "_")
        folder.mkdir(parents=True)
        if case == "cheat_beside.py":
            kit.plant_beside(folder)
            os.utime(folder / "test_exercise4.py", (1, 1))  # older: exercise4.py is the one graded
        (folder / f"exercise4{Path(case).suffix}").write_bytes((SUBMISSIONS / case).read_bytes())
    for name, data in GENERATED.items():
        (students / name.replace(".", "_")).mkdir()
        (students / name.replace(".", "_") / "exercise4.py").write_bytes(data)
    return students


def subreaper(on: bool) -> None:
    """While on, processes orphaned below this one (a grading process's fork server) become its children,
    so the test can see whether they outlive the batch."""
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)


def leftovers(kit, timeout: float) -> list[int]:
    """Processes below this one, but its own fork server, still alive `timeout` seconds from now at most;
    reaps the orphans that came back to this process."""
    keep = kit.zygote_pid()
    end = time.monotonic() + timeout
    while (alive := [p for p in kit.descendants(os.getpid()) if p != keep]) and time.monotonic() < end:
        time.sleep(0.02)
    for pid in kit.children(os.getpid()):
        if pid != keep:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
    return alive


def test_batch_over_every_case(kit, tmp_path, private_tmp):
    students = class_folder(tmp_path, kit)
    out = tmp_path / "graded"
    subreaper(True)
    try:
        start = time.monotonic()
        run = CliRunner().invoke(main, ["batch", str(students), "--out", str(out), "--workers", "2", "--seed",
                                        str(kit.SEED), "--timeout", "0.5", "--memory", "512M", "-q"])
        seconds = time.monotonic() - start
        assert run.exit_code == 0, run.output
        assert leftovers(kit, 2.0) == []  # grading processes, their fork servers and workers are gone
    finally:
        subreaper(False)
    assert sorted(os.listdir(private_tmp)) == []
    with open(out / "gradebook.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["exercise"] == "exercise4"]
    by_student = {r["student_id"]: r for r in rows if r["file"].endswith(("exercise4.py", "exercise4.ipynb"))}
    expected = {case.replace(".", "_"): sum(kit.twin(t, hidden=True).values()) if t else 0.0
                for case, t in TWINS.items()}
    expected.update({name.replace(".", "_"): 0.0 for name in GENERATED})
    got = {student: float(row["score"]) for student, row in by_student.items()}
    assert got == expected
    # every time limit the whole class could use, one after the other, plus a constant
    results = [json.loads((out / row["result"]).read_text()) for row in by_student.values()]
    timeouts = sum(kit.time_limits_used(result) for result in results)
    assert seconds <= timeouts + 20.0, f"{seconds:.1f} s"
    summary = (out / "summary.html").read_text()
    assert '<script>alert("full marks")' not in summary
