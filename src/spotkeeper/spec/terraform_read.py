"""Import a `spotinst_stateful_node_azure` Terraform resource as a stateful node (wire dict).

Teams moving from Spot to spotkeeper already have their nodes in `.tf` files. This reads one
resource with python-hcl2, maps every provider argument back to its wire field through the
shared `terraform_schema` table, and returns the node plus the resource's action blocks
(`update_state`, `attach_data_disk`, `detach_data_disk`, `import_vm`, `delete`), which are calls
rather than configuration.

Only literal values are read: a Terraform expression (`var.x`, `"${local.y}"`, a function call)
cannot be evaluated here and is reported, never guessed. Values get Terraform's own automatic
conversions (`"30"` for a number, `1` for a string), so a file Terraform accepts means the same
here. Whether the resulting node is *valid* is not judged here: the wire dict goes through the
same validation as every other door, except for the arguments the provider itself requires,
which are reported with their HCL path.

Every problem names its HCL path (`network.network_interface[0].subnet_name`, an index only on
repeatable blocks) and, when known, the line.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from spotkeeper.spec.problems import Problem, SpecError
from spotkeeper.spec.terraform_hcl import LiteralError, decode_key, decode_literal, render_number
from spotkeeper.spec.terraform_schema import (
    ACTION_BLOCKS,
    PROVIDER_DELETE_DEFAULTS,
    RESOURCE_FIELDS,
    RESOURCE_TYPE,
    Argument,
    Block,
    Kind,
    join_path,
    lookup,
)

_BLOCK_MARK = "__is_block__"
# Terraform meta-arguments: they steer Terraform, not the node, so they are passed over...
_META_IGNORED = frozenset({"lifecycle", "depends_on", "provider", "provisioner", "connection", "timeouts"})
# ...except these, which would declare several nodes from one block.
_META_REFUSED = frozenset({"count", "for_each"})
_ACTIONS = {block.name: block for block in ACTION_BLOCKS}
_ACTION_DEFAULTS: Mapping[str, Mapping[str, object]] = {"delete": PROVIDER_DELETE_DEFAULTS}
_BODY = {field.name: field for field in (*RESOURCE_FIELDS, *ACTION_BLOCKS)}
_INTEGER = re.compile(r"^-?[0-9]+$")

RawPath = tuple[str | int, ...]


@dataclass
class TerraformResource:
    """One imported resource: its label, the node (wire dict) and its action calls."""

    label: str
    node: dict[str, object]
    actions: dict[str, dict[str, object]] = field(default_factory=dict)


def hcl_to_node(text: str, *, resource_name: str | None = None) -> dict[str, object]:
    """The wire dict (camelCase, spot-api.md §3) of the file's single stateful node resource."""
    return read_terraform(text, resource_name=resource_name).node


def hcl_actions(text: str, *, resource_name: str | None = None) -> dict[str, dict[str, object]]:
    """The resource's action blocks, keyed by block name, each as its call's request body.

    `delete` becomes the inner object of §4.1's `deallocationConfig`, completed the way the
    provider completes it on the wire (unset TTLs 0, unset booleans false, deregistration true);
    `update_state` → `{"state"}`, `attach_data_disk` / `detach_data_disk` → §4.3 / §4.4 bodies,
    `import_vm` → the §4.2 body without `node`.
    """
    return read_terraform(text, resource_name=resource_name).actions


def read_terraform(text: str, *, resource_name: str | None = None) -> TerraformResource:
    """Parse `text` and read its `spotinst_stateful_node_azure` resource (the one labelled
    `resource_name` when given; otherwise there must be exactly one). Raises `SpecError`."""
    tree = _parse_tree(text)
    scans = [_scan_resource(block) for block in _resource_blocks(tree)]
    duplicates = [problem for scan in scans for problem in scan.duplicates]
    try:
        data = hcl2.serialize(
            hcl2.transform(tree),
            serialization_options=hcl2.SerializationOptions(with_comments=False, preserve_heredocs=True),
        )
    except RuntimeError as error:  # python-hcl2 refuses an argument and a block of one name
        raise SpecError(duplicates or [Problem("HCL_SYNTAX", "", str(error))]) from error
    candidates = _resources_of_type(data)
    index = _choose(candidates, resource_name)
    label, body = candidates[index]
    reader = _Reader(scans[index].lines if index < len(scans) else {})
    reader.problems.extend(scans[index].duplicates if index < len(scans) else [])
    node: dict[str, object] = {}
    actions: dict[str, dict[str, object]] = {}
    reader.read_resource(body, node, actions)
    if reader.problems:
        raise SpecError(reader.problems)
    return TerraformResource(label=label, node=node, actions=actions)


