"""The literal cases of exercise 1's public checks: how they are drawn, and the writer of known.json.

Instructor-only (never in a release): `python -m grader.exercises.exercise1.cases` counts every public case on
built reference models (grader/exercises/exercise1/truth.py) and writes the answers, with the counts of the usual
slips, as literals into grader/exercises/exercise1/known.json, which the public checks read.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from grader.exercises.exercise1.truth import (C3_LISTS, conv_truth, dense_params_truth, ints, lenet5_truth,
                                           macs_truth, memory_truth, modern_truth, output_size_truth,
                                           rbf_params_truth, remainder_size, subsample_connections_truth,
                                           subsample_params_truth)

POOL = 4  # literal cases per public check that draws its case at random
KNOWN_FILE = Path(__file__).with_name("known.json")

PUBLIC_DRAWS = {  # public checks whose case is drawn at random: POOL cases each, drawn once, shipped as literals
    "test_output_size_plain": lambda rng: output_size_truth(ints(rng, 8, 40), ints(rng, 2, 7), 1, 0, keywords=False),
    "test_output_size_padding": lambda rng: output_size_truth(ints(rng, 8, 40), ints(rng, 2, 7), 1, ints(rng, 1, 2)),
    "test_output_size_stride": lambda rng: stride_case(rng, ints(rng, 2, 7), ints(rng, 2, 3)),
    "test_conv_params_one_map": lambda rng: conv_truth("conv_params", 1, ints(rng, 2, 8), ints(rng, 2, 7)),
    "test_conv_params_maps": lambda rng: conv_truth("conv_params", ints(rng, 2, 8), ints(rng, 2, 16), ints(rng, 2, 7)),
    "test_conv_connections_maps": lambda rng: conv_truth("conv_connections", ints(rng, 2, 8), ints(rng, 2, 16),
                                                         ints(rng, 2, 7), ints(rng, 2, 30)),
    "test_subsample_params_few": lambda rng: subsample_params_truth(ints(rng, 1, 16)),
    "test_subsample_connections_random": lambda rng: subsample_connections_truth(ints(rng, 1, 32), 2,
                                                                                 ints(rng, 2, 30)),
    "test_macs_random": lambda rng: macs_truth([(ints(rng, 2, 16), ints(rng, 2, 32), ints(rng, 2, 7),
                                                 ints(rng, 2, 30))]),
}
def stride_case(rng, kernel, stride):
    """A stride case whose size leaves the largest remainder s - 1, so a ceiling or round() differs from //."""
    return output_size_truth(remainder_size(rng, kernel, stride, 0, 8, 40), kernel, stride, 0)


PUBLIC_FIXED = {  # public checks of one fixed case
    "test_conv_params_c3": lambda: conv_truth("conv_params", 6, 16, 5, connections=C3_LISTS),
    "test_conv_connections_c1": lambda: conv_truth("conv_connections", 1, 6, 5, 28),
    "test_conv_connections_c3": lambda: conv_truth("conv_connections", 6, 16, 5, 10, connections=C3_LISTS),
    "test_subsample_connections_s2": lambda: subsample_connections_truth(6, 2, 14),
    "test_dense_params_f6": lambda: dense_params_truth(120, 84),
    "test_rbf_params_output": lambda: rbf_params_truth(84, 10),
    "test_macs_seed": lambda: macs_truth([(256, 256, 3, 100)]),
    "test_macs_bottleneck": lambda: macs_truth([(256, 64, 1, 100), (64, 256, 3, 100)]),
    "test_memory_seed": lambda: memory_truth([(256, 100)]),
    "test_memory_bottleneck": lambda: memory_truth([(64, 100), (256, 100)]),
}


def plain(value):
    """value with numpy integers as ints and named tuples as plain tuples, so that it can be written as a literal."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [plain(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    return int(value) if isinstance(value, np.integer) else value


def _distinct(draw, count):
    """`count` cases with different questions, drawn with the generators seeded 0, 1, 2, ...; only the slips
    that show on a case are kept (a slip giving the right count, or none, is never named anyway)."""
    cases, seed = {}, 0
    while len(cases) < count and seed < 100 * count:
        case = draw(np.random.default_rng(seed))
        cases.setdefault(repr(case.calls), shown(case))
        seed += 1
    return list(cases.values())


def shown(case):
    return case._replace(slips={m: v for m, v in case.slips.items() if v is not None and v != case.want})


def known_cases() -> dict:
    """What known.json must hold: {"KNOWN": {public check: [cases]}, "LENET5_KNOWN": ...,
    "MODERN_KNOWN": ...}, as plain data counted on built models."""
    known = {name: _distinct(draw, POOL) for name, draw in PUBLIC_DRAWS.items()}
    known.update({name: [shown(make())] for name, make in PUBLIC_FIXED.items()})
    return plain({"KNOWN": known, "LENET5_KNOWN": lenet5_truth(), "MODERN_KNOWN": modern_truth()})


def known_json() -> str:
    """The text of known.json."""
    return json.dumps(known_cases(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    KNOWN_FILE.write_text(known_json(), encoding="utf-8")
    print(f"wrote {KNOWN_FILE}")
