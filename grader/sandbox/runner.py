"""Run untrusted submission code in a limited worker process and get plain data back. Linux only.

The grader never imports a submission. A :class:`Sandbox` forks a worker from a fork server that has numpy
loaded (grader/sandbox/forkserver.py, grader/sandbox/_zygote.py), loads the source there and calls its functions with
:meth:`Sandbox.call`. Arguments and results travel as JSON plus raw array bytes (grader/sandbox/wire.py): nothing from
the worker is unpickled or evaluated. Every failure of the submission is a :class:`SubmissionError` that fails
only that call; the next call starts a fresh worker when the old one had to go.

    with Sandbox(source, "exercise3.py", Limits(timeout=2.0)) as sb:
        dx = sb.call("conv_backward_input", delta, w, stride=2, padding=1)

Containment: the worker has its own process group and private working directory, RLIMIT_AS/CPU/FSIZE/
NOFILE/CORE limits, no new privileges, and, when the grader is root, a uid of its own (2e9 + its pid, or nobody
when that is not mapped) with a process cap; our packages (reference, grader, solutions) are refused to its
imports; the zygote kills processes that escape the group before it reports the worker's end. Not
contained: reading world-readable files, the network, and (when not root) anything the grader's uid may do to
its own files. A Sandbox is not thread-safe; use one per thread.
"""

import math
import os
import secrets
import signal
import tempfile
import time
import weakref
from typing import NamedTuple

from grader.sandbox import _confine, wire  # _confine: standard library only, as the zygote loads it
from grader.sandbox.errors import (Crashed, Exited, FunctionMissing, LoadFailed, NotImplementedYet, OutOfMemory,
                                   SubmissionError, SubmissionRaised, TimedOut)
from grader.sandbox.forkserver import SandboxUnavailable, prestart, spawn_worker

__all__ = ["Sandbox", "Limits", "DEFAULT_LIMITS", "prestart", "shared_worker_uid", "SandboxUnavailable",
           "SubmissionError",
           "NotImplementedYet", "FunctionMissing", "SubmissionRaised", "TimedOut", "OutOfMemory", "Crashed", "Exited",
           "LoadFailed"]

FILE_SIZE_LIMIT = 16 << 20  # RLIMIT_FSIZE of a worker: caps every file it writes, its output included
MAX_REPLY_TEXT = 10_000
MAX_FRAMES = 20  # frames of the submission's own in a failure (the worker keeps the innermost)
MAX_CELL_FAILURES = 20  # notebook cells that raised, reported after a load


class Limits(NamedTuple):
    """Limits of a sandbox's worker."""
    timeout: float = 5.0  # seconds of wall clock per call (and for loading the source)
    memory: int = 1 << 30  # bytes of address space (RLIMIT_AS; the worker starts with numpy's ~0.1 GiB)
    output: int = 64 * 1024  # bytes of captured stdout/stderr kept


DEFAULT_LIMITS = Limits()


class _Resources:
    """What a Sandbox must release: its worker (and with it the worker's directory) and output file."""

    def __init__(self):
        self.worker = None
        self.output = tempfile.TemporaryFile(prefix="sandbox-output-")  # unnamed: nothing left on disk

    def kill_worker(self):
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.close()

    def release(self):
        self.kill_worker()
        self.output.close()


