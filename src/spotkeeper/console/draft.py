"""The node being written in the wizard, addressed by wire paths.

The wizard keeps one wire dict (the `statefulNode` object the API would receive) and every
input reads and writes it at a wire path such as
`compute.launchSpecification.network.networkInterfaces[0].subnetName` — the same paths the
validation problems name, so a problem lands beside the input that owns its path. The JSON and
Terraform views show this very dict, so the three views can never disagree.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping
from typing import Any

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_steps(path: str) -> list[str | int]:
    """`a.b[2].c` -> ["a", "b", 2, "c"]."""
    steps: list[str | int] = []
    for key, index in _STEP.findall(path):
        steps.append(int(index) if index else key)
    return steps


def get_at(wire: Mapping[str, Any], path: str, default: Any = None) -> Any:
    current: Any = wire
    for step in path_steps(path):
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(current):
                return default
            current = current[step]
        else:
            if not isinstance(current, Mapping) or step not in current:
                return default
            current = current[step]
    return current if current is not None else default


def set_at(wire: dict[str, Any], path: str, value: Any) -> None:
    """Set `value` at `path`, creating objects and list slots on the way; None removes the key."""
    steps = path_steps(path)
    current: Any = wire
    for step, following in itertools.pairwise(steps):
        blank: Any = [] if isinstance(following, int) else {}
        if isinstance(step, int):
            while len(current) <= step:
                current.append(copy.deepcopy(blank))
            if not isinstance(current[step], (dict, list)):
                current[step] = blank
            current = current[step]
        else:
            if not isinstance(current.get(step), (dict, list)):
                if value is None:
                    return  # nothing to remove
                current[step] = blank
            current = current[step]
    last = steps[-1]
    if isinstance(last, int):
        while len(current) <= last:
            current.append(None)
        current[last] = value
    elif value is None:
        current.pop(last, None)
    else:
        current[last] = value


def is_under(path: str, parent: str) -> bool:
    """Whether `path` is `parent` or inside it (`a.b[0].c` is under `a.b` and `a.b[0]`)."""
    return parent == "" or path == parent or path.startswith(parent + ".") or path.startswith(parent + "[")


def patch_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The partial update that turns `before` into `after` under the API's merge rules.

    Keys that changed are sent, keys that disappeared are sent as None (clear), lists are sent
    whole (they replace), and untouched keys are left out.
    """
    patch: dict[str, Any] = {}
    for key, value in after.items():
        old = before.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            inner = patch_between(old, value)
            if inner:
                patch[key] = inner
        elif value != old:
            patch[key] = copy.deepcopy(value)
    for key in before:
        if key not in after:
            patch[key] = None
    return patch


def prune_empty(wire: Mapping[str, Any]) -> dict[str, Any]:
    """A copy without empty strings and empty objects left behind by cleared inputs."""
    cleaned: dict[str, Any] = {}
    for key, value in wire.items():
        if isinstance(value, Mapping):
            inner = prune_empty(value)
            if inner:
                cleaned[key] = inner
        elif isinstance(value, list):
            # List items are kept as typed: an item's required key left blank ("") is a problem
            # the rules name precisely, while a missing one would fail the whole parse.
            cleaned[key] = copy.deepcopy(value)
        elif value is not None and value != "":
            cleaned[key] = value
    return cleaned