# ---------------------------------------------------------------------------------------------
# Parsing and locating the resource


def _parse_tree(text: str) -> Tree[Token]:
    try:
        tree: Tree[Token] = hcl2.parses_to_tree(text)
    except UnexpectedInput as error:
        raise SpecError(
            [Problem("HCL_SYNTAX", "", f"line {error.line}, column {error.column}: {_describe(error)}")]
        ) from error
    except LarkError as error:
        raise SpecError([Problem("HCL_SYNTAX", "", str(error).splitlines()[0])]) from error
    return tree


def _describe(error: UnexpectedInput) -> str:
    if isinstance(error, UnexpectedCharacters):
        return f"unexpected character {error.char!r}"
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        return f"unexpected {str(error.token).strip()!r}"
    return "unexpected end of file (an unclosed block, string or bracket?)"


def _subtrees(tree: Tree[Token], kind: str) -> list[Tree[Token]]:
    return [child for child in tree.children if isinstance(child, Tree) and child.data == kind]


def _name_of(node: Tree[Token]) -> str:
    label = node.children[0]
    return str(label.children[0]) if isinstance(label, Tree) else str(label)


def _label_text(label: Tree[Token]) -> str:
    return "".join(str(token) for part in _subtrees(label, "string_part") for token in part.children)


def _resource_blocks(tree: Tree[Token]) -> list[Tree[Token]]:
    found = []
    for body in _subtrees(tree, "body"):
        for block in _subtrees(body, "block"):
            labels = [
                child for child in block.children[1:] if isinstance(child, Tree) and child.data != "body"
            ]
            if _name_of(block) == "resource" and labels and _label_text(labels[0]) == RESOURCE_TYPE:
                found.append(block)
    return found


@dataclass
class _Scan:
    lines: dict[RawPath, int] = field(default_factory=dict)
    duplicates: list[Problem] = field(default_factory=list)


def _scan_resource(block: Tree[Token]) -> _Scan:
    """Line numbers by raw path, and repeated names (python-hcl2 would keep only the last)."""
    scan = _Scan()
    for body in _subtrees(block, "body"):
        _scan_body(body, _BODY, "", (), scan)
    return scan


def _scan_body(
    body: Tree[Token], fields: Mapping[str, Argument | Block] | None, display: str, raw: RawPath, scan: _Scan
) -> None:
    attributes: set[str] = set()
    blocks: Counter[str] = Counter()
    for child in body.children:
        if not isinstance(child, Tree) or child.data not in ("attribute", "block"):
            continue
        name = _name_of(child)
        line = child.meta.line if not child.meta.empty else 0
        known = fields.get(name) if fields is not None else None
        repeated = isinstance(known, Block) and known.repeated
        # Repeating a single block is the reader's DUPLICATE_BLOCK; here only what
        # python-hcl2 would silently overwrite (or refuse) is caught.
        if name in attributes or (child.data == "attribute" and blocks[name]):
            where = f" (line {line})" if line else ""
            scan.duplicates.append(
                Problem("DUPLICATE_ARGUMENT", join_path(display, name), f"`{name}` is set twice{where}")
            )
        if child.data == "attribute":
            attributes.add(name)
            scan.lines[(*raw, name)] = line
            continue
        index = blocks[name]
        blocks[name] += 1
        scan.lines[(*raw, name, index)] = line
        child_fields = {f.name: f for f in known.fields} if isinstance(known, Block) else None
        child_display = join_path(display, f"{name}[{index}]" if repeated else name)
        for inner in _subtrees(child, "body"):
            _scan_body(inner, child_fields, child_display, (*raw, name, index), scan)