class Sandbox:
    """A submission loaded in a worker process. See the module docstring.

    source: the submission's Python source. filename: its name in tracebacks and ``__file__``.
    limits: a :class:`Limits`. cells: for a notebook, the first line of each cell in `source`: each cell then
    runs on its own and one that raises does not stop the rest (see ``cell_failures``).
    """

    def __init__(self, source, filename="submission.py", limits=DEFAULT_LIMITS, cells=None):
        if not isinstance(source, str):
            raise TypeError(f"source must be a str, got {type(source).__name__}")
        if not isinstance(filename, str) or not filename:
            raise TypeError(f"filename must be a non-empty str, got {filename!r}")
        if not isinstance(limits, Limits):
            raise TypeError(f"limits must be a Limits, got {type(limits).__name__}")
        if not (limits.timeout > 0 and math.isfinite(limits.timeout)) or limits.memory <= 0 or limits.output < 0:
            raise ValueError(f"limits must be positive and finite, got {limits}")
        if cells is not None and (not cells or any(type(c) is not int or c < 1 for c in cells)
                                  or list(cells) != sorted(set(cells))):
            raise ValueError(f"cells must be increasing line numbers from 1, got {cells!r}")
        self.source, self.filename, self.limits = source, filename, limits
        self.cells = list(cells) if cells is not None else None
        self.extra_output = ""  # printed by calls made with call_within
        self.cell_failures = None  # after the first load of a notebook: a SubmissionRaised per cell that raised
        self._jail = {}
        self._load_error = None
        self._res = _Resources()
        self._finalizer = weakref.finalize(self, self._res.release)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Kill the worker and everything it started, and remove the temporary files. Idempotent."""
        self._finalizer()

    @property
    def closed(self):
        return not self._finalizer.alive

    @property
    def jail(self):
        """What the latest worker's jail achieved (grader/sandbox/_jail.py): {"tmpfs", "landlock", "seccomp", "uid",
        "shared_uid"}, kept after that worker is gone; {} before any worker has started."""
        return dict(self._jail)

    @property
    def output(self):
        """Captured stdout and stderr so far, cut at limits.output bytes with a "[... truncated]" marker."""
        if self.closed:
            raise ValueError("the sandbox is closed")
        fd = self._res.output.fileno()
        size = os.fstat(fd).st_size
        text = os.pread(fd, self.limits.output, 0).decode("utf-8", "replace")
        text = text + "\n[... truncated]\n" if size > self.limits.output else text
        return text + self.extra_output[:self.limits.output]

    def call(self, name, /, *args, **kwargs):
        """Run ``name(*args, **kwargs)`` of the submission in the worker and return the decoded result.

        args/kwargs: numpy arrays of numeric dtype, int, float, complex, bool, str, None and lists, tuples
        and str-keyed dicts of these (TypeError otherwise). Returns fresh objects: arrays, scalars, str,
        None, containers, or :class:`grader.sandbox.wire.Opaque` for a value that is not plain data.
        Raises a :class:`SubmissionError` subclass when the submission misbehaves.
        """
        if self.closed:
            raise ValueError("the sandbox is closed")
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"name must be a function name, got {name!r}")
        seq = self._next_seq()
        chunks = wire.pack({"op": "call", "name": name, "seq": seq}, (args, kwargs), strict=True)
        self._start()
        reply, value = self._exchange(chunks, seq)
        if reply["status"] == "missing":
            raise FunctionMissing(f"the submission has no function `{name}`")
        return value

    def call_within(self, seconds, name, /, *args, **kwargs):
        """``call`` with a time limit of its own (a long job, such as training a network), in a fresh worker with
        the same source and every other limit; this sandbox's worker is not touched. What it prints is kept."""
        if not (isinstance(seconds, (int, float)) and seconds > 0 and math.isfinite(seconds)):
            raise ValueError(f"seconds must be positive and finite, got {seconds!r}")
        with Sandbox(self.source, self.filename, self.limits._replace(timeout=float(seconds)), self.cells) as other:
            try:
                return other.call(name, *args, **kwargs)
            finally:
                self._jail = self._jail or other.jail
                self.extra_output += other.output

    # ---- worker lifecycle -----------------------------------------------------------------------------

    def _start(self):
        if self._load_error is not None:
            raise LoadFailed(self._load_error.message, self._load_error.traceback)
        if self._res.worker is not None:
            return
        res = self._res
        res.worker = spawn_worker(tmpdir=tempfile.gettempdir(), memory=self.limits.memory, timeout=self.limits.timeout,
                                  fsize=FILE_SIZE_LIMIT, output_fd=res.output.fileno(), drop_uid=_drop_uid(),
                                  output=self.limits.output)
        self._jail = res.worker.jail
        seq = self._next_seq()
        control = {"op": "load", "filename": self.filename, "seq": seq, "cells": self.cells}
        chunks = wire.pack(control, self.source, strict=True)
        try:
            reply, _ = self._exchange(chunks, seq)
            if self.cell_failures is None and self.cells is not None:
                self.cell_failures = tuple(_raised(failure) for failure in reply["cells"])
        except SubmissionError as exc:
            self._res.kill_worker()
            text = exc.message if not isinstance(exc, TimedOut) else exc.message + " while loading"
            self._load_error = LoadFailed(f"the submission could not be loaded: {text}", exc.traceback,
                                          exc.frames, exc.type)
            raise self._load_error from None

    @staticmethod
    def _next_seq():
        """A random request number, which the reply must carry. A frame with another number is not a reply to
        this request (a late one, or one the submission forged) and is skipped. A submission can forge the reply
        to the request it is serving (no better than returning a value), never to one not yet sent."""
        return secrets.randbits(62)

    def _exchange(self, chunks, seq):
        """Send request number `seq`, wait for its reply -> (reply, value), or raise the SubmissionError
        it means."""
        worker = self._res.worker
        deadline = time.monotonic() + self.limits.timeout
        try:
            wire.send_frame(worker.conn, chunks, deadline)
            reply, value = wire.recv_frame(worker.conn, deadline)
            while reply.get("seq") != seq or type(reply.get("seq")) is not int:
                reply, value = wire.recv_frame(worker.conn, deadline)
            status = _check_reply(reply, seq)
        except TimeoutError:
            self._res.kill_worker()
            raise TimedOut(f"timed out after {self.limits.timeout:g} s") from None
        except (OSError, EOFError):
            exit_status = worker.exit_status(2.0)
            self._res.kill_worker()
            raise _died(exit_status, self.limits) from None
        except wire.ProtocolError as exc:
            self._res.kill_worker()
            raise Crashed(f"the worker broke the protocol ({exc})") from None
        if status in ("ok", "missing"):
            return reply, value
        if status == "notimpl":
            text = "not implemented yet" + (f"\n  NotImplementedError: {reply['message']}" if reply["message"] else "")
            raise NotImplementedYet(text, "", reply["frames"], "NotImplementedError")
        if status == "raised":
            if reply["fatal"]:
                self._res.kill_worker()
            raise _raised(reply)
        self._res.kill_worker()
        if status == "memory":
            raise OutOfMemory(f"used more than {_format_bytes(self.limits.memory)} of memory")
        raise Exited(f"the submission called {reply['code']}")


