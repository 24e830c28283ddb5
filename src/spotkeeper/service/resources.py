"""What a node holds in Azure right now (spot-api.md §5.2): network interfaces and disks.

The engine's state says which resources are the node's (it created or adopted them); the cloud
says what they look like now (addresses, MAC, subnet, SKU, size). A resource the engine knows
but the cloud no longer has is still listed from memory, so the answer never hides a gap.
"""

from __future__ import annotations

from typing import Any

from spotkeeper.cloud.errors import CloudError
from spotkeeper.cloud.port import Disk, Nic, PublicIp
from spotkeeper.engine.state import DiskRecord, NicRecord, NodeState
from spotkeeper.service.arm import read_arm_id, resource_group_of
from spotkeeper.service.context import ServiceContext, node_state
from spotkeeper.store import NodeRecord


def node_resources(ctx: ServiceContext, account_id: str, node_id: str) -> dict[str, Any]:
    record = ctx.node(account_id, node_id)
    state = node_state(record)
    network = (record.spec.get("compute") or {}).get("launchSpecification", {}).get("network") or {}
    return {
        "id": record.id,
        "name": record.name,
        "resourceGroupName": record.resource_group_name,
        "network": {
            "virtualNetwork": {
                "name": network.get("virtualNetworkName"),
                "resourceGroupName": network.get("resourceGroupName"),
            },
            "networkInterfaces": [_nic_view(ctx, record, nic) for nic in state.nics],
        },
        "storage": {
            "osDisk": None if state.os_disk is None else _disk_view(ctx, record, state, state.os_disk),
            "dataDisks": [_disk_view(ctx, record, state, disk) for disk in state.data_disks],
        },
    }


def _read_nic(ctx: ServiceContext, nic_id: str) -> Nic | None:
    try:
        ref = read_arm_id(nic_id)
        return ctx.cloud.get_nic(ref.resource_group, ref.name)
    except (CloudError, ValueError):
        return None


def _read_public_ip(ctx: ServiceContext, pip_id: str | None) -> PublicIp | None:
    if not pip_id:
        return None
    try:
        ref = read_arm_id(pip_id)
        return ctx.cloud.get_public_ip(ref.resource_group, ref.name)
    except (CloudError, ValueError):
        return None


def _named(arm_id: str | None) -> dict[str, Any] | None:
    if not arm_id:
        return None
    try:
        ref = read_arm_id(arm_id)
    except ValueError:
        return None
    return {"name": ref.name, "resourceGroupName": ref.resource_group}


def _nic_view(ctx: ServiceContext, record: NodeRecord, nic: NicRecord) -> dict[str, Any]:
    observed = _read_nic(ctx, nic.id)
    pip = _read_public_ip(ctx, observed.public_ip_id if observed else nic.public_ip_id)
    subnet: dict[str, Any] | None = None
    if observed is not None:
        try:
            ref = read_arm_id(observed.subnet_id)
            subnet = {"name": ref.name, "resourceGroupName": ref.resource_group, "addressPrefix": None}
        except ValueError:
            subnet = None
    public_ip = None
    if pip is not None or nic.public_ip_name:
        public_ip = {
            "name": pip.name if pip else nic.public_ip_name,
            "resourceGroupName": pip.resource_group if pip else resource_group_of(nic.public_ip_id or ""),
            "ipAddress": pip.address if pip else nic.public_ip_address,
            "skuName": pip.sku if pip else "Standard",
        }
    return {
        "name": nic.name,
        "resourceGroupName": resource_group_of(nic.id) or record.resource_group_name,
        "isPrimary": nic.is_primary,
        "networkSecurityGroup": _named(observed.network_security_group_id) if observed else None,
        "ipConfigurations": [
            {
                "name": "ipconfig1",
                "isPrimary": True,
                "subnet": subnet,
                "publicIp": public_ip,
                "privateIpAddress": observed.private_ip if observed else nic.private_ip,
                "privateIPAddressVersion": "IPv4",
                "privateIpAllocationMethod": "Static",
                "applicationSecurityGroups": [
                    named
                    for named in map(_named, observed.application_security_group_ids if observed else ())
                    if named is not None
                ],
            }
        ],
        "enableAcceleratedNetworking": False,
        "enableIpForwarding": False,
        "macAddress": observed.mac_address if observed else None,
    }


def _read_disk(ctx: ServiceContext, disk_id: str) -> Disk | None:
    try:
        ref = read_arm_id(disk_id)
        return ctx.cloud.get_disk(ref.resource_group, ref.name)
    except (CloudError, ValueError):
        return None


def _disk_view(ctx: ServiceContext, record: NodeRecord, state: NodeState, disk: DiskRecord) -> dict[str, Any]:
    observed = _read_disk(ctx, disk.id)
    snapshots = sorted(
        (s for s in state.snapshots if s.role == disk.role and s.lun == disk.lun), key=lambda s: s.taken_at
    )
    latest = snapshots[-1].name if snapshots else None
    view: dict[str, Any] = {
        "name": disk.name,
        "resourceGroupName": resource_group_of(disk.id) or record.resource_group_name,
        "storageAccountType": observed.sku if observed else disk.sku,
        "sizeGB": observed.size_gb if observed else disk.size_gb,
        "snapshot": latest,
        "lastCompletedSnapshot": latest,
    }
    if disk.role == "os":
        stated = (record.spec.get("compute") or {}).get("os")
        view["osType"] = (observed.os_type if observed else None) or stated
    else:
        view["lun"] = disk.lun
    return view