def _resources_of_type(data: Mapping[str, object]) -> list[tuple[str, Mapping[str, object]]]:
    found: list[tuple[str, Mapping[str, object]]] = []
    entries = data.get("resource")
    for entry in entries if isinstance(entries, list) else []:
        for type_key, labelled in entry.items():
            if decode_key(type_key) != RESOURCE_TYPE or not isinstance(labelled, Mapping):
                continue
            if _BLOCK_MARK in labelled:
                raise SpecError([Problem("HCL_SYNTAX", "", f'resource "{RESOURCE_TYPE}" needs a name label')])
            found.extend((decode_key(label), body) for label, body in labelled.items())
    return found


def _choose(candidates: list[tuple[str, Mapping[str, object]]], resource_name: str | None) -> int:
    labels = [label for label, _ in candidates]
    if resource_name is not None:
        if resource_name in labels:
            return labels.index(resource_name)
        raise SpecError(
            [Problem("NO_RESOURCE", "", f'no resource "{RESOURCE_TYPE}" "{resource_name}" (found: {labels})')]
        )
    if not candidates:
        raise SpecError([Problem("NO_RESOURCE", "", f'no resource "{RESOURCE_TYPE}" block in the text')])
    if len(candidates) > 1:
        raise SpecError(
            [
                Problem(
                    "MULTIPLE_RESOURCES",
                    "",
                    f'{len(candidates)} resource "{RESOURCE_TYPE}" blocks ({", ".join(labels)}); '
                    "name the one to read",
                )
            ]
        )
    return 0


# ---------------------------------------------------------------------------------------------
# Reading bodies through the schema


class _Reader:
    def __init__(self, lines: Mapping[RawPath, int]) -> None:
        self.lines = lines
        self.problems: list[Problem] = []

    def report(self, code: str, path: str, raw: RawPath, message: str) -> None:
        line = next((self.lines[raw[:end]] for end in range(len(raw), 0, -1) if raw[:end] in self.lines), 0)
        self.problems.append(Problem(code, path, f"{message} (line {line})" if line else message))

    def read_resource(
        self, body: Mapping[str, object], node: dict[str, object], actions: dict[str, dict[str, object]]
    ) -> None:
        node_body: dict[str, object] = {}
        for name, value in body.items():
            if name in _ACTIONS:
                items = self.block_items(value, _ACTIONS[name], name, (name,))
                if items:
                    call: dict[str, object] = {}
                    self.read_body(items[0][1], _ACTIONS[name].fields, items[0][0], (name, 0), call)
                    _complete(call, _ACTION_DEFAULTS.get(name, {}))
                    actions[name] = call
            elif name in _META_REFUSED:
                self.report(
                    "UNSUPPORTED_META_ARGUMENT",
                    name,
                    (name,),
                    f"`{name}` declares several nodes; write one resource per node",
                )
            elif name not in _META_IGNORED:
                node_body[name] = value
        self.read_body(node_body, RESOURCE_FIELDS, "", (), node)

    def read_body(
        self,
        body: Mapping[str, object],
        fields: tuple[Argument | Block, ...],
        display: str,
        raw: RawPath,
        out: dict[str, object],
    ) -> None:
        by_name = {f.name: f for f in fields}
        for name, value in body.items():
            if name.startswith("__") and name.endswith("__"):
                continue  # python-hcl2's own markers
            path = join_path(display, name)
            known = by_name.get(name)
            if known is None:
                self.report("UNKNOWN_FIELD", path, (*raw, name), _unknown_message(name, display, by_name))
            elif isinstance(known, Argument):
                self.read_argument(value, known, path, (*raw, name), out)
            else:
                for index, (item_path, item) in enumerate(self.block_items(value, known, path, (*raw, name))):
                    target: dict[str, object] = {}
                    self.read_body(item, known.fields, item_path, (*raw, name, index), target)
                    _put(out, known.wire, [target] if known.repeated else target, append=known.repeated)
        for missing in (f for f in fields if f.required and body.get(f.name) is None):
            kind = "block" if isinstance(missing, Block) else "argument"
            self.report(
                "REQUIRED",
                join_path(display, missing.name),
                raw,
                f"the provider requires the `{missing.name}` {kind}",
            )

    def block_items(
        self, value: object, block: Block, path: str, raw: RawPath
    ) -> list[tuple[str, Mapping[str, object]]]:
        if not isinstance(value, list) or not all(
            isinstance(item, Mapping) and item.get(_BLOCK_MARK) is True for item in value
        ):
            labelled = isinstance(value, list) and all(isinstance(item, Mapping) for item in value)
            hint = "takes no labels" if labelled else f"is a block: write `{block.name} {{ ... }}`"
            self.report("INVALID_TYPE", path, raw, f"`{block.name}` {hint}")
            return []
        if not block.repeated and len(value) > 1:
            self.report("DUPLICATE_BLOCK", path, (*raw, 1), f"only one `{block.name}` block is allowed")
            return []
        if block.repeated:
            return [(f"{path}[{index}]", item) for index, item in enumerate(value)]
        return [(path, value[0])]

    def read_argument(
        self, value: object, argument: Argument, path: str, raw: RawPath, out: dict[str, object]
    ) -> None:
        if isinstance(value, list) and any(isinstance(i, Mapping) and _BLOCK_MARK in i for i in value):
            self.report(
                "INVALID_TYPE", path, raw, f"`{argument.name}` is an argument: write `{argument.name} = ...`"
            )
            return
        try:
            literal = decode_literal(value)
        except LiteralError as error:
            self.report(error.code, path, raw, str(error))
            return
        converted, ok = _convert(literal, argument.kind)
        if not ok:
            self.report("INVALID_TYPE", path, raw, f"`{argument.name}` must be {_KIND_NAMES[argument.kind]}")
            return
        _put(out, argument.wire, converted, append=False)


