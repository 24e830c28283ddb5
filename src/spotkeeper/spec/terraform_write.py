"""Export a stateful node (wire dict) as a `spotinst_stateful_node_azure` Terraform resource.

Users who manage nodes with Terraform start from a node they built in the console or the API;
this writes the HCL they would have written, argument for argument as the provider spells it,
so `terraform import` / `plan` against it shows no diff. Interpretation of the mapping comes
from `terraform_schema`; only the layout (terraform-fmt style: one argument per line, `=`
aligned within a body, blocks after arguments) is decided here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from spotkeeper.spec.problems import Problem, SpecError
from spotkeeper.spec.terraform_hcl import is_scalar, quote, render_value
from spotkeeper.spec.terraform_schema import (
    API_DEALLOCATION_DEFAULTS,
    DELETE_BLOCK,
    RESOURCE_FIELDS,
    RESOURCE_TYPE,
    SPOTKEEPER_DEALLOCATION,
    WIRE_ALIASES,
    Argument,
    Block,
    Kind,
    join_path,
    lookup,
)

_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_MISSING = object()


def node_to_hcl(
    node_wire: Mapping[str, object],
    *,
    resource_name: str | None = None,
    deallocation: Mapping[str, object] | None = None,
) -> str:
    """HCL for one `resource "spotinst_stateful_node_azure" "<label>"` block.

    The label defaults to a slug of the node's name. Fields the provider cannot express are left
    out (see `unsupported_fields`); read-only fields (`id`, timestamps) are dropped.

    A `delete { ... }` block is always written, because the provider refuses to destroy a node
    whose configuration has none. From `deallocation` (the inner object of §4.1's
    `deallocationConfig`) when given, keys it leaves out completed with the API defaults; else
    spotkeeper's default: terminate the VM and deallocate network, disks, snapshots and public
    IPs after the API's 96-hour retention.

    Raises `SpecError` (wire paths) when a field has a type the provider cannot take, e.g. a
    string where a list of strings belongs.
    """
    problems: list[Problem] = []
    label = resource_name if resource_name is not None else slug(node_wire.get("name"))
    if not _LABEL.match(label):
        problems.append(
            Problem(
                "INVALID_VALUE",
                "resource_name",
                f"{label!r} is not a Terraform resource name (letters, digits, `_`, `-`; "
                "starting with a letter or `_`)",
            )
        )
    node = _with_aliases_resolved(node_wire)
    body = _render_body(node, RESOURCE_FIELDS, indent=1, wire_prefix="", problems=problems)
    delete = _deallocation_for_export(deallocation, problems)
    body.extend(
        _render_blocks(
            delete,
            DELETE_BLOCK,
            indent=1,
            wire_prefix="deallocationConfig",
            problems=problems,
            separated=bool(body),
        )
    )
    if problems:
        # One malformed object (say `compute` given as a string) fails every field under it.
        raise SpecError(list(dict.fromkeys(problems)))
    return f"resource {quote(RESOURCE_TYPE)} {quote(label)} {{\n" + "".join(body) + "}\n"


def slug(name: object) -> str:
    """A Terraform resource label derived from a node name (`"My Node #1"` → `my_node_1`)."""
    text = unicodedata.normalize("NFKD", name if isinstance(name, str) else "")
    text = text.encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9_]+", "_", text).strip("_")
    if not text:
        return "node"
    return text if _LABEL.match(text) else f"node_{text}"


def _with_aliases_resolved(node_wire: Mapping[str, object]) -> Mapping[str, object]:
    node = node_wire
    for alias, primary in WIRE_ALIASES.items():
        value = lookup(node, alias)
        if value is not None and lookup(node, primary) is None:
            node = _copy_with(node, primary.split("."), value)
    return node


def _copy_with(obj: Mapping[str, object], keys: list[str], value: object) -> dict[str, object]:
    copy = dict(obj)
    if len(keys) == 1:
        copy[keys[0]] = value
    else:
        child = copy.get(keys[0])
        copy[keys[0]] = _copy_with(child if isinstance(child, Mapping) else {}, keys[1:], value)
    return copy


def _deallocation_for_export(
    deallocation: Mapping[str, object] | None, problems: list[Problem]
) -> Mapping[str, object]:
    if deallocation is None:
        return SPOTKEEPER_DEALLOCATION
    known = {argument.wire for argument in DELETE_BLOCK.fields if isinstance(argument, Argument)}
    sub_configs = {wire.split(".")[0] for wire in known if "." in wire}
    for key, value in deallocation.items():
        path = f"deallocationConfig.{key}"
        if key in sub_configs and isinstance(value, Mapping):
            problems.extend(
                Problem("UNKNOWN_FIELD", f"{path}.{sub}", "not a deallocation setting")
                for sub in value
                if f"{key}.{sub}" not in known
            )
        elif key in sub_configs and value is not None:
            problems.append(Problem("INVALID_TYPE", path, "must be an object {shouldDeallocate, ttlInHours}"))
        elif key not in known and key not in sub_configs:
            problems.append(Problem("UNKNOWN_FIELD", path, "not a deallocation setting"))
    if deallocation.get("shouldTerminateVm") is None:
        problems.append(
            Problem("REQUIRED", "deallocationConfig.shouldTerminateVm", "shouldTerminateVm is required")
        )
    completed: Mapping[str, object] = deallocation
    for default_path, default in API_DEALLOCATION_DEFAULTS.items():
        if lookup(completed, default_path) is None:
            completed = _copy_with(completed, default_path.split("."), default)
    return completed


def _render_body(
    obj: Mapping[str, object],
    fields: tuple[Argument | Block, ...],
    *,
    indent: int,
    wire_prefix: str,
    problems: list[Problem],
) -> list[str]:
    pad = "  " * indent
    arguments: list[tuple[str, str]] = []
    blocks: list[str] = []
    for field in fields:
        value = _value_at(obj, field.wire, wire_prefix, problems)
        if value is _MISSING:
            continue
        wire_path = join_path(wire_prefix, field.wire)
        if isinstance(field, Argument):
            if _check_kind(value, field.kind, wire_path, problems):
                arguments.append((field.name, render_value(value, indent)))
        else:
            blocks.extend(
                _render_blocks(
                    value,
                    field,
                    indent=indent,
                    wire_prefix=wire_path,
                    problems=problems,
                    separated=bool(arguments or blocks),
                )
            )
    width = max((len(name) for name, _ in arguments), default=0)
    lines = [f"{pad}{name:<{width}} = {text}\n" for name, text in arguments]
    return lines + blocks


def _render_blocks(
    value: object,
    block: Block,
    *,
    indent: int,
    wire_prefix: str,
    problems: list[Problem],
    separated: bool,
) -> list[str]:
    if value is None:
        return []  # HCL has no null block; absent means the same for a node being declared
    if block.repeated:
        if not isinstance(value, list):
            problems.append(Problem("INVALID_TYPE", wire_prefix, "must be a list of objects"))
            return []
        items = [(f"{wire_prefix}[{index}]", item) for index, item in enumerate(value)]
    else:
        items = [(wire_prefix, value)]
    pad = "  " * indent
    lines: list[str] = []
    for path, item in items:
        if not isinstance(item, Mapping):
            problems.append(Problem("INVALID_TYPE", path, "must be an object"))
            continue
        body = _render_body(item, block.fields, indent=indent + 1, wire_prefix=path, problems=problems)
        if separated or lines:
            lines.append("\n")
        if body:
            lines.extend([f"{pad}{block.name} {{\n", *body, f"{pad}}}\n"])
        else:
            lines.append(f"{pad}{block.name} {{}}\n")
    return lines


def _value_at(obj: Mapping[str, object], dotted: str, wire_prefix: str, problems: list[Problem]) -> object:
    current: object = obj
    walked = wire_prefix
    for key in dotted.split("."):
        if not isinstance(current, Mapping):
            problems.append(Problem("INVALID_TYPE", walked, "must be an object"))
            return _MISSING
        if key not in current:
            return _MISSING
        current = current[key]
        walked = join_path(walked, key)
    return current


def _check_kind(value: object, kind: Kind, wire_path: str, problems: list[Problem]) -> bool:
    if value is None:
        return True
    expected = {
        "string": ("a string", isinstance(value, str)),
        "integer": ("an integer", isinstance(value, int) and not isinstance(value, bool)),
        "boolean": ("a boolean", isinstance(value, bool)),
        "strings": (
            "a list of strings",
            isinstance(value, list) and all(isinstance(item, str) for item in value),
        ),
        "object": ("an object", isinstance(value, Mapping) and _is_json(value)),
    }[kind]
    if not expected[1]:
        problems.append(Problem("INVALID_TYPE", wire_path, f"must be {expected[0]} for Terraform"))
    return expected[1]


def _is_json(value: object) -> bool:
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if is_scalar(value):
        return True
    if isinstance(value, list):
        return all(_is_json(item) for item in value)
    if isinstance(value, Mapping):
        return all(isinstance(key, str) and _is_json(item) for key, item in value.items())
    return False
