"""The base every wire model shares, and the translation of pydantic errors into `Problem`s.

Why a base: every object of the Spot `statefulNode` format has the same rules on the wire —
camelCase keys (snake_case attributes), unknown keys rejected, exact JSON types (a string
`"true"` is not a bool), JSON `null` accepted for any optional key, and a few keys with two
spellings because the public clients disagree (`storageUri` from the Python SDK, `storageUrl`
from Go/Terraform). Those rules live here once.

Alternate spellings: a model lists them in `wire_variants` (primary alias → other spellings).
Before validation the sent spelling is renamed to the primary one, so the attribute is always
the same (`boot_diagnostics.storage_uri`); the spelling the client used is remembered and used
again by `to_wire`, because Terraform reads back exactly the key it sent (a plain
`model_dump(by_alias=True)` gives the primary spellings). Sending both spellings at once is an
error (`DUPLICATE_FIELD`). Keys in `wire_ignored` (read-only or retired keys such as `id` and
`shouldPersistVm`) are accepted and dropped.

Errors: pydantic reports a location tuple relative to the root it validated; `problems_from`
turns each error into a `Problem` whose `field` is the wire path (`a.b[0].c`) prefixed by the
body's root, using the spelling the client actually sent.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from spotkeeper.spec.problems import Problem

DUPLICATE_SPELLING = "duplicate_spelling"


class WireModel(BaseModel):
    """A JSON object of the Spot wire format: exact keys, exact types, nulls allowed."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        extra="forbid",
        strict=True,
        frozen=True,
        populate_by_name=False,
    )

    wire_variants: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    wire_ignored: ClassVar[frozenset[str]] = frozenset()

    # primary alias -> the spelling the client sent, when it was not the primary one
    _sent_spellings: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _accept_spellings(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if not isinstance(data, Mapping) or not (cls.wire_variants or cls.wire_ignored):
            return handler(data)
        renamed = {key: value for key, value in data.items() if key not in cls.wire_ignored}
        sent: dict[str, str] = {}
        for primary, variants in cls.wire_variants.items():
            present = [key for key in (primary, *variants) if key in renamed]
            if len(present) > 1:
                raise PydanticCustomError(
                    DUPLICATE_SPELLING,
                    "{keys} are spellings of the same field; send only one",
                    {
                        "keys": " and ".join(f'"{key}"' for key in present),
                        "key": present[1],
                        "code": "DUPLICATE_FIELD",
                    },
                )
            if present and present[0] != primary:
                renamed[primary] = renamed.pop(present[0])
                sent[primary] = present[0]
        instance = handler(renamed)
        if sent and isinstance(instance, WireModel):
            instance._sent_spellings = sent
        return instance

    def wire_key(self, attribute: str) -> str:
        """The wire key this object uses for `attribute` (the client's spelling if it sent one)."""
        primary = wire_alias(type(self), attribute)
        return self._sent_spellings.get(primary, primary)


def to_wire(model: WireModel) -> dict[str, Any]:
    """The model as the client sent it: wire keys in the client's spelling, only keys it set.

    Spellings are restored here rather than in a pydantic serializer so that the models' JSON
    schema (used for the OpenAPI document) stays the plain, primary-spelling schema.
    """
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return _respell(model, data)


def _respell(model: WireModel, data: dict[str, Any]) -> dict[str, Any]:
    for name in model.model_fields_set:
        alias = wire_alias(type(model), name)
        if alias not in data:
            continue
        value = getattr(model, name)
        if isinstance(value, WireModel) and isinstance(data[alias], dict):
            data[alias] = _respell(value, data[alias])
        elif isinstance(value, list) and isinstance(data[alias], list):
            data[alias] = [
                _respell(item, dumped) if isinstance(item, WireModel) and isinstance(dumped, dict) else dumped
                for item, dumped in zip(value, data[alias], strict=True)
            ]
    if not model._sent_spellings:
        return data
    return {model._sent_spellings.get(key, key): value for key, value in data.items()}


def wire_alias(model_cls: type[BaseModel], attribute: str) -> str:
    alias = model_cls.model_fields[attribute].alias
    return alias if alias is not None else attribute


def all_spelling_variants() -> dict[str, tuple[str, ...]]:
    """Every key with several spellings, mapped to all its spellings (for merging wire dicts)."""
    groups: dict[str, tuple[str, ...]] = {}
    pending: list[type[WireModel]] = [WireModel]
    while pending:
        model_cls = pending.pop()
        pending.extend(model_cls.__subclasses__())
        for primary, variants in model_cls.wire_variants.items():
            spellings = (primary, *variants)
            for key in spellings:
                groups[key] = spellings
    return groups


# ---------------------------------------------------------------------------------------------
# pydantic errors -> Problems

_TYPE_WORDS: dict[str, str] = {
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
}

_BOUND_WORDS: dict[str, str] = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be greater than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
}


