"""The sandbox worker: the loop that loads and calls a submission, in a process forked by the zygote.

Runs once grader/sandbox/_zygote.py and grader/sandbox/_confine.py have set the process up (own process group, limits,
unprivileged uid). Loaded
by the zygote from its file path, with ``wire`` set to grader/sandbox/wire.py loaded the same way; never imported by
the grader. Requests come on fd 3 as wire frames: ``{"op": "load", "filename": f, "cells": [line, ...]}`` with the source
as value (``cells``, for a notebook: the first line of each cell; each cell then runs on its own, in order, and
one that raises does not stop the next, as "Run All" with errors allowed), then ``{"op": "call", "name": n}``
with ``(args, kwargs)`` as value; each has a ``seq`` number that its reply repeats. Replies carry ``status``:
``ok`` (value: the return value; after a load, ``cells``: the failures of cells that raised), ``notimpl``
(``message``, ``frames``), ``missing``, ``memory``, ``exit`` (``code``: "sys.exit(0)") or ``raised`` (``type``,
``message``, ``traceback``: the submission's frames only, ``frames``: their ``[line, function]``, innermost
last; ``fatal``: a BaseException).
"""

import builtins
import errno
import functools
import io
import linecache
import os
import posix
import resource
import socket
import sys
import traceback
import types

wire = None  # grader/sandbox/wire.py, set by the zygote
BLOCKED = frozenset({"reference", "grader", "solutions"})
PINNED = (__name__, "_sandbox_wire", "json", "json.decoder", "json.encoder", "json.scanner", "traceback",
          "linecache")  # modules whose builtins a submission cannot patch (see isolate())
MAX_MESSAGE = 1000  # characters of an exception message
MAX_TRACEBACK = 8000
MAX_FRAMES = 20  # the innermost frames of the submission's own that a failure reports
MAX_CELL_FAILURES = 20
_exit = os._exit  # the real one: the submission's os._exit is _reported_exit


class _Blocker:
    """A sys.meta_path finder that refuses our own packages to the submission."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not available to submissions", name=name)
        return None


def serve(fd, outputs, *, cpu_budget, cpu_hard):
    """Answer requests on socket fd until the parent closes it; never returns.
    outputs: the stdout/stderr streams from isolate(), flushed after each request."""
    conn = socket.socket(fileno=fd)
    state = {"cpu": (cpu_budget, cpu_hard), "outputs": outputs, "seq": None, "pid": os.getpid()}
    os._exit = posix._exit = functools.partial(_reported_exit, conn, state)
    while True:
        try:
            control, value = wire.recv_frame(conn)
        except (OSError, EOFError, wire.ProtocolError):
            _exit(0)  # the parent went away
        state["seq"] = control.get("seq")
        reply, result = _dispatch(control, value, state)
        if os.getpid() != state["pid"]:
            _exit(0)  # a process the submission forked, back in our code: only the worker answers
        reply["seq"] = control.get("seq")
        try:
            chunks = _pack(reply, result)
            del result
            wire.send_frame(conn, chunks)
        except OSError as exc:  # the parent went away, or the submission closed or replaced fd 3
            _exit(wire.EXIT_CONNECTION_CLOSED if exc.errno in (errno.EBADF, errno.ENOTSOCK) else 0)


def _reported_exit(conn, state, status):
    """The submission's os._exit: tell the parent who ended the worker (not in a process it forked), then end it."""
    if type(status) is int and state["seq"] is not None and os.getpid() == state["pid"]:
        try:
            wire.send_frame(conn, wire.pack({"status": "exit", "code": f"os._exit({status})", "seq": state["seq"]}))
        except BaseException:
            pass
    _exit(status)


class _CappedText(io.TextIOWrapper):
    """sys.stdout/sys.stderr of a submission: line-buffered UTF-8 on an fd, that quietly drops what is
    printed past a budget (shared by both streams) instead of failing at the file size limit."""

    def __init__(self, fd, budget):
        super().__init__(io.BufferedWriter(io.FileIO(fd, "w", closefd=False)), encoding="utf-8",
                         errors="backslashreplace", line_buffering=True)
        self._budget = budget  # [characters left]; characters <= bytes, so the parent sees the overflow

    def write(self, s):
        if type(s) is not str or self._budget[0] is None:
            return super().write(s)
        kept = s[:max(self._budget[0], 0)]
        self._budget[0] -= len(kept)
        if kept:
            super().write(kept)
        return len(s)


def isolate(output=None):
    """Block our packages, keep builtins from the submission's patches, and give the submission fresh
    stdout/stderr on fds 1 and 2 keeping the first `output` + 1 characters (None: all)."""
    sys.meta_path.insert(0, _Blocker)
    for name in [m for m in sys.modules if m.partition(".")[0] in BLOCKED]:
        del sys.modules[name]
    for name in PINNED:  # a submission patching builtins (isinstance, len, ...) cannot break our replies
        for key, value in vars(builtins).items():
            vars(sys.modules[name]).setdefault(key, value)
    budget = [None if output is None else int(output) + 1]
    out, err = _CappedText(1, budget), _CappedText(2, budget)
    sys.stdout = sys.__stdout__ = out
    sys.stderr = sys.__stderr__ = err
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)))
    builtins.exit = builtins.quit = sys.exit  # `site` is not loaded (-S), which normally adds them
    return out, err


