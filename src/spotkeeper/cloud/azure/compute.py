"""Virtual machines through the Azure SDK: create or resize, read with the instance view,
delete keeping every dependent, power actions, eviction drill, data disk attach/detach.

Every change starts Azure's long-running operation and returns at once (`polling=False`): the
engine polls `get_vm`, and a failure Azure reports after accepting a request shows there as
provisioning state "Failed" with the operation's code. The exceptions are the few requests
that must be finished before the next one may start (setting `deleteOption: Detach` on a VM
made elsewhere before deleting it) and reads Azure computes on request.

Rules checked here rather than left to Azure, so the port's promise does not depend on the
wording of an ARM error: `osProfile` is refused with an attached OS disk (`InvalidRequest`),
and what Azure never changes on an existing VM — zone, priority, eviction policy, security
type, OS disk — is a `Conflict` before any request is sent. Capacity refusals, synchronous or
reported later on the VM, are remembered for `get_market` (`market.RefusalMemory`).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute import models as compute

from spotkeeper.cloud.arm_codes import CAPACITY_CODES
from spotkeeper.cloud.azure import bodies, mapping
from spotkeeper.cloud.azure.clients import AzureClients
from spotkeeper.cloud.azure.errors import translated
from spotkeeper.cloud.azure.ids import name_of, parse_id, resource_id, same_id
from spotkeeper.cloud.azure.market import RefusalMemory
from spotkeeper.cloud.azure.scheduled_events import ScheduledEventsSource
from spotkeeper.cloud.errors import CapacityUnavailable, Conflict, InvalidRequest
from spotkeeper.cloud.port import (
    DataDiskAttach,
    ImageRef,
    OsDiskAttach,
    OsDiskFromImage,
    ScheduledEvent,
    Vm,
    VmSpec,
    lifecycle_of,
)

COMPUTE = "Microsoft.Compute"
logger = logging.getLogger(__name__)


class ComputeOperations:
    def __init__(
        self, clients: AzureClients, *, refusals: RefusalMemory, scheduled_events: ScheduledEventsSource
    ) -> None:
        self.clients = clients
        self.refusals = refusals
        self.events = scheduled_events

    # create / resize ---------------------------------------------------------

    def ensure_vm(self, spec: VmSpec) -> Vm:
        if spec.os_profile is not None and isinstance(spec.os_disk, OsDiskAttach):
            raise InvalidRequest(
                f"VM {spec.name}: os_profile is first-boot provisioning and Azure refuses it with an "
                "attached OS disk (osProfile is not allowed with osDisk.createOption Attach)",
                code="InvalidParameter",
            )
        existing = self._find_vm(spec.resource_group, spec.name)
        if existing is not None:
            if (
                existing.size.lower() == spec.size.lower()
                and existing.zone == spec.zone
                and existing.priority == spec.priority
            ):
                self._ensure_extensions(spec, existing)
                return existing
            self._refuse_fixed_changes(spec, existing)
        os_type = existing.os_type if existing is not None else self._attached_os_type(spec)
        if existing is not None and isinstance(spec.os_disk, OsDiskFromImage) and existing.os_disk_id:
            # An update names the OS disk the VM has, whatever name a fresh one would get.
            spec = replace(spec, os_disk=replace(spec.os_disk, name=name_of(existing.os_disk_id)))
        body = bodies.vm_body(
            spec, self.clients.subscription_id, attached_os_type=os_type, update=existing is not None
        )
        lifecycle = lifecycle_of(spec.priority)
        try:
            with translated(size=spec.size, zone=spec.zone, lifecycle=lifecycle):
                self.clients.compute.virtual_machines.begin_create_or_update(
                    spec.resource_group, spec.name, compute.VirtualMachine(body), polling=False
                )
        except CapacityUnavailable:
            self.refusals.refused(spec.region, spec.size, spec.zone, lifecycle)
            raise
        if existing is None and spec.extensions:
            self._put_extensions(spec, [e.name for e in spec.extensions])
        elif existing is not None:
            self._ensure_extensions(spec, existing)
        created = self._find_vm(spec.resource_group, spec.name)
        return created if created is not None else self._accepted_vm(spec, os_type)

    def _refuse_fixed_changes(self, spec: VmSpec, vm: Vm) -> None:
        policy = (spec.eviction_policy or "Deallocate") if spec.priority == "Spot" else None
        changes = []
        if vm.zone != spec.zone:
            changes.append(f"zone {vm.zone or 'none'} → {spec.zone or 'none'}")
        if vm.priority != spec.priority:
            changes.append(f"priority {vm.priority} → {spec.priority}")
        if vm.eviction_policy != policy:
            changes.append(f"eviction policy {vm.eviction_policy} → {policy}")
        if vm.security.security_type != spec.security.security_type:
            changes.append(f"security type {vm.security.security_type} → {spec.security.security_type}")
        if isinstance(spec.os_disk, OsDiskAttach):
            if not same_id(spec.os_disk.disk_id, vm.os_disk_id):
                changes.append(f"OS disk {vm.os_disk_id} → {spec.os_disk.disk_id}")
        elif vm.image is not None and _image_identity(vm.image) != _image_identity(spec.os_disk.image):
            changes.append("image")
        if changes:
            raise Conflict(
                f"VM {spec.name} exists and Azure cannot change its {', '.join(changes)} in place; "
                "delete it (disks and NICs are kept) and create it again",
                code="PropertyChangeNotAllowed",
            )

    def _attached_os_type(self, spec: VmSpec) -> str | None:
        """Azure requires `osType` with an attached OS disk: the disk says which."""
        if not isinstance(spec.os_disk, OsDiskAttach):
            return None
        ref = parse_id(spec.os_disk.disk_id)
        if ref is None:
            raise InvalidRequest(
                f"VM {spec.name}: {spec.os_disk.disk_id!r} is not a disk id", code="InvalidParameter"
            )
        with translated():
            disk = self.clients.compute.disks.get(ref.resource_group, ref.name)
        return mapping.disk_view(disk).os_type

    def _ensure_extensions(self, spec: VmSpec, vm: Vm) -> None:
        """Extensions are child resources Azure installs on a VM that exists; one the spec
        names that the VM lacks is added once the VM has been provisioned."""
        if not spec.extensions or vm.provisioning_state != "Succeeded":
            return
        with translated():
            found = self.clients.compute.virtual_machine_extensions.list(spec.resource_group, spec.name)
        have = {(e.name or "").lower() for e in found.value or []}
        missing = [e.name for e in spec.extensions if e.name.lower() not in have]
        if missing:
            self._put_extensions(spec, missing)

    def _put_extensions(self, spec: VmSpec, names: list[str]) -> None:
        """PUT the named extensions. A VM still busy being created may refuse them (`Conflict`):
        they are then left for the next `ensure_vm` of the provisioned VM, which adds what is
        missing, rather than failing a create Azure has accepted."""
        for index, extension in enumerate(spec.extensions):
            if extension.name not in names:
                continue
            try:
                with translated():
                    self.clients.compute.virtual_machine_extensions.begin_create_or_update(
                        spec.resource_group,
                        spec.name,
                        extension.name,
                        compute.VirtualMachineExtension(bodies.extension_body(spec, index)),
                        polling=False,
                    )
            except Conflict as busy:
                logger.info(
                    "VM %s: extension %s deferred until the VM is idle (%s)", spec.name, extension.name, busy
                )
                return

    def _accepted_vm(self, spec: VmSpec, os_type: str | None) -> Vm:
        """The VM Azure accepted but does not show yet (ARM is eventually consistent)."""
        vm_id = resource_id(
            self.clients.subscription_id, spec.resource_group, COMPUTE, "virtualMachines", spec.name
        )
        os_disk_id = (
            spec.os_disk.disk_id
            if isinstance(spec.os_disk, OsDiskAttach)
            else resource_id(
                self.clients.subscription_id, spec.resource_group, COMPUTE, "disks", spec.os_disk.name
            )
        )
        return Vm(
            id=vm_id,
            resource_group=spec.resource_group,
            name=spec.name,
            region=spec.region,
            zone=spec.zone,
            size=spec.size,
            priority=spec.priority,
            eviction_policy=(spec.eviction_policy or "Deallocate") if spec.priority == "Spot" else None,
            provisioning_state="Creating",
            power_state="starting",
            agent_status="NotReady",
            os_disk_id=os_disk_id,
            os_type="Windows" if os_type == "Windows" else "Linux",
            data_disks=spec.data_disks,
            nic_ids=spec.nic_ids,
            vm_id="",
            time_created=self.clients.now(),
            user_data=spec.user_data,
            security=spec.security,
            tags=dict(spec.tags),
        )

    # reads -------------------------------------------------------------------

    def get_vm(self, resource_group: str, name: str) -> Vm:
        with translated():
            model = self.clients.compute.virtual_machines.get(resource_group, name, expand="instanceView")
        vm = mapping.vm_view(model, now=self.clients.now())
        if vm.provisioning_state == "Failed" and vm.failure_code in CAPACITY_CODES:
            self.refusals.refused(vm.region, vm.size, vm.zone, vm.lifecycle)
        return vm

    def _find_vm(self, resource_group: str, name: str) -> Vm | None:
        with translated():
            try:
                model = self.clients.compute.virtual_machines.get(resource_group, name, expand="instanceView")
            except HttpResponseError as error:
                if error.status_code == 404:
                    return None
                raise
        return mapping.vm_view(model, now=self.clients.now())

    def get_scheduled_events(self, resource_group: str, vm_name: str) -> list[ScheduledEvent]:
        return self.events.scheduled_events(resource_group, vm_name)

    # delete and power --------------------------------------------------------

    def delete_vm(self, resource_group: str, name: str) -> None:
        with translated():
            try:
                model = self.clients.compute.virtual_machines.get(resource_group, name)
            except HttpResponseError as error:
                if error.status_code == 404:
                    return
                raise
        patch = _detach_everything(model)
        with translated():
            if patch is not None:
                # The delete must not start before Azure has taken the new delete options.
                self.clients.compute.virtual_machines.begin_update(
                    resource_group, name, compute.VirtualMachineUpdate(patch)
                ).result()
            try:
                self.clients.compute.virtual_machines.begin_delete(resource_group, name, polling=False)
            except HttpResponseError as error:
                if error.status_code != 404:
                    raise

    def deallocate_vm(self, resource_group: str, name: str) -> None:
        with translated():
            self.clients.compute.virtual_machines.begin_deallocate(resource_group, name, polling=False)

    def start_vm(self, resource_group: str, name: str) -> None:
        vm = self.get_vm(resource_group, name)
        if vm.power_state in ("running", "starting"):
            return
        if vm.generalized:
            raise Conflict(
                f"VM {name} is generalized: Azure never starts it again", code="OperationNotAllowed"
            )
        try:
            with translated(size=vm.size, zone=vm.zone, lifecycle=vm.lifecycle):
                self.clients.compute.virtual_machines.begin_start(resource_group, name, polling=False)
        except CapacityUnavailable:
            self.refusals.refused(vm.region, vm.size, vm.zone, vm.lifecycle)
            raise

    def simulate_eviction(self, resource_group: str, name: str) -> None:
        with translated():
            self.clients.compute.virtual_machines.simulate_eviction(resource_group, name)

    # data disks --------------------------------------------------------------

    def attach_data_disk(self, resource_group: str, vm_name: str, disk: DataDiskAttach) -> None:
        with translated():
            model = self.clients.compute.virtual_machines.get(resource_group, vm_name)
        current = mapping.vm_view(model, now=self.clients.now())
        if any(d.lun == disk.lun and same_id(d.disk_id, disk.disk_id) for d in current.data_disks):
            return
        request = {
            "dataDisksToAttach": [
                {"diskId": disk.disk_id, "lun": disk.lun, "caching": disk.caching, "deleteOption": "Detach"}
            ]
        }
        with translated():
            self.clients.compute.virtual_machines.begin_attach_detach_data_disks(
                resource_group, vm_name, compute.AttachDetachDataDisksRequest(request), polling=False
            )

    def detach_data_disk(self, resource_group: str, vm_name: str, disk_id: str) -> None:
        with translated():
            model = self.clients.compute.virtual_machines.get(resource_group, vm_name)
        current = mapping.vm_view(model, now=self.clients.now())
        if not any(same_id(d.disk_id, disk_id) for d in current.data_disks):
            return
        request = {"dataDisksToDetach": [{"diskId": disk_id}]}
        with translated():
            self.clients.compute.virtual_machines.begin_attach_detach_data_disks(
                resource_group, vm_name, compute.AttachDetachDataDisksRequest(request), polling=False
            )


def _image_identity(ref: ImageRef) -> tuple[str, ...]:
    """What names an image, whatever version of it a VM was made from."""
    return tuple(
        part.lower()
        for part in (ref.kind, ref.publisher, ref.offer, ref.sku, ref.resource_group, ref.gallery, ref.name)
    )


def _detach_everything(model: compute.VirtualMachine) -> dict[str, object] | None:
    """The PATCH that sets `deleteOption: Detach` on every disk and NIC of a VM made outside the
    port; None when they all say Detach already (a list in a PATCH replaces the whole list)."""
    props = model.properties
    storage = props.storage_profile if props else None
    os_disk = storage.os_disk if storage else None
    data = list((storage.data_disks if storage else None) or [])
    nics = list((props.network_profile.network_interfaces if props and props.network_profile else None) or [])

    def deleting(option: object) -> bool:
        return (mapping.sdk_word(option) or "Detach").lower() == "delete"

    if not (
        (os_disk is not None and deleting(os_disk.delete_option))
        or any(deleting(d.delete_option) for d in data)
        or any(deleting(n.properties.delete_option if n.properties else None) for n in nics)
    ):
        return None
    return {
        "properties": {
            "storageProfile": {
                "osDisk": {"deleteOption": "Detach"},
                "dataDisks": [
                    {
                        "lun": d.lun,
                        "createOption": mapping.sdk_word(d.create_option) or "Attach",
                        "caching": mapping.sdk_word(d.caching) or "None",
                        "managedDisk": {"id": d.managed_disk.id if d.managed_disk else None},
                        "deleteOption": "Detach",
                    }
                    for d in data
                ],
            },
            "networkProfile": {
                "networkInterfaces": [
                    {
                        "id": n.id,
                        "properties": {
                            "primary": bool(n.properties and n.properties.primary),
                            "deleteOption": "Detach",
                        },
                    }
                    for n in nics
                ]
            },
        }
    }


__all__ = ["ComputeOperations"]