def problems_from(
    error: ValidationError, *, raw: object, root: str, model_cls: type[BaseModel]
) -> list[Problem]:
    """One `Problem` per pydantic error, with wire paths as the client spelled them."""
    problems: list[Problem] = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        kind = detail["type"]
        value = detail.get("input")
        ctx = detail.get("ctx") or {}
        path = wire_path(raw, loc)
        name = _display_name(path)
        if kind == "extra_forbidden":
            problems.append(_unknown_field(model_cls, loc, path, root))
        elif "key" in ctx and "code" in ctx:
            # our own errors raised by a model validator name the key they are about
            field = format_path(root, (*path, str(ctx["key"])))
            problems.append(Problem(str(ctx["code"]), field, str(detail["msg"])))
        elif kind == "missing" or (value is None and kind in _TYPE_WORDS and _is_required(model_cls, loc)):
            problems.append(Problem("REQUIRED", format_path(root, path), f"{name} is required"
                                    + (" and cannot be null" if kind != "missing" else "")))
        elif kind == "literal_error":
            problems.append(_bad_choice(name, value, str(ctx.get("expected", "")), format_path(root, path)))
        elif kind in _TYPE_WORDS:
            message = f"{name} {_TYPE_WORDS[kind]}, not {describe(value)}"
            problems.append(Problem("INVALID_TYPE", format_path(root, path), message))
        elif kind in _BOUND_WORDS:
            bound = _BOUND_WORDS[kind].format(**{k: ctx.get(k) for k in ("ge", "gt", "le", "lt")})
            message = f"{name} {bound} (got {describe(value)})"
            problems.append(Problem("INVALID_VALUE", format_path(root, path), message))
        else:
            problems.append(Problem("INVALID_VALUE", format_path(root, path), f"{name}: {detail['msg']}"))
    return problems


def _bad_choice(name: str, value: object, expected: str, field: str) -> Problem:
    choices = re.findall(r"'([^']*)'", expected)
    listed = ", ".join(choices)
    if not isinstance(value, str) and choices:
        message = f"{name} must be a string, one of: {listed} (got {describe(value)})"
        return Problem("INVALID_TYPE", field, message)
    return Problem("INVALID_VALUE", field, f"{name} must be one of: {listed} (got {describe(value)})")


def _display_name(path: tuple[int | str, ...]) -> str:
    """How a message names the value at `path`: `"sizeGB"`, or `"zones[1]"` for a list item."""
    tail = ""
    for part in reversed(path):
        if isinstance(part, int):
            tail = f"[{part}]{tail}"
        else:
            return f'"{part}{tail}"'
    return "the body"


def _unknown_field(
    model_cls: type[BaseModel], loc: tuple[int | str, ...], path: tuple[int | str, ...], root: str
) -> Problem:
    key = str(loc[-1])
    parent = model_at(model_cls, loc[:-1])
    where = format_path(root, path[:-1]) or "the top level of the body"
    message = f'"{key}" is not a field of {where}'
    if parent is not None:
        suggestion = _closest_key(key, _known_keys(parent))
        if suggestion:
            message += f'; did you mean "{suggestion}"?'
    return Problem("UNKNOWN_FIELD", format_path(root, path), message)


def _known_keys(model_cls: type[BaseModel]) -> list[str]:
    keys = [wire_alias(model_cls, name) for name in model_cls.model_fields]
    if issubclass(model_cls, WireModel):
        for variants in model_cls.wire_variants.values():
            keys.extend(variants)
    return keys


def _closest_key(key: str, known: list[str]) -> str | None:
    def squash(text: str) -> str:
        return text.replace("_", "").replace("-", "").lower()

    by_squashed = {squash(k): k for k in known}
    if squash(key) in by_squashed:
        return by_squashed[squash(key)]
    close = difflib.get_close_matches(squash(key), list(by_squashed), n=1, cutoff=0.75)
    return by_squashed[close[0]] if close else None


def _is_required(model_cls: type[BaseModel], loc: tuple[int | str, ...]) -> bool:
    parent = model_at(model_cls, loc[:-1])
    if parent is None or not isinstance(loc[-1], str):
        return False
    for name, field in parent.model_fields.items():
        if wire_alias(parent, name) == loc[-1]:
            return field.is_required()
    return False


def model_at(model_cls: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that validates the object found at `loc` (None if not a model)."""
    current: Any = model_cls
    for part in loc:
        current = _unwrap_optional(current)
        if isinstance(part, int):
            if get_origin(current) is not list:
                return None
            current = get_args(current)[0]
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        annotation = None
        for name, field in current.model_fields.items():
            if wire_alias(current, name) == part:
                annotation = field.annotation
                break
        if annotation is None:
            return None
        current = annotation
    current = _unwrap_optional(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def wire_path(raw: object, loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """`loc` with each key replaced by the spelling present in `raw` (storageUrl, not storageUri)."""
    variants = all_spelling_variants()
    path: list[int | str] = []
    current: object = raw
    for part in loc:
        key: int | str = part
        if isinstance(part, str) and isinstance(current, Mapping) and part not in current:
            key = next((v for v in variants.get(part, ()) if v in current), part)
        path.append(key)
        if isinstance(key, str) and isinstance(current, Mapping):
            current = current.get(key)
        elif isinstance(key, int) and isinstance(current, list) and 0 <= key < len(current):
            current = current[key]
        else:
            current = None
    return tuple(path)


def format_path(root: str, parts: tuple[int | str, ...]) -> str:
    """`("a", 0, "b")` under root `r` -> `r.a[0].b`."""
    text = root
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else part
    return text


def describe(value: object) -> str:
    """How a JSON value reads in an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'the string "{shown}"'
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def literal_values(annotation: Any) -> tuple[str, ...]:
    """The allowed wire values of a `Literal[...]` annotation (optional wrappers removed)."""
    annotation = _unwrap_optional(annotation)
    if get_origin(annotation) is Literal:
        return tuple(str(arg) for arg in get_args(annotation))
    return ()
