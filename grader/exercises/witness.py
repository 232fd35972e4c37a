"""The reference's own answers as a second witness, loaded only where they are there.

A student release ships the reference's forward passes only, and the release builder ships every reference
module a shipped module imports by name: so a check's truth reaches a backward pass or another answer of the
reference at run time, by its module's name, and does without it in a release.
"""

from __future__ import annotations

import importlib


def optional(module: str, name: str | None = None):
    """`module` (or its attribute `name`) when the instructor's tree has it; None in a student release."""
    try:
        found = importlib.import_module(module)
        return found if name is None else getattr(found, name)
    except (ImportError, AttributeError):
        return None
