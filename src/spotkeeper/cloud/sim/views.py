"""Translation between the port's value objects and the simulated Azure's models.

The simulator's models are live and mutable (they are the simulated cloud's state); the port
hands the engine frozen snapshots. Everything here is a pure conversion, so `provider` stays a
list of calls and this module is where a field mapping is looked up or fixed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from spotkeeper.cloud.port import (
    DataDiskAttach,
    Disk,
    ImageInfo,
    ImageRef,
    Nic,
    PowerState,
    ProvisioningState,
    PublicIp,
    ScheduledEvent,
    SecurityProfile,
    Snapshot,
    Vm,
)
from spotkeeper.sim.context import SimContext
from spotkeeper.sim.disk_models import DiskSnapshot, ManagedDisk, disk_state
from spotkeeper.sim.evictions import SimScheduledEvent
from spotkeeper.sim.ids import COMPUTE, parse_id, resource_id
from spotkeeper.sim.images import ImageReference, ResolvedImage
from spotkeeper.sim.network_models import NetworkInterface, PublicIpAddress
from spotkeeper.sim.requests import SecuritySettings
from spotkeeper.sim.vm_models import VirtualMachine

_PROVISIONING: frozenset[str] = frozenset({"Creating", "Updating", "Succeeded", "Failed", "Deleting"})


def provisioning(value: str) -> ProvisioningState:
    if value not in _PROVISIONING:
        raise ValueError(f"unexpected provisioning state {value!r} from the simulator")
    return cast(ProvisioningState, value)


# ----------------------------------------------------------------------------- images


def image_to_sim(ref: ImageRef, subscription_id: str) -> ImageReference:
    if ref.kind == "marketplace":
        return ImageReference(publisher=ref.publisher, offer=ref.offer, sku=ref.sku, version=ref.version)
    if ref.kind == "custom":
        return ImageReference(
            id=resource_id(subscription_id, ref.resource_group, COMPUTE, "images", ref.name)
        )
    path = ["galleries", ref.gallery, "images", ref.name]
    if ref.version and ref.version.lower() != "latest":
        path += ["versions", ref.version]
    return ImageReference(id=resource_id(subscription_id, ref.resource_group, COMPUTE, *path))


def image_from_sim(ref: ImageReference) -> ImageRef:
    if ref.id is None:
        return ImageRef(
            "marketplace", publisher=ref.publisher, offer=ref.offer, sku=ref.sku, version=ref.version
        )
    parsed = parse_id(ref.id)
    if parsed is None:
        raise ValueError(f"unexpected image id {ref.id!r} from the simulator")
    if [t.lower() for t in parsed.types] == ["images"]:
        return ImageRef("custom", resource_group=parsed.resource_group, name=parsed.name)
    version = parsed.names[2] if len(parsed.names) == 3 else "latest"
    return ImageRef(
        "gallery",
        resource_group=parsed.resource_group,
        gallery=parsed.names[0],
        name=parsed.names[1],
        version=version,
    )


def image_info(resolved: ResolvedImage) -> ImageInfo:
    if resolved.kind == "marketplace":
        ref = ImageRef(
            "marketplace",
            publisher=resolved.publisher,
            offer=resolved.offer,
            sku=resolved.sku,
            version=resolved.version,
        )
    elif resolved.kind == "custom":
        ref = ImageRef("custom", resource_group=resolved.resource_group, name=resolved.name)
    else:
        ref = ImageRef(
            "gallery",
            resource_group=resolved.resource_group,
            gallery=resolved.gallery,
            name=resolved.name,
            version=resolved.version,
        )
    return ImageInfo(
        ref=ref,
        os_type=resolved.os_type,
        architecture=resolved.architecture,
        hyperv_generation=resolved.hyperv_generation,
        os_state=resolved.os_state,
        data_disk_luns=tuple(d.lun for d in resolved.data_disks),
    )


# ----------------------------------------------------------------------------- resources


def disk_view(ctx: SimContext, disk: ManagedDisk) -> Disk:
    return Disk(
        id=disk.id,
        resource_group=disk.resource_group,
        name=disk.name,
        region=disk.location,
        zone=disk.zone,
        sku=disk.sku,
        size_gb=disk.size_gb,
        disk_state=disk_state(ctx, disk),
        managed_by=disk.managed_by,
        provisioning_state=provisioning(disk.provisioning_state),
        os_type=disk.os_type,
        source_id=disk.source_id,
        tags=dict(disk.tags),
    )


def snapshot_view(snap: DiskSnapshot, now: datetime) -> Snapshot:
    return Snapshot(
        id=snap.id,
        resource_group=snap.resource_group,
        name=snap.name,
        region=snap.location,
        source_disk_id=snap.source_id,
        provisioning_state=provisioning(snap.provisioning_state),
        completion_percent=snap.completion_percent(now),
        time_created=snap.time_created,
        size_gb=snap.size_gb,
        os_type=snap.os_type,
        tags=dict(snap.tags),
    )


def public_ip_view(pip: PublicIpAddress) -> PublicIp:
    return PublicIp(
        id=pip.id,
        resource_group=pip.resource_group,
        name=pip.name,
        region=pip.location,
        address=pip.address,
        sku=pip.sku,
        attached_nic_id=pip.nic_id,
        provisioning_state=provisioning(pip.provisioning_state),
        tags=dict(pip.tags),
    )


def nic_view(nic: NetworkInterface) -> Nic:
    return Nic(
        id=nic.id,
        resource_group=nic.resource_group,
        name=nic.name,
        region=nic.location,
        subnet_id=nic.subnet_id,
        private_ip=nic.private_ip,
        public_ip_id=nic.public_ip_id,
        attached_vm_id=nic.vm_id,
        mac_address=nic.mac_address,
        provisioning_state=provisioning(nic.provisioning_state),
        network_security_group_id=nic.network_security_group_id,
        application_security_group_ids=nic.application_security_group_ids,
        tags=dict(nic.tags),
    )


def security_to_sim(security: SecurityProfile) -> SecuritySettings:
    return SecuritySettings(
        security_type=security.security_type,
        secure_boot=security.secure_boot,
        vtpm=security.vtpm,
        encryption_at_host=security.encryption_at_host,
    )


def vm_view(vm: VirtualMachine, now: datetime) -> Vm:
    power: PowerState = vm.power_state
    security = vm.security
    return Vm(
        id=vm.id,
        resource_group=vm.resource_group,
        name=vm.name,
        region=vm.location,
        zone=vm.zone,
        size=vm.size,
        priority=vm.priority,
        eviction_policy=vm.eviction_policy,
        provisioning_state=provisioning(vm.provisioning_state),
        power_state=power,
        agent_status=vm.agent_status(now),
        os_disk_id=vm.os_disk_id,
        os_type=vm.os_type,
        data_disks=tuple(
            DataDiskAttach(lun=d.lun, disk_id=d.disk_id, caching=d.caching) for d in vm.data_disks
        ),
        nic_ids=tuple(vm.nic_ids),
        vm_id=vm.vm_id,
        time_created=vm.time_created,
        evicted=vm.evicted,
        failure_code=vm.failure_code,
        image=None if vm.image is None else image_from_sim(vm.image),
        security=SecurityProfile(
            security_type=security.security_type,
            secure_boot=security.secure_boot,
            vtpm=security.vtpm,
            encryption_at_host=security.encryption_at_host,
        ),
        user_data=vm.user_data,
        tags=dict(vm.tags),
        generalized=vm.generalized,
        ephemeral_os_disk=vm.os_disk_ephemeral,
    )


def scheduled_event_view(event: SimScheduledEvent) -> ScheduledEvent:
    status: Literal["Scheduled", "Started"] = event.status
    return ScheduledEvent(
        event_id=event.event_id,
        event_type=event.event_type,
        resources=event.resources,
        status=status,
        not_before=event.not_before,
        source=event.source,
        duration_s=event.duration_s,
        description=event.description,
    )
