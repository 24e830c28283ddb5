"""Reading the ARM ids the cloud port hands back (NIC -> subnet, NSG, public IP; VM -> disks).

The views and the import configuration name resources the way the wire format does, by resource
group and name, while the port links resources by ARM id
(`/subscriptions/…/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/x`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArmId:
    resource_group: str
    names: tuple[str, ...]  # the resource's name and its parents' (vnet, subnet)

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else ""


def read_arm_id(arm_id: str) -> ArmId:
    """Resource group and names of an ARM id; ValueError when it is not one."""
    parts = arm_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    try:
        rg = parts[lowered.index("resourcegroups") + 1]
        provider_at = lowered.index("providers")
    except (ValueError, IndexError):
        raise ValueError(f"not an ARM resource id: {arm_id!r}") from None
    typed = parts[provider_at + 2 :]  # type, name, child type, child name, ...
    names = tuple(typed[1::2])
    if not rg or not names:
        raise ValueError(f"not an ARM resource id: {arm_id!r}")
    return ArmId(rg, names)


def resource_group_of(arm_id: str) -> str:
    try:
        return read_arm_id(arm_id).resource_group
    except ValueError:
        return ""
