"""Reading ARM resource ids: the engine schedules deletions by id and needs kind, group, name."""

from __future__ import annotations

from spotkeeper.cloud.port import ResourceKind

_KINDS: dict[str, ResourceKind] = {
    "microsoft.compute/disks": "disk",
    "microsoft.compute/snapshots": "snapshot",
    "microsoft.compute/virtualmachines": "vm",
    "microsoft.network/networkinterfaces": "nic",
    "microsoft.network/publicipaddresses": "public_ip",
}


def parse_resource_id(resource_id: str) -> tuple[ResourceKind, str, str]:
    """`(kind, resource_group, name)` of an ARM id; ValueError for anything else."""
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    try:
        rg = parts[lowered.index("resourcegroups") + 1]
        provider_at = lowered.index("providers")
        kind = _KINDS[f"{lowered[provider_at + 1]}/{lowered[provider_at + 2]}"]
        name = parts[provider_at + 3]
    except (ValueError, IndexError, KeyError) as error:
        raise ValueError(f"not a disk, snapshot, VM, NIC or public IP resource id: {resource_id}") from error
    return kind, rg, name
