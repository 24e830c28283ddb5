"""Changes to an existing VM in the simulated Azure: a VM PUT on a name that exists, and data
disk attach/detach.

What may change, as in Azure: size (a resize needs capacity and quota for the new size; it does
not restart the VM in the simulator), tags, user data, extensions, boot diagnostics, licence
type, the data disk list (new disks attach, disks left out detach; disks the VM got from its
image stay unless their LUN is given to another disk), and, only while the VM is deallocated,
its NICs, capacity reservation group and max price. What may not: zone, priority, eviction
policy, security type and the OS disk (409 `PropertyChangeNotAllowed`). A request that changes
nothing is answered with the VM as it is, even while another operation is in flight; a real
change waits for the VM to be idle (409 with retry_after). `osProfile` is first-boot data and
is ignored on update.

Attach/detach take effect on the VM's model at once; the VM is "Updating" until the latency
model's "disk.attach"/"disk.detach" has passed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import key_of
from spotkeeper.sim.requests import VmRequest
from spotkeeper.sim.vm_rules import (
    MAX_LUN,
    check_attachable,
    check_base64,
    check_boot,
    check_data_disk_layout,
    check_nics,
    check_no_os_profile_with_attach,
    data_disk_limit,
)

if TYPE_CHECKING:
    from spotkeeper.sim.compute import ComputeService
    from spotkeeper.sim.vm_models import VirtualMachine


def _fixed(what: str, name: str, target: str) -> ArmError:
    return ArmError(
        409,
        "PropertyChangeNotAllowed",
        f"Changing property '{what}' of VM {name} is not allowed.",
        target=target,
    )


def update_vm(compute: ComputeService, vm: VirtualMachine, request: VmRequest) -> VirtualMachine:
    from spotkeeper.sim.vm_models import AttachedDisk

    ctx = compute.ctx
    if vm.provisioning_state == "Deleting":
        raise ArmError(409, "OperationNotAllowed", f"VM {vm.name} is being deleted.")
    if request.zone != vm.zone:
        raise _fixed("zones", vm.name, "zones")
    if request.priority != vm.priority:
        raise _fixed("priority", vm.name, "priority")
    policy = (request.eviction_policy or "Deallocate") if request.priority == "Spot" else None
    if policy != vm.eviction_policy:
        raise _fixed("evictionPolicy", vm.name, "evictionPolicy")
    if request.security != vm.security:
        raise _fixed("securityProfile", vm.name, "securityProfile")
    if request.os_disk.create_option == "Attach":
        check_no_os_profile_with_attach(request)
        if key_of(request.os_disk.disk_id or "") != key_of(vm.os_disk_id):
            raise _fixed("storageProfile.osDisk.managedDisk.id", vm.name, "storageProfile.osDisk")
    elif (
        vm.image is None
        or request.image is None
        or request.image.describe().lower() != vm.image.describe().lower()
    ):
        raise _fixed("storageProfile.imageReference", vm.name, "storageProfile.imageReference")
    size = ctx.require_size(request.size)
    check_base64(request.user_data, target="userData")

    kept_image_disks = [
        d for d in vm.data_disks if d.from_image and all(r.lun != d.lun for r in request.data_disks)
    ]
    wanted = sorted(
        [
            *kept_image_disks,
            *(AttachedDisk(r.lun, r.disk_id, r.caching, r.delete_option) for r in request.data_disks),
        ],
        key=lambda d: d.lun,
    )
    resized = size.name.lower() != vm.size.lower()
    changes = {
        "size": resized,
        "tags": dict(request.tags) != vm.tags,
        "userData": request.user_data != vm.user_data,
        "extensions": request.extensions != vm.extensions,
        "diagnostics": (request.boot_diagnostics, request.boot_diagnostics_storage_uri)
        != (vm.boot_diagnostics, vm.boot_diagnostics_storage_uri),
        "licenseType": request.license_type != vm.license_type,
        "identity": request.identity_ids != vm.identity_ids,
        "dataDisks": [(d.lun, key_of(d.disk_id)) for d in wanted]
        != [(d.lun, key_of(d.disk_id)) for d in vm.data_disks],
        "networkInterfaces": [key_of(n) for n in request.nic_ids] != [key_of(n) for n in vm.nic_ids],
        "capacityReservation": key_of(request.capacity_reservation_group_id or "")
        != key_of(vm.capacity_reservation_group_id or ""),
        "maxPrice": request.priority == "Spot" and request.max_price != vm.max_price,
    }
    changed = sorted(name for name, differs in changes.items() if differs)
    if not changed:
        return vm
    compute.require_idle(vm)
    ctx.check_fault("vm.update", region=vm.location, zone=vm.zone, size=size.name, lifecycle=vm.lifecycle)
    allocated = vm.power_state != "deallocated"
    for needs_deallocation in ("networkInterfaces", "capacityReservation", "maxPrice"):
        if changes[needs_deallocation] and allocated:
            raise ArmError(
                409,
                "MaxPriceChangeNotAllowedForAllocatedVMs"
                if needs_deallocation == "maxPrice"
                else "OperationNotAllowed",
                f"Changing '{needs_deallocation}' of VM {vm.name} requires the VM to be deallocated.",
                target=needs_deallocation,
            )
    check_boot(
        size, generation=vm.hyperv_generation, architecture=None, security_type=vm.security.security_type
    )
    check_data_disk_layout(
        [r for r in request.data_disks], size, image_luns=[d.lun for d in kept_image_disks]
    )
    new_disks = [compute.storage.require_disk(d.disk_id) for d in wanted if not _has(vm, d.disk_id)]
    for new_disk in new_disks:
        check_attachable(ctx, new_disk, vm_id=vm.id, zone=vm.zone, location=vm.location, size=size)
    if resized:
        for d in vm.data_disks:
            disk = ctx.state.disks.get(key_of(d.disk_id))
            if disk is not None:
                check_attachable(ctx, disk, vm_id=vm.id, zone=vm.zone, location=vm.location, size=size)
    nics = [compute.network.require_nic(n) for n in request.nic_ids]
    check_nics(ctx, nics, vm_id=vm.id, location=vm.location, size=size, now=ctx.now())
    if request.capacity_reservation_group_id is not None:
        compute.reservations.require_usable(
            request.capacity_reservation_group_id,
            priority=vm.priority,
            size=size.name,
            zone=vm.zone,
            location=vm.location,
        )
    if resized:
        compute.quotas.check(vm.location, size, vm.lifecycle, excluding=key_of(vm.id))
        if allocated:
            compute.check_capacity(
                vm.location, vm.zone, size, vm.priority, vm.max_price, request.capacity_reservation_group_id
            )
    # Accepted: apply.
    for d in vm.data_disks:
        if all(key_of(w.disk_id) != key_of(d.disk_id) for w in wanted):
            disk = ctx.state.disks.get(key_of(d.disk_id))
            if disk is not None:
                disk.managed_by = None
    for d in wanted:
        disk = ctx.state.disks.get(key_of(d.disk_id))
        if disk is not None:
            disk.managed_by = vm.id
    vm.data_disks = wanted
    if changes["networkInterfaces"]:
        for nic_id in vm.nic_ids:
            old = ctx.state.nics.get(key_of(nic_id))
            if old is not None and old.vm_id is not None and key_of(old.vm_id) == key_of(vm.id):
                old.vm_id = None
        for nic in nics:
            nic.attach_to(vm.id)
        vm.nic_ids = [n.id for n in nics]
    if changes["capacityReservation"]:
        compute.reservations.release(vm)
        vm.on_reserved_capacity = False
        vm.capacity_reservation_group_id = request.capacity_reservation_group_id
    vm.size = size.name
    vm.tags = dict(request.tags)
    vm.user_data = request.user_data
    vm.extensions = request.extensions
    vm.boot_diagnostics = request.boot_diagnostics
    vm.boot_diagnostics_storage_uri = request.boot_diagnostics_storage_uri
    vm.license_type = request.license_type
    vm.identity_ids = request.identity_ids
    if request.priority == "Spot":
        vm.max_price = request.max_price
    vm.provisioning_state = "Updating"
    ctx.record("vm.update.accepted", vm.id, ",".join(changed))
    if resized:
        compute.evictions.watch(vm)
    compute.run(vm, "vm.update", on_success=_settled_update)
    return vm


def attach_disk(
    compute: ComputeService, vm: VirtualMachine, *, lun: int, disk_id: str, caching: str
) -> VirtualMachine:
    from spotkeeper.sim.vm_models import AttachedDisk

    ctx = compute.ctx
    disk = compute.storage.require_disk(disk_id)
    current = next((d for d in vm.data_disks if key_of(d.disk_id) == key_of(disk.id)), None)
    if current is not None and current.lun == lun:
        return vm
    if current is not None:
        raise ArmError(
            409,
            "OperationNotAllowed",
            f"Disk {disk.name} is already attached to VM {vm.name} at LUN {current.lun}.",
        )
    if not 0 <= lun <= MAX_LUN:
        raise ArmError(400, "InvalidParameter", f"LUN {lun} is outside 0..{MAX_LUN}.", target="lun")
    taken = next((d for d in vm.data_disks if d.lun == lun), None)
    if taken is not None:
        raise ArmError(
            409,
            "OperationNotAllowed",
            f"LUN {lun} of VM {vm.name} is already used by disk {taken.disk_id}.",
            target="lun",
        )
    compute.require_idle(vm)
    size = ctx.require_size(vm.size)
    if len(vm.data_disks) + 1 > size.max_data_disks:
        raise data_disk_limit(size)
    check_attachable(ctx, disk, vm_id=vm.id, zone=vm.zone, location=vm.location, size=size)
    ctx.check_fault("disk.attach", region=vm.location, zone=vm.zone, size=vm.size, lifecycle=vm.lifecycle)
    vm.data_disks.append(AttachedDisk(lun, disk.id, caching))
    vm.data_disks.sort(key=lambda d: d.lun)
    disk.managed_by = vm.id
    vm.provisioning_state = "Updating"
    ctx.record("disk.attach.accepted", vm.id, f"lun={lun} {key_of(disk.id)}")
    compute.run(vm, "disk.attach", on_success=_settled_update)
    return vm


def detach_disk(compute: ComputeService, vm: VirtualMachine, disk_id: str) -> VirtualMachine:
    ctx = compute.ctx
    current = next((d for d in vm.data_disks if key_of(d.disk_id) == key_of(disk_id)), None)
    if current is None:
        return vm
    compute.require_idle(vm)
    ctx.check_fault("disk.detach", region=vm.location, zone=vm.zone, size=vm.size, lifecycle=vm.lifecycle)
    vm.data_disks.remove(current)
    disk = ctx.state.disks.get(key_of(disk_id))
    if disk is not None:
        disk.managed_by = None
    vm.provisioning_state = "Updating"
    ctx.record("disk.detach.accepted", vm.id, f"lun={current.lun} {key_of(disk_id)}")
    compute.run(vm, "disk.detach", on_success=_settled_update)
    return vm


def _has(vm: VirtualMachine, disk_id: str) -> bool:
    return any(key_of(d.disk_id) == key_of(disk_id) for d in vm.data_disks)


def _settled_update(vm: VirtualMachine, _took: timedelta) -> None:
    vm.provisioning_state = "Succeeded"
