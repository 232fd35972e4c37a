"""Named wrong answers: a mapping "what went wrong" -> the answer that mistake gives, built on first use.

Every exercise's mistakes.py returns these for `compare.expect_array(..., variants=...)`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Callable

import numpy as np


class Variants(Mapping):
    """A read-only mapping mistake -> answer, built on first use from zero-argument callables.

    A builder returns the mistake's answer; or a dict {suffix: answer} when the code around the mistake can be
    finished in several ways (the answers are then named mistake + suffix); or None when the mistake cannot
    show on this case (left out). Mistakes that give the same answer on a case are merged into one entry
    "X, or: Y", so a student is never told only one of two equally likely causes (e.g. at stride 2, zeros put
    before each entry shift the result just like padding with k zeros does).
    """

    def __init__(self, builders: dict[str, Callable[[], np.ndarray | dict | None]]):
        self._builders = dict(builders)
        self._answers: dict[str, np.ndarray] | None = None
        self._causes: dict[str, dict[str, str]] = {}

    def _resolve(self) -> dict[str, np.ndarray]:
        if self._answers is None:
            groups: dict[tuple, tuple[dict[str, str], np.ndarray]] = {}
            for mistake, build in self._builders.items():
                try:
                    answers = build()
                except Exception as exc:  # a broken hint must never cost a right answer its points
                    warnings.warn(f"grader bug: variant {mistake!r} could not be built: {exc!r}", RuntimeWarning)
                    continue
                answers = {} if answers is None else answers if isinstance(answers, dict) else {"": answers}
                for suffix, answer in answers.items():
                    answer = np.asarray(answer, dtype=np.float64)
                    key = (answer.shape, np.round(answer, 9).tobytes())  # equal answers up to rounding
                    groups.setdefault(key, ({}, answer))[0].setdefault(mistake, mistake + suffix)
            self._answers = {", or: ".join(names.values()): answer for names, answer in groups.values()}
            self._causes = {", or: ".join(names.values()): dict(names) for names, _ in groups.values()}
        return self._answers

    def causes(self, name: str) -> dict[str, str]:
        """The mistakes merged into the entry `name`: {mistake (builder key): its name as shown}."""
        self._resolve()
        return dict(self._causes.get(name, {}))

    def applicable(self) -> set[str]:
        """The mistakes (builder keys) that can show on this case: those that built an answer."""
        self._resolve()
        return {mistake for names in self._causes.values() for mistake in names}

    def __getitem__(self, mistake):
        return self._resolve()[mistake]

    def __iter__(self):
        return iter(self._resolve())

    def __len__(self):
        return len(self._resolve())
