"""Microsoft.Compute/virtualMachines over HTTPS: PUT, PATCH, GET, DELETE, the instance view,
lists, the power actions, `simulateEviction` and `attachDetachDataDisks`.

Each handler parses the request (`vm_wire`), asks the simulated Azure, and answers with the
status codes the Azure SDK accepts for the operation (`../shared/reference/azure.md` §1.3):
PUT 201 (new) / 200 (update) and PATCH 200, both with `Azure-AsyncOperation`; DELETE and the
POST actions 202 with `Azure-AsyncOperation` and `Location`; `simulateEviction` 204;
`generalize` 200. Whether an operation was started, and how it ends, is the simulator's
business (`operations`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from spotkeeper.sim.arm.calls import Call, Reply
from spotkeeper.sim.arm.operations import accepted
from spotkeeper.sim.arm.vm_documents import extension_document, instance_view, vm_document
from spotkeeper.sim.arm.vm_wire import (
    check_nic_delete_options,
    parse_extension,
    parse_vm_request,
    requested_delete_options,
    with_computer_name,
)
from spotkeeper.sim.arm.wire import (
    Json,
    bad_field,
    deep_merge,
    integer,
    listing,
    objects,
    required_text,
    text,
)
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import COMPUTE, key_of
from spotkeeper.sim.requests import DataDiskRequest, VmExtension, VmRequest
from spotkeeper.sim.vm_models import VirtualMachine


def _existing(call: Call) -> VirtualMachine | None:
    try:
        return call.sim.compute.get_vm(call.param("group"), call.param("name"))
    except ArmError as error:
        if error.status == 404 and error.code == "ResourceNotFound":
            return None
        raise


def _expand(call: Call) -> str:
    return call.query.get("$expand", "")


def _keep_delete_options(call: Call, vm: VirtualMachine, body: Json) -> None:
    """A PUT or PATCH that changes disks' `deleteOption`: the simulator can set them all to
    Detach (keep every disk when the VM goes); other changes are refused by name."""
    os_option, by_lun = requested_delete_options(body)
    current = {d.lun: d.delete_option for d in vm.data_disks}
    wanted = {lun: by_lun.get(lun, option) for lun, option in current.items()}
    if os_option == vm.os_disk_delete_option and wanted == current:
        return
    if os_option == "Detach" and all(option == "Detach" for option in wanted.values()):
        call.sim.compute.keep_disks_on_delete(vm.resource_group, vm.name)
        return
    raise ArmError(
        400,
        "NotSupportedBySimulator",
        "The simulator can change disks' deleteOption only to Detach on every disk of the VM.",
        target="properties.storageProfile",
    )


def put_vm(call: Call) -> Reply:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    existing = _existing(call)
    body = call.json_body()
    request = with_computer_name(parse_vm_request(body, existing=existing), name)
    check_nic_delete_options(body)
    if existing is not None:
        _keep_delete_options(call, existing, body)
    mark = call.operations.mark()
    vm = sim.compute.create_or_update_vm(group, name, request)
    operation = call.operations.started(vm.id, mark, namespace=COMPUTE, location=vm.location)
    return accepted(call, operation, status=200 if existing else 201, body=vm_document(sim, vm))


def patch_vm(call: Call) -> Reply:
    """ARM PATCH: the body merged onto the VM as it is, then applied like a PUT."""
    sim, group, name = call.sim, call.param("group"), call.param("name")
    vm = sim.compute.get_vm(group, name)
    current = vm_document(sim, vm, expand="userData")
    merged = deep_merge(current, call.json_body())
    request = with_computer_name(parse_vm_request(merged, existing=vm), name)
    check_nic_delete_options(merged)
    _keep_delete_options(call, vm, merged)
    mark = call.operations.mark()
    vm = sim.compute.create_or_update_vm(group, name, request)
    operation = call.operations.started(vm.id, mark, namespace=COMPUTE, location=vm.location)
    return accepted(call, operation, status=200, body=vm_document(sim, vm))


def get_vm(call: Call) -> Reply:
    vm = call.sim.compute.get_vm(call.param("group"), call.param("name"))
    return Reply(200, vm_document(call.sim, vm, expand=_expand(call)))


def get_instance_view(call: Call) -> Reply:
    vm = call.sim.compute.get_vm(call.param("group"), call.param("name"))
    return Reply(200, instance_view(call.sim, vm))


def delete_vm(call: Call) -> Reply:
    """202 + polling URLs; 204 when there is no such VM (ARM's answer for "already gone")."""
    sim = call.sim
    vm = _existing(call)
    if vm is None:
        call.sim.groups.get(call.param("group"))  # a missing group is still a 404
        return Reply(204)
    mark = call.operations.mark()
    sim.compute.delete_vm(vm.resource_group, vm.name)
    operation = call.operations.started(vm.id, mark, namespace=COMPUTE, location=vm.location)
    return accepted(call, operation, status=202, location_header=True)


def _listed(call: Call, vms: list[VirtualMachine]) -> Reply:
    expand = "instanceView" if call.query.get("statusonly", "").lower() == "true" else _expand(call)
    return Reply(200, listing(vm_document(call.sim, vm, expand=expand) for vm in vms))


def list_vms_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group"))
    return _listed(call, call.sim.compute.list_vms(resource_group=group.name))


def list_vms(call: Call) -> Reply:
    return _listed(call, call.sim.compute.list_vms())


def list_vms_in_location(call: Call) -> Reply:
    return _listed(call, call.sim.compute.list_vms(location=call.param("location")))


# ----------------------------------------------------------------------------- actions


def vm_action(call: Call) -> Reply:
    """POST .../virtualMachines/{name}/{action}."""
    sim, group, name = call.sim, call.param("group"), call.param("name")
    action = call.param("action").lower()
    vm = sim.compute.get_vm(group, name)
    if action == "simulateeviction":
        sim.compute.simulate_eviction(group, name)
        return Reply(204)
    if action == "generalize":
        sim.compute.generalize_vm(group, name)
        return Reply(200)
    mark = call.operations.mark()
    result = None
    if action == "start":
        sim.compute.start_vm(group, name)
    elif action == "deallocate":
        if call.query.get("hibernate", "").lower() == "true":
            raise ArmError(
                400, "NotSupportedBySimulator", "Hibernation is not modelled by the simulated Azure."
            )
        sim.compute.deallocate_vm(group, name)
    elif action == "poweroff":
        sim.compute.power_off_vm(group, name)
    elif action in ("restart", "reapply"):
        _require_running(vm, action)
    elif action == "attachdetachdatadisks":
        _attach_detach(call, vm)
        result = _storage_result(call, vm)
    else:
        raise ArmError(
            400,
            "NotSupportedBySimulator",
            f"The simulated Azure does not implement the VM action '{call.param('action')}'.",
        )
    operation = call.operations.started(vm.id, mark, namespace=COMPUTE, location=vm.location, result=result)
    return accepted(call, operation, status=202, location_header=True)


def _require_running(vm: VirtualMachine, action: str) -> None:
    """A restart reboots the guest in place (no time passes in the simulator); like a
    reapply, it needs a VM that is running."""
    if vm.power_state != "running":
        raise ArmError(
            409,
            "OperationNotAllowed",
            f"Operation '{action}' is not allowed on VM '{vm.name}' since the VM is {vm.power_state}.",
        )


def _storage_result(call: Call, vm: VirtualMachine) -> Callable[[], Json]:
    sim = call.sim

    def storage_profile() -> Json:
        current = sim.ctx.state.vms.get(key_of(vm.id))
        document = vm_document(sim, current or vm)
        profile: Json = document["properties"]["storageProfile"]
        return profile

    return storage_profile


def _attach_detach(call: Call, vm: VirtualMachine) -> None:
    """`attachDetachDataDisks`: one change runs as the simulator's disk attach or detach;
    several as one update of the VM's data disk list (a single operation, as in Azure)."""
    body = call.json_body()
    attach = objects(body, "dataDisksToAttach")
    detach = objects(body, "dataDisksToDetach")
    if not attach and not detach:
        raise bad_field("dataDisksToAttach", "or dataDisksToDetach must list at least one disk")
    sim = call.sim
    to_detach = {key_of(required_text(d, "diskId")) for d in detach}
    used = {d.lun for d in vm.data_disks if key_of(d.disk_id) not in to_detach}
    requests = []
    for disk in attach:
        lun = integer(disk, "lun")
        if lun is None:  # Azure picks the lowest free LUN
            lun = next(n for n in range(64) if n not in used)
        used.add(lun)
        requests.append(
            DataDiskRequest(
                lun=lun,
                disk_id=required_text(disk, "diskId"),
                caching=text(disk, "caching") or "None",
                delete_option="Delete"
                if (text(disk, "deleteOption") or "").lower() == "delete"
                else "Detach",
            )
        )
    if len(requests) + len(to_detach) == 1:
        if requests:
            only = requests[0]
            sim.compute.attach_data_disk(
                vm.resource_group, vm.name, lun=only.lun, disk_id=only.disk_id, caching=only.caching
            )
        else:
            sim.compute.detach_data_disk(vm.resource_group, vm.name, next(iter(to_detach)))
        return
    current = _current_request(call, vm)
    kept = tuple(d for d in current.data_disks if key_of(d.disk_id) not in to_detach)
    sim.compute.create_or_update_vm(
        vm.resource_group, vm.name, replace(current, data_disks=(*kept, *requests))
    )


# ----------------------------------------------------------------------------- extensions


def _current_request(call: Call, vm: VirtualMachine) -> VmRequest:
    """The VM as it is, as a PUT request (to change one thing through the simulator's update)."""
    return parse_vm_request(vm_document(call.sim, vm, expand="userData"), existing=vm)


def put_extension(call: Call) -> Reply:
    """An extension is part of the VM's model in the simulator: adding or changing one is an
    update of the VM ("vm.update"), which needs the VM idle."""
    sim, group, name = call.sim, call.param("group"), call.param("name")
    vm = sim.compute.get_vm(group, name)
    extension = parse_extension(call.param("extension"), call.json_body())
    others = tuple(e for e in vm.extensions if e.name.lower() != extension.name.lower())
    existed = len(others) != len(vm.extensions)
    mark = call.operations.mark()
    vm = sim.compute.create_or_update_vm(
        group, name, replace(_current_request(call, vm), extensions=(*others, extension))
    )
    operation = call.operations.started(vm.id, mark, namespace=COMPUTE, location=vm.location)
    return accepted(call, operation, status=200 if existed else 201, body=extension_document(vm, extension))


def _extension(call: Call) -> tuple[VirtualMachine, VmExtension]:
    vm = call.sim.compute.get_vm(call.param("group"), call.param("name"))
    wanted = call.param("extension").lower()
    found = next((e for e in vm.extensions if e.name.lower() == wanted), None)
    if found is None:
        raise ArmError(
            404,
            "NotFound",
            f"The entity was not found in this Azure location: extension '{call.param('extension')}' of "
            f"VM '{vm.name}'.",
        )
    return vm, found


def get_extension(call: Call) -> Reply:
    vm, extension = _extension(call)
    return Reply(200, extension_document(vm, extension))


def list_extensions(call: Call) -> Reply:
    vm = call.sim.compute.get_vm(call.param("group"), call.param("name"))
    return Reply(200, {"value": [extension_document(vm, e) for e in vm.extensions]})


def delete_extension(call: Call) -> Reply:
    try:
        vm, extension = _extension(call)
    except ArmError as error:
        if error.code == "NotFound":
            return Reply(204)
        raise
    kept = tuple(e for e in vm.extensions if e is not extension)
    mark = call.operations.mark()
    vm = call.sim.compute.create_or_update_vm(
        vm.resource_group, vm.name, replace(_current_request(call, vm), extensions=kept)
    )
    operation = call.operations.started(vm.id, mark, namespace=COMPUTE, location=vm.location)
    return accepted(call, operation, status=202, location_header=True)