def _dispatch(control, value, state):
    op = control.get("op")
    if op == "load" and type(value) is str and type(control.get("filename")) is str:
        cells = control.get("cells") or [1]
        if type(cells) is list and all(type(c) is int for c in cells):
            return _load(control["filename"], value, cells, state), None
    if op == "call" and type(control.get("name")) is str and state.get("module") is not None:
        if type(value) is tuple and len(value) == 2 and type(value[0]) is tuple and type(value[1]) is dict:
            return _call(control["name"], value[0], value[1], state)
    return {"status": "raised", "type": "RuntimeError", "message": f"bad request {op!r}", "traceback": "",
            "fatal": True}, None


def _load(filename, source, cells, state):
    """Run the source as the module `submission`: whole (a .py file: an error fails the load), or cell by cell
    from the given first lines (a notebook: an error fails only its cell, reported in the reply's "cells")."""
    module = types.ModuleType("submission")
    module.__file__ = filename
    sys.modules["submission"] = module
    sys.argv = [filename]
    lines = source.splitlines(True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    state["filename"] = filename
    _limit_cpu(*state["cpu"])
    failures = []
    bounds = [*cells[1:], len(lines) + 1]
    try:
        for first, end in zip(cells, bounds):
            padded = "\n" * (first - 1) + "".join(lines[first - 1:end - 1])  # line numbers as in the source
            try:
                exec(compile(padded, filename, "exec", dont_inherit=True), module.__dict__)
            except BaseException as exc:
                if len(cells) == 1 or isinstance(exc, (MemoryError, KeyboardInterrupt)):
                    raise
                failures.append(_failure(exc, filename, as_exception=True))
    except BaseException as exc:
        return _failure(exc, filename)
    finally:
        _flush(state["outputs"])
    state["module"] = module
    return {"status": "ok", "cells": failures[:MAX_CELL_FAILURES]}


def _call(name, args, kwargs, state):
    filename = state["filename"]
    try:
        func = getattr(state["module"], name, None)
    except BaseException as exc:  # a module __getattr__ of the submission
        return _failure(exc, filename), None
    if not callable(func):
        return {"status": "missing"}, None
    _limit_cpu(*state["cpu"])
    try:
        result = func(*args, **kwargs)
    except BaseException as exc:
        return _failure(exc, filename), None
    finally:
        _flush(state["outputs"])
    return {"status": "ok"}, result


def _pack(reply, result):
    try:
        return wire.pack(reply, result, strict=False)
    except MemoryError:
        return wire.pack({"status": "memory", "seq": reply.get("seq")})
    except Exception as exc:  # a value whose encoding broke in an unforeseen way
        try:
            name = type(result).__name__
        except Exception:
            name = "object"
        return wire.pack(reply, wire.Opaque(str(name), f"could not be encoded ({type(exc).__name__})"))


def _failure(exc, filename, as_exception=False):
    """The reply for an exception of the submission. as_exception: report sys.exit and NotImplementedError as
    the exceptions they are (a notebook cell that raised them)."""
    try:
        if isinstance(exc, SystemExit) and not as_exception:
            code = exc.code
            return {"status": "exit", "code": "sys.exit()" if code is None else f"sys.exit({_short(code)})"}
        if isinstance(exc, MemoryError):
            return {"status": "memory"}
        if isinstance(exc, NotImplementedError) and not as_exception:
            return {"status": "notimpl", "message": _message(exc), "frames": _frames(exc, filename)}
        return {"status": "raised", "type": str(type(exc).__name__), "message": _message(exc),
                "traceback": _traceback(exc, filename), "frames": _frames(exc, filename),
                "fatal": not isinstance(exc, Exception)}
    except MemoryError:
        return {"status": "memory"}
    except BaseException:  # formatting a hostile exception failed
        return {"status": "raised", "type": "Exception", "message": "(unprintable exception)", "traceback": "",
                "fatal": True}


def _short(x):
    try:
        text = repr(x)
    except Exception:
        text = "..."
    return text if len(text) <= 80 else text[:77] + "..."


def _message(exc):
    try:
        text = str(exc)
    except Exception:
        return "(unprintable message)"
    lines = text.strip().splitlines() or [""]
    first = lines[0] + (" ..." if len(lines) > 1 else "")
    return first if len(first) <= MAX_MESSAGE else first[:MAX_MESSAGE - 3] + "..."


def _frames(exc, filename):
    """[line, function] of the submission's own frames, innermost last (a syntax error: its line)."""
    frames = [[f.lineno, f.name] for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    if isinstance(exc, SyntaxError) and exc.filename == filename and type(exc.lineno) is int:
        frames.append([exc.lineno, "<module>"])
    return [[line, str(name)[:100]] for line, name in frames[-MAX_FRAMES:] if type(line) is int]


def _traceback(exc, filename):
    """The traceback restricted to the submission's own frames, as text (empty when it has none)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    lines = traceback.StackSummary.from_list(frames).format()
    if frames:
        lines.insert(0, "Traceback (most recent call last):\n")
    lines.extend(traceback.format_exception_only(type(exc), exc))
    text = "".join(lines)
    if len(text) > MAX_TRACEBACK:
        text = text[:2000] + "\n[... traceback shortened ...]\n" + text[-(MAX_TRACEBACK - 2100):]
    return text


def _flush(outputs):
    for stream in (sys.stdout, sys.stderr, *outputs):
        try:
            stream.flush()
        except BaseException:  # output past RLIMIT_FSIZE, or a stream the submission replaced
            pass


def _limit_cpu(budget, hard):
    """Backstop: let the next request use `budget` more seconds of CPU before SIGXCPU."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = min(hard, int(usage.ru_utime + usage.ru_stime) + budget + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
