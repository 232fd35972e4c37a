"""A small pool of grading processes for `grade batch`.

Each worker is a long-lived process (forked, so it starts with the grader already imported) that grades one task
at a time and keeps its sandbox fork server warm between tasks: that is what makes batch grading fast. The parent
hands out tasks one by one over a pipe, so it always knows which task a worker holds; a worker that dies or runs
past the deadline loses only that task (reported through `on_lost`) and is replaced. Workers ignore Ctrl-C: the
parent decides, stops them (SIGTERM lets a worker close its sandbox) and the caller reports what was done.

Messages between the parent and its workers are the grader's own data (task tuples, small summaries); student
code never runs in these processes, only in the sandbox's workers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from multiprocessing.connection import wait
from typing import Callable, Iterable

STOP_GRACE = 3.0  # seconds a stopped worker gets to close its sandbox before SIGKILL
PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies


class _Worker:
    def __init__(self, ctx, work: Callable):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, work, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.task = None
        self.started = 0.0

    def give(self, task) -> None:
        self.task, self.started = task, time.monotonic()
        self.conn.send(task)

    def stop(self, *, force: bool) -> None:
        """Ask an idle worker to finish (force=False) or terminate a busy one; then reap it."""
        try:
            if force:
                self.process.terminate()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(STOP_GRACE)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(STOP_GRACE)
        self.conn.close()


def _serve(conn, work: Callable, parent: int) -> None:
    """Worker main loop: task in, work(task) out, until None or the parent goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)
    _die_with(parent)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        reply = work(task)
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _die_with(parent: int) -> None:
    """Get SIGTERM when the batch process dies, even by SIGKILL (Linux), so no grading process outlives it.

    Waiting for the pipe to close is not enough: a sibling forked later holds a copy of this worker's pipe end.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pipe closing still ends a worker without siblings
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        raise SystemExit(0)


def _exit_on_term(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through `with Sandbox(...)`, which kills the student's process


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def run_tasks(tasks: Iterable, *, workers: int, work: Callable, on_done: Callable, on_lost: Callable,
              deadline: Callable = lambda task: 3600.0) -> None:
    """Run `work(task)` for every task in `workers` processes.

    `on_done(task, reply)` is called in this process as each task finishes; `on_lost(task, reason)` when the
    worker holding it died or ran longer than `deadline(task)` seconds. KeyboardInterrupt (or any exception of a
    callback) stops every worker before it propagates.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    queue = deque(tasks)
    ctx = _context()
    pool = [_Worker(ctx, work) for _ in range(min(workers, len(queue)))]
    try:
        while queue or any(w.task is not None for w in pool):
            for worker in pool:
                if worker.task is None and queue:
                    worker.give(queue.popleft())
            busy = [w for w in pool if w.task is not None]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=1.0)
            for index, worker in enumerate(pool):
                if worker.task is not None:
                    pool[index] = _collect(worker, ready, ctx, work, on_done, on_lost, deadline)
    finally:
        for worker in pool:
            worker.stop(force=worker.task is not None)


def _collect(worker: _Worker, ready, ctx, work, on_done, on_lost, deadline) -> _Worker:
    """Handle one busy worker after a wait; returns the worker to keep (a fresh one if it was lost)."""
    task = worker.task
    if worker.conn in ready:
        try:
            reply = worker.conn.recv()
        except (EOFError, OSError):
            reply = _LOST
        if reply is not _LOST:
            worker.task = None
            on_done(task, reply)
            return worker
    elif worker.process.sentinel not in ready:
        limit = deadline(task)
        if time.monotonic() - worker.started <= limit:
            return worker
        reason = f"grading took longer than {limit:g} s and was stopped"
        worker.stop(force=True)
        worker.task = None
        on_lost(task, reason)
        return _Worker(ctx, work)
    worker.process.join(STOP_GRACE)
    code = worker.process.exitcode
    reason = (f"the grading process died (signal {-code})" if code is not None and code < 0
              else f"the grading process died (exit status {code})")
    worker.stop(force=True)
    worker.task = None
    on_lost(task, reason)
    return _Worker(ctx, work)


_LOST = object()


def cpu_count() -> int:
    """Cores this process may use (the default number of workers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
