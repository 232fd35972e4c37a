"""What the `grade` commands share: starting the sandbox early, limits, sizes, --fail-under, the project's files."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import NamedTuple

import click


def boot_workers():
    """Start the sandbox's fork server first, so it boots while this process imports the rest."""
    from grader.sandbox.forkserver import prestart  # standard library only: nothing delays the start

    prestart()


def parse_size(text: str) -> int:
    """'512M', '1G', '1.5GiB' or a number of bytes -> bytes."""
    units = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    cleaned = text.strip().upper().removesuffix("IB").removesuffix("B")
    number, unit = (cleaned[:-1], cleaned[-1]) if cleaned[-1:] in units and cleaned[-1:] else (cleaned, "")
    try:
        value = float(number) * units[unit]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a size (try 512M or 1G)") from None
    if value < 64 * 2**20:
        raise click.BadParameter(f"{text!r} is too small; a worker needs at least 64M")
    return int(value)


def limits_from(timeout: float | None, memory: str | None):
    from grader.sandbox.runner import DEFAULT_LIMITS

    limits = DEFAULT_LIMITS
    if timeout is not None:
        limits = limits._replace(timeout=timeout)
    if memory is not None:
        limits = limits._replace(memory=parse_size(memory))
    return limits


class Threshold(NamedTuple):
    """A --fail-under value: `amount` points, or `amount` percent of the maximum score when `percent`."""

    amount: float
    percent: bool

    def points(self, top: float) -> float:
        return self.amount * top / 100 if self.percent else self.amount

    @property
    def label(self) -> str:
        return f"{self.amount:g}%" if self.percent else f"{self.amount:g} points"


class FailUnder(click.ParamType):
    """Points ("40") or a percentage of the maximum score ("80%")."""

    name = "points|percent"

    def convert(self, value, param, ctx):
        if isinstance(value, Threshold):
            return value
        text = str(value).strip()
        try:
            amount = float(text.removesuffix("%"))
        except ValueError:
            amount = math.nan
        if not math.isfinite(amount):
            self.fail(f"{value!r} is not a number of points or a percentage (try 40 or 80%)", param, ctx)
        if amount < 0:
            self.fail(f"{value!r} is negative; give 0 or more points, or a percentage from 0% to 100%", param, ctx)
        if text.endswith("%") and amount > 100:
            self.fail(f"{value!r} is more than 100% of the maximum score", param, ctx)
        return Threshold(amount, text.endswith("%"))


def under_threshold(threshold: Threshold, total: float, top: float) -> str | None:
    """The line saying that the total score misses the threshold; None when it does not."""
    needed = threshold.points(top)
    if round(total, 6) >= round(needed, 6):
        return None
    share = f" ({math.floor(round(100 * total / top, 6))}%)" if top > 0 else ""  # down: never shows the threshold
    limit = f"{threshold.label} ({needed:g} points)" if threshold.percent else threshold.label
    return f"score {total:g} / {top:g}{share} is under the --fail-under threshold {limit}"


def exit_for(failed: bool, fail_under: Threshold | None, total: float, top: float) -> None:
    """Exit 1 when a submission could not be graded or saved, 2 (with a line why) when the total misses
    --fail-under; return otherwise."""
    if failed:
        sys.exit(1)
    missed = None if fail_under is None else under_threshold(fail_under, total, top)
    if missed:
        click.echo(missed, err=True)
        sys.exit(2)


def project_file(root: Path, exercise: str) -> Path:
    """The project's file of `exercise` to grade; when there was a choice to make, one line says which and why."""
    from grader.grading.project import default_submission

    choice = default_submission(root, exercise)
    if choice.note:
        click.echo(choice.note, err=True)
    return choice.path


def root_or_none(submission):
    from grader.grading.project import find_root

    root = find_root()
    if root is None and submission is None:
        raise click.ClickException("no exercises/ folder here or above; run `grade` inside the course project, "
                                   "or pass --submission PATH")
    return root
