"""Creating a VM in the simulated Azure: Azure's rules checked in Azure's order, then the VM,
its OS disk (and image data disks) made, its disks and NICs attached, and "vm.create" scheduled.

Order, as ARM answers: throttling and injected faults first, then the request's own validity
(400s: priority fields, base64 data, image or attached OS disk and `osProfile`, boot
compatibility, data-disk layout, disk zone and attachment, NICs and their 180 s reservation,
capacity reservation rules), then quota (409), then capacity (409 `SkuNotAvailable` /
`AllocationFailed`). Nothing changes until every check has passed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spotkeeper.catalog import Region
from spotkeeper.sim.context import Lifecycle, check_tags
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import COMPUTE, key_of, resource_id
from spotkeeper.sim.requests import VmRequest
from spotkeeper.sim.storage import canonical_disk_sku
from spotkeeper.sim.vm_models import AttachedDisk, VirtualMachine
from spotkeeper.sim.vm_rules import (
    check_attachable,
    check_base64,
    check_boot,
    check_data_disk_layout,
    check_nics,
    check_no_os_profile_with_attach,
    check_priority,
)

if TYPE_CHECKING:
    from spotkeeper.sim.compute import ComputeService


def create_vm(
    compute: ComputeService, group_name: str, name: str, region: Region, request: VmRequest
) -> VirtualMachine:
    ctx = compute.ctx
    vm_id = resource_id(ctx.subscription_id, group_name, COMPUTE, "virtualMachines", name)
    size = ctx.require_size(request.size)
    lifecycle: Lifecycle = "spot" if request.priority == "Spot" else "od"
    ctx.check_fault("vm.create", region=region.name, zone=request.zone, size=size.name, lifecycle=lifecycle)
    check_priority(request, size)
    check_base64(request.user_data, target="userData")
    if request.os_profile is not None:
        check_base64(request.os_profile.custom_data, target="osProfile.customData")
    os_sku = canonical_disk_sku(request.os_disk.sku)
    resolved = None
    if request.os_disk.ephemeral and request.os_disk.create_option != "FromImage":
        raise ArmError(
            400,
            "InvalidParameter",
            "Ephemeral OS disks (diffDiskSettings) can only be created from an image.",
            target="storageProfile.osDisk.diffDiskSettings",
        )
    if request.os_disk.create_option == "Attach":
        check_no_os_profile_with_attach(request)
        if request.os_disk.disk_id is None:
            raise ArmError(
                400,
                "InvalidParameter",
                "osDisk.managedDisk.id is required when createOption is Attach.",
                target="storageProfile.osDisk.managedDisk.id",
            )
        os_disk = compute.storage.require_disk(request.os_disk.disk_id)
        os_type = request.os_disk.os_type or os_disk.os_type
        if os_type is None:
            raise ArmError(
                400,
                "InvalidParameter",
                "osDisk.osType is required when attaching a disk that has no OS type.",
                target="storageProfile.osDisk.osType",
            )
        generation, architecture, image_luns = os_disk.hyperv_generation, None, []
    else:
        if request.image is None:
            raise ArmError(
                400,
                "InvalidParameter",
                "imageReference is required when osDisk.createOption is FromImage.",
                target="storageProfile.imageReference",
            )
        resolved = compute.images.resolve(request.image, region.name)
        if resolved.os_state == "Generalized" and request.os_profile is None:
            raise ArmError(
                400,
                "InvalidParameter",
                "Required parameter 'osProfile' is missing (null).",
                target="osProfile",
            )
        if resolved.os_state == "Specialized" and request.os_profile is not None:
            raise ArmError(
                400, "InvalidParameter", "Parameter 'osProfile' is not allowed.", target="osProfile"
            )
        os_type, generation, architecture = (
            resolved.os_type,
            resolved.hyperv_generation,
            resolved.architecture,
        )
        image_luns = [d.lun for d in resolved.data_disks]
        if request.os_disk.name and ctx.state.disks.get(
            key_of(resource_id(ctx.subscription_id, group_name, COMPUTE, "disks", request.os_disk.name))
        ):
            raise ArmError(
                409,
                "ConflictingUserInput",
                f"Disk {request.os_disk.name} already exists in resource "
                f"group {group_name}. Only CreateOption.Attach is supported.",
                target="storageProfile.osDisk.name",
            )
    check_boot(
        size,
        generation=generation,
        architecture=architecture,
        security_type=request.security.security_type,
    )
    check_data_disk_layout(request.data_disks, size, image_luns=image_luns)
    data = [compute.storage.require_disk(d.disk_id) for d in request.data_disks]
    attach = ([os_disk] if resolved is None else []) + data
    if len({key_of(d.id) for d in attach}) != len(attach):
        raise ArmError(
            400,
            "InvalidParameter",
            "The OS disk is also listed as a data disk.",
            target="storageProfile.dataDisks",
        )
    for disk in attach:
        check_attachable(ctx, disk, vm_id=vm_id, zone=request.zone, location=region.name, size=size)
    nics = [compute.network.require_nic(nic_id) for nic_id in request.nic_ids]
    check_nics(ctx, nics, vm_id=vm_id, location=region.name, size=size, now=ctx.now())
    crg = request.capacity_reservation_group_id
    if crg is not None:
        compute.reservations.require_usable(
            crg, priority=request.priority, size=size.name, zone=request.zone, location=region.name
        )
    compute.quotas.check(region.name, size, lifecycle)
    compute.check_capacity(region.name, request.zone, size, request.priority, request.max_price, crg)
    # Everything checked: the request is accepted.
    vm = VirtualMachine(
        vm_id,
        group_name,
        name,
        region.name,
        request.zone,
        size.name,
        request.priority,
        (request.eviction_policy or "Deallocate") if request.priority == "Spot" else None,
        request.max_price if request.priority == "Spot" else None,
        "",
        os_type,
        generation,
        ctx.new_guid(),
        ctx.now(),
        image=request.image,
        os_disk_caching=request.os_disk.caching,
        os_disk_delete_option=request.os_disk.delete_option,
        os_disk_ephemeral=request.os_disk.ephemeral,
        nic_ids=[n.id for n in nics],
        os_profile=request.os_profile,
        user_data=request.user_data,
        security=request.security,
        capacity_reservation_group_id=crg,
        boot_diagnostics=request.boot_diagnostics,
        boot_diagnostics_storage_uri=request.boot_diagnostics_storage_uri,
        license_type=request.license_type,
        extensions=request.extensions,
        identity_ids=request.identity_ids,
        proximity_placement_group_id=request.proximity_placement_group_id,
        tags=check_tags(dict(request.tags)),
    )
    if resolved is None:
        vm.os_disk_id = os_disk.id
        os_disk.managed_by = vm.id
    else:
        assert request.image is not None
        os_name = request.os_disk.name or f"{name}_OsDisk_1_{ctx.new_guid().replace('-', '')}"
        made = compute.storage.materialize_disk(
            group_name,
            os_name,
            location=region.name,
            zone=request.zone,
            sku=os_sku,
            size_gb=max(request.os_disk.size_gb or 0, resolved.os_disk_size_gb),
            content=resolved.content,
            image=request.image,
            os_type=os_type,
            hyperv_generation=resolved.hyperv_generation,
            security_type=request.security.security_type,
            managed_by=vm.id,
        )
        vm.os_disk_id = made.id
        for image_disk in resolved.data_disks:
            extra = compute.storage.materialize_disk(
                group_name,
                f"{name}_DataDisk_{image_disk.lun}_{ctx.new_guid().replace('-', '')[:12]}",
                location=region.name,
                zone=request.zone,
                sku=os_sku,
                size_gb=image_disk.size_gb,
                content=resolved.data_contents.get(image_disk.lun, b""),
                image=request.image,
                os_type=None,
                hyperv_generation=None,
                security_type=None,
                managed_by=vm.id,
            )
            vm.data_disks.append(AttachedDisk(image_disk.lun, extra.id, "ReadOnly", from_image=True))
    for spec, disk in zip(request.data_disks, data, strict=True):
        vm.data_disks.append(AttachedDisk(spec.lun, disk.id, spec.caching, spec.delete_option))
        disk.managed_by = vm.id
    vm.data_disks.sort(key=lambda d: d.lun)
    for nic in nics:
        nic.attach_to(vm.id)
    if crg is not None:
        vm.on_reserved_capacity = compute.reservations.claim(crg, vm)
    ctx.state.vms[key_of(vm.id)] = vm
    ctx.record("vm.create.accepted", vm.id, f"{vm.size} {vm.priority} zone={vm.zone} vmId={vm.vm_id}")
    compute.run(vm, "vm.create", on_success=compute.now_running, failed_power="deallocated")
    return vm
