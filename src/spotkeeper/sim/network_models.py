"""The state of virtual networks, security groups, public IPs and NICs in the simulated Azure
(the models `network` operates on), including the NIC's 180-second reservation after its VM is
deleted, during which Azure refuses to attach it anywhere else (`NicReservedForAnotherVm`),
and the asynchronous create/delete bookkeeping NICs and public IPs share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from spotkeeper.sim.context import SimContext
from spotkeeper.sim.errors import ArmError

NIC_RESERVATION = timedelta(seconds=180)
SecurityGroupKind = Literal["nsg", "asg"]
SECURITY_GROUP_TYPES: dict[str, str] = {"nsg": "networkSecurityGroups", "asg": "applicationSecurityGroups"}


@dataclass
class Subnet:
    id: str
    name: str
    address_prefix: str
    network_security_group_id: str | None = None
    allocations: dict[str, str] = field(default_factory=dict)  # private address -> NIC key


@dataclass
class VirtualNetwork:
    id: str
    resource_group: str
    name: str
    location: str
    address_space: list[str]
    subnets: dict[str, Subnet] = field(default_factory=dict)  # lower-cased name -> subnet
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"


@dataclass
class SecurityGroup:
    """A network security group (kind "nsg") or application security group (kind "asg")."""

    id: str
    resource_group: str
    name: str
    location: str
    kind: SecurityGroupKind
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"


@dataclass
class PublicIpAddress:
    id: str
    resource_group: str
    name: str
    location: str
    address: str
    zones: tuple[str, ...] = ()
    sku: str = "Standard"
    allocation_method: str = "Static"
    nic_id: str | None = None  # the NIC whose ip configuration uses it
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"


@dataclass
class IpConfiguration:
    name: str
    version: Literal["IPv4", "IPv6"]
    address: str  # "" for IPv6 (not modelled)


@dataclass
class NetworkInterface:
    id: str
    resource_group: str
    name: str
    location: str
    subnet_id: str
    private_ip: str
    allocation_method: Literal["Static", "Dynamic"]
    mac_address: str
    public_ip_id: str | None = None
    network_security_group_id: str | None = None
    application_security_group_ids: tuple[str, ...] = ()
    backend_pool_ids: tuple[str, ...] = ()
    enable_ip_forwarding: bool = False
    additional_ip_configs: list[IpConfiguration] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"
    vm_id: str | None = None
    reserved_for_vm_id: str | None = None
    reserved_until: datetime | None = None

    def reserved_seconds(self, now: datetime) -> float | None:
        """Seconds left of the 180 s reservation for a deleted VM, or None."""
        if self.reserved_until is None or now >= self.reserved_until:
            return None
        return (self.reserved_until - now).total_seconds()

    def attach_to(self, vm_id: str) -> None:
        self.vm_id = vm_id
        self.reserved_for_vm_id = None
        self.reserved_until = None

    def release(self, vm_id: str, now: datetime) -> None:
        """The VM was deleted: keep the NIC reserved for it for 180 s."""
        self.vm_id = None
        self.reserved_for_vm_id = vm_id
        self.reserved_until = now + NIC_RESERVATION


def nic_reserved_error(nic: NetworkInterface, seconds: float) -> ArmError:
    return ArmError(
        400,
        "NicReservedForAnotherVm",
        f"Nic(s) in request is reserved for another Virtual Machine for 180 seconds. Please provide "
        f"another nic(s) or retry after 180 seconds. Reserved VM: {nic.reserved_for_vm_id}",
        target=nic.id,
        retry_after=float(int(seconds) + (seconds > int(seconds))),
    )


def finish_later(ctx: SimContext, resource: NetworkInterface | PublicIpAddress, op: str, detail: str) -> None:
    """Mark the resource "Updating" until the latency model's `op` has passed (or the fault
    plan fails it)."""
    resource.provisioning_state = "Updating"
    ctx.record(f"{op}.accepted", resource.id, detail)

    def done() -> None:
        if resource.provisioning_state != "Updating":
            return
        code = ctx.faults.async_failure(op, region=resource.location)
        resource.provisioning_state = "Failed" if code else "Succeeded"
        ctx.record(f"{op}.{'failed' if code else 'succeeded'}", resource.id, code or "")

    ctx.schedule(ctx.now() + ctx.duration(op, resource.id), op, resource.id, done)


def delete_later(
    ctx: SimContext, resource: NetworkInterface | PublicIpAddress, op: str, on_gone: Callable[[], object]
) -> None:
    """Mark the resource "Deleting" and run `on_gone` once `op` has passed (unless it fails)."""
    resource.provisioning_state = "Deleting"
    ctx.record(f"{op}.accepted", resource.id)

    def done() -> None:
        code = ctx.faults.async_failure(op, region=resource.location)
        if code is not None:  # the delete failed: the resource stays, Failed
            resource.provisioning_state = "Failed"
            ctx.record(f"{op}.failed", resource.id, code)
            return
        on_gone()
        ctx.record(f"{op}.succeeded", resource.id)

    ctx.schedule(ctx.now() + ctx.duration(op, resource.id), op, resource.id, done)
