"""ARM resource ids, built and read by the Azure driver.

An id is `/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}[/...]`
and ARM compares ids without regard to case; the driver builds ids in Azure's spelling and reads
whatever spelling Azure echoes back.
"""

from __future__ import annotations

from dataclasses import dataclass


def arm_id(subscription_id: str, resource_group: str, namespace: str, *path: str) -> str:
    """`path` alternates type and name: ("virtualMachines", "vm1") or
    ("virtualNetworks", "vnet", "subnets", "default")."""
    if not path or len(path) % 2:
        raise ValueError(f"resource path must alternate type and name, got {path!r}")
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/{namespace}/"
        + "/".join(path)
    )


def typed_id(subscription_id: str, resource_type: str, resource_group: str, name: str) -> str:
    """The id of `name` of `resource_type` ("Microsoft.Network/networkSecurityGroups"); child
    types take "parent/child" names ("Microsoft.Network/virtualNetworks/subnets", "vnet/default")."""
    namespace, _, types = resource_type.partition("/")
    type_parts, name_parts = types.split("/"), name.split("/")
    if not namespace or not types or len(type_parts) != len(name_parts):
        raise ValueError(f"resource type {resource_type!r} does not fit name {name!r}")
    path = [part for pair in zip(type_parts, name_parts, strict=True) for part in pair]
    return arm_id(subscription_id, resource_group, namespace, *path)


@dataclass(frozen=True)
class ArmRef:
    resource_group: str
    namespace: str
    types: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.names[-1]

    @property
    def type(self) -> str:
        return "/".join((self.namespace, *self.types))


def read_id(value: str) -> ArmRef | None:
    """The parts of a resource id; None when `value` is not one."""
    parts = [part for part in value.strip().split("/") if part]
    if len(parts) < 8 or parts[0].lower() != "subscriptions" or parts[2].lower() != "resourcegroups":
        return None
    if parts[4].lower() != "providers":
        return None
    rest = parts[6:]
    if len(rest) % 2:
        return None
    return ArmRef(parts[3], parts[5], tuple(rest[0::2]), tuple(rest[1::2]))


def group_of(value: str) -> str:
    ref = read_id(value)
    return "" if ref is None else ref.resource_group


def name_of(value: str) -> str:
    return value.rstrip("/").rsplit("/", 1)[-1]


def parent_nic_id(ip_configuration_id: str) -> str:
    """The NIC that owns an ip configuration (".../networkInterfaces/nic/ipConfigurations/x")."""
    lowered = ip_configuration_id.lower()
    cut = lowered.find("/ipconfigurations/")
    return ip_configuration_id if cut < 0 else ip_configuration_id[:cut]


def same_id(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


__all__ = ["ArmRef", "arm_id", "group_of", "name_of", "parent_nic_id", "read_id", "same_id", "typed_id"]
