"""The grading pool: results come back, a dying or stuck worker loses only its task, Ctrl-C stops everything."""

import multiprocessing
import os
import time

import pytest

from grader.course.workers import run_tasks


def square(task):
    if task == "die":
        os._exit(3)
    if task == "stuck":
        time.sleep(60)
    return task * task


def run(tasks, **kwargs):
    done, lost = {}, {}
    run_tasks(tasks, work=square, on_done=lambda t, r: done.__setitem__(t, (r, os.getpid())),
              on_lost=lambda t, why: lost.__setitem__(t, why), **kwargs)
    return done, lost


def test_every_task_is_done_once_by_the_workers():
    done, lost = run(list(range(12)), workers=2)
    assert {t: r for t, (r, _) in done.items()} == {i: i * i for i in range(12)}
    assert lost == {}
    assert multiprocessing.active_children() == []


def test_a_dying_worker_loses_only_its_task_and_is_replaced():
    done, lost = run([1, "die", 2, 3, "die", 4], workers=2)
    assert {t: r for t, (r, _) in done.items()} == {1: 1, 2: 4, 3: 9, 4: 16}
    assert lost == {"die": "the grading process died (exit status 3)"}


def test_a_task_past_its_deadline_is_stopped():
    start = time.monotonic()
    done, lost = run([1, "stuck", 2], workers=2, deadline=lambda task: 0.5)
    assert time.monotonic() - start < 10  # 60 s of sleep were cut short
    assert lost == {"stuck": "grading took longer than 0.5 s and was stopped"}
    assert {t: r for t, (r, _) in done.items()} == {1: 1, 2: 4}


def test_interrupt_from_a_callback_stops_all_workers():
    seen = []

    def on_done(task, reply):
        seen.append(task)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_tasks(list(range(50)), workers=2, work=square, on_done=on_done, on_lost=lambda t, why: None)
    assert len(seen) == 2
    assert multiprocessing.active_children() == []


def test_workers_must_be_positive():
    with pytest.raises(ValueError, match="workers must be at least 1, got 0"):
        run_tasks([1], workers=0, work=square, on_done=print, on_lost=print)
