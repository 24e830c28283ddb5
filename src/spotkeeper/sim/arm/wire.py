"""The ARM wire conventions every resource of the facade shares: reading a JSON request body
with errors that name the offending field, and writing the common envelope of a resource
(`id`, `name`, `type`, `location`, `tags`, `zones`) and of a list (`value`, `nextLink`).

ARM treats property names case-insensitively on input and always answers in camelCase; the
readers here accept any case, the writers emit Azure's spelling. Times are ISO 8601 with an
explicit UTC offset, as ARM writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from spotkeeper.sim.errors import ArmError

T = TypeVar("T")
Json = dict[str, Any]


def iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _lookup(container: Mapping[str, Any], key: str) -> Any:
    if key in container:
        return container[key]
    lowered = key.lower()
    return next((v for k, v in container.items() if isinstance(k, str) and k.lower() == lowered), None)


def pick(body: Mapping[str, Any] | None, path: str) -> Any:
    """The value at a dotted `path` ("properties.hardwareProfile.vmSize"), or None when any
    step is missing or null; a step into something that is not an object is a 400 naming it."""
    current: Any = body
    walked: list[str] = []
    for step in path.split("."):
        if current is None:
            return None
        if not isinstance(current, Mapping):
            raise bad_field(".".join(walked), "must be a JSON object")
        current = _lookup(current, step)
        walked.append(step)
    return current


def bad_field(path: str, problem: str) -> ArmError:
    return ArmError(400, "InvalidParameter", f"Property '{path}' {problem}.", target=path)


def text(body: Mapping[str, Any] | None, path: str, *, required: bool = False) -> str | None:
    value = pick(body, path)
    if value is None:
        if required:
            raise ArmError(
                400, "InvalidParameter", f"Required property '{path}' is missing (null).", target=path
            )
        return None
    if not isinstance(value, str):
        raise bad_field(path, f"must be a string, not {type(value).__name__}")
    return value


def required_text(body: Mapping[str, Any] | None, path: str) -> str:
    value = text(body, path, required=True)
    assert value is not None
    return value


def integer(body: Mapping[str, Any] | None, path: str) -> int | None:
    value = pick(body, path)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise bad_field(path, "must be an integer")
    return int(value)


def number(body: Mapping[str, Any] | None, path: str) -> float | None:
    value = pick(body, path)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_field(path, "must be a number")
    return float(value)


def flag(body: Mapping[str, Any] | None, path: str, *, default: bool = False) -> bool:
    value = pick(body, path)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad_field(path, "must be true or false")
    return value


def objects(body: Mapping[str, Any] | None, path: str) -> list[Mapping[str, Any]]:
    """A list of JSON objects at `path` (an absent list is empty)."""
    value = pick(body, path)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise bad_field(path, "must be a list of objects")
    return list(value)


def strings(body: Mapping[str, Any] | None, path: str) -> list[str]:
    value = pick(body, path)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise bad_field(path, "must be a list of strings")
    return list(value)


def tags(body: Mapping[str, Any] | None) -> dict[str, str] | None:
    """`tags` as sent; None when absent (the backend checks names, values and count)."""
    value = pick(body, "tags")
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise bad_field("tags", "must be an object of string values")
    return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items()}


def single_zone(body: Mapping[str, Any] | None) -> str | None:
    zones = strings(body, "zones")
    if len(zones) > 1:
        raise bad_field("zones", "may name at most one zone for this resource")
    return zones[0] if zones else None


def choice(value: str | None, allowed: Iterable[str], path: str) -> str | None:
    """`value` in Azure's spelling if it is one of `allowed` (case-insensitively)."""
    if value is None:
        return None
    options = list(allowed)
    found = next((a for a in options if a.lower() == value.lower()), None)
    if found is None:
        raise bad_field(path, f"must be one of {', '.join(options)}, not '{value}'")
    return found


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> Json:
    """ARM PATCH: objects merge key by key, anything else (lists included) replaces; an
    explicit null removes the key."""
    merged: Json = dict(base)
    for key, value in patch.items():
        existing = next((k for k in merged if k.lower() == key.lower()), key)
        if value is None:
            merged.pop(existing, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(existing), Mapping):
            merged[existing] = deep_merge(merged[existing], value)
        else:
            merged.pop(existing, None)
            merged[key] = value
    return merged


# ----------------------------------------------------------------------------- writers


def envelope(
    resource_id: str,
    name: str,
    type_name: str,
    *,
    location: str | None = None,
    tags: Mapping[str, str] | None = None,
    zones: Iterable[str] | None = None,
    properties: Json | None = None,
    **extra: Any,
) -> Json:
    """A resource as ARM writes it: id, name, type, location, tags, zones, properties."""
    doc: Json = {"id": resource_id, "name": name, "type": type_name}
    if location is not None:
        doc["location"] = location
    if tags is not None:
        doc["tags"] = dict(tags)
    zone_list = list(zones or [])
    if zone_list:
        doc["zones"] = zone_list
    doc.update({k: v for k, v in extra.items() if v is not None})
    if properties is not None:
        doc["properties"] = prune(properties)
    return doc


def prune(doc: Json) -> Json:
    """Drop None values (ARM omits unset properties rather than sending null)."""
    return {k: prune(v) if isinstance(v, dict) else v for k, v in doc.items() if v is not None}


def listing(values: Iterable[Json]) -> Json:
    return {"value": list(values), "nextLink": None}
