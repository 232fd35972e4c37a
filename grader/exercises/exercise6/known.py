"""Exercise 6's public count cases as literals: the answers of resnet_convs, resnet_flops and resnet_params for
ResNet-18 and ResNet-50, and the answers of their usual slips, so that a student release needs no code that
counts a ResNet. known.json is GENERATED from the reference's built specs: run
`python -m grader.exercises.exercise6.counts` after changing counts.py. KNOWN: {function: {depth: (answer,
{slip: answer})}}, a conv list as a list of (in_maps, out_maps, kernel, out_size) tuples.
"""

import json
from pathlib import Path

FILE = Path(__file__).with_name("known.json")


def literal(value):
    """JSON's lists as tuples, except the outer list of convs (resnet_convs returns a list of tuples)."""
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return [tuple(v) for v in value]
    if isinstance(value, dict):
        return {key: literal(item) for key, item in value.items()}
    return value


KNOWN = {function: {int(depth): (literal(answer), literal(slips)) for depth, (answer, slips) in cases.items()}
         for function, cases in json.loads(FILE.read_text(encoding="utf-8")).items()}
