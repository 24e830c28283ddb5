"""The write-only fields of a node: what a client sends but a default read never returns.

A stored node keeps the VM password and the extensions' protected settings because the engine
needs them to build replacement VMs. Anything that shows a node to a person or writes it to a
log (console pages, CLI output, event messages, default API reads) must go through
`redact_secrets`. Which fields are secret is stated once here, as wire paths, so the console's
"leave blank to keep" inputs and the API agree with the engine.

This module works on wire dicts (not models) so it can be applied to stored JSON directly.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

# Wire paths of write-only fields; `[]` means "in every item of this list".
SECRET_FIELDS: tuple[str, ...] = (
    "compute.launchSpecification.login.password",
    "compute.launchSpecification.extensions[].protectedSettings",
)
_SECRET_STEPS: tuple[tuple[str, ...], ...] = tuple(tuple(field.split(".")) for field in SECRET_FIELDS)


def secret_paths(wire: Mapping[str, Any]) -> list[str]:
    """Concrete paths of the secrets present in `wire` (`...extensions[1].protectedSettings`)."""
    found: list[str] = []
    for pattern in SECRET_FIELDS:
        found.extend(path for path, _parent, _key in _locate(wire, pattern))
    return found


def redact_secrets(wire: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of `wire` without any write-only field (the original is left untouched)."""
    return copy.deepcopy(without_secrets(wire))


def without_secrets(wire: Mapping[str, Any]) -> dict[str, Any]:
    """`wire` without any write-only field, as a new top-level dict.

    Only the containers on a path to a secret are copied; every other value is shared with
    `wire`, so mutate neither afterwards (`redact_secrets` gives an independent copy).
    """
    result: object = wire
    for steps in _SECRET_STEPS:
        result = _drop(result, steps)
    return dict(result) if isinstance(result, Mapping) else dict(wire)


def _drop(node: object, steps: Sequence[str]) -> object:
    """`node` with the key that `steps` leads to removed, copying only along the way."""
    if not isinstance(node, Mapping):
        return node
    step = steps[0]
    is_list = step.endswith("[]")
    key = step[:-2] if is_list else step
    if key not in node:
        return node
    if len(steps) == 1:
        return {k: v for k, v in node.items() if k != key}
    child = node[key]
    if is_list:
        if not isinstance(child, list):
            return node
        items = [_drop(item, steps[1:]) for item in child]
        if all(new is old for new, old in zip(items, child, strict=True)):
            return node
        replaced: object = items
    else:
        replaced = _drop(child, steps[1:])
        if replaced is child:
            return node
    return {k: (replaced if k == key else v) for k, v in node.items()}


def _locate(wire: Mapping[str, Any], pattern: str) -> list[tuple[str, Any, str]]:
    """(concrete path, containing dict, key) for each place `pattern` matches in `wire`."""
    matches: list[tuple[str, Any, str]] = []
    steps = pattern.split(".")

    def walk(node: object, index: int, prefix: str) -> None:
        if not isinstance(node, Mapping):
            return
        step = steps[index]
        is_list = step.endswith("[]")
        key = step[:-2] if is_list else step
        if key not in node:
            return
        path = f"{prefix}.{key}" if prefix else key
        if index == len(steps) - 1:
            matches.append((path, node, key))
            return
        child = node[key]
        if is_list:
            if isinstance(child, list):
                for position, item in enumerate(child):
                    walk(item, index + 1, f"{path}[{position}]")
        else:
            walk(child, index + 1, path)

    walk(wire, 0, "")
    return matches
