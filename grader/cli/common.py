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
    from grader.grading.lang import _

    share = f" ({math.floor(round(100 * total / top, 6))}%)" if top > 0 else ""  # down: never shows the threshold
    label = f"{threshold.amount:g}%" if threshold.percent else _("{amount:g} points").format(amount=threshold.amount)
    limit = _("{label} ({needed:g} points)").format(label=label, needed=needed) if threshold.percent else label
    return _("score {total:g} / {top:g}{share} is under the --fail-under threshold {limit}").format(
        total=total, top=top, share=share, limit=limit)


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
        from grader.grading.lang import _

        raise click.ClickException(_("no exercises/ folder here or above; run `grade` inside the course project, "
                                     "or pass --submission PATH"))
    return root


# ---------------------------------------------------------------- the student's language (grader/grading/lang.py)


def _choose_language(ctx, param, value):
    """--lang: speak `value` from now on; without it, the environment's language, unless an outer --lang chose."""
    from grader.grading.lang import set_language

    root = ctx.find_root().meta
    if value is not None:
        root["grade.lang"] = set_language(value)
    elif "grade.lang" not in root:
        set_language(None)
    return value


def lang_option(func):
    """--lang zh|en on a student command (and on `grade` itself): the language of its feedback and help."""
    from grader.grading.lang import N_

    return click.option("--lang", type=click.Choice(["zh", "en"]), expose_value=False, is_eager=True,
                        callback=_choose_language,
                        help=N_("Language of the feedback and of this help: zh (Chinese) or en (English) "
                                "[default: GRADE_LANG, else the locale's, else en]."))(func)


class _LocalHelp:
    """A command whose help is shown in the student's language: its help (a msgid, or `help_args` to format the
    translated help_msgid with), its options' help and Click's own words; the language is the environment's when no
    --lang chose one before --help was read."""

    help_msgid: str | None = None  # when the help is a template: the msgid, formatted with help_args
    help_args: dict | None = None

    def _help(self) -> str:
        from grader.grading.lang import _

        if self.help_msgid:
            return _(self.help_msgid).format(**(self.help_args or {}))
        return _(self.help)

    def format_help(self, ctx, formatter):
        from grader.grading.lang import N_, _

        if "grade.lang" not in ctx.find_root().meta:
            _choose_language(ctx, None, None)
        N_("Show this message and exit.")  # Click's own --help, translated below as every option's help
        saved = [(self, self.help)] + [(p, getattr(p, "help", None)) for p in self.get_params(ctx)]
        try:
            for item, text in saved:
                if text:
                    item.help = self._help() if item is self else _(text)
            super().format_help(ctx, formatter)
        finally:
            for item, text in saved:
                item.help = text

    def get_short_help_str(self, limit: int = 45) -> str:
        if not self.help:
            return super().get_short_help_str(limit)
        return click.utils.make_default_short_help(self._help(), limit)

    def format_usage(self, ctx, formatter):
        from grader.grading.lang import _

        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), _("Usage: "))

    def format_options(self, ctx, formatter):
        from grader.grading.lang import _

        records = [r for r in (p.get_help_record(ctx) for p in self.get_params(ctx)) if r]
        if records:
            with formatter.section(_("Options")):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
            rows = [(name, cmd.get_short_help_str(formatter.width - 6 - max(len(n) for n, _c in commands)))
                    for name, cmd in commands if cmd is not None and not cmd.hidden]
            if rows:
                with formatter.section(_("Commands")):
                    formatter.write_dl(rows)


class LocalCommand(_LocalHelp, click.Command):
    """A student's command, its help in the student's language (see _LocalHelp)."""


class LocalGroup(_LocalHelp, click.Group):
    """`grade` itself, its help in the student's language (see _LocalHelp)."""
