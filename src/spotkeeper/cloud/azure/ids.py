"""ARM resource ids, built and read by the Azure driver.

An id is `/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}[/...]`
and ARM compares ids without regard to case; the driver builds ids in Azure's spelling and reads
whatever spelling Azure echoes back.
"""

from __future__ import annotations

from spotkeeper.arm_ids import ParsedId, parse_id, resource_id, same_id


def typed_id(subscription_id: str, resource_type: str, resource_group: str, name: str) -> str:
    """The id of `name` of `resource_type` ("Microsoft.Network/networkSecurityGroups"); child
    types take "parent/child" names ("Microsoft.Network/virtualNetworks/subnets", "vnet/default")."""
    namespace, _, types = resource_type.partition("/")
    type_parts, name_parts = types.split("/"), name.split("/")
    if not namespace or not types or len(type_parts) != len(name_parts):
        raise ValueError(f"resource type {resource_type!r} does not fit name {name!r}")
    path = [part for pair in zip(type_parts, name_parts, strict=True) for part in pair]
    return resource_id(subscription_id, resource_group, namespace, *path)


def group_of(value: str) -> str:
    ref = parse_id(value)
    return "" if ref is None else ref.resource_group


def name_of(value: str) -> str:
    return value.rstrip("/").rsplit("/", 1)[-1]


def parent_nic_id(ip_configuration_id: str) -> str:
    """The NIC that owns an ip configuration (".../networkInterfaces/nic/ipConfigurations/x")."""
    lowered = ip_configuration_id.lower()
    cut = lowered.find("/ipconfigurations/")
    return ip_configuration_id if cut < 0 else ip_configuration_id[:cut]


__all__ = [
    "ParsedId", "group_of", "name_of", "parent_nic_id", "parse_id", "resource_id", "same_id", "typed_id",
]
