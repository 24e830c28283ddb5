"""ARM resource ids: built and read in one place for the simulated Azure and the Azure driver.

ARM names every resource by a path, `/subscriptions/{sub}/resourceGroups/{rg}/providers/
{namespace}/{type}/{name}[/{child type}/{child name}]`, and compares those paths without regard
to case: a resource keeps the spelling it was created with, and lookups use the lower-cased id.
"""

from __future__ import annotations

from dataclasses import dataclass


def key_of(resource_id: str) -> str:
    """The case-insensitive lookup key of a resource id."""
    return resource_id.strip().rstrip("/").lower()


def same_id(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return key_of(a) == key_of(b)


def group_id(subscription_id: str, resource_group: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"


def resource_id(subscription_id: str, resource_group: str, namespace: str, *path: str) -> str:
    """`path` alternates type and name: ("virtualMachines", "vm1") or
    ("virtualNetworks", "vnet", "subnets", "default")."""
    if not path or len(path) % 2:
        raise ValueError(f"resource path must alternate type and name, got {path!r}")
    return f"{group_id(subscription_id, resource_group)}/providers/{namespace}/" + "/".join(path)


@dataclass(frozen=True)
class ParsedId:
    subscription_id: str
    resource_group: str
    namespace: str
    types: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.names[-1]

    @property
    def type(self) -> str:
        """The full type, e.g. "Microsoft.Network/virtualNetworks/subnets"."""
        return "/".join((self.namespace, *self.types))


def parse_id(value: str) -> ParsedId | None:
    """Split a resource id into its parts; None when it is not a resource id at all."""
    parts = [part for part in value.strip().split("/") if part]
    if len(parts) < 8 or parts[0].lower() != "subscriptions" or parts[2].lower() != "resourcegroups":
        return None
    if parts[4].lower() != "providers":
        return None
    rest = parts[6:]
    if len(rest) % 2:
        return None
    return ParsedId(
        subscription_id=parts[1],
        resource_group=parts[3],
        namespace=parts[5],
        types=tuple(rest[0::2]),
        names=tuple(rest[1::2]),
    )