def shared_worker_uid():
    """True when the grader is root but this user namespace cannot give every worker a uid of its own
    (UID_BASE + any pid: a container's 65,536 ids): workers would share one, so a batch grades one at a time."""
    return os.geteuid() == 0 and not _confine.distinct_uids_mapped()  # not root: no uid switch at all


def _drop_uid():
    """Run workers as nobody? Only possible (and needed) when the grader runs as root."""
    return os.geteuid() == 0


def _raised(reply):
    """The SubmissionRaised that a checked "raised" reply (or a notebook cell's failure) stands for."""
    message = f"raised {reply['type']}" + (f": {reply['message']}" if reply["message"] else "")
    return SubmissionRaised(message, reply["traceback"], reply["frames"], reply["type"])


def _check_reply(reply, seq):
    """Validate a worker's reply fields (in place: text made one line and short); -> status. ProtocolError if
    anything is off."""
    status = reply.get("status")
    fields = {"ok": (), "missing": (), "notimpl": ("message",), "memory": (), "exit": ("code",),
              "raised": ("type", "message", "traceback")}.get(status) if type(status) is str else None
    if fields is None:
        raise wire.ProtocolError("bad reply status")
    _check_text(reply, fields)
    if status in ("raised", "notimpl"):
        reply["frames"] = _checked_frames(reply.get("frames"))
    if status == "raised" and type(reply.get("fatal")) is not bool:
        raise wire.ProtocolError("bad exception reply")
    if status == "ok" and "cells" in reply:  # a notebook's load: the cells that raised
        failures = reply["cells"]
        if type(failures) is not list or len(failures) > MAX_CELL_FAILURES or any(type(f) is not dict
                                                                                  for f in failures):
            raise wire.ProtocolError("bad cell failures")
        for failure in failures:
            if failure.get("status") != "raised":
                raise wire.ProtocolError("bad cell failure")
            _check_text(failure, ("type", "message", "traceback"))
            failure["frames"] = _checked_frames(failure.get("frames"))
    return status


def _check_text(reply, fields):
    for key in fields:
        if type(reply.get(key)) is not str or len(reply[key]) > MAX_REPLY_TEXT:
            raise wire.ProtocolError(f"bad reply field {key!r}")
    if "type" in fields:
        reply["type"] = " ".join(reply["type"].split())[:200] or "Exception"
    for key, cap in (("message", 1000), ("code", 200)):
        if key in fields:
            reply[key] = " ".join(reply[key].split())[:cap]


def _checked_frames(frames):
    """[[line, function], ...] from a worker -> ((line, function), ...); ProtocolError if malformed."""
    if type(frames) is not list or len(frames) > MAX_FRAMES:
        raise wire.ProtocolError("bad reply frames")
    checked = []
    for frame in frames:
        if (type(frame) is not list or len(frame) != 2 or type(frame[0]) is not int or type(frame[1]) is not str
                or not 0 < frame[0] < 1 << 31):
            raise wire.ProtocolError("bad reply frame")
        checked.append((frame[0], " ".join(frame[1].split())[:100]))
    return tuple(checked)


def _died(exit_status, limits):
    """The error for a worker that died mid-request, from the zygote's 'exit N' / 'signal N'."""
    kind, _, number = (exit_status or "").partition(" ")
    if kind == "exit" and number == str(wire.EXIT_CONNECTION_CLOSED):
        return Crashed("the worker crashed (the submission closed its connection to the grader)")
    if kind == "exit" and number == str(wire.EXIT_WORKER_BROKEN):
        return Crashed("the worker crashed (the submission broke the worker's own code, e.g. by patching it)")
    if kind == "exit" and number.isdigit():
        return Exited(f"the worker exited with status {number} (sys.exit or os._exit)")
    if kind == "signal" and number.isdigit():
        try:
            name = signal.Signals(int(number)).name
        except ValueError:
            name = f"signal {number}"
        note = {"SIGXCPU": ": CPU time limit", "SIGXFSZ": ": file size limit"}.get(name, "")
        return Crashed(f"the worker crashed (signal {name}{note})")
    return Crashed("the worker crashed (its connection was lost)")


def _format_bytes(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"
