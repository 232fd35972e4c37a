"""Exercise 6's counts and their usual slips, from the reference's BUILT ResNet specs (reference/resnet.py:
resnet_spec, count_resnet), never a formula typed here. Only the hidden checks import this module: a student
release ships no code that counts a ResNet (it would give the answers away); the public checks ask the literal
answers of known.json, which `python -m grader.exercises.exercise6.counts` writes from this module (the project's
tests prove the file equal to it).

- `convs(depth)`: [(in_maps, out_maps, kernel, out_size), ...] of every conv, in resnet_convs' order.
- `flops(depth)`, `params(depth)`: multiply-adds and parameters of ResNet-depth on a 224x224 image.
- `convs_slips`, `flops_slips`, `params_slips`: {slip: the answer it gives}, only slips that change the answer.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from grader.grading.lang import N_
from reference.resnet import ConvShape, Residual, count_resnet, resnet_spec

DEPTHS = (18, 34, 50, 101, 152)
PUBLIC = (18, 50)  # the depths the public checks ask (known.json); the hidden ones ask the others
FILE = Path(__file__).with_name("known.json")

PROJECTIONS = (N_("the projection shortcuts are missing (a 1x1 conv with the block's stride, and its batch norm, "
               "wherever a block changes the number of maps or the size)"))
CONV2_1 = (N_("conv2_1's projection is missing (a bottleneck's first block changes 64 maps into 256 at stride 1: "
           "it needs a projection too)"))
STRIDE_3X3 = (N_("the stride 2 was put in the bottleneck's 3x3 conv (torchvision's v1.5); the paper's bottleneck "
              "carries it in its first 1x1 conv"))
CONV1 = N_("conv1 is missing (7x7, stride 2, 3 -> 64 maps, 112x112, and its batch norm)")
FC = N_("the fc layer is missing (D x 1000 weights, D = 512 or 2048)")


def _records(layers):
    """The layer records of a spec in the order count_resnet counts them: each block's branch, then its shortcut."""
    for name, record in layers:
        if isinstance(record, Residual):
            yield from ((f"{name}.{n}", r) for n, r in _records(record.branch + record.shortcut))
        else:
            yield name, record


@functools.lru_cache(maxsize=None)
def rows(depth: int, downsample: str = "1x1") -> tuple:
    """count_resnet's rows of ResNet-depth, with each conv's record: ((row, record or None), ...)."""
    spec = resnet_spec(depth, downsample=downsample)
    convs = [r for _, r in _records(spec) if isinstance(r, ConvShape)]
    counted = count_resnet(spec)
    assert len(convs) == sum(r.kind == "conv" for r in counted)
    records = iter(convs)
    return tuple((row, next(records) if row.kind == "conv" else None) for row in counted)


def named_convs(depth: int, downsample: str = "1x1") -> list:
    """[(layer name, (in_maps, out_maps, kernel, out_size)), ...] of every conv of the built spec."""
    found = []
    for row, record in rows(depth, downsample):
        if row.kind == "conv":
            f, h, _ = row.output_shape
            found.append((row.name, (row.params // (record.kernel ** 2 * f), f, record.kernel, h)))
    return found


def convs(depth: int) -> list:
    return [conv for _, conv in named_convs(depth)]


def _total(depth, field, keep=lambda row: True, downsample="1x1"):
    return sum(getattr(row, field) for row, _ in rows(depth, downsample) if keep(row))


def _not_projection(row):
    return ".proj" not in row.name


def _not_conv1(row):
    return not row.name.startswith("conv1")


def _not_conv2_1_projection(row):
    return not row.name.startswith("conv2_1.proj")


def flops(depth: int) -> int:
    return _total(depth, "macs")


def params(depth: int) -> int:
    return _total(depth, "params")


def _different(want, slips: dict) -> dict:
    return {slip: value for slip, value in slips.items() if value != want}


def convs_slips(depth: int) -> dict:
    named = named_convs(depth)
    blocks = {}  # a projection listed before its block's convs
    for name, conv in named:
        blocks.setdefault(name.split(".")[0], []).append((name, conv))
    first = [c for group in blocks.values() for c in sorted(group, key=lambda nc: not nc[0].endswith(".proj"))]
    return _different(convs(depth), {
        PROJECTIONS: [c for n, c in named if not n.endswith(".proj")],
        CONV2_1: [c for n, c in named if n != "conv2_1.proj"],
        STRIDE_3X3: [c for _, c in named_convs(depth, "3x3")],
        N_("each block's projection was listed before the block's convs (list it after them)"): [c for _, c in first],
        CONV1: convs(depth)[1:],
    })


def flops_slips(depth: int) -> dict:
    convs_rows = [row for row, _ in rows(depth) if row.kind == "conv"]
    return _different(flops(depth), {
        N_("the conv biases were counted as multiply-adds ((k*k*C + 1)*F*h*w); a ResNet's convs have no bias"):
            flops(depth) + sum(f * h * w for f, h, w in (row.output_shape for row in convs_rows)),
        FC: _total(depth, "macs", lambda row: row.kind != "fc"),
        PROJECTIONS: _total(depth, "macs", _not_projection),
        CONV2_1: _total(depth, "macs", _not_conv2_1_projection),
        CONV1: _total(depth, "macs", _not_conv1),
        N_("FLOPs counted as 2 x multiply-adds (the paper's FLOPs row counts multiply-adds)"): 2 * flops(depth),
        STRIDE_3X3: _total(depth, "macs", downsample="3x3"),
    })


def params_slips(depth: int) -> dict:
    maps = sum(row.output_shape[0] for row, _ in rows(depth) if row.kind == "conv")
    norms = _total(depth, "params", lambda row: row.kind == "batchnorm")
    return _different(params(depth), {
        N_("the conv biases were counted (a ResNet's convs have none: batch norm's shift replaces them)"):
            params(depth) + maps,
        FC: _total(depth, "params", lambda row: row.kind != "fc"),
        N_("the fc layer's 1000 biases are missing"): params(depth) - 1000,
        N_("batch norm's parameters are missing (2 per map: a scale and a shift)"): params(depth) - norms,
        N_("batch norm counted with 4 per map (its running mean and variance are statistics, not parameters)"):
            params(depth) + norms,
        PROJECTIONS: _total(depth, "params", _not_projection),
        CONV2_1: _total(depth, "params", _not_conv2_1_projection),
        CONV1: _total(depth, "params", _not_conv1),
    })


def known() -> dict:
    """The public checks' literal answers: {function: {depth: [answer, {slip: answer}]}}."""
    table = {"resnet_convs": (convs, convs_slips), "resnet_flops": (flops, flops_slips),
             "resnet_params": (params, params_slips)}
    return {function: {str(d): [want(d), slips(d)] for d in PUBLIC} for function, (want, slips) in table.items()}


def render() -> str:
    return json.dumps(known(), indent=1) + "\n"


if __name__ == "__main__":
    FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {FILE}")