def _unknown_message(name: str, display: str, known: Mapping[str, object]) -> str:
    where = f"`{display}`" if display else "the resource"
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return f"`{name}` is not an argument or block of {where}{hint}"


_KIND_NAMES: Mapping[Kind, str] = {
    "string": "a string",
    "integer": "a whole number",
    "boolean": "true or false",
    "strings": "a list of strings",
    "object": "an object (map)",
}


def _convert(value: object, kind: Kind) -> tuple[object, bool]:
    """Terraform's automatic conversions into the argument's type; (value, converted?)."""
    if value is None:
        return None, True
    if kind == "string":
        if isinstance(value, str):
            return value, True
        if isinstance(value, bool):
            return ("true" if value else "false"), True
        if isinstance(value, int | float):
            return render_number(value), True
    elif kind == "integer":
        if isinstance(value, bool):
            return value, False
        if isinstance(value, int):
            return value, True
        if isinstance(value, float) and value.is_integer():
            return int(value), True
        if isinstance(value, str) and _INTEGER.match(value.strip()):
            return int(value), True
    elif kind == "boolean":
        if isinstance(value, bool):
            return value, True
        if value in ("true", "false"):
            return value == "true", True
    elif kind == "strings":
        if isinstance(value, list):
            items = [_convert(item, "string") for item in value]
            return [item for item, _ in items], all(ok and item is not None for item, ok in items)
    elif isinstance(value, Mapping):
        return dict(value), True
    return value, False


def _put(out: dict[str, object], dotted: str, value: object, *, append: bool) -> None:
    """Set a dotted wire path, creating objects on the way and merging into existing ones."""
    target = out
    keys = dotted.split(".") if dotted else []
    if not keys:
        if isinstance(value, dict):
            _merge(target, value)
        return
    for key in keys[:-1]:
        child = target.setdefault(key, {})
        assert isinstance(child, dict)  # the schema never maps a scalar and an object to one key
        target = child
    last = keys[-1]
    existing = target.get(last)
    if append and isinstance(existing, list) and isinstance(value, list):
        existing.extend(value)
    elif isinstance(existing, dict) and isinstance(value, dict):
        _merge(existing, value)
    else:
        target[last] = value


def _merge(target: dict[str, object], source: Mapping[str, object]) -> None:
    for key, value in source.items():
        existing = target.get(key)
        if isinstance(existing, dict) and isinstance(value, dict):
            _merge(existing, value)
        else:
            target[key] = value


def _complete(call: dict[str, object], defaults: Mapping[str, object]) -> None:
    for path, default in defaults.items():
        if lookup(call, path) is None:
            _put(call, path, default, append=False)
