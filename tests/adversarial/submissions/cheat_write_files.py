"""Cheat: write the grade instead of earning it. Looks for the results folder above the submission and
writes a full-marks result there (and replaces the folder); opens the grader's own files for writing; leaves
an atexit handler and signal handlers that write full marks; forks a process that leaves the worker's group
and keeps writing full marks after the worker is gone (it prints "ESCAPEE <pid>").
Prints "OPENED <path>" for each grader or result file it could open for writing. Honest part:
conv_backward_bias."""
import atexit
import json
import os
import signal
import time

import numpy as np

FAKE = {"score": 13, "max_score": 13, "tests": [], "output": "full marks"}
HERE = os.path.dirname(os.path.abspath(__file__))


def _results_folders():
    """The results folders of the submission's own project (it looks no higher: run by a user who may write
    more, this attack would otherwise damage folders beyond the test's)."""
    for folder in (HERE, os.path.dirname(HERE)):
        for candidate in (os.path.join(folder, ".grade", "results"), os.path.join(folder, "results")):
            if os.path.isdir(candidate):
                yield candidate


def _grader_files():
    try:
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:  # the fork server: python ... grader/sandbox/_zygote.py
            args = f.read().decode().split("\0")
    except OSError:
        return []
    folders = {os.path.dirname(a) for a in args if a.endswith("_zygote.py")}
    found = []
    for folder in folders:
        try:  # a folder the sandbox uid cannot reach (say under a 0700 /tmp) is simply out of reach
            found += [os.path.join(folder, n) for n in sorted(os.listdir(folder)) if n.endswith(".py")]
        except OSError:
            pass
    return found


def _write_full_marks():
    for folder in _results_folders():
        for name in ("exercise4.json", "exercise3.json"):
            try:
                with open(os.path.join(folder, name), "w") as f:
                    json.dump(FAKE, f)
                print(f"OPENED {os.path.join(folder, name)}")
            except OSError:
                pass
        try:
            os.rename(folder, folder + ".old")
            os.makedirs(folder)
            print(f"OPENED {folder}")
        except OSError:
            pass
    for path in _grader_files():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND))  # opened, nothing written: the checkout is safe
            print(f"OPENED {path}")
        except OSError:
            pass


def _escape():
    ready_r, ready_w = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(ready_w, str(os.getpid()).encode())
            end = time.monotonic() + 30
            while time.monotonic() < end:
                _write_full_marks()
                time.sleep(0.005)
        os._exit(0)
    os.close(ready_w)
    print(f"ESCAPEE {os.read(ready_r, 32).decode()}")  # it runs: the test checks that it is gone after the run


atexit.register(_write_full_marks)
for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGALRM):
    signal.signal(signum, lambda *args: _write_full_marks())
_write_full_marks()
try:
    _escape()
except OSError as exc:  # the jail refuses new processes
    print(f"ESCAPE REFUSED {exc}")


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    _write_full_marks()
    return np.zeros(3)


def conv_backward_bias(delta):
    return np.asarray(delta, dtype=np.float64).sum(axis=(0, 2, 3))
