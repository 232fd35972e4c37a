"""Exercise 1's public cases and their known answers, as literals: the public checks ask these, so that a student
release needs no code that computes a count (it would give the answers away).

known.json is GENERATED: run `python -m grader.exercises.exercise1.cases` after changing this folder's truth or
cases. KNOWN: {check: [(function, ((args, kwargs), ...), text, answer, {slip: count})]}; LENET5_KNOWN: {layer:
(params, connections, {slip: params}, {slip: connections})}; MODERN_KNOWN: {layer: (params, {slip: params})}.
"""

import json
from pathlib import Path

FILE = Path(__file__).with_name("known.json")


def literal(value):
    """JSON's lists as tuples (the cases' arguments are tuples, as a student's code would get them)."""
    if isinstance(value, dict):
        return {key: literal(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(literal(item) for item in value)
    return value


def load(text: str) -> dict:
    return {name: literal(value) for name, value in json.loads(text).items()}


_KNOWN = load(FILE.read_text(encoding="utf-8"))
KNOWN, LENET5_KNOWN, MODERN_KNOWN = _KNOWN["KNOWN"], _KNOWN["LENET5_KNOWN"], _KNOWN["MODERN_KNOWN"]
