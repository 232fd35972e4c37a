"""`grade doctor`: what the jail around a submission holds on this machine, measured, not assumed.

A probe submission runs in a real sandbox worker and tries each thing a submission must not do; each protection
is reported as holding only when the attempt failed there. The worker's own report of its jail (Landlock ABI,
seccomp, private tmpfs, uid) says by which means.
"""

from __future__ import annotations

import os
import tempfile
from typing import NamedTuple

from grader.sandbox.runner import DEFAULT_LIMITS, Sandbox, SubmissionError

PROBE = r'''
import os, socket, tempfile

def _refused(attempt):
    try:
        attempt()
    except OSError:
        return True
    return False

def _write(path):
    with open(path, "w") as f:
        f.write("x")
    os.remove(path)

def probe(grader_file, site_file, tmp):
    free = os.statvfs(".")
    return {
        "read_grader": _refused(lambda: open(grader_file).read(1)),
        "read_packages": _refused(lambda: open(site_file).read(1)),
        "read_proc": _refused(lambda: os.listdir("/proc")),
        "write_tmp": _refused(lambda: _write(os.path.join(tmp, f"doctor-{os.getpid()}"))),
        "write_shm": _refused(lambda: _write(f"/dev/shm/doctor-{os.getpid()}")),
        "fork": _refused(os.fork),
        "exec": _refused(lambda: os.execv("/bin/true", ["true"])),
        "network": _refused(lambda: socket.create_connection(("127.0.0.1", 9), timeout=0.5)),
        "signal": _refused(lambda: os.kill(os.getppid(), 0)),
        "tmp_bytes": free.f_blocks * free.f_frsize,
    }
'''


class Finding(NamedTuple):
    holds: bool
    what: str  # the protection, in a line


def examine() -> tuple[list[Finding], dict]:
    """Run the probe in a sandbox worker -> (findings, the worker's jail report)."""
    import click  # the probe reads a file of an installed package beside NumPy: click's

    with Sandbox(PROBE, "doctor_probe.py", DEFAULT_LIMITS) as sandbox:
        seen = sandbox.call("probe", os.path.abspath(__file__), os.path.abspath(click.__file__),
                            tempfile.gettempdir())
        jail = sandbox.jail
    return findings(seen, jail), jail


def findings(seen: dict, jail: dict) -> list[Finding]:
    """What the probe's attempts (True: refused) and the jail's report mean, one line each."""
    tmp = seen["tmp_bytes"] if jail.get("tmpfs") else None
    return [
        Finding(seen["fork"] and seen["exec"], "processes: a submission can start none, so none outlives it "
                                               "and its memory limit counts all of it (seccomp)"),
        Finding(seen["network"], "network: no sockets, localhost included (seccomp; Landlock TCP rules)"),
        Finding(seen["signal"], "signals: to itself only (seccomp)"),
        Finding(seen["read_grader"] and seen["read_packages"],
                "reads: the standard library and NumPy only, not the grader, the checks, solutions/ or other "
                f"packages (Landlock ABI {jail.get('landlock', 0)})"),
        Finding(seen["read_proc"], "other processes: /proc is out of reach (Landlock)"),
        Finding(seen["write_tmp"] and seen["write_shm"],
                "writes: its own folder only, not /tmp, /dev/shm or the results (Landlock)"),
        Finding(tmp is not None, "temporary space: a private tmpfs of "
                                 f"{(tmp or 0) >> 20} MiB, gone with the worker (mount namespace)"),
        Finding(not jail.get("shared_uid", False), _uids(jail)),
    ]


def _uids(jail: dict) -> str:
    if os.geteuid() != 0:
        return "uids: workers run as you (not root); the jail above keeps them apart"
    if jail.get("shared_uid"):
        return (f"uids: workers share uid {jail.get('uid')}: this user namespace maps too few ids for one each "
                "(the jail above still keeps them apart; a batch grades one at a time)")
    return f"uids: each worker runs as a uid of its own (root), e.g. {jail.get('uid')}"


def report(found: list[Finding], jail: dict) -> str:
    """The lines `grade doctor` prints."""
    lines = [f"{'ok' if f.holds else 'MISSING':7} {f.what}" for f in found]
    missing = sum(not f.holds for f in found)
    lines.append("Every protection holds on this machine." if not missing else
                 f"{missing} protection(s) missing: grading works, but a submission can do what the MISSING "
                 "lines allow (grade untrusted classes where every line is ok, e.g. a newer Linux kernel).")
    return "\n".join(lines)


def run_doctor() -> tuple[str, bool]:
    """(text, all hold); a sandbox that cannot start at all is a finding too."""
    try:
        found, jail = examine()
    except SubmissionError as exc:
        return f"MISSING the probe could not run in the sandbox: {exc}", False
    return report(found, jail), all(f.holds for f in found)


def jail_note(jail: dict) -> str | None:
    """One line for a result when the worker's jail lacked a protection (None when all were there)."""
    lacking = [name for name, present in (("Landlock", jail.get("landlock")), ("seccomp", jail.get("seccomp")),
                                          ("a private tmpfs", jail.get("tmpfs"))) if not present]
    if not jail or not lacking:
        return None
    return f"note: this machine's sandbox lacks {' and '.join(lacking)}; `grade doctor` says what that allows"
